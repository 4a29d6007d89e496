/* onnx2mcu runtime: int8 depthwise 1-D convolution on a channels-last [batch][length][channels]
 * tensor, so the Transposes exporters put around a Conv1d on a sequence need no buffer. The
 * arithmetic is o2m_conv2d_i8's (same taps, accumulation, bias and requantisation), so the result
 * is the same bit for bit.
 *
 * Time runs from the last step to the first: an output step reads input steps up to
 * (t * stride - pad_before + (kernel - 1) * dilation), which is at most t for a causal convolution
 * (stride 1, pad_before >= (kernel - 1) * dilation); every step it reads is then still intact when
 * it is written, and the compiler may place the output over the input. */
#include <stddef.h>

#include "onnx2mcu/kernels_int8.h"

#include "requantize_i8.h"
#include "window_taps.h"

void o2m_conv1d_channels_last_i8(const o2m_conv1d_channels_last_i8_params *p, const int8_t *input,
                                 const int8_t *weights, const int32_t *bias,
                                 const int32_t *multipliers, const int32_t *shifts,
                                 int8_t *output) {
  const int32_t channels = p->channels;
  for (int32_t n = 0; n < p->batch; ++n) {
    const int8_t *sequence = input + n * p->in_length * channels;
    int8_t *result = output + n * p->out_length * channels;
    for (int32_t t = p->out_length - 1; t >= 0; --t) {
      const int32_t origin = t * p->stride - p->pad_before;
      int32_t k_first, k_last;
      o2m_valid_taps(origin, p->dilation, p->kernel, p->in_length, &k_first, &k_last);
      for (int32_t c = 0; c < channels; ++c) {
        const int8_t *filter = weights + c * p->kernel;
        int32_t acc = bias != NULL ? bias[c] : 0;
        for (int32_t k = k_first; k < k_last; ++k) {
          acc += ((int32_t)sequence[(origin + k * p->dilation) * channels + c] + p->input_offset) * filter[k];
        }
        result[t * channels + c] =
            o2m_requantize_i8(acc, multipliers[c], shifts[c], p->output_offset, p->act_min, p->act_max);
      }
    }
  }
}
