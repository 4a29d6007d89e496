/* onnx2mcu runtime: float32 MaxPool and AveragePool over the two innermost axes (NCHW).
 *
 * ONNX semantics: MaxPool pads with -inf, so padded taps never win; AveragePool divides by the
 * taps inside the input, or with count_include_pad by the taps inside the padded input
 * [-pad_begin, in + pad_end) (taps that ceil_mode pushes past the padding never count). */
#include "onnx2mcu/kernels_f32.h"
#include "onnx2mcu/math_f32.h"
#include "window_taps.h"

typedef enum { POOL_MAX, POOL_SUM } pool_reduction;

/* The max or the sum of the taps of one window that fall inside the input. */
static float reduce_window(const o2m_pool2d_f32_params *p, const float *in, int32_t iy_origin,
                           int32_t ix_origin, pool_reduction reduction) {
  float acc = reduction == POOL_MAX ? -INFINITY : 0.0f;
  for (int32_t ky = 0; ky < p->k_h; ++ky) {
    const int32_t iy = iy_origin + ky * p->dil_h;
    if (iy < 0 || iy >= p->in_h) {
      continue;
    }
    for (int32_t kx = 0; kx < p->k_w; ++kx) {
      const int32_t ix = ix_origin + kx * p->dil_w;
      if (ix < 0 || ix >= p->in_w) {
        continue;
      }
      const float value = in[iy * p->in_w + ix];
      if (reduction == POOL_SUM) {
        acc += value;
      } else if (value > acc) {
        acc = value;
      }
    }
  }
  return acc;
}

void o2m_maxpool2d_f32(const o2m_pool2d_f32_params *p, const float *input, float *output) {
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t out_plane = p->out_h * p->out_w;
  for (int32_t plane = 0; plane < p->batch_channels; ++plane) {
    const float *in = input + plane * in_plane;
    float *out = output + plane * out_plane;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy_origin = oy * p->stride_h - p->pad_top;
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        out[oy * p->out_w + ox] = reduce_window(p, in, iy_origin, ox * p->stride_w - p->pad_left, POOL_MAX);
      }
    }
  }
}

void o2m_avgpool2d_f32(const o2m_pool2d_f32_params *p, const float *input, float *output) {
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t out_plane = p->out_h * p->out_w;
  for (int32_t plane = 0; plane < p->batch_channels; ++plane) {
    const float *in = input + plane * in_plane;
    float *out = output + plane * out_plane;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy_origin = oy * p->stride_h - p->pad_top;
      const int32_t rows_counted =
          p->count_include_pad ? o2m_taps_inside(iy_origin, p->dil_h, p->k_h, -p->pad_top, p->in_h + p->pad_bottom)
                               : o2m_taps_inside(iy_origin, p->dil_h, p->k_h, 0, p->in_h);
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix_origin = ox * p->stride_w - p->pad_left;
        const int32_t columns_counted =
            p->count_include_pad
                ? o2m_taps_inside(ix_origin, p->dil_w, p->k_w, -p->pad_left, p->in_w + p->pad_right)
                : o2m_taps_inside(ix_origin, p->dil_w, p->k_w, 0, p->in_w);
        const float sum = reduce_window(p, in, iy_origin, ix_origin, POOL_SUM);
        const int32_t divisor = rows_counted * columns_counted;
        /* A window entirely outside what counts has nothing to average: 0, not 0/0. */
        out[oy * p->out_w + ox] = divisor > 0 ? sum / (float)divisor : 0.0f;
      }
    }
  }
}
