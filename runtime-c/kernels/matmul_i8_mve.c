/* onnx2mcu runtime: the Helium (MVE, Cortex-M55) block of o2m_matmul_i8 for A rows and B columns
 * both contiguous along K (a_stride_k = b_stride_k = 1): constant weights, which the compiler
 * stores [N][K] (ops/matmul.ts), and attention's Kᵀ.
 *
 * Layout: A row m is K int8 at a + m·a_stride_m, B column n is K int8 at b + n·b_stride_n. Four
 * columns per pass share each 16-byte load of A, and VMLADAVA.S8 adds 16 products to each
 * column's int32 sum: 64 MACs in 10 instructions (VMLADAVA accumulates in an even register, seven
 * at most, so four sums leave room for the pointers). The last K % 16 products take one pass whose
 * loads are predicated to zero past the end (no byte beyond an operand is read); the N % 4 last
 * columns take a one-column loop each, and the lanes past N are predicated off.
 *
 * Bit-exactness: every product is exact in int32, and
 *   sum_k (a + ao)(b + bo) = sum_k a·b + ao·sum_k b + bo·sum_k (a + ao)
 * holds modulo 2^32, so in int32 arithmetic that wraps (the definition's int32 sum wraps too, so
 * the order of the additions does not matter). The sums of A and B are computed only when the
 * other operand's offset is non-zero: the compiler folds A's offset into the bias of constant
 * weights, so usually ao = 0 and B's offset is 0 (symmetric weights), leaving the plain dot
 * product. The four columns' sums then go through the requantisation together, in the lanes of
 * one vector (requantize_i8_mve.h has its argument), and one narrowing store writes them. */
#include <stddef.h>

#include "onnx2mcu/arch.h"

#include "matmul_i8_mve.h"
#include "requantize_i8_mve.h"

#if O2M_KERNELS_MVE
#include <arm_mve.h>

/* sum_k a·b over K for four B columns `stride` apart, one lane each */
static inline __attribute__((always_inline)) int32x4_t dot_4_columns(const int8_t *a_row, const int8_t *b0,
                                                                     int32_t stride, int32_t blocks,
                                                                     int32_t rest) {
  const int8_t *b1 = b0 + stride, *b2 = b1 + stride, *b3 = b2 + stride;
  int32_t acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
  for (int32_t left = blocks; left > 0; --left) {
    const int8x16_t va = vldrbq_s8(a_row);
    a_row += 16;
    acc0 = vmladavaq_s8(acc0, va, vldrbq_s8(b0));
    b0 += 16;
    acc1 = vmladavaq_s8(acc1, va, vldrbq_s8(b1));
    b1 += 16;
    acc2 = vmladavaq_s8(acc2, va, vldrbq_s8(b2));
    b2 += 16;
    acc3 = vmladavaq_s8(acc3, va, vldrbq_s8(b3));
    b3 += 16;
  }
  if (rest != 0) {
    /* lanes past K load as 0 and add nothing */
    const mve_pred16_t tail = vctp8q((uint32_t)rest);
    const int8x16_t va = vldrbq_z_s8(a_row, tail);
    acc0 = vmladavaq_s8(acc0, va, vldrbq_z_s8(b0, tail));
    acc1 = vmladavaq_s8(acc1, va, vldrbq_z_s8(b1, tail));
    acc2 = vmladavaq_s8(acc2, va, vldrbq_z_s8(b2, tail));
    acc3 = vmladavaq_s8(acc3, va, vldrbq_z_s8(b3, tail));
  }
  int32x4_t sums = vdupq_n_s32(acc0);
  sums = vsetq_lane_s32(acc1, sums, 1);
  sums = vsetq_lane_s32(acc2, sums, 2);
  return vsetq_lane_s32(acc3, sums, 3);
}

/* sum_k a·b over K, one column */
static int32_t dot(const int8_t *a_row, const int8_t *b0, int32_t blocks, int32_t rest) {
  int32_t acc = 0;
  for (int32_t left = blocks; left > 0; --left) {
    acc = vmladavaq_s8(acc, vldrbq_s8(a_row), vldrbq_s8(b0));
    a_row += 16;
    b0 += 16;
  }
  if (rest != 0) {
    const mve_pred16_t tail = vctp8q((uint32_t)rest);
    acc = vmladavaq_s8(acc, vldrbq_z_s8(a_row, tail), vldrbq_z_s8(b0, tail));
  }
  return acc;
}

/* sum_k x over K, modulo 2^32 (VADDVA.S8 adds 16 sign-extended lanes to an int32) */
static int32_t sum_of(const int8_t *x, int32_t blocks, int32_t rest) {
  int32_t sum = 0;
  for (int32_t left = blocks; left > 0; --left) {
    sum = vaddvaq_s8(sum, vldrbq_s8(x));
    x += 16;
  }
  if (rest != 0) {
    sum = vaddvaq_s8(sum, vldrbq_z_s8(x, vctp8q((uint32_t)rest)));
  }
  return sum;
}

/* What a row's columns need, read through one pointer. */
typedef struct {
  const int8_t *b;
  const int32_t *bias, *multipliers, *shifts;
  int32_t N, b_stride_n, blocks, rest;
  int32_t a_offset, output_offset, per_channel, act_min, act_max;
} row_job;

/* Columns n to n + count - 1 (count 1 to 4, `full`: 4, a constant) from their sums a·b: the
 * offsets' terms, the bias, the requantisation, the store. */
static inline __attribute__((always_inline)) void finish_columns(const row_job *job, int32x4_t acc, int32_t n,
                                                                 int32_t count, int full, uint32_t row_term,
                                                                 int8_t *y) {
  const mve_pred16_t lanes = vctp32q((uint32_t)count);
  if (job->a_offset != 0) {
    /* ao·sum_k b per column (VMLA wraps as the definition's sum would) */
    int32_t column_sums[4] = {0, 0, 0, 0};
    for (int32_t j = 0; j < count; ++j) {
      column_sums[j] = sum_of(job->b + (n + j) * job->b_stride_n, job->blocks, job->rest);
    }
    acc = vmlaq_n_s32(acc, vldrwq_s32(column_sums), job->a_offset);
  }
  acc = vaddq_n_s32(acc, (int32_t)row_term);
  /* the lanes of columns past N load nothing and store nothing */
  if (job->bias != NULL) {
    acc = vaddq_s32(acc, full ? vldrwq_s32(job->bias + n) : vldrwq_z_s32(job->bias + n, lanes));
  }
  int32x4_t multiplier, shift;
  if (!job->per_channel) {
    multiplier = vdupq_n_s32(job->multipliers[0]);
    shift = vdupq_n_s32(job->shifts[0]);
  } else if (full) {
    multiplier = vldrwq_s32(job->multipliers + n);
    shift = vldrwq_s32(job->shifts + n);
  } else {
    multiplier = vldrwq_z_s32(job->multipliers + n, lanes);
    shift = vldrwq_z_s32(job->shifts + n, lanes);
  }
  const int32x4_t out = o2m_requantize_i8x4(acc, multiplier, shift, job->output_offset,
                                            vdupq_n_s32(job->act_min), vdupq_n_s32(job->act_max));
  if (full) {
    vstrbq_s32(y, out);
  } else {
    vstrbq_p_s32(y, out, lanes);
  }
}

/* One row of A against every column: four at a time, then the N % 4 last one by one. */
static __attribute__((noinline)) void row_block(const row_job *job, const int8_t *a_row, uint32_t row_term,
                                                int8_t *y) {
  const int32_t N = job->N, stride = job->b_stride_n, blocks = job->blocks, rest = job->rest;
  const int8_t *b0 = job->b;
  int32_t n = 0;
  for (; n + 4 <= N; n += 4, b0 += 4 * stride, y += 4) {
    finish_columns(job, dot_4_columns(a_row, b0, stride, blocks, rest), n, 4, 1, row_term, y);
  }
  if (n < N) {
    int32_t sums[4] = {0, 0, 0, 0};
    for (int32_t j = 0; j < N - n; ++j) {
      sums[j] = dot(a_row, b0 + j * stride, blocks, rest);
    }
    finish_columns(job, vldrwq_s32(sums), n, N - n, 0, row_term, y);
  }
}

int8_t *o2m_matmul_i8_block_mve(const o2m_matmul_i8_params *p, const int8_t *a, const int8_t *b,
                                const int32_t *bias, const int32_t *multipliers,
                                const int32_t *shifts, int8_t *y) {
  const int32_t K = p->K;
  const row_job job = {b, bias, multipliers, shifts, p->N, p->b_stride_n, K >> 4, K & 15,
                       p->a_offset, p->output_offset, p->per_channel, p->act_min, p->act_max};
  /* in locals: every int8 store may alias the struct as far as GCC knows */
  const int32_t M = p->M, N = p->N, a_stride_m = p->a_stride_m, a_offset = p->a_offset, b_offset = p->b_offset;
  for (int32_t m = 0; m < M; ++m, y += N) {
    const int8_t *a_row = a + m * a_stride_m;
    /* bo·sum_k (a + ao), once per row; uint32 so that the wrap is defined */
    const uint32_t row_term =
        b_offset != 0
            ? (uint32_t)b_offset * ((uint32_t)sum_of(a_row, job.blocks, job.rest) + (uint32_t)K * (uint32_t)a_offset)
            : 0u;
    row_block(&job, a_row, row_term, y);
  }
  return y;
}
#endif
