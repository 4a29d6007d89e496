/* onnx2mcu runtime: an int8 copy into another scale and zero point — the Concat input whose
 * quantization differs from the output's, or a division by a positive constant. TFLite's
 * int8 -> int8 Requantize: out = clamp(mbqm(in - zero_point_in, multiplier, shift) + zero_point_out). */
#include "onnx2mcu/fixed_point.h"
#include "onnx2mcu/kernels_int8_elementwise.h"

void o2m_requantize_copy_i8(const o2m_requantize_copy_i8_params *p, const int8_t *input, int8_t *output) {
  for (int32_t r = 0; r < p->rows; ++r) {
    const int8_t *in = input + r * p->in_row_stride;
    int8_t *out = output + p->out_start + r * p->out_row_stride;
    for (int32_t i = 0; i < p->row_length; ++i) {
      int32_t value = o2m_multiply_by_quantized_multiplier(in[i] + p->input_offset, p->multiplier, p->shift) +
                      p->output_offset;
      if (value < p->act_min) {
        value = p->act_min;
      }
      if (value > p->act_max) {
        value = p->act_max;
      }
      out[i] = (int8_t)value;
    }
  }
}
