/* onnx2mcu runtime: e^x in float arithmetic only.
 *
 * Float only, because Cortex-M4/M55 have no double-precision FPU and the M3 has none at all:
 * a double-based expf would be a slow software routine there. The steps are the classic ones:
 *   x = k ln2 + r with |r| <= ln2/2 (Cody-Waite: ln2 split so that k * LN2_HI is exact),
 *   e^r from a rational form that keeps the error below one ulp,
 *   e^x = e^r * 2^k with 2^k built directly in the exponent bits.
 * Every operation is a single IEEE float operation (the build uses -ffp-contract=off), so the
 * host and every Cortex-M give the same bits.
 */
#include <stdint.h>

#include "onnx2mcu/math_f32.h"

/* Largest x whose e^x still rounds to a finite float, and the x below which e^x rounds to 0. */
#define EXP_OVERFLOW_THRESHOLD 88.72283935546875f
#define EXP_UNDERFLOW_THRESHOLD -103.972084045410156f

#define INV_LN2 1.44269502162933349609f
/* ln2 = LN2_HI + LN2_LO; LN2_HI has 16 significant bits so k * LN2_HI is exact for |k| < 256. */
#define LN2_HI 6.9314575195e-01f
#define LN2_LO 1.4286067653e-06f
/* Adding 1.5 * 2^23 rounds a float of magnitude < 2^22 to the nearest integer (ties to even). */
#define ROUND_SHIFTER 12582912.0f

/* Minimax coefficients of R(r^2) in  r * (e^r + 1) / (e^r - 1) = 2 + r^2 * R(r^2), |r| <= ln2/2
 * (the fdlibm expf form): e^r follows with one division and no cancellation. */
#define P1 1.6666625440e-1f
#define P2 -2.7667332906e-3f

typedef union {
  float f;
  uint32_t u;
} float_bits;

/* 2^k for k in [-126, 127]: a normal float whose mantissa is zero. */
static float exp2_normal(int32_t k) {
  float_bits b;
  b.u = (uint32_t)(k + 127) << 23;
  return b.f;
}

float o2m_expf(float x) {
  if (x != x) {
    return x + x; /* quiet the NaN, keep its payload */
  }
  if (x > EXP_OVERFLOW_THRESHOLD) {
    return INFINITY;
  }
  if (x < EXP_UNDERFLOW_THRESHOLD) {
    return 0.0f;
  }

  float k_float = (x * INV_LN2 + ROUND_SHIFTER) - ROUND_SHIFTER;
  int32_t k = (int32_t)k_float;
  float hi = x - k_float * LN2_HI;
  float lo = k_float * LN2_LO;
  float r = hi - lo;

  float r2 = r * r;
  float c = r - r2 * (P1 + r2 * P2);
  /* e^r = 1 + r + r c / (2 - c), rearranged so that the small terms are added first. */
  float e_r = 1.0f - ((lo - (r * c) / (2.0f - c)) - hi);

  if (k >= -125 && k <= 127) {
    return e_r * exp2_normal(k);
  }
  if (k > 127) {
    /* k == 128: 2^128 is not a float, but e_r * 2^127 * 2 is exact or overflows correctly. */
    return e_r * exp2_normal(127) * 2.0f;
  }
  /* Subnormal result: the first product is exact (still normal), so the second rounds once. */
  return (e_r * exp2_normal(k + 100)) * exp2_normal(-100);
}
