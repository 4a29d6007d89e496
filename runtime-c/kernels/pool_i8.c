/* onnx2mcu runtime: int8 AveragePool (2-D, NCHW) and GlobalAveragePool, the output at the
 * input's scale and zero point. As TFLite's int8 AveragePool
 * (reference/integer_ops/pooling.h): the levels are summed and the sum divided by the divisor
 * with halves rounded away from zero. Sums stay in int32: 2^31 / 128 taps is far beyond any
 * window or plane a microcontroller holds. */
#include "onnx2mcu/kernels_int8_elementwise.h"
#include "window_taps.h"

static int8_t rounded_mean(int32_t sum, int32_t divisor) {
  const int32_t mean = sum > 0 ? (sum + divisor / 2) / divisor : (sum - divisor / 2) / divisor;
  if (mean < INT8_MIN) {
    return INT8_MIN;
  }
  if (mean > INT8_MAX) {
    return INT8_MAX;
  }
  return (int8_t)mean;
}

void o2m_avgpool2d_i8(const o2m_avgpool2d_i8_params *p, const int8_t *input, int8_t *output) {
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t out_plane = p->out_h * p->out_w;
  for (int32_t plane = 0; plane < p->batch_channels; ++plane) {
    const int8_t *in = input + plane * in_plane;
    int8_t *out = output + plane * out_plane;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy_origin = oy * p->stride_h - p->pad_top;
      const int32_t rows_inside = o2m_taps_inside(iy_origin, p->dil_h, p->k_h, 0, p->in_h);
      const int32_t rows_padded = o2m_taps_inside(iy_origin, p->dil_h, p->k_h, -p->pad_top, p->in_h + p->pad_bottom);
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix_origin = ox * p->stride_w - p->pad_left;
        const int32_t columns_inside = o2m_taps_inside(ix_origin, p->dil_w, p->k_w, 0, p->in_w);
        const int32_t columns_padded =
            o2m_taps_inside(ix_origin, p->dil_w, p->k_w, -p->pad_left, p->in_w + p->pad_right);
        int32_t sum = 0;
        for (int32_t ky = 0; ky < p->k_h; ++ky) {
          const int32_t iy = iy_origin + ky * p->dil_h;
          if (iy < 0 || iy >= p->in_h) {
            continue;
          }
          for (int32_t kx = 0; kx < p->k_w; ++kx) {
            const int32_t ix = ix_origin + kx * p->dil_w;
            if (ix >= 0 && ix < p->in_w) {
              sum += in[iy * p->in_w + ix];
            }
          }
        }
        const int32_t inside = rows_inside * columns_inside;
        int32_t divisor = inside;
        if (p->count_include_pad) {
          /* A padded tap holds real 0, which is the zero point's level. */
          divisor = rows_padded * columns_padded;
          sum += (divisor - inside) * p->input_zero_point;
        }
        out[oy * p->out_w + ox] = divisor > 0 ? rounded_mean(sum, divisor) : (int8_t)p->input_zero_point;
      }
    }
  }
}

void o2m_global_avgpool_i8(const o2m_global_avgpool_i8_params *p, const int8_t *input, int8_t *output) {
  for (int32_t plane = 0; plane < p->batch_channels; ++plane) {
    const int8_t *in = input + plane * p->spatial;
    int32_t sum = 0;
    for (int32_t i = 0; i < p->spatial; ++i) {
      sum += in[i];
    }
    output[plane] = rounded_mean(sum, p->spatial);
  }
}
