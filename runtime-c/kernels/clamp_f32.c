/* onnx2mcu runtime: float32 Relu / Clip with compile-time bounds, in place or not. */
#include "onnx2mcu/kernels_elementwise.h"

#include "activation_f32.h"

void o2m_clamp_f32(const o2m_clamp_f32_params *p, const float *input, float *output) {
  for (int32_t i = 0; i < p->count; ++i) {
    output[i] = o2m_activation_f32(input[i], p->min, p->max);
  }
}
