/* onnx2mcu runtime: the TFLite int8 requantisation arithmetic (gemmlowp's rounding doubling high
 * multiply and rounding power-of-two division). The compiler computes every multiplier and
 * shift (compiler/quantize/fixed-point.ts) and mirrors these functions exactly; int8 kernels
 * call them, so the same model gives the same bits on the host and on every Cortex-M. */
#ifndef ONNX2MCU_FIXED_POINT_H
#define ONNX2MCU_FIXED_POINT_H

#include <stdint.h>

/* floor(a * b / 2^31 + 1/2): halves round up; the one overflowing case saturates. */
static inline int32_t o2m_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) {
    return INT32_MAX;
  }
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int64_t nudge = ab >= 0 ? (int64_t)1 << 30 : 1 - ((int64_t)1 << 30);
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* x / 2^exponent, halves away from zero; exponent in [0, 31]. Right shifts of negative values
 * are arithmetic on every compiler onnx2mcu supports (gcc and clang document it). */
static inline int32_t o2m_rounding_divide_by_pot(int32_t x, int32_t exponent) {
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * multiplier * 2^(shift - 31), with multiplier in Q31 and shift in [-31, 30]. */
static inline int32_t o2m_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left_shift = shift > 0 ? shift : 0;
  const int32_t right_shift = shift > 0 ? 0 : -shift;
  const int32_t shifted = (int32_t)(uint32_t)((uint32_t)x << left_shift);
  return o2m_rounding_divide_by_pot(o2m_rounding_doubling_high_mul(shifted, multiplier), right_shift);
}

#endif
