/* onnx2mcu runtime: y = x * scale[c] + shift[c], an inference BatchNormalization whose
 * statistics the compiler folded into scale and shift. Safe in place. */
#include "onnx2mcu/kernels_reduce.h"

void o2m_channel_affine_f32(const o2m_channel_affine_f32_params *p, const float *input, const float *scale,
                            const float *shift, float *output) {
  for (int32_t outer = 0; outer < p->outer; ++outer) {
    for (int32_t channel = 0; channel < p->channels; ++channel) {
      const int32_t base = (outer * p->channels + channel) * p->inner;
      const float channel_scale = scale[channel];
      const float channel_shift = shift[channel];
      for (int32_t i = 0; i < p->inner; ++i) {
        output[base + i] = input[base + i] * channel_scale + channel_shift;
      }
    }
  }
}
