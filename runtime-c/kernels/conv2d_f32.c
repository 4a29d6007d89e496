/* onnx2mcu runtime: float32 Conv (2-D, NCHW, grouped, dilated), the ONNX reference semantics.
 *
 * Padding is never materialised: for each output row and column the range of kernel taps that
 * land inside the input is computed once, so the innermost loops have no bounds checks. */
#include <stddef.h>

#include "onnx2mcu/kernels_f32.h"

#include "activation_f32.h"
#include "window_taps.h"

void o2m_conv2d_f32(const o2m_conv2d_f32_params *p, const float *input, const float *weights,
                    const float *bias, float *output) {
  const int32_t in_c_per_group = p->in_c / p->groups;
  const int32_t out_c_per_group = p->out_c / p->groups;
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t kernel_plane = p->k_h * p->k_w;
  const int32_t out_plane = p->out_h * p->out_w;

  for (int32_t n = 0; n < p->batch; ++n) {
    const float *image = input + n * p->in_c * in_plane;
    float *result = output + n * p->out_c * out_plane;
    for (int32_t oc = 0; oc < p->out_c; ++oc) {
      const int32_t group = oc / out_c_per_group;
      const float *group_input = image + group * in_c_per_group * in_plane;
      const float *filter = weights + oc * in_c_per_group * kernel_plane;
      const float bias_value = bias != NULL ? bias[oc] : 0.0f;
      float *out_channel = result + oc * out_plane;

      for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t iy_origin = oy * p->stride_h - p->pad_top;
        int32_t ky_first, ky_last;
        o2m_valid_taps(iy_origin, p->dil_h, p->k_h, p->in_h, &ky_first, &ky_last);
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
          const int32_t ix_origin = ox * p->stride_w - p->pad_left;
          int32_t kx_first, kx_last;
          o2m_valid_taps(ix_origin, p->dil_w, p->k_w, p->in_w, &kx_first, &kx_last);

          float sum = 0.0f;
          for (int32_t ic = 0; ic < in_c_per_group; ++ic) {
            const float *in_channel = group_input + ic * in_plane;
            const float *filter_channel = filter + ic * kernel_plane;
            for (int32_t ky = ky_first; ky < ky_last; ++ky) {
              /* indices stay integers: a pointer to the padded origin could point before the array */
              const int32_t row_origin = (iy_origin + ky * p->dil_h) * p->in_w + ix_origin;
              const float *filter_row = filter_channel + ky * p->k_w;
              for (int32_t kx = kx_first; kx < kx_last; ++kx) {
                sum += in_channel[row_origin + kx * p->dil_w] * filter_row[kx];
              }
            }
          }
          out_channel[oy * p->out_w + ox] = o2m_activation_f32(sum + bias_value, p->act_min, p->act_max);
        }
      }
    }
  }
}
