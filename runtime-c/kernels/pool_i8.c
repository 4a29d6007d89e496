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


#if O2M_KERNELS_MVE
#include <arm_mve.h>

/* AveragePool (no dilation) and GlobalAveragePool in Helium (Cortex-M55).
 *
 * AveragePool: the output columns whose k_w columns all lie inside the input (x >= 0 and
 * x + k_w <= in_w) take eight windows per pass in int16 lanes (2×2 and 3×3 windows, d <= 22) or
 * four in int32 lanes (any other, d <= 4096): each tap is one widening VLDRB (consecutive bytes at
 * stride 1, a gather of bytes j · stride_w apart otherwise, stride_w <= 4096 so that 7 · stride_w
 * + 2 fits the gather's 16-bit offsets) added to the lanes' sums, the last windows of a row with
 * predicated loads and store (VCTP), and the windows near the left and right edges take the
 * definition's arithmetic one by one. Why the results are the definition's:
 * - in one output row, those windows all have the same rows inside the input (the row's) and all
 *   k_w of their columns, so they share one divisor d and, with count_include_pad, one padding
 *   term (d - inside) · zero_point, computed as the definition computes them (o2m_taps_inside);
 *   their sums are the same int32 sums in another order (in int16 lanes every partial sum, padding
 *   term included, is at most 128 · d <= 2816 in magnitude, so exact too);
 * - the rounded division: for |sum| <= 128 · d (every tap, padded or not, is an int8 level),
 *   rounded_mean is sign(sum) · floor((|sum| + d/2) / d) — for sum <= 0 the definition's
 *   (sum - d/2) / d truncates toward zero, which is -floor((|sum| + d/2) / d) — and that floor is
 *   the high word of n · M for n = |sum| + d/2 and M = ceil(2^32 / d) (VMULH.U32), d >= 2: with
 *   M·d = 2^32 + e, 0 <= e < d, n·M / 2^32 = n/d + n·e / (d · 2^32), and the second term is below
 *   1/d (which keeps it under the next integer) when n·e < 2^32, true for n <= 128.5 d and
 *   d <= 4096. d = 1 gives the sum itself. The mean lies in [-128, 127] (the average of int8
 *   levels), so the definition's clamp changes nothing and the narrowing store keeps it;
 * - a row with no input row inside its windows, or a divisor of 0, takes the definition's
 *   arithmetic in every column. The output rows whose windows lie wholly inside the input's rows
 *   share one call (their rows, divisor and padding term are the same).
 * GlobalAveragePool: each plane's sum is VADDVA.S8 over 16 levels at a time (exact in int32),
 * the last spatial % 16 predicated, then the definition's rounded_mean. */
/* The definition's window ox of output row oy (no dilation): its taps inside the input are rows
 * [max(y, 0), min(y + k_h, in_h)) by columns [max(x, 0), min(x + k_w, in_w)), summed a row at a
 * time by one load predicated to those columns (the others load as 0) and VADDVA.S8 when there
 * are at most 16, one by one otherwise; then the definition's divisor and rounded_mean. Out of
 * line: the edge windows of every row call it. */
static __attribute__((noinline)) int8_t average_window(const o2m_avgpool2d_i8_params *p, const int8_t *in,
                                                       int32_t oy, int32_t ox) {
  const int32_t y = oy * p->stride_h - p->pad_top, x = ox * p->stride_w - p->pad_left;
  const int32_t rows_inside = o2m_taps_inside(y, 1, p->k_h, 0, p->in_h);
  const int32_t rows_padded = o2m_taps_inside(y, 1, p->k_h, -p->pad_top, p->in_h + p->pad_bottom);
  const int32_t columns_inside = o2m_taps_inside(x, 1, p->k_w, 0, p->in_w);
  const int32_t columns_padded = o2m_taps_inside(x, 1, p->k_w, -p->pad_left, p->in_w + p->pad_right);
  const int32_t first = x > 0 ? x : 0, in_w = p->in_w;
  const int8_t *row = in + (y > 0 ? y : 0) * in_w + first;
  int32_t sum = 0;
  if (columns_inside <= 16) {
    const mve_pred16_t columns = vctp8q((uint32_t)columns_inside);
    for (int32_t r = 0; r < rows_inside; ++r, row += in_w) {
      sum = vaddvaq_s8(sum, vldrbq_z_s8(row, columns));
    }
  } else {
    for (int32_t r = 0; r < rows_inside; ++r, row += in_w) {
      for (int32_t c = 0; c < columns_inside; ++c) {
        sum += row[c];
      }
    }
  }
  const int32_t inside = rows_inside * columns_inside;
  int32_t divisor = inside;
  if (p->count_include_pad) {
    divisor = rows_padded * columns_padded;
    sum += (divisor - inside) * p->input_zero_point;
  }
  return divisor > 0 ? rounded_mean(sum, divisor) : (int8_t)p->input_zero_point;
}

/* What every output row of a call shares. */
typedef struct {
  const o2m_avgpool2d_i8_params *p;
  const int8_t *in;               /* the plane, for the edge windows */
  int32_t in_w, k_w, stride, out_w;
  int32_t inner_first, inner_end; /* the windows wholly inside the input's columns */
  int32_t top_step;               /* stride_h · in_w */
  int32_t rows;                   /* input rows inside every window of the call's rows */
  int32_t extra;                  /* the padding term, added to every sum */
  int32_t half;                   /* d / 2 */
  uint32_t inverse;               /* ceil(2^32 / d) for d >= 2 (0 for d = 1) */
  uint16_t inverse16;             /* ceil(2^16 / d) for 2 <= d <= 22 */
} mve_average_plan;

/* sign(sum) · floor((|sum| + d/2) / d) lane by lane, in int32 lanes (d <= 4096) or int16 lanes
 * (d <= 22: |sum| <= 2816 and n = |sum| + d/2 <= 2827, so n · e <= 2827 · 21 < 2^16, and
 * M = ceil(2^16 / d) <= 2^15, for VMULH.U16; the argument is the one above with 2^16 for 2^32) */
static inline __attribute__((always_inline)) int32x4_t mve_rounded_means(int32x4_t sum, int32_t half,
                                                                      uint32x4_t inverse) {
  const uint32x4_t n = vreinterpretq_u32_s32(vaddq_n_s32(vabsq_s32(sum), half));
  const int32x4_t magnitude = vreinterpretq_s32_u32(vmulhq_u32(n, inverse));
  const int32x4_t sign = vshrq_n_s32(sum, 31); /* all ones where sum < 0 */
  return vsubq_s32(veorq_s32(magnitude, sign), sign);
}

static inline __attribute__((always_inline)) int16x8_t mve_rounded_means16(int16x8_t sum, int16_t half,
                                                                        uint16x8_t inverse) {
  const uint16x8_t n = vreinterpretq_u16_s16(vaddq_n_s16(vabsq_s16(sum), half));
  const int16x8_t magnitude = vreinterpretq_s16_u16(vmulhq_u16(n, inverse));
  const int16x8_t sign = vshrq_n_s16(sum, 15);
  return vsubq_s16(veorq_s16(magnitude, sign), sign);
}

/* The sums of the windows at `left`: LOAD(row, kx) is the lanes' tap kx of a row. */
#define MVE_AVERAGE_SUMS(sum, ADD, ADD_N, LOAD, left)                 \
  do {                                                                \
    const int8_t *row_ = (left);                                      \
    sum = ADD_N(LOAD(row_, 0), c.extra);                              \
    for (int32_t kx_ = 1; kx_ < k_w; ++kx_) {                         \
      sum = ADD(sum, LOAD(row_, kx_));                                \
    }                                                                 \
    for (int32_t r_ = 1; r_ < rows; ++r_) {                           \
      row_ += in_w;                                                   \
      for (int32_t kx_ = 0; kx_ < k_w; ++kx_) {                       \
        sum = ADD(sum, LOAD(row_, kx_));                              \
      }                                                               \
    }                                                                 \
  } while (0)

/* `count` output rows from output row oy, their inner windows from `top` (the first input row
 * inside them), LANES at a time: 8 in int16 lanes for 2×2 and 3×3 windows wholly inside the
 * input's rows with d <= 22 (unrolled; a gather's taps 1 and 2 ride in its offsets), else 4 in
 * int32 lanes, dividing (d >= 2) or not (d = 1). Each with loads of consecutive bytes (stride 1)
 * and with gathers (other strides). MEANS(sum) is the lanes' rounded means. */
#define DEFINE_MVE_AVERAGE_ROWS(name, ROWS, KW, LANES, SUMS_FULL, SUMS_TAIL, MEANS, STORE, STORE_P, VCTP)      \
  static __attribute__((noinline)) void name(const mve_average_plan *plan, int32_t oy, const int8_t *top,     \
                                             int8_t *out, int32_t count) {                                    \
    const mve_average_plan c = *plan;                                                                         \
    const int32_t k_w = (KW) ? (KW) : c.k_w, rows = (ROWS) ? (ROWS) : c.rows, in_w = c.in_w;                  \
    const int32_t stride = c.stride, inner = c.inner_end - c.inner_first;                                     \
    const uint32x4_t offsets = vmulq_n_u32(vidupq_n_u32(0, 1), (uint32_t)stride);                             \
    const uint16x8_t offsets16_0 = vmulq_n_u16(vidupq_n_u16(0, 1), (uint16_t)stride);                         \
    const uint16x8_t offsets16_1 = vaddq_n_u16(offsets16_0, 1), offsets16_2 = vaddq_n_u16(offsets16_0, 2);    \
    const uint32x4_t inverse = vdupq_n_u32(c.inverse);                                                        \
    const uint16x8_t inverse16 = vdupq_n_u16(c.inverse16);                                                    \
    (void)offsets, (void)offsets16_0, (void)offsets16_1, (void)offsets16_2, (void)inverse, (void)inverse16;   \
    for (; count > 0; --count, ++oy, top += c.top_step, out += c.out_w) {                                     \
      for (int32_t ox = 0; ox < c.inner_first; ++ox) {                                                        \
        out[ox] = average_window(c.p, c.in, oy, ox);                                                          \
      }                                                                                                       \
      const int8_t *left = top + c.inner_first * stride - c.p->pad_left;                                      \
      int8_t *o = out + c.inner_first;                                                                        \
      for (int32_t blocks = inner / (LANES); blocks > 0; --blocks, left += (LANES) * stride, o += (LANES)) {  \
        SUMS_FULL;                                                                                            \
        STORE(o, MEANS);                                                                                      \
      }                                                                                                       \
      if (inner % (LANES) != 0) {                                                                             \
        const mve_pred16_t tail = VCTP((uint32_t)(inner % (LANES)));                                          \
        SUMS_TAIL;                                                                                            \
        STORE_P(o, MEANS, tail);                                                                              \
      }                                                                                                       \
      for (int32_t ox = c.inner_end; ox < c.out_w; ++ox) {                                                    \
        out[ox] = average_window(c.p, c.in, oy, ox);                                                          \
      }                                                                                                       \
    }                                                                                                         \
  }

/* int16 lanes */
#define OFFSETS16(kx) ((kx) == 1 ? offsets16_1 : (kx) == 2 ? offsets16_2 : offsets16_0)
#define LOAD16(row, kx) vldrbq_s16((row) + (kx))
#define LOAD16_Z(row, kx) vldrbq_z_s16((row) + (kx), tail)
#define GATHER16(row, kx) vldrbq_gather_offset_s16((row), OFFSETS16(kx))
#define GATHER16_Z(row, kx) vldrbq_gather_offset_z_s16((row), OFFSETS16(kx), tail)
#define ADD16_N(v, n) vaddq_n_s16((v), (int16_t)(n))
#define SUMS16(LOAD) int16x8_t sum; MVE_AVERAGE_SUMS(sum, vaddq_s16, ADD16_N, LOAD, left)
#define MEANS16 mve_rounded_means16(sum, (int16_t)c.half, inverse16)
DEFINE_MVE_AVERAGE_ROWS(mve_average_rows_2x2, 2, 2, 8, SUMS16(LOAD16), SUMS16(LOAD16_Z), MEANS16, vstrbq_s16,
                        vstrbq_p_s16, vctp16q)
DEFINE_MVE_AVERAGE_ROWS(mve_average_rows_3x3, 3, 3, 8, SUMS16(LOAD16), SUMS16(LOAD16_Z), MEANS16, vstrbq_s16,
                        vstrbq_p_s16, vctp16q)
DEFINE_MVE_AVERAGE_ROWS(mve_average_rows_2x2_strided, 2, 2, 8, SUMS16(GATHER16), SUMS16(GATHER16_Z), MEANS16,
                        vstrbq_s16, vstrbq_p_s16, vctp16q)
DEFINE_MVE_AVERAGE_ROWS(mve_average_rows_3x3_strided, 3, 3, 8, SUMS16(GATHER16), SUMS16(GATHER16_Z), MEANS16,
                        vstrbq_s16, vstrbq_p_s16, vctp16q)

/* int32 lanes, any window */
#define LOAD32(row, kx) vldrbq_s32((row) + (kx))
#define LOAD32_Z(row, kx) vldrbq_z_s32((row) + (kx), tail)
#define GATHER32(row, kx) vldrbq_gather_offset_s32((row) + (kx), offsets)
#define GATHER32_Z(row, kx) vldrbq_gather_offset_z_s32((row) + (kx), offsets, tail)
#define SUMS32(LOAD) int32x4_t sum; MVE_AVERAGE_SUMS(sum, vaddq_s32, vaddq_n_s32, LOAD, left)
#define MEANS32 mve_rounded_means(sum, c.half, inverse)
DEFINE_MVE_AVERAGE_ROWS(mve_average_rows_any, 0, 0, 4, SUMS32(LOAD32), SUMS32(LOAD32_Z), MEANS32, vstrbq_s32,
                        vstrbq_p_s32, vctp32q)
DEFINE_MVE_AVERAGE_ROWS(mve_average_rows_any_strided, 0, 0, 4, SUMS32(GATHER32), SUMS32(GATHER32_Z), MEANS32,
                        vstrbq_s32, vstrbq_p_s32, vctp32q)
DEFINE_MVE_AVERAGE_ROWS(mve_average_rows_any_whole, 0, 0, 4, SUMS32(LOAD32), SUMS32(LOAD32_Z), sum, vstrbq_s32,
                        vstrbq_p_s32, vctp32q)
DEFINE_MVE_AVERAGE_ROWS(mve_average_rows_any_whole_strided, 0, 0, 4, SUMS32(GATHER32), SUMS32(GATHER32_Z), sum,
                        vstrbq_s32, vstrbq_p_s32, vctp32q)

static inline void mve_average_rows(const mve_average_plan *c, int32_t oy, const int8_t *top, int8_t *out,
                                    int32_t count) {
  const int narrow = c->inverse16 != 0; /* 2 <= d <= 22 */
  const int square2 = narrow && c->rows == 2 && c->k_w == 2, square3 = narrow && c->rows == 3 && c->k_w == 3;
  if (c->inverse == 0) { /* d = 1 */
    if (c->stride == 1) {
      mve_average_rows_any_whole(c, oy, top, out, count);
    } else {
      mve_average_rows_any_whole_strided(c, oy, top, out, count);
    }
  } else if (c->stride == 1) {
    if (square2) {
      mve_average_rows_2x2(c, oy, top, out, count);
    } else if (square3) {
      mve_average_rows_3x3(c, oy, top, out, count);
    } else {
      mve_average_rows_any(c, oy, top, out, count);
    }
  } else if (square2) {
    mve_average_rows_2x2_strided(c, oy, top, out, count);
  } else if (square3) {
    mve_average_rows_3x3_strided(c, oy, top, out, count);
  } else {
    mve_average_rows_any_strided(c, oy, top, out, count);
  }
}

static __attribute__((noinline)) int avgpool2d_i8_mve(const o2m_avgpool2d_i8_params *p, const int8_t *input,
                                                     int8_t *output) {
  if (p->dil_h != 1 || p->dil_w != 1 || p->k_h < 1 || p->k_w < 1 || p->k_h > 4096 / p->k_w ||
      p->stride_w < 1 || p->stride_w > 4096) {
    return 0;
  }
  const int32_t in_h = p->in_h, in_w = p->in_w, out_h = p->out_h, out_w = p->out_w;
  const int32_t k_h = p->k_h, k_w = p->k_w, stride_h = p->stride_h, stride_w = p->stride_w;
  const int32_t pad_top = p->pad_top, pad_left = p->pad_left;
  int32_t inner_first, inner_end; /* the windows wholly inside the input's columns */
  o2m_inside_outputs(out_w, stride_w, pad_left, k_w - 1, in_w, &inner_first, &inner_end);
  int32_t full_first, full_end; /* the output rows whose windows lie wholly inside the input's rows */
  o2m_inside_outputs(out_h, stride_h, pad_top, k_h - 1, in_h, &full_first, &full_end);
  for (int32_t plane = 0; plane < p->batch_channels; ++plane) {
    const int8_t *in = input + plane * in_h * in_w;
    int8_t *out = output + plane * out_h * out_w;
    for (int32_t oy = 0; oy < out_h;) {
      /* the row's divisor and padding term, as the definition counts them (rows_inside by k_w) */
      const int32_t y = oy * stride_h - pad_top;
      const int32_t rows = o2m_taps_inside(y, 1, k_h, 0, in_h);
      const int32_t inside = rows * k_w;
      const int32_t divisor =
          p->count_include_pad ? o2m_taps_inside(y, 1, k_h, -pad_top, in_h + p->pad_bottom) * k_w : inside;
      const int32_t count = oy == full_first && full_end > full_first ? full_end - full_first : 1;
      if (divisor > 0 && rows > 0) {
        const mve_average_plan c = {p, in, in_w, k_w, stride_w, out_w, inner_first, inner_end, stride_h * in_w,
                                    rows, (divisor - inside) * p->input_zero_point, divisor / 2,
                                    divisor == 1 ? 0u : 0xFFFFFFFFu / (uint32_t)divisor + 1u,
                                    (uint16_t)(divisor >= 2 && divisor <= 22 ? 0xFFFFu / (uint32_t)divisor + 1u : 0u)};
        mve_average_rows(&c, oy, in + (y > 0 ? y : 0) * in_w, out, count);
      } else {
        for (int32_t ox = 0; ox < out_w; ++ox) {
          out[ox] = average_window(p, in, oy, ox);
        }
      }
      oy += count;
      out += count * out_w;
    }
  }
  return 1;
}

static int32_t plane_sum_mve(const int8_t *in, int32_t spatial) {
  int32_t sum = 0;
  for (int32_t blocks = spatial >> 4; blocks > 0; --blocks, in += 16) {
    sum = vaddvaq_s8(sum, vldrbq_s8(in));
  }
  if ((spatial & 15) != 0) {
    sum = vaddvaq_s8(sum, vldrbq_z_s8(in, vctp8q((uint32_t)(spatial & 15))));
  }
  return sum;
}
#endif

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

/* (Helium's plane_sum_mve takes its place on the Cortex-M55) */
#if !O2M_KERNELS_MVE
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
#endif

void o2m_avgpool2d_i8(const o2m_avgpool2d_i8_params *p, const int8_t *input, int8_t *output) {
#if O2M_KERNELS_MVE
  if (avgpool2d_i8_mve(p, input, output)) {
    return;
  }
#endif
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
#if O2M_KERNELS_MVE
    const int32_t sum = plane_sum_mve(in, p->spatial);
#elif O2M_KERNELS_DSP
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
