/* onnx2mcu runtime: int8 LayerNormalization and RMSNormalization with integer statistics.
 *
 * The statistics are exact integers (sums of levels and of squared levels in 64 bits), so the
 * only approximations are the square root and one reciprocal per row, both taken at about
 * 31 significant bits: W is scaled by 4^k into [2^60, 2^62) before the root, which puts R in
 * [2^30, 2^31). Each element then costs one 64-bit product and one fixed-point multiply by its
 * gamma / output_scale, as TFLite requantises. */
#include "onnx2mcu/kernels_int8_norm.h"

#include <stddef.h>

#include "onnx2mcu/fixed_point.h"

/* The normalised values are in Q(norm_bits); the gamma multiply leaves them in output units
 * with this many fraction bits, so beta adds before the single final rounding. */
#define O2M_NORM_OUTPUT_FRACTION_BITS 8

/* floor(sqrt(x)), digit by digit (no division: Cortex-M has no 64-bit divide), x < 2^62. */
static uint32_t isqrt_u64(uint64_t x) {
  uint64_t root = 0;
  uint64_t bit = (uint64_t)1 << 62;
  while (bit > x) {
    bit >>= 2;
  }
  while (bit != 0) {
    if (x >= root + bit) {
      x -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
    bit >>= 2;
  }
  return (uint32_t)root;
}

/* x / 2^shift rounded half away from zero, shift >= 1. */
static int32_t rounding_shift_i64(int64_t x, int32_t shift) {
  const int64_t half = (int64_t)1 << (shift - 1);
  return (int32_t)(x >= 0 ? (x + half) >> shift : -((-x + half) >> shift));
}

/* The row's scaled root: R = isqrt(W * 4^k) with k the largest shift keeping W * 4^k < 2^62.
 * The compiler bounds W below 2^62. Returns 0 for W = 0. */
static uint32_t scaled_root(uint64_t w, int32_t *k) {
  *k = 0;
  if (w == 0) {
    return 0;
  }
  while (w < ((uint64_t)1 << 60)) {
    w <<= 2;
    ++*k;
  }
  return isqrt_u64(w);
}

/* Writes one row from W and its numerators d[i] (LayerNorm: size * x - sum; RMSNorm: x - zero point). */
static void normalise_row(const o2m_norm_i8_params *p, const int8_t *in, int32_t row_sum, int32_t mean_mode,
                          uint64_t w, const int32_t *multipliers, const int32_t *shifts, const int32_t *bias,
                          int8_t *out) {
  int32_t k;
  const uint32_t root = scaled_root(w, &k);
  /* inv in (2^30, 2^31]: 2^61 / R with R in [2^30, 2^31). */
  const int64_t inv = root == 0 ? 0 : (int64_t)(((uint64_t)1 << 61) / root);
  const int32_t shift = 61 - k - p->norm_bits;
  /* Beyond int32 the output has long saturated; clamping keeps the final shift in range. */
  const int64_t acc_limit = (int64_t)INT32_MAX;
  for (int32_t i = 0; i < p->size; ++i) {
    const int32_t d = mean_mode ? p->size * (int32_t)in[i] - row_sum : (int32_t)in[i] + p->input_offset;
    /* |d| < 2^30 and inv <= 2^31: the product fits in 62 bits. */
    const int32_t normalised = rounding_shift_i64((int64_t)d * inv, shift);
    int64_t acc = o2m_multiply_by_quantized_multiplier(normalised, multipliers[i], shifts[i]);
    if (bias != NULL) {
      acc += bias[i];
    }
    if (acc > acc_limit) {
      acc = acc_limit;
    }
    if (acc < -acc_limit) {
      acc = -acc_limit;
    }
    int32_t level = o2m_rounding_divide_by_pot((int32_t)acc, O2M_NORM_OUTPUT_FRACTION_BITS) + p->output_offset;
    if (level < -128) {
      level = -128;
    }
    if (level > 127) {
      level = 127;
    }
    out[i] = (int8_t)level;
  }
}

static uint64_t epsilon_of(const o2m_norm_i8_params *p) {
  return ((uint64_t)(uint32_t)p->eps_hi << 31) + (uint64_t)(uint32_t)p->eps_lo;
}

void o2m_layer_norm_i8(const o2m_norm_i8_params *p, const int8_t *input, const int32_t *multipliers,
                       const int32_t *shifts, const int32_t *bias, int8_t *output) {
  const uint64_t epsilon = epsilon_of(p);
  for (int32_t row = 0; row < p->outer; ++row) {
    const int8_t *in = input + row * p->size;
    int32_t sum = 0;
    int64_t squares = 0;
    for (int32_t i = 0; i < p->size; ++i) {
      sum += in[i];
      squares += (int32_t)in[i] * (int32_t)in[i];
    }
    /* size^2 * variance in squared levels: size * sum(x^2) - sum(x)^2, never negative. */
    const uint64_t variance = (uint64_t)((int64_t)p->size * squares - (int64_t)sum * sum);
    normalise_row(p, in, sum, 1, variance + epsilon, multipliers, shifts, bias, output + row * p->size);
  }
}

void o2m_rms_norm_i8(const o2m_norm_i8_params *p, const int8_t *input, const int32_t *multipliers,
                     const int32_t *shifts, const int32_t *bias, int8_t *output) {
  const uint64_t epsilon = epsilon_of(p);
  for (int32_t row = 0; row < p->outer; ++row) {
    const int8_t *in = input + row * p->size;
    uint64_t squares = 0;
    for (int32_t i = 0; i < p->size; ++i) {
      const int32_t centred = (int32_t)in[i] + p->input_offset;
      squares += (uint64_t)(centred * centred);
    }
    normalise_row(p, in, 0, 0, squares + epsilon, multipliers, shifts, bias, output + row * p->size);
  }
}
