/* onnx2mcu runtime: int8 Conv (2-D NCHW, grouped, dilated; 1-D as height 1), the definition of
 * the int8 result (TFLite's reference convolution, per-channel requantisation). Faster variants
 * must match it bit for bit. */
#include <stddef.h>

#include "onnx2mcu/fixed_point.h"
#include "onnx2mcu/kernels_int8.h"

#include "requantize_i8.h"
#include "window_taps.h"

void o2m_conv2d_i8(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                   const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                   int8_t *output) {
  const int32_t in_c_per_group = p->in_c / p->groups;
  const int32_t out_c_per_group = p->out_c / p->groups;
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t kernel_plane = p->k_h * p->k_w;
  const int32_t out_plane = p->out_h * p->out_w;

  for (int32_t n = 0; n < p->batch; ++n) {
    const int8_t *image = input + n * p->in_c * in_plane;
    int8_t *result = output + n * p->out_c * out_plane;
    for (int32_t oc = 0; oc < p->out_c; ++oc) {
      const int32_t group = oc / out_c_per_group;
      const int8_t *group_input = image + group * in_c_per_group * in_plane;
      const int8_t *filter = weights + oc * in_c_per_group * kernel_plane;
      const int32_t bias_value = bias != NULL ? bias[oc] : 0;
      int8_t *out_channel = result + oc * out_plane;

      for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t iy_origin = oy * p->stride_h - p->pad_top;
        int32_t ky_first, ky_last;
        o2m_valid_taps(iy_origin, p->dil_h, p->k_h, p->in_h, &ky_first, &ky_last);
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
          const int32_t ix_origin = ox * p->stride_w - p->pad_left;
          int32_t kx_first, kx_last;
          o2m_valid_taps(ix_origin, p->dil_w, p->k_w, p->in_w, &kx_first, &kx_last);

          int32_t acc = bias_value;
          for (int32_t ic = 0; ic < in_c_per_group; ++ic) {
            const int8_t *in_channel = group_input + ic * in_plane;
            const int8_t *filter_channel = filter + ic * kernel_plane;
            for (int32_t ky = ky_first; ky < ky_last; ++ky) {
              const int32_t row_origin = (iy_origin + ky * p->dil_h) * p->in_w + ix_origin;
              const int8_t *filter_row = filter_channel + ky * p->k_w;
              for (int32_t kx = kx_first; kx < kx_last; ++kx) {
                acc += ((int32_t)in_channel[row_origin + kx * p->dil_w] + p->input_offset) * filter_row[kx];
              }
            }
          }
          out_channel[oy * p->out_w + ox] =
              o2m_requantize_i8(acc, multipliers[oc], shifts[oc], p->output_offset, p->act_min, p->act_max);
        }
      }
    }
  }
}
