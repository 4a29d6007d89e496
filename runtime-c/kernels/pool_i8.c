/* onnx2mcu runtime: int8 AveragePool (2-D, NCHW) and GlobalAveragePool, the output at the
 * input's scale and zero point. As TFLite's int8 AveragePool
 * (reference/integer_ops/pooling.h): the levels are summed and the sum divided by the divisor
 * with halves rounded away from zero. Sums stay in int32: 2^31 / 128 taps is far beyond any
 * window or plane a microcontroller holds. */
#include "onnx2mcu/kernels_int8_elementwise.h"
#include "dsp_simd.h"
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


#if O2M_KERNELS_DSP
/* Sums of int8 on Armv7E-M with USADA8, which adds four unsigned bytes' distances to 0 (their
 * values) into an accumulator. Why the sums equal the definition's: XOR with 0x80 turns a
 * signed byte b into the unsigned byte b + 128, so a word's included bytes add their levels
 * plus 128 each, and bytes masked to 0 add nothing; the sum is exact in int32 (at most 255 per
 * tap) and 128 per tap is taken off again. The divisor, the padding term and rounded_mean are
 * the definition's, counted by the same o2m_taps_inside. */
static inline uint32_t biased_bytes(const int8_t *p) {
  return (uint32_t)o2m_load_int8x4(p) ^ 0x80808080u;
}

/* A window of at most four columns in a row of at least four: each row's taps are one word's
 * bytes, the word at the window's first column or, near the right edge, the row's last word. */
static int avgpool2d_i8_dsp(const o2m_avgpool2d_i8_params *p, const int8_t *input, int8_t *output) {
  if (p->dil_h != 1 || p->dil_w != 1 || p->k_w < 1 || p->k_w > 4 || p->in_w < 4) {
    return 0;
  }
  const int32_t in_h = p->in_h, in_w = p->in_w, out_h = p->out_h, out_w = p->out_w;
  const int32_t k_h = p->k_h, k_w = p->k_w, stride_h = p->stride_h, stride_w = p->stride_w;
  const int32_t pad_top = p->pad_top, pad_left = p->pad_left;
  const int32_t padded_h = in_h + p->pad_bottom, padded_w = in_w + p->pad_right;
  const int32_t count_include_pad = p->count_include_pad, zero_point = p->input_zero_point;
  for (int32_t plane = 0; plane < p->batch_channels; ++plane) {
    const int8_t *in = input + plane * in_h * in_w;
    int8_t *out = output + plane * out_h * out_w;
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t y = oy * stride_h - pad_top;
      const int32_t rows_inside = o2m_taps_inside(y, 1, k_h, 0, in_h);
      const int32_t rows_padded = o2m_taps_inside(y, 1, k_h, -pad_top, padded_h);
      const int8_t *top = in + (y > 0 ? y : 0) * in_w;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t x = ox * stride_w - pad_left;
        const int32_t first = x > 0 ? x : 0;
        const int32_t columns_inside = o2m_taps_inside(x, 1, k_w, 0, in_w);
        const int32_t columns_padded = o2m_taps_inside(x, 1, k_w, -pad_left, padded_w);
        const int32_t inside = rows_inside * columns_inside;
        int32_t sum = 0;
        if (inside > 0) {
          const int32_t base = first < in_w - 4 ? first : in_w - 4;
          const uint32_t mask = (0xFFFFFFFFu >> (32 - 8 * columns_inside)) << (8 * (first - base));
          const int8_t *row = top + base;
          uint32_t biased = 0;
          for (int32_t r = 0; r < rows_inside; ++r, row += in_w) {
            biased = __usada8(biased_bytes(row) & mask, 0, biased);
          }
          sum = (int32_t)biased - 128 * inside;
        }
        int32_t divisor = inside;
        if (count_include_pad) {
          divisor = rows_padded * columns_padded;
          sum += (divisor - inside) * zero_point;
        }
        out[oy * out_w + ox] = divisor > 0 ? rounded_mean(sum, divisor) : (int8_t)zero_point;
      }
    }
  }
  return 1;
}

static int32_t plane_sum(const int8_t *in, int32_t spatial) {
  uint32_t biased = 0;
  int32_t i = 0;
  for (; i + 8 <= spatial; i += 8) {
    biased = __usada8(biased_bytes(in + i), 0, biased);
    biased = __usada8(biased_bytes(in + i + 4), 0, biased);
  }
  for (; i + 4 <= spatial; i += 4) {
    biased = __usada8(biased_bytes(in + i), 0, biased);
  }
  int32_t sum = (int32_t)biased - 128 * i;
  for (; i < spatial; ++i) {
    sum += in[i];
  }
  return sum;
}
#endif

void o2m_avgpool2d_i8(const o2m_avgpool2d_i8_params *p, const int8_t *input, int8_t *output) {
#if O2M_KERNELS_DSP
  if (avgpool2d_i8_dsp(p, input, output)) {
    return;
  }
#endif
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
#if O2M_KERNELS_DSP
    const int32_t sum = plane_sum(in, p->spatial);
#else
    int32_t sum = 0;
    for (int32_t i = 0; i < p->spatial; ++i) {
      sum += in[i];
    }
#endif
    output[plane] = rounded_mean(sum, p->spatial);
  }
}
