/* onnx2mcu runtime: float32 depthwise 1-D convolution on a channels-last sequence
 * [batch][length][channels]. Each output is summed as o2m_conv2d_f32 sums it (taps in order from
 * zero, then the bias), so the two agree bit for bit. Time runs from the last step to the first,
 * which lets a causal convolution (stride 1, pad_before >= (kernel - 1) * dilation) write over its
 * own input: an output step reads no input step after it. */
#include <stddef.h>

#include "onnx2mcu/kernels_f32.h"

#include "activation_f32.h"
#include "window_taps.h"

void o2m_conv1d_channels_last_f32(const o2m_conv1d_channels_last_f32_params *p, const float *input,
                                  const float *weights, const float *bias, float *output) {
  const int32_t channels = p->channels;
  for (int32_t n = 0; n < p->batch; ++n) {
    const float *sequence = input + n * p->in_length * channels;
    float *result = output + n * p->out_length * channels;
    for (int32_t t = p->out_length - 1; t >= 0; --t) {
      const int32_t origin = t * p->stride - p->pad_before;
      int32_t k_first, k_last;
      o2m_valid_taps(origin, p->dilation, p->kernel, p->in_length, &k_first, &k_last);
      for (int32_t c = 0; c < channels; ++c) {
        const float *filter = weights + c * p->kernel;
        float sum = 0.0f;
        for (int32_t k = k_first; k < k_last; ++k) {
          sum += sequence[(origin + k * p->dilation) * channels + c] * filter[k];
        }
        result[t * channels + c] = o2m_activation_f32(sum + (bias != NULL ? bias[c] : 0.0f), p->act_min, p->act_max);
      }
    }
  }
}
