/* onnx2mcu runtime: the error function, for GELU, in float arithmetic only.
 *
 * Two pieces, each a polynomial fitted with the Remez exchange algorithm (coefficients then
 * rounded to float):
 *   |x| < 1:      erf(x) = x + x P(x^2), P(0) = 2/sqrt(pi) - 1. With the leading term x itself,
 *                 P's rounding errors count only in proportion to P, at most 0.16 of the
 *                 result. Relative error of the fit 2^-29.6.
 *   1 <= |x| < 4: erf(x) = 1 - erfc(x), erfc(x) = e^(-x^2) Q(1/x) / x. erfc(x) e^(x^2) x is
 *                 smooth and flat in 1/x; only erfc's absolute error matters here, since it is
 *                 subtracted from 1, and the fit's is 0.01 ulp of the result.
 *   |x| >= 4:     erf(x) rounds to +-1 (it does from 3.9192 on).
 */
#include <stdint.h>

#include "onnx2mcu/math_f32.h"

#define ERF_P0 0.128379166f
#define ERF_P1 -0.37612626f
#define ERF_P2 0.112835854f
#define ERF_P3 -0.0268538129f
#define ERF_P4 0.00518832775f
#define ERF_P5 -0.000801019371f
#define ERF_P6 7.85386146e-05f

#define ERFC_Q0 0.561150849f
#define ERFC_Q1 0.0371510759f
#define ERFC_Q2 -0.475533009f
#define ERFC_Q3 0.536958635f
#define ERFC_Q4 -0.325305909f
#define ERFC_Q5 0.109080069f
#define ERFC_Q6 -0.0159181785f

float o2m_erff(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const uint32_t abs_bits = bits & 0x7FFFFFFFu;
  if (abs_bits > 0x7F800000u) {
    return o2m_f32_from_bits(bits | 0x00400000u); /* quiet NaN, payload kept */
  }
  if (abs_bits < 0x3F800000u) { /* |x| < 1 */
    const float z = x * x;
    const float high = ERF_P3 + z * (ERF_P4 + z * (ERF_P5 + z * ERF_P6));
    const float p = ERF_P0 + z * (ERF_P1 + z * (ERF_P2 + z * high));
    return x + x * p;
  }
  const float one = (bits & 0x80000000u) ? -1.0f : 1.0f;
  if (abs_bits >= 0x40800000u) { /* |x| >= 4, and +-inf */
    return one;
  }
  const float a = o2m_fabsf(x);
  const float u = 1.0f / a;
  const float high = ERFC_Q3 + u * (ERFC_Q4 + u * (ERFC_Q5 + u * ERFC_Q6));
  const float q = ERFC_Q0 + u * (ERFC_Q1 + u * (ERFC_Q2 + u * high));
  const float erfc = o2m_expf(-(a * a)) * (q * u);
  return one * (1.0f - erfc);
}
