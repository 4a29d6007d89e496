/* onnx2mcu runtime: the depthwise int8 Conv (groups == in_c == out_c, NCHW), o2m_conv2d_depthwise_i8:
 * the portable loops of o2m_conv2d_i8 (conv2d_i8.c, the definition), and on the Armv7E-M DSP
 * extension a variant for 3×3, dilation 1, stride_w 1 or 2 (any stride_h, any padding) whose
 * results equal them bit for bit.
 *
 * Layout. Each channel is its own plane, so the kernel walks a channel's output rows and keeps the
 * three input rows a 3×3 window needs in a ring of three padded rows in scratch (input row iy in
 * slot iy % 3, copied once however many output rows use it), plus one row that is all padding for
 * the rows above and below the input; or, for a small plane, all the padded rows its windows reach,
 * copied once per channel (each output row's windows then start a fixed step further on, with no
 * ring to turn). A padded row is the input row at column pad_left with the
 * input's zero point on both sides, long enough for a word load at any output's first column, and
 * placed so that its column pad_left is word-aligned (whole-word copies). The row loops come in
 * four variants, stride_w 1 or 2 by clamping to a fused activation or not (SSAT alone when the
 * range is all of int8), each its own function so that each loop gets the registers to itself.
 *
 * Arithmetic. The definition sums (x + input_offset) · w over the taps inside the input. A padded
 * tap holds x = -input_offset, whose term is 0, so the sum over all nine taps of the padded rows is
 * the same; and Σ (x + input_offset) · w = input_offset · Σ w + Σ x · w, so the bias and
 * input_offset · Σ w fold into one per-channel start value and the nine products are plain SMLADs
 * on the raw bytes: one unaligned word x0..x3 per kernel row, SXTB16 into (x0, x2) and (x1, x3),
 * weights as int16 pairs (w0, w2) and w1, give two neighbouring outputs at stride 1:
 *   out0 = SMLAD((x0, x2), (w0, w2)) + x1 · w1      out1 = SMLAD((x1, x3), (w0, w2)) + x2 · w1.
 * All these sums are exact: 9 products of int8 by int8 and the start value stay far inside int32.
 *
 * Requantisation. When a channel's start value is small enough that its accumulator, times
 * 2^(left_shift + 1), provably stays within ±2^30 (checked once per channel, with all the bounds
 * below), the weights and start value are stored times 2^(left_shift + 1) (|w| · 2^8 <= 2^15 fits
 * an int16 half, so left_shift <= 7), and the accumulator is 2^(left_shift + 1) · acc, exactly.
 * The definition's high product floor((acc · 2^left_shift · m + 2^30) / 2^31) (requantize_i8.h)
 * is then SMMULR's floor((2^(left_shift+1) · acc · m + 2^31) / 2^32), and o2m_level_of
 * (requantize_i8.h) divides it with SMMLAR, the bound |high| + 2^(rs-1) + |output_offset| · 2^rs
 * < 2^31 checked per channel.
 * Clamping to [act_min, act_max] within int8 equals SSAT to 8 bits and then the clamp, done for two
 * outputs at once by SSUB8/SEL on the packed bytes. A channel outside those bounds (a huge bias,
 * shift 0, a large left shift) takes plain sums and o2m_requantize_i8_fast instead. */
#include <stddef.h>

#include "onnx2mcu/arch.h"
#include "onnx2mcu/kernels_int8.h"

#if O2M_KERNELS_DSP
#include "onnx2mcu/libc_subset.h"

#include "dsp_simd.h"
#include "requantize_i8.h"

/* A plane whose padded rows take at most this many bytes is copied whole, once per channel
 * (compiler/ops/conv.ts plans the same). */
#define O2M_DW_WHOLE_PLANE_BYTES 1024

/* The most nine products of an int8 input and an int8 weight can add in magnitude. */
#define TAPS_BOUND (9 * 128 * 128)

/* count bytes by unaligned words (the C library's memcpy goes byte by byte unless both ends are
 * aligned), the last 0 to 3 one by one. */
static inline __attribute__((always_inline)) void copy_words(int8_t *to, const int8_t *from, int32_t count) {
  for (; count >= 4; count -= 4, to += 4, from += 4) {
    const int32_t word = o2m_load_int8x4(from);
    __builtin_memcpy(to, &word, sizeof word);
  }
  for (int32_t i = 0; i < count; ++i) {
    to[i] = from[i];
  }
}

/* An input row into its padded row, without disturbing the zero points right of it. `to` is
 * always word-aligned (the padded rows are placed so), so when the input row is aligned too (in_w
 * a multiple of 4), 16 bytes take one LDM and one STM (which fault on unaligned addresses); the
 * rest copy_words. */
static void copy_row(int8_t *to, const int8_t *from, int32_t count) {
  int32_t blocks = count >> 4;
  if (((uintptr_t)from & 3u) == 0 && blocks > 0) {
    /* asm: GCC copies four words with four LDRs and four STRs */
    __asm__ volatile("1:\n\t"
                     "ldmia %[from]!, {r4, r5, r6, r7}\n\t"
                     "subs %[blocks], %[blocks], #1\n\t"
                     "stmia %[to]!, {r4, r5, r6, r7}\n\t"
                     "bne 1b"
                     : [to] "+r"(to), [from] "+r"(from), [blocks] "+r"(blocks)
                     :
                     : "r4", "r5", "r6", "r7", "memory", "cc");
    count &= 15;
  }
  copy_words(to, from, count);
}

/* A small plane's rows into their padded rows, `to_stride` apart: copy_words without copy_row's
 * per-row call and alignment test, which cost more than a short row's copy. */
static void copy_plane(int8_t *to, int32_t to_stride, const int8_t *from, int32_t width, int32_t rows) {
  for (int32_t row = 0; row < rows; ++row, to += to_stride, from += width) {
    copy_words(to, from, width);
  }
}

/* One channel's constants: as given, then for the fast rows (see the top). */
typedef struct {
  const int8_t *weights;    /* the 9 taps, row-major */
  int32_t raw_start;        /* bias + input_offset · Σ w (wrapping, as the definition's sums) */
  int32_t multiplier, shift, output_offset, act_min, act_max;
  int16x2_t w02[3];         /* per kernel row: (w[row][0], w[row][2]), times 2^(left_shift + 1) */
  int16x2_t w1_01, w1_2;    /* (w[0][1], w[1][1]) and (w[2][1], 0), scaled alike */
  int32_t start;            /* raw_start · 2^(left_shift + 1) */
  int32_t rounding, right_shift; /* rounding: 2^(right_shift-1) + output_offset · 2^right_shift */
  uint32_t act_min4, act_max4;   /* act_min and act_max in each byte */
} dw_channel;

static inline int16x2_t int16_pair(int32_t low, int32_t high) {
  return (int16x2_t)((uint32_t)(uint16_t)low | ((uint32_t)(uint16_t)high << 16));
}

/* Whether the channel's results come out exact on the fast rows (see the top); fills in their
 * constants if so. */
static int channel_setup(dw_channel *k) {
  const int32_t shift = k->shift, multiplier = k->multiplier, output_offset = k->output_offset;
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  if (left > 7 || right < 1 || right > 31 || multiplier < 0) {
    return 0;
  }
  const int32_t start = k->raw_start;
  const int64_t bound = (start < 0 ? -(int64_t)start : (int64_t)start) + TAPS_BOUND;
  if ((bound << (left + 1)) > ((int64_t)1 << 30)) {
    return 0;
  }
  const int64_t high_bound = (((bound << left) * multiplier) >> 31) + 1;
  const int64_t offset_size = output_offset < 0 ? -(int64_t)output_offset : output_offset;
  if (high_bound + ((int64_t)1 << (right - 1)) + (offset_size << right) >= ((int64_t)1 << 31)) {
    return 0;
  }
  const int8_t *w = k->weights;
  const int32_t scale = (int32_t)1 << (left + 1);
  for (int32_t row = 0; row < 3; ++row) {
    k->w02[row] = int16_pair(w[3 * row] * scale, w[3 * row + 2] * scale);
  }
  k->w1_01 = int16_pair(w[1] * scale, w[4] * scale);
  k->w1_2 = int16_pair(w[7] * scale, 0);
  k->start = start * scale;
  k->rounding = o2m_level_rounding(output_offset, right);
  k->right_shift = right;
  k->act_min4 = 0x01010101u * (uint8_t)k->act_min;
  k->act_max4 = 0x01010101u * (uint8_t)k->act_max;
  return 1;
}

/* One output's scaled accumulator: the window whose top-left tap is at `in`, rows down1 and
 * down2 bytes further. */
static inline __attribute__((always_inline)) int32_t window_sum(const int8_t *in, int32_t down1, int32_t down2,
                                                                int16x2_t w02_0, int16x2_t w02_1, int16x2_t w02_2,
                                                                int16x2_t w1_01, int16x2_t w1_2, int32_t start) {
  int32_t word = o2m_load_int8x4(in);
  int32_t acc = __smlabb(o2m_sxtb16_odd(word), w1_01, __smlad(__sxtb16(word), w02_0, start));
  word = o2m_load_int8x4(in + down1);
  acc = __smlabt(o2m_sxtb16_odd(word), w1_01, __smlad(__sxtb16(word), w02_1, acc));
  word = o2m_load_int8x4(in + down2);
  return __smlabb(o2m_sxtb16_odd(word), w1_2, __smlad(__sxtb16(word), w02_2, acc));
}

/* The scaled accumulators of two neighbouring outputs at stride 1, whose windows start at `in`
 * and in + 1: one word per kernel row serves both (see the top). */
static inline __attribute__((always_inline)) void pair_sums(const int8_t *in, int32_t down1, int32_t down2,
                                                            int16x2_t w02_0, int16x2_t w02_1, int16x2_t w02_2,
                                                            int16x2_t w1_01, int16x2_t w1_2, int32_t start,
                                                            int32_t *sum0, int32_t *sum1) {
  int32_t word = o2m_load_int8x4(in);
  int16x2_t even = __sxtb16(word), odd = o2m_sxtb16_odd(word);
  int32_t acc0 = __smlabb(odd, w1_01, __smlad(even, w02_0, start));
  int32_t acc1 = __smlatb(even, w1_01, __smlad(odd, w02_0, start));
  word = o2m_load_int8x4(in + down1);
  even = __sxtb16(word);
  odd = o2m_sxtb16_odd(word);
  acc0 = __smlabt(odd, w1_01, __smlad(even, w02_1, acc0));
  acc1 = __smlatt(even, w1_01, __smlad(odd, w02_1, acc1));
  word = o2m_load_int8x4(in + down2);
  even = __sxtb16(word);
  odd = o2m_sxtb16_odd(word);
  *sum0 = __smlabb(odd, w1_2, __smlad(even, w02_2, acc0));
  *sum1 = __smlatb(even, w1_2, __smlad(odd, w02_2, acc1));
}

/* One output row, stride 1: two outputs per word of each kernel row. The channel's constants are
 * copied into locals, since every int8 store may alias *k as far as the compiler knows. */
static inline __attribute__((always_inline)) void row_stride1(const int8_t *in, int32_t down1, int32_t down2,
                                                              int8_t *out, int32_t out_w, const dw_channel *k,
                                                              int clamps) {
  const int16x2_t w02_0 = k->w02[0], w02_1 = k->w02[1], w02_2 = k->w02[2];
  const int16x2_t w1_01 = k->w1_01, w1_2 = k->w1_2;
  const int32_t start = k->start, multiplier = k->multiplier, rounding = k->rounding, right_shift = k->right_shift;
  const uint32_t min4 = k->act_min4, max4 = k->act_max4;
  int32_t acc0, acc1;
  if (clamps) {
    /* The clamp's two more constants leave the allocator short of registers, and it keeps out on
     * the stack; addressed from in, which steps alike, out costs nothing. */
    const uintptr_t to_out = (uintptr_t)out - (uintptr_t)in;
    const int8_t *const pairs_end = in + (out_w & ~1);
    while (in != pairs_end) {
      pair_sums(in, down1, down2, w02_0, w02_1, w02_2, w1_01, w1_2, start, &acc0, &acc1);
      o2m_store_pair((int8_t *)((uintptr_t)in + to_out),
                 o2m_clamp_pair(o2m_level_of(acc0, multiplier, rounding, right_shift),
                            o2m_level_of(acc1, multiplier, rounding, right_shift), min4, max4));
      in += 2;
    }
    out = (int8_t *)((uintptr_t)in + to_out);
  } else {
    int8_t *const pairs_end = out + (out_w & ~1);
    while (out != pairs_end) {
      pair_sums(in, down1, down2, w02_0, w02_1, w02_2, w1_01, w1_2, start, &acc0, &acc1);
      o2m_store_pair(out, o2m_output_pair(o2m_level_of(acc0, multiplier, rounding, right_shift),
                                  o2m_level_of(acc1, multiplier, rounding, right_shift), min4, max4, 0));
      in += 2;
      out += 2;
    }
  }
  if (out_w & 1) {
    const int32_t level = o2m_level_of(window_sum(in, down1, down2, w02_0, w02_1, w02_2, w1_01, w1_2, start),
                                   multiplier, rounding, right_shift);
    *out = (int8_t)o2m_output_pair(level, level, min4, max4, clamps);
  }
}

/* One output row, stride 2: a word per output and kernel row, two outputs per pass. */
static inline __attribute__((always_inline)) void row_stride2(const int8_t *in, int32_t down1, int32_t down2,
                                                              int8_t *out, int32_t out_w, const dw_channel *k,
                                                              int clamps) {
  const int16x2_t w02_0 = k->w02[0], w02_1 = k->w02[1], w02_2 = k->w02[2];
  const int16x2_t w1_01 = k->w1_01, w1_2 = k->w1_2;
  const int32_t start = k->start, multiplier = k->multiplier, rounding = k->rounding, right_shift = k->right_shift;
  const uint32_t min4 = k->act_min4, max4 = k->act_max4;
  int8_t *const pairs_end = out + (out_w & ~1);
  while (out != pairs_end) {
    const int32_t acc0 = window_sum(in, down1, down2, w02_0, w02_1, w02_2, w1_01, w1_2, start);
    const int32_t acc1 = window_sum(in + 2, down1, down2, w02_0, w02_1, w02_2, w1_01, w1_2, start);
    o2m_store_pair(out, o2m_output_pair(o2m_level_of(acc0, multiplier, rounding, right_shift),
                                o2m_level_of(acc1, multiplier, rounding, right_shift), min4, max4, clamps));
    in += 4;
    out += 2;
  }
  if (out_w & 1) {
    const int32_t level = o2m_level_of(window_sum(in, down1, down2, w02_0, w02_1, w02_2, w1_01, w1_2, start),
                                   multiplier, rounding, right_shift);
    *out = (int8_t)o2m_output_pair(level, level, min4, max4, clamps);
  }
}

/* One output row of a channel the fast rows cannot take exactly: plain sums (wrapping as the
 * definition's int32 sums do) and the general requantisation. */
static void row_exact(const int8_t *const rows[3], int32_t stride_w, int8_t *out, int32_t out_w, const int8_t *w,
                      int32_t start, int32_t multiplier, int32_t shift, int32_t output_offset, int32_t act_min,
                      int32_t act_max) {
  for (int32_t ox = 0; ox < out_w; ++ox) {
    uint32_t acc = (uint32_t)start;
    for (int32_t ky = 0; ky < 3; ++ky) {
      const int8_t *in = rows[ky] + ox * stride_w;
      for (int32_t kx = 0; kx < 3; ++kx) {
        acc += (uint32_t)(in[kx] * w[3 * ky + kx]);
      }
    }
    out[ox] = o2m_requantize_i8_fast((int32_t)acc, multiplier, shift, output_offset, act_min, act_max);
  }
}

/* Where a channel's padded rows live and how its windows move down: a ring of three rows, or for
 * a small plane (O2M_DW_WHOLE_PLANE_BYTES) all its padded rows, copied once per channel, so that
 * each output row's windows start row_bytes · stride_h further on. */
typedef struct {
  int8_t *slots[6];          /* slots[i] is ring slot i % 3: a window's three slots are consecutive */
  const int8_t *padding_row; /* zero points only, for rows above and below the input */
  int32_t in_h, in_w, out_h, out_w, stride_h, stride_w, pad_top, pad_left;
  int32_t first_slot, slot_step; /* row -pad_top's slot; stride_h % 3 */
  int32_t whole_plane, row_bytes, plane_rows; /* plane_rows: the input rows a window reaches */
} dw_geometry;

/* A fast channel (mode 0: stride_w 1, 1: stride_w 2; `clamps` as output_pair's) or, mode 2, one
 * the fast rows cannot take. Always inlined into the five functions below with constant
 * arguments, so each is its own loop nest. Input rows [window_top, loaded) sit in their slots
 * (row iy in slot iy % 3): the window only moves down, so none of them is overwritten while a
 * window still needs it. */
static inline __attribute__((always_inline)) void channel_rows(const dw_geometry *g, const int8_t *plane,
                                                               int8_t *out, const dw_channel *k, int mode,
                                                               int clamps) {
  const int32_t in_h = g->in_h, in_w = g->in_w, out_h = g->out_h, out_w = g->out_w, stride_h = g->stride_h;
  const int32_t pad_left = g->pad_left, slot_step = g->slot_step;
  if (g->whole_plane) {
    const int32_t row_bytes = g->row_bytes;
    int8_t *const top = g->slots[0];
    copy_plane(top + g->pad_top * row_bytes + pad_left, row_bytes, plane, in_w, g->plane_rows);
    const int32_t step = row_bytes * stride_h;
    const int8_t *rows0 = top;
    for (int32_t oy = 0; oy < out_h; ++oy, out += out_w, rows0 += step) {
      if (mode == 0) {
        row_stride1(rows0, row_bytes, 2 * row_bytes, out, out_w, k, clamps);
      } else if (mode == 1) {
        row_stride2(rows0, row_bytes, 2 * row_bytes, out, out_w, k, clamps);
      } else {
        const int8_t *const rows[3] = {rows0, rows0 + row_bytes, rows0 + 2 * row_bytes};
        row_exact(rows, g->stride_w, out, out_w, k->weights, k->raw_start, k->multiplier, k->shift,
                  k->output_offset, k->act_min, k->act_max);
      }
    }
    return;
  }
  int32_t window_top = -g->pad_top, top_slot = g->first_slot, loaded = 0, loaded_slot = 0;
  for (int32_t oy = 0; oy < out_h; ++oy, out += out_w) {
    if (loaded < window_top) {
      loaded = window_top;
      loaded_slot = top_slot;
    }
    const int32_t window_end = window_top + 3 < in_h ? window_top + 3 : in_h;
    for (; loaded < window_end; ++loaded) {
      copy_row(g->slots[loaded_slot] + pad_left, plane + loaded * in_w, in_w);
      loaded_slot = loaded_slot == 2 ? 0 : loaded_slot + 1;
    }
    const int8_t *rows[3];
    for (int32_t ky = 0; ky < 3; ++ky) {
      const uint32_t iy = (uint32_t)(window_top + ky); /* unsigned: a row above wraps past in_h */
      rows[ky] = iy < (uint32_t)in_h ? g->slots[top_slot + ky] : g->padding_row;
    }
    window_top += stride_h;
    top_slot += slot_step;
    top_slot = top_slot >= 3 ? top_slot - 3 : top_slot;
    const int32_t down1 = (int32_t)(rows[1] - rows[0]), down2 = (int32_t)(rows[2] - rows[0]);
    if (mode == 0) {
      row_stride1(rows[0], down1, down2, out, out_w, k, clamps);
    } else if (mode == 1) {
      row_stride2(rows[0], down1, down2, out, out_w, k, clamps);
    } else {
      row_exact(rows, g->stride_w, out, out_w, k->weights, k->raw_start, k->multiplier, k->shift, k->output_offset,
                k->act_min, k->act_max);
    }
  }
}

typedef void channel_loop(const dw_geometry *g, const int8_t *plane, int8_t *out, const dw_channel *k);

static __attribute__((noinline)) void channel_stride1_clamped(const dw_geometry *g, const int8_t *plane, int8_t *out,
                                                              const dw_channel *k) {
  channel_rows(g, plane, out, k, 0, 1);
}
static __attribute__((noinline)) void channel_stride1_saturated(const dw_geometry *g, const int8_t *plane,
                                                                int8_t *out, const dw_channel *k) {
  channel_rows(g, plane, out, k, 0, 0);
}
static __attribute__((noinline)) void channel_stride2_clamped(const dw_geometry *g, const int8_t *plane, int8_t *out,
                                                              const dw_channel *k) {
  channel_rows(g, plane, out, k, 1, 1);
}
static __attribute__((noinline)) void channel_stride2_saturated(const dw_geometry *g, const int8_t *plane,
                                                                int8_t *out, const dw_channel *k) {
  channel_rows(g, plane, out, k, 1, 0);
}
static __attribute__((noinline)) void channel_exact(const dw_geometry *g, const int8_t *plane, int8_t *out,
                                                    const dw_channel *k) {
  channel_rows(g, plane, out, k, 2, 0);
}

static void depthwise_dsp(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                          const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                          int8_t *output, int32_t *scratch) {
  if (p->k_h != 3 || p->k_w != 3 || p->dil_h != 1 || p->dil_w != 1 || (p->stride_w != 1 && p->stride_w != 2) ||
      p->stride_h < 1 || p->pad_top < 0 || p->pad_left < 0) {
    o2m_conv2d_i8(p, input, weights, bias, multipliers, shifts, output, NULL);
    return;
  }
  const int32_t batch = p->batch, channels = p->in_c;
  const int32_t in_h = p->in_h, in_w = p->in_w, out_h = p->out_h, out_w = p->out_w;
  const int32_t stride_w = p->stride_w, pad_left = p->pad_left, input_offset = p->input_offset;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  /* the last output's word load reaches stride_w · (out_w - 1) + 3; the copy, pad_left + in_w - 1;
   * each padded row begins `lead` bytes into its slot, so that its input part is word-aligned */
  const int32_t reach = stride_w * (out_w - 1) + 4;
  const int32_t lead = (4 - (pad_left & 3)) & 3;
  const int32_t row_bytes = (lead + (reach > pad_left + in_w ? reach : pad_left + in_w) + 3) & ~3;
  int8_t *const ring = (int8_t *)scratch + lead;
  /* The padded rows the windows reach, and whether they all fit (the compiler plans the same). */
  const int32_t padded_rows = (out_h - 1) * p->stride_h + 3;
  const int32_t whole_plane = padded_rows * row_bytes <= O2M_DW_WHOLE_PLANE_BYTES;
  /* Borders are never written again: row copies land between them. */
  memset(scratch, (int8_t)-input_offset, (size_t)((whole_plane ? padded_rows : 4) * row_bytes));
  dw_geometry g;
  g.whole_plane = whole_plane;
  g.row_bytes = row_bytes;
  g.plane_rows = padded_rows - p->pad_top < in_h ? padded_rows - p->pad_top : in_h;
  for (int32_t i = 0; i < 6; ++i) {
    g.slots[i] = ring + (i % 3) * row_bytes;
  }
  g.padding_row = ring + 3 * row_bytes;
  g.in_h = in_h;
  g.in_w = in_w;
  g.out_h = out_h;
  g.out_w = out_w;
  g.stride_h = p->stride_h;
  g.stride_w = stride_w;
  g.pad_top = p->pad_top;
  g.pad_left = pad_left;
  g.first_slot = (3 - p->pad_top % 3) % 3;
  g.slot_step = p->stride_h % 3;
  const int clamps = act_min > -128 || act_max < 127; /* else SSAT's saturation is the clamp */
  channel_loop *const fast_loop = stride_w == 1 ? (clamps ? channel_stride1_clamped : channel_stride1_saturated)
                                                : (clamps ? channel_stride2_clamped : channel_stride2_saturated);

  for (int32_t n = 0; n < batch; ++n) {
    for (int32_t c = 0; c < channels; ++c) {
      const int32_t image = n * channels + c;
      const int8_t *w = weights + 9 * c;
      int32_t weight_sum = 0;
      for (int32_t t = 0; t < 9; ++t) {
        weight_sum += w[t];
      }
      dw_channel k;
      k.weights = w;
      k.raw_start = (int32_t)((uint32_t)(bias != NULL ? bias[c] : 0) + (uint32_t)(input_offset * weight_sum));
      k.multiplier = multipliers[c];
      k.shift = shifts[c];
      k.output_offset = p->output_offset;
      k.act_min = act_min;
      k.act_max = act_max;
      channel_loop *const loop = channel_setup(&k) ? fast_loop : channel_exact;
      loop(&g, input + image * in_h * in_w, output + image * out_h * out_w, &k);
    }
  }
}
#endif

void o2m_conv2d_depthwise_i8(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                             const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                             int8_t *output, int32_t *scratch) {
#if O2M_KERNELS_DSP
  if (scratch != NULL) {
    depthwise_dsp(p, input, weights, bias, multipliers, shifts, output, scratch);
    return;
  }
#else
  (void)scratch;
#endif
  o2m_conv2d_i8(p, input, weights, bias, multipliers, shifts, output, NULL);
}
