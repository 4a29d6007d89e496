/* onnx2mcu runtime: MatMulInteger and ConvInteger (8-bit operands, exact int32 sums) and
 * DynamicQuantizeLinear. The 8-bit operands may be int8 or uint8 independently; each element is
 * widened through one helper that knows which, so one loop serves all four combinations. */
#include <stddef.h>

#include "onnx2mcu/kernels_integer.h"
#include "onnx2mcu/math_f32.h"

#include "window_taps.h"

/* Element i of an 8-bit tensor of either signedness, widened exactly. */
static inline int32_t load_8bit(const void *data, int32_t is_unsigned, int32_t i) {
  return is_unsigned ? (int32_t)((const uint8_t *)data)[i] : (int32_t)((const int8_t *)data)[i];
}

void o2m_matmul_integer(const o2m_matmul_integer_params *p, const void *a, const void *b,
                        const void *a_zero_point, const void *b_zero_point, int32_t *output) {
  int32_t batches = 1;
  for (int32_t d = 0; d < p->batch_rank; ++d) {
    batches *= p->batch_shape[d];
  }
  int32_t *y = output;
  for (int32_t index = 0; index < batches; ++index) {
    /* The batch matrix of each operand: decompose the output's batch index over batch_shape. */
    int32_t a_base = 0;
    int32_t b_base = 0;
    int32_t rest = index;
    for (int32_t d = p->batch_rank - 1; d >= 0; --d) {
      const int32_t coordinate = rest % p->batch_shape[d];
      rest /= p->batch_shape[d];
      a_base += coordinate * p->a_batch_strides[d];
      b_base += coordinate * p->b_batch_strides[d];
    }
    for (int32_t m = 0; m < p->M; ++m) {
      const int32_t a_zero = load_8bit(a_zero_point, p->a_unsigned, p->a_zero_point_per_row ? m : 0);
      for (int32_t n = 0; n < p->N; ++n) {
        const int32_t b_zero = load_8bit(b_zero_point, p->b_unsigned, p->b_zero_point_per_column ? n : 0);
        int32_t acc = 0;
        for (int32_t k = 0; k < p->K; ++k) {
          const int32_t lhs = load_8bit(a, p->a_unsigned, a_base + m * p->K + k) - a_zero;
          const int32_t rhs = load_8bit(b, p->b_unsigned, b_base + k * p->N + n) - b_zero;
          acc += lhs * rhs;
        }
        *y++ = acc;
      }
    }
  }
}

void o2m_conv_integer(const o2m_conv_integer_params *p, const void *input, const void *weights,
                      const void *x_zero_point, const void *w_zero_point, int32_t *output) {
  const int32_t in_c_per_group = p->in_c / p->groups;
  const int32_t out_c_per_group = p->out_c / p->groups;
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t kernel_plane = p->k_h * p->k_w;
  const int32_t out_plane = p->out_h * p->out_w;
  const int32_t x_zero = load_8bit(x_zero_point, p->x_unsigned, 0);

  for (int32_t n = 0; n < p->batch; ++n) {
    for (int32_t oc = 0; oc < p->out_c; ++oc) {
      const int32_t group = oc / out_c_per_group;
      const int32_t image = (n * p->in_c + group * in_c_per_group) * in_plane;
      const int32_t filter = oc * in_c_per_group * kernel_plane;
      const int32_t w_zero = load_8bit(w_zero_point, p->w_unsigned, p->w_zero_point_per_channel ? oc : 0);
      int32_t *out_channel = output + (n * p->out_c + oc) * out_plane;

      for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t iy_origin = oy * p->stride_h - p->pad_top;
        int32_t ky_first, ky_last;
        o2m_valid_taps(iy_origin, p->dil_h, p->k_h, p->in_h, &ky_first, &ky_last);
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
          const int32_t ix_origin = ox * p->stride_w - p->pad_left;
          int32_t kx_first, kx_last;
          o2m_valid_taps(ix_origin, p->dil_w, p->k_w, p->in_w, &kx_first, &kx_last);

          int32_t acc = 0;
          for (int32_t ic = 0; ic < in_c_per_group; ++ic) {
            const int32_t in_channel = image + ic * in_plane;
            const int32_t filter_channel = filter + ic * kernel_plane;
            for (int32_t ky = ky_first; ky < ky_last; ++ky) {
              const int32_t row = in_channel + (iy_origin + ky * p->dil_h) * p->in_w + ix_origin;
              const int32_t filter_row = filter_channel + ky * p->k_w;
              for (int32_t kx = kx_first; kx < kx_last; ++kx) {
                const int32_t x = load_8bit(input, p->x_unsigned, row + kx * p->dil_w) - x_zero;
                const int32_t w = load_8bit(weights, p->w_unsigned, filter_row + kx) - w_zero;
                acc += x * w;
              }
            }
          }
          out_channel[oy * p->out_w + ox] = acc;
        }
      }
    }
  }
}

/* v clamped to [0, 255]; NaN goes to 0. */
static inline float saturate_u8(float v) {
  if (!(v >= 0.0f)) {
    return 0.0f;
  }
  return v > 255.0f ? 255.0f : v;
}

void o2m_dynamic_quantize_linear(const o2m_dynamic_quantize_linear_params *p, const float *input,
                                 uint8_t *output, float *scale, uint8_t *zero_point) {
  /* The range always holds 0, so that 0 is exactly representable. */
  float min = 0.0f;
  float max = 0.0f;
  for (int32_t i = 0; i < p->count; ++i) {
    if (input[i] < min) {
      min = input[i];
    }
    if (input[i] > max) {
      max = input[i];
    }
  }
  /* As ONNX Runtime does: an empty range gets scale 1 rather than a division by zero. */
  const float s = max == min ? 1.0f : (max - min) / 255.0f;
  const float zero = o2m_roundf_even(saturate_u8(0.0f - min / s));
  for (int32_t i = 0; i < p->count; ++i) {
    output[i] = (uint8_t)saturate_u8(o2m_roundf_even(input[i] / s) + zero);
  }
  *scale = s;
  *zero_point = (uint8_t)zero;
}
