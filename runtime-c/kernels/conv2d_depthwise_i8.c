/* onnx2mcu runtime: the depthwise int8 Conv (groups == in_c == out_c, NCHW), o2m_conv2d_depthwise_i8:
 * the portable loops of o2m_conv2d_i8 (conv2d_i8.c, the definition), and on the Armv7E-M DSP
 * extension a variant for 3×3, dilation 1, stride_w 1 or 2 (any stride_h, any padding) whose
 * results equal them bit for bit.
 *
 * Layout. Each channel is its own plane, so the kernel walks a channel's output rows over padded
 * copies of its input rows in scratch, placed row_bytes apart so that a window's three rows are
 * always one step apart: where the compiler's plan gives the room (whole_plane: every small
 * plane, and larger ones where the arena has the bytes anyway) all the padded rows its windows
 * reach, copied once per channel and computed in one call; else a ring of three slots with the first two mirrored after the third (input row iy
 * goes to slot iy % 3, and to slot iy % 3 + 3 when that is 3 or 4), so that the rows of the window
 * starting at row t are slots t % 3 .. t % 3 + 2, each row copied once (twice when mirrored)
 * however many output rows use it; rows above and below the input fill their slots with zero
 * points. A padded row is the input row at column pad_left with the input's zero point on both
 * sides, long enough for a word load at any output's first column, and placed so that its column
 * pad_left is word-aligned (whole-word copies). The rows run as asm, at stride_w 1 or 2, with or
 * without the clamp to a fused activation (SSAT alone when the range is all of int8): a whole
 * plane's rows in one call, a ring's one at a time.
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
 * Requantisation. When a channel shifts right (shift < 0) and its start value is small enough that
 * its accumulator, doubled, provably stays within ±2^30 (checked once per channel, with all the
 * bounds below), the weights and start value are stored doubled (an int16 half holds 2 · |w|), and
 * the accumulator is 2 · acc, exactly. The definition's high product floor((acc · m + 2^30) / 2^31)
 * (requantize_i8.h) is then SMMULR's floor((2 · acc · m + 2^31) / 2^32), and o2m_level_of
 * (requantize_i8.h) divides it with SMMLAR, the bound |high| + 2^(rs-1) + |output_offset| · 2^rs
 * < 2^31 checked per channel.
 * Clamping to [act_min, act_max] within int8 equals SSAT to 8 bits and then the clamp, done for two
 * outputs at once by SSUB8/SEL on the packed bytes. A channel outside those bounds (a huge bias,
 * shift 0, a left shift) takes plain sums and o2m_requantize_i8_fast instead. */
#include <stddef.h>

#include "onnx2mcu/arch.h"
#include "onnx2mcu/kernels_int8.h"

#if O2M_KERNELS_DSP
#include "onnx2mcu/libc_subset.h"

#include "dsp_simd.h"
#include "requantize_i8.h"

/* The most nine products of an int8 input and an int8 weight can add in magnitude. */
#define TAPS_BOUND (9 * 128 * 128)

/* count bytes by unaligned words (the C library's memcpy goes byte by byte unless both ends are
 * aligned), the last 0 to 3 by a halfword and a byte. */
static inline __attribute__((always_inline)) void copy_words(int8_t *to, const int8_t *from, int32_t count) {
  for (; count >= 4; count -= 4, to += 4, from += 4) {
    const int32_t word = o2m_load_int8x4(from);
    __builtin_memcpy(to, &word, sizeof word);
  }
  if (count & 2) {
    uint16_t half;
    __builtin_memcpy(&half, from, sizeof half);
    __builtin_memcpy(to, &half, sizeof half);
    to += 2;
    from += 2;
  }
  if (count & 1) {
    *to = *from;
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

/* A small plane's rows into their padded rows, `to_stride` apart, without copy_row's per-row
 * call and alignment test, which cost more than a short row's copy: whole words, the last one
 * overlapping the one before where the width is not a multiple of 4 (it rewrites bytes of this
 * row only, never the zero points right of it); rows narrower than a word by copy_words. */
static void copy_plane(int8_t *to, int32_t to_stride, const int8_t *from, int32_t width, int32_t rows) {
  if (width < 4) {
    for (int32_t row = 0; row < rows; ++row, to += to_stride, from += width) {
      copy_words(to, from, width);
    }
    return;
  }
  const int32_t last = width - 4;
  if (width <= 8 && rows > 0) {
    /* two words a row, the second at `last`: 8 instructions a row (GCC's loop took 18) */
    __asm__ volatile("1:\n\t"
                     "ldr r4, [%[from]]\n\t"
                     "ldr r5, [%[from], %[last]]\n\t"
                     "add %[from], %[from], %[width]\n\t"
                     "str r4, [%[to]]\n\t"
                     "str r5, [%[to], %[last]]\n\t"
                     "add %[to], %[to], %[stride]\n\t"
                     "subs %[rows], %[rows], #1\n\t"
                     "bne 1b"
                     : [from] "+r"(from), [to] "+r"(to), [rows] "+r"(rows)
                     : [last] "r"(last), [width] "r"(width), [stride] "r"(to_stride)
                     : "r4", "r5", "memory", "cc");
    return;
  }
  for (int32_t row = 0; row < rows; ++row, to += to_stride, from += width) {
    for (int32_t i = 0; i < last; i += 4) {
      const int32_t word = o2m_load_int8x4(from + i);
      __builtin_memcpy(to + i, &word, sizeof word);
    }
    const int32_t word = o2m_load_int8x4(from + last);
    __builtin_memcpy(to + last, &word, sizeof word);
  }
}

#if O2M_KERNELS_MVE
struct dw_mve_rows; /* the Helium rows' record (below) */
#endif

/* One channel's constants and the rows being computed: the first 76 bytes at the offsets the asm
 * rows read (O2M_DW_ROWS_STRIDE1), then the channel as given. */
typedef struct {
  const int8_t *in;           /*  0: the first row's first window's top-left tap */
  int32_t row_bytes;          /*  4: from one window row to the next */
  int8_t *out;                /*  8: the first row's first output (the rows' outputs follow on) */
  int8_t *pairs_end;          /* 12: out + (out_w & ~1) */
  int16x2_t w02[3];           /* 16, 20, 24: per kernel row (w[row][0], w[row][2]), doubled */
  int16x2_t w1_01, w1_2;      /* 28, 32: (w[0][1], w[1][1]) and (w[2][1], 0), doubled */
  int32_t start;              /* 36: 2 · raw_start */
  int32_t multiplier;         /* 40 */
  int32_t rounding;           /* 44: 2^(right_shift-1) + output_offset · 2^right_shift */
  int32_t right_shift;        /* 48 */
  uint32_t act_min4, act_max4; /* 52, 56: act_min and act_max in each byte */
  int32_t odd;                /* 60: out_w & 1 */
  int32_t rows;               /* 64: output rows to compute, row_bytes · stride_h apart in the input */
  int32_t in_skip;            /* 68: row_bytes · stride_h - stride_w · pair_bytes: a row's pairs' end to the next row */
  int32_t pair_bytes;         /* 72: out_w & ~1 */
  const int8_t *weights;      /* the 9 taps, row-major */
  int32_t raw_start;          /* bias + input_offset · Σ w (wrapping, as the definition's sums) */
  int32_t shift, output_offset, act_min, act_max;
#if O2M_KERNELS_MVE
  void (*mve_rows)(struct dw_mve_rows *); /* the Helium rows' group size for this layer (rows_mve_for) */
#endif
} dw_channel;

/* Whether the channel's results come out exact on the fast rows (see the top); fills in their
 * constants if so (act_min4 and act_max4 are the caller's, once per call). In 32 bits where the
 * bounds allow: bound = |start| + TAPS_BOUND < 2^32, and 2 · bound <= 2^30 is bound <= 2^29;
 * then |high| <= 2^29 + 1, and with |output_offset| <= 128 a right shift of at most 22 keeps
 * |high| + 2^(rs-1) + |output_offset| · 2^rs under 2^29 + 2^21 + 2^29 < 2^31 without computing
 * it; a larger shift takes the sum in 64 bits. The rounding constant then fits 32 bits. */
static int channel_setup(dw_channel *k) {
  const int32_t shift = k->shift, multiplier = k->multiplier, output_offset = k->output_offset;
  const int32_t right = -shift;
  if (right < 1 || right > 31 || multiplier < 0 || output_offset < -128 || output_offset > 128) {
    return 0;
  }
  const int32_t start = k->raw_start;
  const uint32_t bound = (start < 0 ? 0u - (uint32_t)start : (uint32_t)start) + TAPS_BOUND;
  if (bound > ((uint32_t)1 << 29)) {
    return 0;
  }
  if (right > 22) {
    const int64_t high_bound = (((int64_t)bound * multiplier) >> 31) + 1;
    const int64_t offset_size = output_offset < 0 ? -(int64_t)output_offset : output_offset;
    if (high_bound + ((int64_t)1 << (right - 1)) + (offset_size << right) >= ((int64_t)1 << 31)) {
      return 0;
    }
  }
  /* The five weight words from four unaligned loads: (w0, w2), (w3, w5) and (w6, w8) are the even
   * or odd bytes of the words at w, w + 3 and w + 5, (w1, w4) the low halves of those at w + 1 and
   * w + 4, and w7 alone; then every half doubled by SADD16 (no carry from one half into the
   * other): some 20 instructions where the products one by one took 70. */
  const int8_t *w = k->weights;
  const int16x2_t w02 = __sxtb16(o2m_load_int8x4(w)), w35 = __sxtb16(o2m_load_int8x4(w + 3));
  const int16x2_t w68 = o2m_sxtb16_odd(o2m_load_int8x4(w + 5));
  const int16x2_t w14 = o2m_low_halves(__sxtb16(o2m_load_int8x4(w + 1)), __sxtb16(o2m_load_int8x4(w + 4)));
  const int16x2_t w7 = (int16x2_t)(uint16_t)w[7];
  k->w02[0] = __sadd16(w02, w02);
  k->w02[1] = __sadd16(w35, w35);
  k->w02[2] = __sadd16(w68, w68);
  k->w1_01 = __sadd16(w14, w14);
  k->w1_2 = __sadd16(w7, w7);
  k->start = (int32_t)((uint32_t)start * 2u);
  /* 2^(right-1) + output_offset · 2^right, exact in 32 bits by the check above */
  k->rounding = (int32_t)(((uint32_t)1 << (right - 1)) + (uint32_t)output_offset * ((uint32_t)1 << right));
  k->right_shift = right;
  return 1;
}

/* Row r of the window (0, 1, 2) at r9's address, for two neighbouring outputs at stride 1: one
 * unaligned word x0..x3 per kernel row, SXTB16 into (x0, x2) r10 and (x1, x3) r9, weights (w0, w2)
 * `w02` and w1 in a half of `w1`:
 *   out0 += SMLAD((x0, x2), (w0, w2)) + x1 · w1      out1 += SMLAD((x1, x3), (w0, w2)) + x2 · w1. */
#define O2M_DW_TAPS(w02, w1, half, first0, first1)        \
  "sxtb16 r10, r9\n\t"                                    \
  "sxtb16 r9, r9, ror #8\n\t"                             \
  "smlad r11, r10, " w02 ", " first0 "\n\t"               \
  "smlad r12, r9, " w02 ", " first1 "\n\t"                \
  "smlab" half " r11, r9, " w1 ", r11\n\t"                \
  "smlat" half " r12, r10, " w1 ", r12\n\t"

/* o2m_level_of of the sum in `acc` into `acc`: SMMLAR with the rounding less [acc < 0] (the same
 * integer as subtracting it after), the shift and SSAT; r9 and r10 spare. */
#define O2M_DW_LEVEL(acc, reload)                         \
  reload                                                  \
  "sub r10, r10, " acc ", lsr #31\n\t"                    \
  "smmlar " acc ", " acc ", r9, r10\n\t"

/* o2m_clamp_pair's SSUB8/SEL on the bytes of r11 (r12 spare) */
#define O2M_DW_CLAMP                                      \
  "ldrd r9, r10, [lr, #52]\n\t"                           \
  "ssub8 r12, r11, r9\n\t"                                \
  "sel r11, r11, r9\n\t"                                  \
  "ssub8 r12, r10, r11\n\t"                               \
  "sel r11, r11, r10\n\t"
#define O2M_DW_NO_CLAMP

/* One output's window into `acc`, started at `first`: rows 1 and 2 by register offsets from r0,
 * row 0 by `row0_load` (which may step r0 on); x1 alone meets w1. */
#define O2M_DW_WINDOW(acc, first, row0_load)              \
  "ldr r9, [r0, r1]\n\t"                                  \
  "sxtb16 r10, r9\n\t"                                    \
  "sxtb16 r9, r9, ror #8\n\t"                             \
  "smlad " acc ", r10, r5, " first "\n\t"                 \
  "smlabt " acc ", r9, r7, " acc "\n\t"                   \
  "ldr r9, [r0, r1, lsl #1]\n\t"                          \
  "sxtb16 r10, r9\n\t"                                    \
  "sxtb16 r9, r9, ror #8\n\t"                             \
  "smlad " acc ", r10, r6, " acc "\n\t"                   \
  "smlabb " acc ", r9, r8, " acc "\n\t"                   \
  row0_load "\n\t"                                        \
  "sxtb16 r10, r9\n\t"                                    \
  "sxtb16 r9, r9, ror #8\n\t"                             \
  "smlad " acc ", r10, r4, " acc "\n\t"                   \
  "smlabb " acc ", r9, r7, " acc "\n\t"

/* Two neighbouring outputs' sums into r11 r12 at stride 1: one word per kernel row serves both
 * (see the top), 22 instructions. */
#define O2M_DW_PAIR_STRIDE1                                               \
  "ldr r12, [lr, #36]\n\t"                                                \
  "ldr r9, [r0, r1]\n\t" O2M_DW_TAPS("r5", "r7", "t", "r12", "r12")       \
  "ldr r9, [r0, r1, lsl #1]\n\t" O2M_DW_TAPS("r6", "r8", "b", "r11", "r12") \
  "ldr r9, [r0], #2\n\t" O2M_DW_TAPS("r4", "r7", "b", "r11", "r12")

/* At stride 2: a window each, r0 stepping 2 bytes after each, 31 instructions. */
#define O2M_DW_PAIR_STRIDE2                                               \
  "ldr r12, [lr, #36]\n\t"                                                \
  O2M_DW_WINDOW("r11", "r12", "ldr r9, [r0], #2")                         \
  O2M_DW_WINDOW("r12", "r12", "ldr r9, [r0], #2")

/* Output rows as one asm loop, two outputs per pass (`pair`: 37 instructions at stride 1, 46 at
 * stride 2; the C loops spilled constants and took 43 and 52): the window pointer r0, row_bytes
 * r1 (rows 1 and 2 by register offsets), out r2, its row's pairs' end r3, the five weight words
 * r4-r8, temporaries r9 r10, the two sums r11 r12, the channel lr; start, multiplier, rounding,
 * shift and the clamp's bytes are loaded where needed. A last odd output takes one window alone.
 * Then on to the next row, in_skip further on in the input, its outputs right after this row's
 * (9 instructions). */
#define O2M_DW_ROWS(pair, clamp)                                          \
  "ldr lr, %[channel]\n\t"                                                \
  "ldm lr, {r0, r1, r2, r3}\n\t"                                          \
  "add r12, lr, #16\n\t"                                                  \
  "ldm r12, {r4, r5, r6, r7, r8}\n\t"                                     \
  "0:\n\t"                                                                \
  "cmp r2, r3\n\t"                                                        \
  "beq 2f\n\t"                                                            \
  "1:\n\t" pair                                                           \
  O2M_DW_LEVEL("r11", "ldrd r9, r10, [lr, #40]\n\t")                      \
  O2M_DW_LEVEL("r12", "ldr r10, [lr, #44]\n\t")                           \
  "ldr r9, [lr, #48]\n\t"                                                 \
  "asr r11, r11, r9\n\t"                                                  \
  "asr r12, r12, r9\n\t"                                                  \
  "ssat r11, #8, r11\n\t"                                                 \
  "ssat r12, #8, r12\n\t"                                                 \
  "bfi r11, r12, #8, #8\n\t" clamp                                        \
  "strh r11, [r2], #2\n\t"                                                \
  "cmp r2, r3\n\t"                                                        \
  "bne 1b\n\t"                                                            \
  "2:\n\t"                                                                \
  "ldr r9, [lr, #60]\n\t"                                                 \
  "cmp r9, #0\n\t"                                                        \
  "beq 3f\n\t"                                                            \
  "ldr r12, [lr, #36]\n\t"                                                \
  O2M_DW_WINDOW("r11", "r12", "ldr r9, [r0]")                             \
  O2M_DW_LEVEL("r11", "ldrd r9, r10, [lr, #40]\n\t")                      \
  "ldr r9, [lr, #48]\n\t"                                                 \
  "asr r11, r11, r9\n\t"                                                  \
  "ssat r11, #8, r11\n\t" clamp                                           \
  "strb r11, [r2], #1\n\t"                                                \
  "3:\n\t"                                                                \
  "ldr r9, [lr, #64]\n\t"                                                 \
  "subs r9, r9, #1\n\t"                                                   \
  "str r9, [lr, #64]\n\t"                                                 \
  "beq 4f\n\t"                                                            \
  "ldrd r9, r10, [lr, #68]\n\t"                                           \
  "add r0, r0, r9\n\t"                                                    \
  "add r3, r2, r10\n\t"                                                   \
  "b 0b\n\t"                                                              \
  "4:\n\t"

static __attribute__((noinline)) void rows_stride1_saturated(dw_channel *k) {
  __asm__ volatile(O2M_DW_ROWS(O2M_DW_PAIR_STRIDE1, O2M_DW_NO_CLAMP) : : [channel] "m"(k) : O2M_ASM_ALL_REGISTERS);
}

static __attribute__((noinline)) void rows_stride1_clamped(dw_channel *k) {
  __asm__ volatile(O2M_DW_ROWS(O2M_DW_PAIR_STRIDE1, O2M_DW_CLAMP) : : [channel] "m"(k) : O2M_ASM_ALL_REGISTERS);
}

static __attribute__((noinline)) void rows_stride2_saturated(dw_channel *k) {
  __asm__ volatile(O2M_DW_ROWS(O2M_DW_PAIR_STRIDE2, O2M_DW_NO_CLAMP) : : [channel] "m"(k) : O2M_ASM_ALL_REGISTERS);
}

static __attribute__((noinline)) void rows_stride2_clamped(dw_channel *k) {
  __asm__ volatile(O2M_DW_ROWS(O2M_DW_PAIR_STRIDE2, O2M_DW_CLAMP) : : [channel] "m"(k) : O2M_ASM_ALL_REGISTERS);
}

/* Output rows of a channel the fast rows cannot take exactly: plain sums (wrapping as the
 * definition's int32 sums do) and the general requantisation. */
static void rows_exact(const dw_channel *k, int32_t stride_w, int32_t out_w) {
  const int8_t *row = k->in;
  int8_t *out = k->out;
  for (int32_t rows = k->rows; rows > 0; --rows, row += k->in_skip + stride_w * k->pair_bytes, out += out_w) {
    for (int32_t ox = 0; ox < out_w; ++ox) {
      uint32_t acc = (uint32_t)k->raw_start;
      for (int32_t ky = 0; ky < 3; ++ky) {
        const int8_t *in = row + ky * k->row_bytes + ox * stride_w;
        for (int32_t kx = 0; kx < 3; ++kx) {
          acc += (uint32_t)(in[kx] * k->weights[3 * ky + kx]);
        }
      }
      out[ox] = o2m_requantize_i8_fast((int32_t)acc, k->multiplier, k->shift, k->output_offset, k->act_min,
                                       k->act_max);
    }
  }
}

#if O2M_KERNELS_MVE
/* Helium rows: sixteen outputs of a row at a time, in four vectors of int32 lanes, as one asm loop
 * over a call's rows. Each tap's weight is loaded once for the sixteen; per vector, four input
 * bytes widened to int32 (at stride_w 2, eight bytes widened to int16 and their even lanes to
 * int32 by VMOVLB) and a VMLA by the weight, the sums started at the channel's start value; then
 * requantize_i8_mve.h's requantisation with the channel's constants as scalar operands (VSHL by
 * the left shift, VQRDMULH, a VPT-predicated VQSUB of the rounding fix-up, VRSHL by the right
 * shift; the zero point and the clamp) and four narrowing stores, predicated by VCTP in a row's
 * last, partial group. The sums are the definition's exactly (nine products of int8 by int8 and
 * the start value, wrapping as its int32 sums do) for every shift, so every channel takes these
 * rows. A partial group reads up to 30 bytes past the row's last window, which the compiler adds
 * to the scratch on Helium cores (kernels_int8.h); what it reads there is never stored. */
typedef struct dw_mve_rows {
  const int8_t *row;         /*  0: the current output row's first window's top-left tap */
  int32_t row_bytes;         /*  4 */
  int8_t *out;               /*  8: the current row's first output */
  int32_t out_w;             /* 12 */
  int32_t rows;              /* 16: output rows left */
  int32_t row_step;          /* 20: row_bytes · stride_h */
  const int8_t *weights;     /* 24 */
  int32_t start;             /* 28 */
  int32_t left_shift;        /* 32: max(shift, 0) */
  int32_t multiplier;        /* 36 */
  int32_t fix;               /* 40: 1 when shift < 0, else 0 */
  int32_t minus_right;       /* 44: min(shift, 0) */
  int32_t output_offset;     /* 48 */
  int32_t act_min, act_max;  /* 52, 56 */
} dw_mve_rows;

/* One vector of a tap: `load` (four input bytes widened to int32 at stride 1; at stride 2 eight
 * widened to int16, the even ones to int32) at byte kx + j · step of the window row, then the VMLA
 * by the tap's weight (r4) into accumulator q. */
#define O2M_DW_MVE_LOAD_STRIDE1(row, offset) "vldrb.s32 q4, [" row ", #" offset "]\n\t"
#define O2M_DW_MVE_LOAD_STRIDE2(row, offset) "vldrb.s16 q4, [" row ", #" offset "]\n\t" "vmovlb.s16 q4, q4\n\t"
#define O2M_DW_MVE_VECTOR(load, step, row, kx, j, q) load(row, #kx " + " #j " * " #step) "vmla.s32 " q ", q4, r4\n\t"
/* tap t (kernel row `row`, column kx) for a group of one, two or four vectors */
#define O2M_DW_MVE_TAP_1(load, step, row, kx, t) \
  "ldrsb r4, [r3, #" #t "]\n\t" O2M_DW_MVE_VECTOR(load, step, row, kx, 0, "q0")
#define O2M_DW_MVE_TAP_2(load, step, row, kx, t) \
  O2M_DW_MVE_TAP_1(load, step, row, kx, t) O2M_DW_MVE_VECTOR(load, step, row, kx, 1, "q1")
#define O2M_DW_MVE_TAP_4(load, step, row, kx, t)                                            \
  O2M_DW_MVE_TAP_2(load, step, row, kx, t) O2M_DW_MVE_VECTOR(load, step, row, kx, 2, "q2") \
      O2M_DW_MVE_VECTOR(load, step, row, kx, 3, "q3")
#define O2M_DW_MVE_TAPS(tap, load, step)                                                                  \
  tap(load, step, "r0", 0, 0) tap(load, step, "r0", 1, 1) tap(load, step, "r0", 2, 2)                   \
      tap(load, step, "r1", 0, 3) tap(load, step, "r1", 1, 4) tap(load, step, "r1", 2, 5)               \
          tap(load, step, "r2", 0, 6) tap(load, step, "r2", 1, 7) tap(load, step, "r2", 2, 8)
#define O2M_DW_MVE_REQUANTIZE(q)                     \
  "vshl.s32 " q ", r6\n\t"                           \
  "vqrdmulh.s32 " q ", " q ", r7\n\t"                \
  "vpt.s32 lt, " q ", zr\n\t"                        \
  "vqsubt.s32 " q ", " q ", r8\n\t"                  \
  "vrshl.s32 " q ", r9\n\t"                          \
  "vadd.i32 " q ", " q ", r10\n\t"                   \
  "vmax.s32 " q ", " q ", q5\n\t"                    \
  "vmin.s32 " q ", " q ", q6\n\t"
/* A group's start, requantisation, whole stores and predicated stores (the row's last group,
 * r12 outputs left, branching to 4f when none is left), for one, two or four vectors. */
#define O2M_DW_MVE_GROUP_1 "vdup.32 q0, r11\n\t"
#define O2M_DW_MVE_GROUP_2 O2M_DW_MVE_GROUP_1 "vmov q1, q0\n\t"
#define O2M_DW_MVE_GROUP_4 O2M_DW_MVE_GROUP_2 "vmov q2, q0\n\t" "vmov q3, q0\n\t"
#define O2M_DW_MVE_REQUANTIZE_1 O2M_DW_MVE_REQUANTIZE("q0")
#define O2M_DW_MVE_REQUANTIZE_2 O2M_DW_MVE_REQUANTIZE_1 O2M_DW_MVE_REQUANTIZE("q1")
#define O2M_DW_MVE_REQUANTIZE_4 O2M_DW_MVE_REQUANTIZE_2 O2M_DW_MVE_REQUANTIZE("q2") O2M_DW_MVE_REQUANTIZE("q3")
#define O2M_DW_MVE_STORE_1 "vstrb.32 q0, [r5]\n\t"
#define O2M_DW_MVE_STORE_2 O2M_DW_MVE_STORE_1 "vstrb.32 q1, [r5, #4]\n\t"
#define O2M_DW_MVE_STORE_4 O2M_DW_MVE_STORE_2 "vstrb.32 q2, [r5, #8]\n\t" "vstrb.32 q3, [r5, #12]\n\t"
#define O2M_DW_MVE_PARTIAL(q, offset) \
  "vctp.32 r12\n\t" "vpst\n\t" "vstrbt.32 " q ", [r5, #" offset "]\n\t" "subs r12, r12, #4\n\t" "ble 4f\n\t"
#define O2M_DW_MVE_PARTIAL_1 O2M_DW_MVE_PARTIAL("q0", "0")
#define O2M_DW_MVE_PARTIAL_2 O2M_DW_MVE_PARTIAL_1 O2M_DW_MVE_PARTIAL("q1", "4")
#define O2M_DW_MVE_PARTIAL_4 O2M_DW_MVE_PARTIAL_2 O2M_DW_MVE_PARTIAL("q2", "8") O2M_DW_MVE_PARTIAL("q3", "12")

/* Registers: window rows r0-r2, weights r3, weight r4, out r5, left shift r6, multiplier r7,
 * fix-up r8, right shift r9, zero point r10, start r11, outputs left in the row r12, record lr;
 * sums q0-q3, input q4, clamp q5 q6. A group is `vectors` vectors of four outputs; `step` the
 * input bytes between two vectors (4 · stride_w). */
#define O2M_DW_MVE_ROWS(vectors, load, step)                               \
  "ldr lr, %[state]\n\t"                                                   \
  "ldrd r6, r7, [lr, #32]\n\t"                                             \
  "ldrd r8, r9, [lr, #40]\n\t"                                             \
  "ldr r10, [lr, #48]\n\t"                                                 \
  "ldrd r4, r12, [lr, #52]\n\t"                                            \
  "vdup.32 q5, r4\n\t"                                                     \
  "vdup.32 q6, r12\n\t"                                                    \
  "ldrd r3, r11, [lr, #24]\n\t"                                            \
  "1:\n\t"                                                                 \
  "ldrd r0, r4, [lr]\n\t"                                                  \
  "add r1, r0, r4\n\t"                                                     \
  "add r2, r1, r4\n\t"                                                     \
  "ldrd r5, r12, [lr, #8]\n\t"                                             \
  "2:\n\t"                                                                 \
  O2M_DW_MVE_GROUP_##vectors                                               \
  O2M_DW_MVE_TAPS(O2M_DW_MVE_TAP_##vectors, load, step)                    \
  O2M_DW_MVE_REQUANTIZE_##vectors                                          \
  "cmp r12, #4 * " #vectors "\n\t"                                         \
  "blt 3f\n\t"                                                             \
  O2M_DW_MVE_STORE_##vectors                                               \
  "adds r5, r5, #4 * " #vectors "\n\t"                                     \
  "adds r0, r0, #" #step " * " #vectors "\n\t"                             \
  "adds r1, r1, #" #step " * " #vectors "\n\t"                             \
  "adds r2, r2, #" #step " * " #vectors "\n\t"                             \
  "subs r12, r12, #4 * " #vectors "\n\t"                                   \
  "bne 2b\n\t"                                                             \
  "b 4f\n\t"                                                               \
  "3:\n\t"                                                                 \
  O2M_DW_MVE_PARTIAL_##vectors                                             \
  "4:\n\t"                                                                 \
  "ldrd r0, r4, [lr, #16]\n\t"                                             \
  "ldr r5, [lr]\n\t"                                                       \
  "add r5, r5, r4\n\t"                                                     \
  "str r5, [lr]\n\t"                                                       \
  "ldrd r5, r12, [lr, #8]\n\t"                                             \
  "add r5, r5, r12\n\t"                                                    \
  "str r5, [lr, #8]\n\t"                                                   \
  "subs r0, r0, #1\n\t"                                                    \
  "str r0, [lr, #16]\n\t"                                                  \
  "bne 1b\n\t"

#define O2M_DW_MVE_CLOBBERS \
  "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "lr", "q0", "q1", "q2", "q3", "q4", \
      "q5", "q6", "memory", "cc"

/* Groups of one, two and four vectors (4, 8 and 16 outputs): a row takes the size that wastes the
 * fewest instructions on lanes it does not store (rows_mve), so that narrow rows (MobileNet's 6×6
 * and 3×3 planes) and rows of 24 do not compute sixteen lanes to keep a few. */
#define O2M_DW_MVE_ROWS_FUNCTION(name, vectors, load, step)                                          \
  static __attribute__((noinline)) void name(dw_mve_rows *r) {                                      \
    __asm__ volatile(O2M_DW_MVE_ROWS(vectors, load, step) : : [state] "m"(r) : O2M_DW_MVE_CLOBBERS); \
  }
O2M_DW_MVE_ROWS_FUNCTION(rows_mve_stride1_by4, 1, O2M_DW_MVE_LOAD_STRIDE1, 4)
O2M_DW_MVE_ROWS_FUNCTION(rows_mve_stride1_by8, 2, O2M_DW_MVE_LOAD_STRIDE1, 4)
O2M_DW_MVE_ROWS_FUNCTION(rows_mve_stride1_by16, 4, O2M_DW_MVE_LOAD_STRIDE1, 4)
O2M_DW_MVE_ROWS_FUNCTION(rows_mve_stride2_by4, 1, O2M_DW_MVE_LOAD_STRIDE2, 8)
O2M_DW_MVE_ROWS_FUNCTION(rows_mve_stride2_by8, 2, O2M_DW_MVE_LOAD_STRIDE2, 8)
O2M_DW_MVE_ROWS_FUNCTION(rows_mve_stride2_by16, 4, O2M_DW_MVE_LOAD_STRIDE2, 8)

/* The group size that spends the fewest instructions on a row of out_w outputs: each group's
 * cost (measured at stride 1 and 2) times the groups the row takes, a last partial group
 * computed whole. Chosen once per layer. */
static void (*rows_mve_for(int32_t stride_w, int32_t out_w))(dw_mve_rows *) {
  static const int32_t group_cost[2][3] = {{44, 73, 127}, {54, 92, 165}};
  static void (*const rows[2][3])(dw_mve_rows *) = {
      {rows_mve_stride1_by4, rows_mve_stride1_by8, rows_mve_stride1_by16},
      {rows_mve_stride2_by4, rows_mve_stride2_by8, rows_mve_stride2_by16}};
  const int32_t *cost = group_cost[stride_w - 1];
  int32_t best = 0;
  for (int32_t g = 1; g < 3; ++g) {
    const int32_t width = 4 << g, best_width = 4 << best;
    if ((out_w + width - 1) / width * cost[g] < (out_w + best_width - 1) / best_width * cost[best]) {
      best = g;
    }
  }
  return rows[stride_w - 1][best];
}

static void rows_mve(const dw_channel *k, int32_t stride_w, int32_t out_w) {
  dw_mve_rows r;
  r.row = k->in;
  r.row_bytes = k->row_bytes;
  r.out = k->out;
  r.out_w = out_w;
  r.rows = k->rows;
  r.row_step = k->in_skip + stride_w * k->pair_bytes;
  r.weights = k->weights;
  r.start = k->raw_start;
  r.left_shift = k->shift > 0 ? k->shift : 0;
  r.multiplier = k->multiplier;
  r.fix = k->shift < 0;
  r.minus_right = k->shift < 0 ? k->shift : 0;
  r.output_offset = k->output_offset;
  r.act_min = k->act_min;
  r.act_max = k->act_max;
  k->mve_rows(&r);
}
#endif

/* The ring's five slots of padded rows (see the top), row_bytes apart. */
typedef struct {
  int8_t *rows;              /* slot 0 */
  int32_t in_h, in_w, out_h, out_w, stride_h, stride_w, pad_top, pad_left;
  int32_t row_bytes;
  int32_t first_slot, slot_step; /* row -pad_top's slot; stride_h % 3 */
  int8_t zero_point;
} dw_geometry;

/* Input row iy (zero points where it lies above or below the input) into its ring slot, and into
 * the slot's mirror three further on. */
static void load_ring_row(const dw_geometry *g, const int8_t *plane, int32_t iy, int32_t slot) {
  for (int32_t copy = slot; copy < 5; copy += 3) {
    int8_t *to = g->rows + copy * g->row_bytes + g->pad_left;
    if (iy >= 0 && iy < g->in_h) {
      copy_row(to, plane + iy * g->in_w, g->in_w);
    } else {
      memset(to, g->zero_point, (size_t)g->in_w);
    }
  }
}

/* A channel's output rows over a ring of padded rows, one row per call after loading the rows its
 * windows reach: a fast channel (mode 0: stride_w 1, 1: stride_w 2; `clamps` as output_pair's),
 * mode 2 one the fast rows cannot take, mode 3 Helium's. Always inlined into the functions below
 * with constant arguments, so each is its own loop nest. (A whole plane goes in one call:
 * depthwise_dsp.) */
static inline __attribute__((always_inline)) void channel_rows(const dw_geometry *g, const int8_t *plane,
                                                               int8_t *out, dw_channel *k, int mode,
                                                               int clamps) {
  const int32_t out_h = g->out_h, out_w = g->out_w, stride_h = g->stride_h, row_bytes = g->row_bytes;
  int32_t top = -g->pad_top, loaded = -g->pad_top;
  int32_t top_slot = g->first_slot, loaded_slot = g->first_slot; /* their ring slots: row % 3 */
  for (int32_t oy = 0; oy < out_h; ++oy, out += out_w, top += stride_h) {
    if (loaded < top) {
      loaded = top;
      loaded_slot = top_slot;
    }
    for (; loaded < top + 3; ++loaded, loaded_slot = loaded_slot == 2 ? 0 : loaded_slot + 1) {
      load_ring_row(g, plane, loaded, loaded_slot);
    }
    k->in = g->rows + top_slot * row_bytes;
    top_slot += g->slot_step;
    top_slot = top_slot >= 3 ? top_slot - 3 : top_slot;
    k->out = out;
    k->pairs_end = out + k->pair_bytes;
    k->rows = 1; /* the asm rows count it down */
    if (mode == 0) {
      if (clamps) {
        rows_stride1_clamped(k);
      } else {
        rows_stride1_saturated(k);
      }
    } else if (mode == 1) {
      if (clamps) {
        rows_stride2_clamped(k);
      } else {
        rows_stride2_saturated(k);
      }
    } else if (mode == 2) {
      rows_exact(k, g->stride_w, out_w);
    } else {
#if O2M_KERNELS_MVE
      rows_mve(k, g->stride_w, out_w);
#endif
    }
  }
}

typedef void channel_loop(const dw_geometry *g, const int8_t *plane, int8_t *out, dw_channel *k);

static __attribute__((noinline)) void channel_stride1_clamped(const dw_geometry *g, const int8_t *plane, int8_t *out,
                                                              dw_channel *k) {
  channel_rows(g, plane, out, k, 0, 1);
}
static __attribute__((noinline)) void channel_stride1_saturated(const dw_geometry *g, const int8_t *plane,
                                                                int8_t *out, dw_channel *k) {
  channel_rows(g, plane, out, k, 0, 0);
}
static __attribute__((noinline)) void channel_stride2_clamped(const dw_geometry *g, const int8_t *plane, int8_t *out,
                                                              dw_channel *k) {
  channel_rows(g, plane, out, k, 1, 1);
}
static __attribute__((noinline)) void channel_stride2_saturated(const dw_geometry *g, const int8_t *plane,
                                                                int8_t *out, dw_channel *k) {
  channel_rows(g, plane, out, k, 1, 0);
}
static __attribute__((noinline)) void channel_exact(const dw_geometry *g, const int8_t *plane, int8_t *out,
                                                    dw_channel *k) {
  channel_rows(g, plane, out, k, 2, 0);
}
#if O2M_KERNELS_MVE
static __attribute__((noinline)) void channel_mve(const dw_geometry *g, const int8_t *plane, int8_t *out,
                                                  dw_channel *k) {
  channel_rows(g, plane, out, k, 3, 0);
}
#endif

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
  /* The padded rows the windows reach, and whether the scratch holds them all (the compiler's
   * plan: kernels_int8.h). */
  const int32_t padded_rows = (out_h - 1) * p->stride_h + 3;
  const int32_t whole_plane = p->whole_plane;
  /* Borders are never written again: row copies land between them. */
  memset(scratch, (int8_t)-input_offset, (size_t)((whole_plane ? padded_rows : 5) * row_bytes));
  dw_geometry g;
  g.rows = (int8_t *)scratch + lead;
  g.row_bytes = row_bytes;
  /* a whole plane's input rows that its windows reach */
  const int32_t plane_rows = padded_rows - p->pad_top < in_h ? padded_rows - p->pad_top : in_h;
  g.in_h = in_h;
  g.in_w = in_w;
  g.out_h = out_h;
  g.out_w = out_w;
  g.stride_h = p->stride_h;
  g.stride_w = stride_w;
  g.pad_top = p->pad_top;
  g.pad_left = pad_left;
  g.zero_point = (int8_t)-input_offset;
  g.first_slot = (3 - p->pad_top % 3) % 3;
  g.slot_step = p->stride_h % 3;
  const int clamps = act_min > -128 || act_max < 127; /* else SSAT's saturation is the clamp */
  channel_loop *const fast_loop = stride_w == 1 ? (clamps ? channel_stride1_clamped : channel_stride1_saturated)
                                                : (clamps ? channel_stride2_clamped : channel_stride2_saturated);
  void (*const fast_rows)(dw_channel *) = stride_w == 1 ? (clamps ? rows_stride1_clamped : rows_stride1_saturated)
                                                        : (clamps ? rows_stride2_clamped : rows_stride2_saturated);

  /* what every channel's rows share */
  dw_channel k;
  k.row_bytes = row_bytes;
  k.odd = out_w & 1;
  k.pair_bytes = out_w & ~1;
  k.in_skip = row_bytes * p->stride_h - stride_w * k.pair_bytes;
  k.output_offset = p->output_offset;
  k.act_min = act_min;
  k.act_max = act_max;
  k.act_min4 = 0x01010101u * (uint8_t)act_min;
  k.act_max4 = 0x01010101u * (uint8_t)act_max;
#if O2M_KERNELS_MVE
  k.mve_rows = rows_mve_for(stride_w, out_w);
#endif
  for (int32_t n = 0; n < batch; ++n) {
    for (int32_t c = 0; c < channels; ++c) {
      const int32_t image = n * channels + c;
      const int8_t *w = weights + 9 * c;
      /* Σ w: each word's four bytes widened in pairs and summed by SMLAD with (1, 1) */
      const int32_t ones = 0x00010001, first = o2m_load_int8x4(w), second = o2m_load_int8x4(w + 4);
      const int32_t weight_sum = __smlad(o2m_sxtb16_odd(second), ones,
                                         __smlad(__sxtb16(second), ones,
                                                 __smlad(o2m_sxtb16_odd(first), ones,
                                                         __smlad(__sxtb16(first), ones, w[8]))));
      k.weights = w;
      k.raw_start = (int32_t)((uint32_t)(bias != NULL ? bias[c] : 0) + (uint32_t)(input_offset * weight_sum));
      k.multiplier = multipliers[c];
      k.shift = shifts[c];
      const int8_t *const plane = input + image * in_h * in_w;
      int8_t *const out = output + image * out_h * out_w;
      if (whole_plane) {
        /* every padded row copied, then every output row in one call */
        copy_plane(g.rows + p->pad_top * row_bytes + pad_left, row_bytes, plane, in_w, plane_rows);
        k.in = g.rows;
        k.out = out;
        k.pairs_end = out + k.pair_bytes;
        k.rows = out_h;
#if O2M_KERNELS_MVE
        rows_mve(&k, stride_w, out_w);
#else
        if (channel_setup(&k)) {
          fast_rows(&k);
        } else {
          rows_exact(&k, stride_w, out_w);
        }
#endif
        continue;
      }
#if O2M_KERNELS_MVE
      /* Helium's rows are exact for every channel: no bounds to prove, and none of the DSP rows
       * (referenced only here, so that the compiler drops them without a warning) */
      channel_loop *const loop = channel_mve;
      (void)fast_loop;
      (void)fast_rows;
      (void)channel_exact;
      (void)channel_setup;
#else
      channel_loop *const loop = channel_setup(&k) ? fast_loop : channel_exact;
#endif
      loop(&g, plane, out, &k);
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
