/* onnx2mcu runtime: an element-wise function of one int8 input as a 256-entry table, which the
 * compiler computed exactly for every input level (Sigmoid, Tanh, GELU, Exp, ...). */
#include "onnx2mcu/kernels_int8.h"

void o2m_lookup_i8(const o2m_lookup_i8_params *p, const int8_t *input, const int8_t *table,
                   int8_t *output) {
  for (int32_t i = 0; i < p->count; ++i) {
    output[i] = table[(int32_t)input[i] + 128];
  }
}
