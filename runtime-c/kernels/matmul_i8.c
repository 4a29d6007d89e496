/* onnx2mcu runtime: int8 MatMul with broadcast batches and operands read through strides (Gemm,
 * fully connected layers, attention's Q·Kᵀ and weights·V), the definition of the int8 result.
 *
 * On cores with the DSP extension (O2M_KERNELS_DSP, onnx2mcu/arch.h), a batch whose A rows are
 * contiguous runs on SMLAD, two multiply-accumulates per instruction: with B's columns contiguous
 * too (weights, which the compiler stores [N][K] for this; attention's Kᵀ) each A row is widened
 * once to int16 in the scratch buffer and four columns per pass share each widened word, the
 * last N % 4 columns three at a time on the int8 row; with B's rows contiguous (attention's V)
 * four columns of two rows per pass. On Helium (O2M_KERNELS_MVE, the Cortex-M55) the B-along-K
 * case runs matmul_i8_mve.c's VMLADAVA loops instead.
 * A read through a stride along K takes the portable loops. */
#include <stddef.h>

#include "onnx2mcu/arch.h"
#include "onnx2mcu/kernels_int8.h"

#include "requantize_i8.h"

#include "dsp_simd.h"
#include "matmul_i8_mve.h"

/* One batch's M×N block by the definition, through strides; returns where the next block goes. */
static int8_t *block_portable(const o2m_matmul_i8_params *p, const int8_t *a, const int8_t *b,
                              const int32_t *bias, const int32_t *multipliers,
                              const int32_t *shifts, int8_t *y) {
  for (int32_t m = 0; m < p->M; ++m) {
    const int8_t *a_row = a + m * p->a_stride_m;
    for (int32_t n = 0; n < p->N; ++n) {
      const int8_t *b_column = b + n * p->b_stride_n;
      int32_t acc = bias != NULL ? bias[n] : 0;
      for (int32_t k = 0; k < p->K; ++k) {
        acc += ((int32_t)a_row[k * p->a_stride_k] + p->a_offset) *
               ((int32_t)b_column[k * p->b_stride_k] + p->b_offset);
      }
      const int32_t channel = p->per_channel ? n : 0;
      *y++ = o2m_requantize_i8(acc, multipliers[channel], shifts[channel], p->output_offset,
                               p->act_min, p->act_max);
    }
  }
  return y;
}

#if O2M_KERNELS_DSP
/* Bit-identical to the definition: every product is exact in int32, and
 *   sum_k (a + ao)(b + bo) = sum_k (a + ao)·b + bo·sum_k (a + ao)
 * holds in int32 arithmetic modulo 2^32 (SMLAD's sum wraps as the definition's does). Nothing
 * overflows in practice anyway: |(a + ao)(b + bo)| <= 255·255, so below K = 33,000 (less the
 * bias) no partial sum leaves int32. */

/* the K % 4 products past the last whole word, by the definition */
static inline int32_t tail_products(const o2m_matmul_i8_params *p, const int8_t *a_row,
                                    const int8_t *b_column, int32_t from) {
  int32_t acc = 0;
  for (int32_t k = from; k < p->K; ++k) {
    acc += ((int32_t)a_row[k] + p->a_offset) * ((int32_t)b_column[k] + p->b_offset);
  }
  return acc;
}

/* sum_k (a + ao)·b over the first `whole` k of `columns` (1 to 3) columns `stride` apart, each A
 * word loaded and widened once for all of them. At most three: with four, GCC 12 spills pointers
 * and sums to the stack inside the loop (31 instructions per 16 MACs against 20 per 12). Always
 * inlined with constant arguments, so each use is its own loop: the three-column one twice, with
 * and without A's offset (the compiler folds that offset into the bias of constant weights,
 * ops/matmul.ts, so SADD16 runs only when both operands are activations). */
static inline __attribute__((always_inline)) void dot_columns(
    const int8_t *a_row, const int8_t *b0, int32_t stride, int32_t whole, int16x2_t a_offsets,
    int with_a_offset, int32_t columns, int32_t sums[3]) {
  int32_t acc0 = 0, acc1 = 0, acc2 = 0;
  const int8_t *b1 = b0 + stride, *b2 = b1 + stride;
  for (int32_t words = whole >> 2; words > 0; --words) {
    const int32_t a_word = o2m_load_int8x4(a_row);
    a_row += 4;
    int16x2_t a_even = __sxtb16(a_word);
    int16x2_t a_odd = o2m_sxtb16_odd(a_word);
    if (with_a_offset) {
      a_even = __sadd16(a_even, a_offsets);
      a_odd = __sadd16(a_odd, a_offsets);
    }
    int32_t b_word = o2m_load_int8x4(b0);
    b0 += 4;
    acc0 = __smlad(a_even, __sxtb16(b_word), acc0);
    acc0 = __smlad(a_odd, o2m_sxtb16_odd(b_word), acc0);
    if (columns > 1) {
      b_word = o2m_load_int8x4(b1);
      b1 += 4;
      acc1 = __smlad(a_even, __sxtb16(b_word), acc1);
      acc1 = __smlad(a_odd, o2m_sxtb16_odd(b_word), acc1);
    }
    if (columns > 2) {
      b_word = o2m_load_int8x4(b2);
      b2 += 4;
      acc2 = __smlad(a_even, __sxtb16(b_word), acc2);
      acc2 = __smlad(a_odd, o2m_sxtb16_odd(b_word), acc2);
    }
  }
  sums[0] = acc0;
  sums[1] = acc1;
  sums[2] = acc2;
}

/* bo·sum_k (a + ao) over a row's first `count` k: B's offset as one term per row, so the column
 * loops never add it */
static int32_t b_offset_term(const o2m_matmul_i8_params *p, const int8_t *a_row, int32_t count) {
  if (p->b_offset == 0) {
    return 0;
  }
  int32_t a_sum = 0;
  for (int32_t k = 0; k < count; ++k) {
    a_sum += (int32_t)a_row[k] + p->a_offset;
  }
  return p->b_offset * a_sum;
}

/* A row widened once to int16 with its offset added, in SMLAD order: each group of four k as the
 * words (a0, a2) and (a1, a3), the pairs SXTB16 makes of a weight word. */
static void widen_row(const int8_t *a_row, int32_t whole, int16x2_t a_offsets, int32_t *widened) {
  for (int32_t k = 0; k < whole; k += 4, widened += 2) {
    const int32_t word = o2m_load_int8x4(a_row + k);
    widened[0] = __sxtab16(a_offsets, word);
    widened[1] = o2m_sxtab16_odd(a_offsets, word);
  }
}

/* One group of four k for four columns `stride` apart, against the widened row: asm, as the
 * loop needs thirteen registers and GCC 12 spills past eleven. Columns 1 and 3 are read at
 * +stride from the pointers to columns 0 and 2 before those advance. */
#define O2M_FOUR_COLUMNS_PASS                           \
  "ldrd  %[even], %[odd], [%[row]], #8\n\t"            \
  "ldr   %[w], [%[col0], %[stride]]\n\t"               \
  "sxtb16 %[t], %[w]\n\t"                              \
  "smlad %[s1], %[even], %[t], %[s1]\n\t"              \
  "sxtb16 %[w], %[w], ror #8\n\t"                      \
  "smlad %[s1], %[odd], %[w], %[s1]\n\t"               \
  "ldr   %[w], [%[col0]], #4\n\t"                      \
  "sxtb16 %[t], %[w]\n\t"                              \
  "smlad %[s0], %[even], %[t], %[s0]\n\t"              \
  "sxtb16 %[w], %[w], ror #8\n\t"                      \
  "smlad %[s0], %[odd], %[w], %[s0]\n\t"               \
  "ldr   %[w], [%[col2], %[stride]]\n\t"               \
  "sxtb16 %[t], %[w]\n\t"                              \
  "smlad %[s3], %[even], %[t], %[s3]\n\t"              \
  "sxtb16 %[w], %[w], ror #8\n\t"                      \
  "smlad %[s3], %[odd], %[w], %[s3]\n\t"               \
  "ldr   %[w], [%[col2]], #4\n\t"                      \
  "sxtb16 %[t], %[w]\n\t"                              \
  "smlad %[s2], %[even], %[t], %[s2]\n\t"              \
  "sxtb16 %[w], %[w], ror #8\n\t"                      \
  "smlad %[s2], %[odd], %[w], %[s2]\n\t"

/* sums[j] += sum_k (a + ao)·b over the whole groups of four k, for four columns: 22 instructions
 * per 16 MACs in the two-pass loop (one LDRD of the widened row serves all four). Not inlined: its
 * asm needs thirteen registers, which a caller's live values can leave GCC unable to find. */
static __attribute__((noinline)) void four_columns(const int32_t *row, const int32_t *end,
                                                               const int8_t *col0, int32_t stride,
                                                               int32_t sums[4]) {
  int32_t s0 = sums[0], s1 = sums[1], s2 = sums[2], s3 = sums[3];
  const int8_t *col2 = col0 + 2 * stride;
  int32_t even, odd, w, t;
  if (((end - row) >> 1) & 1) {
    __asm__(O2M_FOUR_COLUMNS_PASS
            : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [row] "+r"(row),
              [col0] "+r"(col0), [col2] "+r"(col2), [even] "=&r"(even), [odd] "=&r"(odd), [w] "=&r"(w),
              [t] "=&r"(t)
            : [stride] "r"(stride)
            : "memory");
  }
  if (row != end) {
    __asm__("1:\n\t" O2M_FOUR_COLUMNS_PASS O2M_FOUR_COLUMNS_PASS
            "cmp   %[row], %[end]\n\t"
            "bne   1b\n\t"
            : [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [row] "+r"(row),
              [col0] "+r"(col0), [col2] "+r"(col2), [even] "=&r"(even), [odd] "=&r"(odd), [w] "=&r"(w),
              [t] "=&r"(t)
            : [stride] "r"(stride), [end] "r"(end)
            : "memory", "cc");
  }
  sums[0] = s0;
  sums[1] = s1;
  sums[2] = s2;
  sums[3] = s3;
}

/* The quad loop: for one widened A row, four columns at a time — their sums over all groups of
 * four k (O2M_FOUR_COLUMNS_PASS with fixed registers), the requantisation (o2m_level_of on
 * QADD-doubled sums, the rounding constant 2^(rs-1) + output_offset · 2^rs made as
 * (1 + 2 · output_offset) << (rs - 1)), the four bytes clamped and stored as one word — as one asm
 * loop: the first (groups % 4) groups one pass at a time, the rest four passes per loop test. In
 * C, GCC 12 kept the sums in memory around the pass and spent about 58 instructions per column
 * besides the MACs; here about 20. The state lives in this struct (lr points to it, the
 * other thirteen registers go to the pass): sums r0-r3, row words r4 r5, weight word r6, widened
 * weights r7, row r8, columns 0 and 2 r9 r10, column stride r11, row end r12. */
typedef struct {
  const int32_t *row, *row_end;      /*  0,  4: the widened A row */
  const int8_t *column;              /*  8: the next quad's first column */
  int32_t stride;                    /* 12: between columns */
  const int32_t *bias;               /* 16: the next quad's (zero_bias when the layer has none) */
  int32_t bias_step;                 /* 20: 16, or 0 */
  int32_t row_term;                  /* 24: b_offset_term of the row */
  const int32_t *fours_start;        /* 28: where the four-pass loop takes over from single passes */
  const int32_t *multipliers, *shifts; /* 32, 36: the next quad's */
  int32_t channel_step;              /* 40: 4 (per channel), or 0 */
  int32_t rounding_base;             /* 44: 1 + 2 · output_offset */
  uint32_t act_min4, act_max4;       /* 48, 52 */
  int8_t *y;                         /* 56: the next quad's outputs */
  int32_t quads;                     /* 60: quads left, >= 1 */
} quad_loop;

static const int32_t zero_bias[4] = {0, 0, 0, 0};

#define O2M_QUAD_PASS                                   \
  "ldrd  r4, r5, [r8], #8\n\t"                          \
  "ldr   r6, [r9, r11]\n\t"                             \
  "sxtb16 r7, r6\n\t"                                   \
  "smlad r1, r4, r7, r1\n\t"                            \
  "sxtb16 r6, r6, ror #8\n\t"                           \
  "smlad r1, r5, r6, r1\n\t"                            \
  "ldr   r6, [r9], #4\n\t"                              \
  "sxtb16 r7, r6\n\t"                                   \
  "smlad r0, r4, r7, r0\n\t"                            \
  "sxtb16 r6, r6, ror #8\n\t"                           \
  "smlad r0, r5, r6, r0\n\t"                            \
  "ldr   r6, [r10, r11]\n\t"                            \
  "sxtb16 r7, r6\n\t"                                   \
  "smlad r3, r4, r7, r3\n\t"                            \
  "sxtb16 r6, r6, ror #8\n\t"                           \
  "smlad r3, r5, r6, r3\n\t"                            \
  "ldr   r6, [r10], #4\n\t"                             \
  "sxtb16 r7, r6\n\t"                                   \
  "smlad r2, r4, r7, r2\n\t"                            \
  "sxtb16 r6, r6, ror #8\n\t"                           \
  "smlad r2, r5, r6, r2\n\t"

/* Column sum `acc` to its level in r4 (multipliers r9, shifts r10, step r11, rounding base r12) */
#define O2M_QUAD_LEVEL(acc)                             \
  "ldr   r6, [r9]\n\t"                                  \
  "add   r9, r9, r11\n\t"                               \
  "ldr   r7, [r10]\n\t"                                 \
  "add   r10, r10, r11\n\t"                             \
  "rsb   r7, r7, #0\n\t"                                \
  "sub   r5, r7, #1\n\t"                                \
  "lsl   r5, r12, r5\n\t"                               \
  "qadd  " acc ", " acc ", " acc "\n\t"                 \
  "smmlar r4, " acc ", r6, r5\n\t"                      \
  "sub   r4, r4, " acc ", lsr #31\n\t"                  \
  "asr   r4, r4, r7\n\t"                                \
  "ssat  r4, #8, r4\n\t"

#define O2M_QUAD_CLAMP                                  \
  "ldrd  r6, r7, [lr, #48]\n\t"                         \
  "ssub8 r4, r8, r6\n\t"                                \
  "sel   r8, r8, r6\n\t"                                \
  "ssub8 r4, r7, r8\n\t"                                \
  "sel   r8, r8, r7\n\t"

#define O2M_QUAD_LOOP(clamp)                            \
  "1:\n\t"                                              \
  "ldr   r8, [lr]\n\t"                                  \
  "ldrd  r9, r11, [lr, #8]\n\t"                         \
  "add   r10, r9, r11, lsl #1\n\t"                      \
  "ldrd  r4, r5, [lr, #16]\n\t"                         \
  "ldr   r6, [lr, #24]\n\t"                             \
  "ldrd  r0, r1, [r4]\n\t"                              \
  "ldrd  r2, r3, [r4, #8]\n\t"                          \
  "add   r4, r4, r5\n\t"                                \
  "str   r4, [lr, #16]\n\t"                             \
  "add   r0, r0, r6\n\t"                                \
  "add   r1, r1, r6\n\t"                                \
  "add   r2, r2, r6\n\t"                                \
  "add   r3, r3, r6\n\t"                                \
  "ldr   r12, [lr, #28]\n\t"                            \
  "cmp   r8, r12\n\t"                                   \
  "beq   3f\n\t"                                        \
  "2:\n\t" O2M_QUAD_PASS                                \
  "cmp   r8, r12\n\t"                                   \
  "bne   2b\n\t"                                        \
  "3:\n\t"                                              \
  "ldr   r12, [lr, #4]\n\t"                             \
  "cmp   r8, r12\n\t"                                   \
  "beq   5f\n\t"                                        \
  "4:\n\t" O2M_QUAD_PASS O2M_QUAD_PASS O2M_QUAD_PASS O2M_QUAD_PASS \
  "cmp   r8, r12\n\t"                                   \
  "bne   4b\n\t"                                        \
  "5:\n\t"                                              \
  "ldrd  r9, r11, [lr, #8]\n\t"                         \
  "add   r9, r9, r11, lsl #2\n\t"                       \
  "str   r9, [lr, #8]\n\t"                              \
  "ldrd  r9, r10, [lr, #32]\n\t"                        \
  "ldrd  r11, r12, [lr, #40]\n\t"                       \
  O2M_QUAD_LEVEL("r0") "mov   r8, r4\n\t"               \
  O2M_QUAD_LEVEL("r1") "bfi   r8, r4, #8, #8\n\t"       \
  O2M_QUAD_LEVEL("r2") "bfi   r8, r4, #16, #8\n\t"      \
  O2M_QUAD_LEVEL("r3") "bfi   r8, r4, #24, #8\n\t"      \
  "strd  r9, r10, [lr, #32]\n\t" clamp                  \
  "ldr   r4, [lr, #56]\n\t"                             \
  "str   r8, [r4], #4\n\t"                              \
  "str   r4, [lr, #56]\n\t"                             \
  "ldr   r4, [lr, #60]\n\t"                             \
  "subs  r4, r4, #1\n\t"                                \
  "str   r4, [lr, #60]\n\t"                             \
  "bne   1b\n\t"

#define O2M_QUAD_CLOBBERS \
  "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "memory", "cc"

static __attribute__((noinline)) void quad_loop_run(quad_loop *loop) {
  register quad_loop *state __asm__("lr") = loop;
  __asm__ volatile(O2M_QUAD_LOOP("") : "+r"(state) : : O2M_QUAD_CLOBBERS);
}

static __attribute__((noinline)) void quad_loop_run_clamped(quad_loop *loop) {
  register quad_loop *state __asm__("lr") = loop;
  __asm__ volatile(O2M_QUAD_LOOP(O2M_QUAD_CLAMP) : "+r"(state) : : O2M_QUAD_CLOBBERS);
}

#if !O2M_KERNELS_MVE
/* Whether every channel lies in the form o2m_level_of takes on QADD-doubled sums, as the quad
 * loop needs: once per call, not per batch (on Helium the quad loop's blocks run
 * matmul_i8_mve.c). */
static int requant_is_fast(const o2m_matmul_i8_params *p, const int32_t *multipliers, const int32_t *shifts) {
  const int32_t channels = p->per_channel ? p->N : 1;
  for (int32_t n = 0; n < channels; ++n) {
    if (!o2m_level_form_covers(multipliers[n], shifts[n])) {
      return 0;
    }
  }
  return 1;
}
#endif

/* `fast_requant`: requant_is_fast, the same for every batch. */
static int8_t *block_dsp(const o2m_matmul_i8_params *p, const int8_t *a, const int8_t *b,
                         const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                         int8_t *y, int32_t *scratch, int fast_requant) {
  const int32_t whole = p->K & ~3;
  const int16x2_t a_offsets = (int16x2_t)((uint32_t)(uint16_t)p->a_offset * 0x00010001u);
  const int clamps = p->act_min > -128 || p->act_max < 127;
  quad_loop quad = {(const int32_t *)scratch, (const int32_t *)scratch + whole / 2, NULL, p->b_stride_n, NULL,
                    bias != NULL ? 16 : 0, 0, (const int32_t *)scratch + 2 * ((whole >> 2) & 3), NULL, NULL,
                    p->per_channel ? 4 : 0,
                    1 + 2 * p->output_offset, 0x01010101u * (uint8_t)p->act_min,
                    0x01010101u * (uint8_t)p->act_max, NULL, 0};
  for (int32_t m = 0; m < p->M; ++m) {
    const int8_t *a_row = a + m * p->a_stride_m;
    const int32_t row_term = b_offset_term(p, a_row, whole);
    int32_t n = 0;
    if (scratch != NULL && whole > 0) {
      /* four columns at a time against the row widened once (scratch: 2 bytes per k) */
      widen_row(a_row, whole, a_offsets, scratch);
      /* locals, not p's fields: the int8 stores below could alias p, so GCC would reload them */
      const int32_t stride = p->b_stride_n, columns = p->N, channel_step = p->per_channel ? 1 : 0;
      const int32_t output_offset = p->output_offset, act_min = p->act_min, act_max = p->act_max;
      const int has_tail = whole != p->K;
      if (fast_requant && !has_tail && columns >= 4) {
        quad.row_term = row_term;
        quad.column = b;
        quad.bias = bias != NULL ? bias : zero_bias;
        quad.multipliers = multipliers;
        quad.shifts = shifts;
        quad.y = y;
        quad.quads = columns >> 2;
        if (clamps) {
          quad_loop_run_clamped(&quad);
        } else {
          quad_loop_run(&quad);
        }
        n = columns & ~3;
        y += n;
      }
      for (; n + 4 <= columns; n += 4, y += 4) {
        const int8_t *b0 = b + n * stride;
        int32_t sums[4];
        for (int32_t j = 0; j < 4; ++j) {
          sums[j] = row_term + (bias != NULL ? bias[n + j] : 0);
        }
        four_columns(scratch, scratch + whole / 2, b0, stride, sums);
        if (has_tail) {
          for (int32_t j = 0; j < 4; ++j) {
            sums[j] += tail_products(p, a_row, b0 + j * stride, whole);
          }
        }
        const int32_t *m = multipliers + n * channel_step, *s = shifts + n * channel_step;
        const int8_t y0 = o2m_requantize_i8_fast(sums[0], m[0], s[0], output_offset, act_min, act_max);
        const int8_t y1 = o2m_requantize_i8_fast(sums[1], m[channel_step], s[channel_step], output_offset, act_min, act_max);
        const int8_t y2 = o2m_requantize_i8_fast(sums[2], m[2 * channel_step], s[2 * channel_step], output_offset, act_min, act_max);
        const int8_t y3 = o2m_requantize_i8_fast(sums[3], m[3 * channel_step], s[3 * channel_step], output_offset, act_min, act_max);
        y[0] = y0;
        y[1] = y1;
        y[2] = y2;
        y[3] = y3;
      }
    }
    while (n < p->N) {
      const int8_t *b0 = b + n * p->b_stride_n;
      const int32_t columns = p->N - n < 3 ? p->N - n : 3;
      int32_t sums[3];
      if (columns == 3 && p->a_offset == 0) {
        dot_columns(a_row, b0, p->b_stride_n, whole, 0, 0, 3, sums);
      } else if (columns == 3) {
        dot_columns(a_row, b0, p->b_stride_n, whole, a_offsets, 1, 3, sums);
      } else if (columns == 2) {
        dot_columns(a_row, b0, p->b_stride_n, whole, a_offsets, 1, 2, sums);
      } else {
        dot_columns(a_row, b0, p->b_stride_n, whole, a_offsets, 1, 1, sums);
      }
      for (int32_t j = 0; j < columns; ++j, ++n) {
        const int32_t acc = (bias != NULL ? bias[n] : 0) + sums[j] + row_term +
                            tail_products(p, a_row, b0 + j * p->b_stride_n, whole);
        const int32_t channel = p->per_channel ? n : 0;
        *y++ = o2m_requantize_i8_fast(acc, multipliers[channel], shifts[channel], p->output_offset,
                                 p->act_min, p->act_max);
      }
    }
  }
  return y;
}

/* B read by rows (b_stride_n = 1, as V in attention's weights · V): four adjacent columns of two
 * consecutive rows k and k + 1 come as two words; SXTB16 and PKH turn them into each column's
 * (B[k][n], B[k+1][n]) pair for SMLAD against (a[k] + ao, a[k+1] + ao). Columns past the last
 * four and an odd last k take the definition. */
static int8_t *block_dsp_b_rows(const o2m_matmul_i8_params *p, const int8_t *a, const int8_t *b,
                                const int32_t *bias, const int32_t *multipliers,
                                const int32_t *shifts, int8_t *y) {
  const int32_t pairs = p->K >> 1;
  const int32_t paired = pairs << 1;
  const int32_t stride = p->b_stride_k;
  for (int32_t m = 0; m < p->M; ++m) {
    const int8_t *a_row = a + m * p->a_stride_m;
    const int32_t row_term = b_offset_term(p, a_row, paired);
    int32_t n = 0;
    for (; n + 4 <= p->N; n += 4) {
      int32_t acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
      const int8_t *a_at = a_row;
      const int8_t *b_at = b + n;
      for (int32_t left = pairs; left > 0; --left) {
        const int16x2_t a_pair = o2m_low_halves((int32_t)a_at[0] + p->a_offset, (int32_t)a_at[1] + p->a_offset);
        a_at += 2;
        const int32_t row0 = o2m_load_int8x4(b_at);
        const int32_t row1 = o2m_load_int8x4(b_at + stride);
        b_at += 2 * stride;
        const int16x2_t even0 = __sxtb16(row0), even1 = __sxtb16(row1);
        acc0 = __smlad(a_pair, o2m_low_halves(even0, even1), acc0);
        acc2 = __smlad(a_pair, o2m_high_halves(even0, even1), acc2);
        const int16x2_t odd0 = o2m_sxtb16_odd(row0), odd1 = o2m_sxtb16_odd(row1);
        acc1 = __smlad(a_pair, o2m_low_halves(odd0, odd1), acc1);
        acc3 = __smlad(a_pair, o2m_high_halves(odd0, odd1), acc3);
      }
      const int32_t sums[4] = {acc0, acc1, acc2, acc3};
      for (int32_t j = 0; j < 4; ++j) {
        int32_t acc = (bias != NULL ? bias[n + j] : 0) + sums[j] + row_term;
        for (int32_t k = paired; k < p->K; ++k) {
          acc += ((int32_t)a_row[k] + p->a_offset) * ((int32_t)b[k * stride + n + j] + p->b_offset);
        }
        const int32_t channel = p->per_channel ? n + j : 0;
        *y++ = o2m_requantize_i8_fast(acc, multipliers[channel], shifts[channel], p->output_offset,
                                 p->act_min, p->act_max);
      }
    }
    for (; n < p->N; ++n) {
      int32_t acc = bias != NULL ? bias[n] : 0;
      for (int32_t k = 0; k < p->K; ++k) {
        acc += ((int32_t)a_row[k] + p->a_offset) * ((int32_t)b[k * stride + n] + p->b_offset);
      }
      const int32_t channel = p->per_channel ? n : 0;
      *y++ = o2m_requantize_i8_fast(acc, multipliers[channel], shifts[channel], p->output_offset,
                               p->act_min, p->act_max);
    }
  }
  return y;
}
#endif

void o2m_matmul_i8(const o2m_matmul_i8_params *p, const int8_t *a, const int8_t *b,
                   const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                   int8_t *output, int32_t *scratch) {
  int32_t batches = 1;
  for (int32_t axis = 0; axis < p->batch_rank; ++axis) {
    batches *= p->batch_shape[axis];
  }
  int32_t index[O2M_MAX_DIMS] = {0};
  int32_t a_base = 0;
  int32_t b_base = 0;
  int8_t *y = output;
#if O2M_KERNELS_MVE
  const int fast_requant = 0; /* Helium takes the blocks the quad loop would */
#elif O2M_KERNELS_DSP
  const int fast_requant = p->a_stride_k == 1 && p->b_stride_k == 1 && requant_is_fast(p, multipliers, shifts);
#endif
  for (int32_t batch = 0; batch < batches; ++batch) {
#if O2M_KERNELS_MVE
    if (p->a_stride_k == 1 && p->b_stride_k == 1) {
      y = o2m_matmul_i8_block_mve(p, a + a_base, b + b_base, bias, multipliers, shifts, y);
    } else
#endif
#if O2M_KERNELS_DSP
    if (p->a_stride_k == 1 && p->b_stride_k == 1) {
      y = block_dsp(p, a + a_base, b + b_base, bias, multipliers, shifts, y, scratch, fast_requant);
    } else if (p->a_stride_k == 1 && p->b_stride_n == 1) {
      y = block_dsp_b_rows(p, a + a_base, b + b_base, bias, multipliers, shifts, y);
    } else {
      y = block_portable(p, a + a_base, b + b_base, bias, multipliers, shifts, y);
    }
#else
    (void)scratch;
    y = block_portable(p, a + a_base, b + b_base, bias, multipliers, shifts, y);
#endif
    /* the odometer over the batch axes, innermost first */
    for (int32_t axis = p->batch_rank - 1; axis >= 0; --axis) {
      ++index[axis];
      a_base += p->a_batch_strides[axis];
      b_base += p->b_batch_strides[axis];
      if (index[axis] < p->batch_shape[axis]) {
        break;
      }
      a_base -= p->a_batch_strides[axis] * p->batch_shape[axis];
      b_base -= p->b_batch_strides[axis] * p->batch_shape[axis];
      index[axis] = 0;
    }
  }
}
