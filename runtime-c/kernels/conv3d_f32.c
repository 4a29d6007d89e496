/* onnx2mcu runtime: float32 Conv over three spatial axes (NCDHW, grouped, dilated), the ONNX
 * reference semantics. The 3-D counterpart of conv2d_f32.c, built the same way: padding is never
 * materialised, the kernel taps that land inside the input are found once per output position,
 * and each output sums input channels, then taps in depth, height, width order. */
#include <stddef.h>

#include "onnx2mcu/kernels_f32.h"

#include "activation_f32.h"
#include "window_taps.h"

void o2m_conv3d_f32(const o2m_conv3d_f32_params *p, const float *input, const float *weights,
                    const float *bias, float *output) {
  const int32_t in_c_per_group = p->in_c / p->groups;
  const int32_t out_c_per_group = p->out_c / p->groups;
  const int32_t in_h = p->in_size[1];
  const int32_t in_w = p->in_size[2];
  const int32_t in_volume = p->in_size[0] * in_h * in_w;
  const int32_t k_h = p->kernel[1];
  const int32_t k_w = p->kernel[2];
  const int32_t kernel_volume = p->kernel[0] * k_h * k_w;
  const int32_t out_volume = p->out_size[0] * p->out_size[1] * p->out_size[2];

  for (int32_t n = 0; n < p->batch; ++n) {
    const float *image = input + n * p->in_c * in_volume;
    float *result = output + n * p->out_c * out_volume;
    for (int32_t oc = 0; oc < p->out_c; ++oc) {
      const int32_t group = oc / out_c_per_group;
      const float *group_input = image + group * in_c_per_group * in_volume;
      const float *filter = weights + oc * in_c_per_group * kernel_volume;
      const float bias_value = bias != NULL ? bias[oc] : 0.0f;
      float *out_channel = result + oc * out_volume;
      int32_t out_index = 0;

      for (int32_t od = 0; od < p->out_size[0]; ++od) {
        const int32_t iz_origin = od * p->strides[0] - p->pads_begin[0];
        int32_t kz_first, kz_last;
        o2m_valid_taps(iz_origin, p->dilations[0], p->kernel[0], p->in_size[0], &kz_first, &kz_last);
        for (int32_t oy = 0; oy < p->out_size[1]; ++oy) {
          const int32_t iy_origin = oy * p->strides[1] - p->pads_begin[1];
          int32_t ky_first, ky_last;
          o2m_valid_taps(iy_origin, p->dilations[1], k_h, in_h, &ky_first, &ky_last);
          for (int32_t ox = 0; ox < p->out_size[2]; ++ox) {
            const int32_t ix_origin = ox * p->strides[2] - p->pads_begin[2];
            int32_t kx_first, kx_last;
            o2m_valid_taps(ix_origin, p->dilations[2], k_w, in_w, &kx_first, &kx_last);

            float sum = 0.0f;
            for (int32_t ic = 0; ic < in_c_per_group; ++ic) {
              const float *in_channel = group_input + ic * in_volume;
              const float *filter_channel = filter + ic * kernel_volume;
              for (int32_t kz = kz_first; kz < kz_last; ++kz) {
                const int32_t iz = iz_origin + kz * p->dilations[0];
                for (int32_t ky = ky_first; ky < ky_last; ++ky) {
                  /* indices stay integers: a pointer to the padded origin could point before the array */
                  const int32_t row_origin = (iz * in_h + iy_origin + ky * p->dilations[1]) * in_w + ix_origin;
                  const float *filter_row = filter_channel + (kz * k_h + ky) * k_w;
                  for (int32_t kx = kx_first; kx < kx_last; ++kx) {
                    sum += in_channel[row_origin + kx * p->dilations[2]] * filter_row[kx];
                  }
                }
              }
            }
            out_channel[out_index++] = o2m_activation_f32(sum + bias_value, p->act_min, p->act_max);
          }
        }
      }
    }
  }
}
