/* onnx2mcu runtime: float32 ConvTranspose over up to three spatial axes (NC[D][H]W, grouped,
 * dilated), the ONNX reference semantics.
 *
 * Written as a gather rather than the usual scatter: output o along an axis receives input i
 * through kernel tap k exactly when o + pad = i * stride + k * dilation. Summing those terms per
 * output writes every output once, needs no zeroed accumulator buffer, and fixes the order of
 * the sum (input channels, then taps in depth, height, width order). */
#include <stddef.h>

#include "onnx2mcu/kernels_f32.h"

#include "activation_f32.h"

/* The input position that output `o` reads through tap `k` along one axis, or -1 if none. */
static int32_t source_position(const o2m_conv_transpose_f32_params *p, int32_t axis, int32_t o, int32_t k) {
  const int32_t scaled = o + p->pads_begin[axis] - k * p->dilations[axis];
  if (scaled < 0 || scaled % p->strides[axis] != 0) {
    return -1;
  }
  const int32_t position = scaled / p->strides[axis];
  return position < p->in_size[axis] ? position : -1;
}

void o2m_conv_transpose_f32(const o2m_conv_transpose_f32_params *p, const float *input,
                            const float *weights, const float *bias, float *output) {
  const int32_t in_c_per_group = p->in_c / p->groups;
  const int32_t out_c_per_group = p->out_c / p->groups;
  const int32_t in_h = p->in_size[1];
  const int32_t in_w = p->in_size[2];
  const int32_t in_volume = p->in_size[0] * in_h * in_w;
  const int32_t k_h = p->kernel[1];
  const int32_t k_w = p->kernel[2];
  const int32_t kernel_volume = p->kernel[0] * k_h * k_w;
  int32_t out_index = 0;

  for (int32_t n = 0; n < p->batch; ++n) {
    for (int32_t oc = 0; oc < p->out_c; ++oc) {
      const int32_t group = oc / out_c_per_group;
      const int32_t oc_in_group = oc - group * out_c_per_group;
      const float bias_value = bias != NULL ? bias[oc] : 0.0f;
      for (int32_t od = 0; od < p->out_size[0]; ++od) {
        for (int32_t oy = 0; oy < p->out_size[1]; ++oy) {
          for (int32_t ox = 0; ox < p->out_size[2]; ++ox) {
            float sum = 0.0f;
            for (int32_t ic = 0; ic < in_c_per_group; ++ic) {
              const int32_t channel = group * in_c_per_group + ic;
              const float *in_channel = input + (n * p->in_c + channel) * in_volume;
              const float *filter = weights + (channel * out_c_per_group + oc_in_group) * kernel_volume;
              for (int32_t kz = 0; kz < p->kernel[0]; ++kz) {
                const int32_t iz = source_position(p, 0, od, kz);
                if (iz < 0) {
                  continue;
                }
                for (int32_t ky = 0; ky < k_h; ++ky) {
                  const int32_t iy = source_position(p, 1, oy, ky);
                  if (iy < 0) {
                    continue;
                  }
                  const float *in_row = in_channel + (iz * in_h + iy) * in_w;
                  const float *filter_row = filter + (kz * k_h + ky) * k_w;
                  for (int32_t kx = 0; kx < k_w; ++kx) {
                    const int32_t ix = source_position(p, 2, ox, kx);
                    if (ix >= 0) {
                      sum += in_row[ix] * filter_row[kx];
                    }
                  }
                }
              }
            }
            output[out_index++] = o2m_activation_f32(sum + bias_value, p->act_min, p->act_max);
          }
        }
      }
    }
  }
}
