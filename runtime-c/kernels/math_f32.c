/* onnx2mcu runtime: the exponential and logarithm family (exp, expm1, log, log1p, pow) and
 * what is built on it (the hyperbolic functions, their inverses, the logistic).
 *
 * Float only, because Cortex-M4/M55 have no double-precision FPU and the M3 has none at all:
 * double arithmetic would be a slow software routine there. Every operation is a single IEEE
 * float operation (the build uses -ffp-contract=off), so the host and every Cortex-M give the
 * same bits. Coefficients marked "Remez" were fitted with the Remez exchange algorithm for the
 * stated interval and error, then rounded to float.
 *
 * e^x takes the classic steps:
 *   x = k ln2 + r with |r| <= ln2/2 (Cody-Waite: ln2 split so that k * LN2_HI is exact),
 *   e^r from a rational form that keeps the error below one ulp,
 *   e^x = e^r * 2^k with 2^k built directly in the exponent bits.
 * log x reduces to 2^k (1 + f), 1 + f within sqrt(2) of 1, and sums a short series in
 * s = f / (2 + f); pow needs more precision and gets its own log2 and 2^x, below.
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

#define SIGN_BIT 0x80000000u
#define ABS_MASK 0x7FFFFFFFu
#define INF_BITS 0x7F800000u
#define MANTISSA_MASK 0x007FFFFFu
#define QUIET_BIT 0x00400000u

/* 2^k for k in [-126, 127]: a normal float whose mantissa is zero. */
static float exp2_normal(int32_t k) {
  return o2m_f32_from_bits((uint32_t)(k + 127) << 23);
}

/* A NaN input comes back quiet with its payload and sign, as an FPU would return it. */
static float quiet_nan(uint32_t bits) {
  return o2m_f32_from_bits(bits | QUIET_BIT);
}

/* e^x = e_r * 2^k: returns e_r (within [0.7, 1.42]) and sets *k, for |x| <= 104. */
static float exp_reduced(float x, int32_t *k) {
  const float k_float = (x * INV_LN2 + ROUND_SHIFTER) - ROUND_SHIFTER;
  *k = (int32_t)k_float;
  const float hi = x - k_float * LN2_HI;
  const float lo = k_float * LN2_LO;
  const float r = hi - lo;

  const float r2 = r * r;
  const float c = r - r2 * (P1 + r2 * P2);
  /* e^r = 1 + r + r c / (2 - c), rearranged so that the small terms are added first. */
  return 1.0f - ((lo - (r * c) / (2.0f - c)) - hi);
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

  int32_t k;
  const float e_r = exp_reduced(x, &k);
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

/* e^x / 2 for x in [0, 89.7], finite wherever the result is (up to x = 89.41599): what sinh
 * and cosh need beyond the point where e^x itself overflows. Error as o2m_expf's. */
static float exp_half(float x) {
  int32_t k;
  const float e_r = exp_reduced(x, &k);
  if (k - 1 > 127) {
    return e_r * exp2_normal(127) * 2.0f; /* exact, or overflows as the true value does */
  }
  return e_r * exp2_normal(k - 1);
}

/* Coefficients of R(z) = z * (LOG_C1 + z * (LOG_C2 + z * LOG_C3)), z = s^2, in
 *   log((1 + s) / (1 - s)) = 2s + s * R(z),  |s| <= (sqrt2 - 1) / (sqrt2 + 1),
 * relative error 2^-30 (Remez). */
#define LOG_C1 6.6666775e-01f
#define LOG_C2 3.9977542e-01f
#define LOG_C3 2.9871729e-01f
/* sqrt(1/2) rounded to float: mantissas from sqrt(2)'s up go to the next binade, halved. */
#define SQRT_HALF_BITS 0x3F3504F3u

/* log(1 + f) + k ln2 + tail for 1 + f in [sqrt(1/2), sqrt(2)), f exact, tail a correction
 * far below f's ulp. Writing 1 + f = (1 + s) / (1 - s) gives s = f / (2 + f), small enough for a
 * short series; the result is arranged as f - f^2/2 + (small terms), the fdlibm form, so that
 * the large terms are added last and exactly. */
static float log_reduced(float f, int32_t k, float tail) {
  const float s = f / (2.0f + f);
  const float z = s * s;
  const float r = z * (LOG_C1 + z * (LOG_C2 + z * LOG_C3));
  const float half_f_squared = 0.5f * f * f;
  const float k_float = (float)k;
  return s * (half_f_squared + r) + (k_float * LN2_LO + tail) - half_f_squared + f +
         k_float * LN2_HI;
}

float o2m_logf(float x) {
  uint32_t bits = o2m_f32_to_bits(x);
  int32_t k = 0;
  if (bits < 0x00800000u || bits >= INF_BITS) {
    if ((bits & ABS_MASK) == 0u) {
      return -INFINITY;
    }
    if ((bits & ABS_MASK) > INF_BITS) {
      return quiet_nan(bits);
    }
    if (bits & SIGN_BIT) {
      return NAN;
    }
    if (bits == INF_BITS) {
      return x;
    }
    /* Subnormal: 2^25 x is normal and exact. */
    bits = o2m_f32_to_bits(x * 33554432.0f);
    k = -25;
  }
  /* x = 2^k (1 + f) with 1 + f in [sqrt(1/2), sqrt(2)): adding (1.0 - sqrt(1/2)) to the bits
   * carries into the exponent exactly when the mantissa is at least sqrt(2)'s. */
  bits += 0x3F800000u - SQRT_HALF_BITS;
  k += (int32_t)(bits >> 23) - 127;
  const float f = o2m_f32_from_bits((bits & MANTISSA_MASK) + SQRT_HALF_BITS) - 1.0f; /* exact */
  return log_reduced(f, k, 0.0f);
}

/* What kind of number y is, for pow's sign rules. */
enum integer_kind { NOT_INTEGER, ODD_INTEGER, EVEN_INTEGER };

static enum integer_kind classify_integer(uint32_t bits) {
  const int32_t exponent = (int32_t)((bits >> 23) & 0xFFu) - 127;
  if (exponent >= 24) {
    return EVEN_INTEGER; /* ulp >= 2 (or inf/NaN, which callers have handled) */
  }
  if (exponent < 0) {
    return (bits & ABS_MASK) == 0u ? EVEN_INTEGER : NOT_INTEGER;
  }
  const uint32_t fraction_mask = MANTISSA_MASK >> exponent;
  if (bits & fraction_mask) {
    return NOT_INTEGER;
  }
  const uint32_t units_bit = (MANTISSA_MASK + 1u) >> exponent; /* weight 1 in the mantissa */
  return exponent == 0 || (bits & units_bit) ? ODD_INTEGER : EVEN_INTEGER;
}

/* pow computes 2^(y log2|x|). For the result to be within an ulp, y log2|x| (up to 150 in
 * magnitude) needs about 35 correct bits, more than a float holds, so log2|x| and the product
 * are carried as unevaluated sums hi + lo of two floats ("double-float" arithmetic), whose
 * error terms come from exact transformations: two_sum and two_product below. Float only,
 * because the single-precision FPUs of Cortex-M4/M33/M55 would run double in software. */

/* a + b = sum + *error exactly (Knuth's TwoSum), for any finite a, b. */
static float two_sum(float a, float b, float *error) {
  const float sum = a + b;
  const float b_part = sum - a;
  *error = (a - (sum - b_part)) + (b - b_part);
  return sum;
}

/* The leading 12 significant bits of a; a - high_half(a) has the other 12. */
static float high_half(float a) {
  return o2m_f32_from_bits(o2m_f32_to_bits(a) & 0xFFFFF000u);
}

/* a * b = product + *error exactly (Dekker's product: each half-product of 12-bit halves is
 * exact), barring overflow and underflow. */
static float two_product(float a, float b, float *error) {
  const float product = a * b;
  const float a_hi = high_half(a);
  const float a_lo = a - a_hi;
  const float b_hi = high_half(b);
  const float b_lo = b - b_hi;
  *error = (((a_hi * b_hi - product) + a_hi * b_lo) + a_lo * b_hi) + a_lo * b_lo;
  return product;
}

/* log2(1 + j/32) and 2^(j/32) for j = 0..31, each rounded to hi and the rest to lo. */
static const float log2_of_point_hi[32] = {
    0.0f, 0x1.6bad38p-5f, 0x1.663f7p-4f, 0x1.08c588p-3f, 0x1.5c01a4p-3f, 0x1.acf5e2p-3f,
    0x1.fbc16cp-3f, 0x1.24407ap-2f, 0x1.49a784p-2f, 0x1.6e221cp-2f, 0x1.91bba8p-2f,
    0x1.b47ecp-2f, 0x1.d6753ep-2f, 0x1.f7a856p-2f, 0x1.0c105p-1f, 0x1.1bf312p-1f, 0x1.2b8034p-1f,
    0x1.3abb4p-1f, 0x1.49a784p-1f, 0x1.584822p-1f, 0x1.66a008p-1f, 0x1.74b1fep-1f,
    0x1.82809ep-1f, 0x1.900e62p-1f, 0x1.9d5dap-1f, 0x1.aa709p-1f, 0x1.b74948p-1f, 0x1.c3e9cap-1f,
    0x1.d053f6p-1f, 0x1.dc899ap-1f, 0x1.e88c6cp-1f, 0x1.f45e08p-1f};
static const float log2_of_point_lo[32] = {
    0.0f, -0x1.4e205p-30f, -0x1.4dbb3ap-30f, 0x1.9b4f3cp-28f, -0x1.810a5ep-29f, 0x1.b69d92p-28f,
    -0x1.bf65fep-29f, 0x1.61c0e8p-27f, 0x1.79a372p-27f, 0x1.b3a19cp-27f, 0x1.23e2e2p-27f,
    -0x1.18efacp-27f, 0x1.975078p-33f, 0x1.1960dap-27f, 0x1.ac754cp-30f, -0x1.6a2ff2p-29f,
    0x1.cfdeb4p-27f, -0x1.57f7a6p-27f, 0x1.79a372p-26f, 0x1.a6274cp-27f, 0x1.c8f11ap-26f,
    -0x1.363f16p-26f, -0x1.4831f2p-26f, -0x1.3fffa6p-26f, -0x1.57f7a6p-28f, -0x1.4ffd66p-26f,
    0x1.eaa65cp-26f, 0x1.70d02ap-28f, 0x1.a4c112p-26f, 0x1.67feaep-26f, -0x1.93b2b2p-26f,
    0x1.79e0cap-26f};
static const float exp2_of_point_hi[32] = {
    0x1p+0f, 0x1.059b0ep+0f, 0x1.0b5586p+0f, 0x1.11301ep+0f, 0x1.172b84p+0f, 0x1.1d4874p+0f,
    0x1.2387a6p+0f, 0x1.29e9ep+0f, 0x1.306fep+0f, 0x1.371a74p+0f, 0x1.3dea64p+0f, 0x1.44e086p+0f,
    0x1.4bfdaep+0f, 0x1.5342b6p+0f, 0x1.5ab07ep+0f, 0x1.6247ecp+0f, 0x1.6a09e6p+0f,
    0x1.71f75ep+0f, 0x1.7a1148p+0f, 0x1.82589ap+0f, 0x1.8ace54p+0f, 0x1.93737cp+0f,
    0x1.9c4918p+0f, 0x1.a5503cp+0f, 0x1.ae89fap+0f, 0x1.b7f77p+0f, 0x1.c199bep+0f,
    0x1.cb720ep+0f, 0x1.d5818ep+0f, 0x1.dfc974p+0f, 0x1.ea4afap+0f, 0x1.f50766p+0f};
static const float exp2_of_point_lo[32] = {
    0.0f, -0x1.9d4f52p-25f, 0x1.9f3122p-25f, -0x1.fdb496p-25f, -0x1.c15742p-27f,
    -0x1.d2e8cap-25f, 0x1.ceac48p-25f, -0x1.5c0424p-25f, 0x1.4636e2p-25f, -0x1.18aac6p-25f,
    0x1.824684p-25f, 0x1.8624b4p-30f, -0x1.593abcp-25f, -0x1.2c561p-25f, -0x1.5bd5ecp-27f,
    -0x1.f8b55p-25f, 0x1.9fcef4p-26f, 0x1.1d8beep-25f, -0x1.829fdp-25f, -0x1.accc7cp-26f,
    0x1.15506ep-27f, -0x1.e64744p-25f, 0x1.51f848p-27f, -0x1.b83b54p-25f, -0x1.a94b14p-26f,
    -0x1.a09438p-25f, -0x1.3d56b2p-27f, -0x1.8837ccp-27f, -0x1.822dbcp-27f, -0x1.908c94p-25f,
    0x1.52486cp-27f, -0x1.246ebp-26f};
/* 2 / ln2 as hi + lo. */
#define TWO_OVER_LN2_HI 0x1.715476p+1f
#define TWO_OVER_LN2_LO 0x1.4ae0cp-25f
/* Taylor coefficients ln2^n / n! of 2^r - 1; for |r| <= 1/64 the first omitted term is 2^-39. */
#define EXP2_C1 0x1.62e43p-1f
#define EXP2_C2 0x1.ebfbep-3f
#define EXP2_C3 0x1.c6b08ep-5f
#define EXP2_C4 0x1.3b2ab6p-7f
/* 1 + 63/64 as a mantissa field: from there on, m is halved so that it lies within 1/64 of one
 * of the points 1 + j/32. */
#define LAST_POINT_MANTISSA 0x007E0000u

/* log2 a = *lo + return value, for finite a > 0, with a relative error below 2^-37. */
static float log2_double_float(float a, float *lo) {
  uint32_t bits = o2m_f32_to_bits(a);
  int32_t k = 0;
  if (bits < 0x00800000u) {
    bits = o2m_f32_to_bits(a * 33554432.0f); /* subnormal: scale by 2^25 */
    k = -25;
  }
  /* a = 2^k m, m in [1 - 1/128, 2 - 1/64), and c = 1 + j/32 the nearest point: |m - c| <= 1/64. */
  const uint32_t mantissa = bits & MANTISSA_MASK;
  k += (int32_t)(bits >> 23) - 127;
  float m;
  uint32_t j;
  if (mantissa >= LAST_POINT_MANTISSA) {
    m = o2m_f32_from_bits(mantissa | 0x3F000000u); /* m / 2, next to the point 1 */
    ++k;
    j = 0u;
  } else {
    m = o2m_f32_from_bits(mantissa | 0x3F800000u);
    j = (mantissa + 0x00020000u) >> 18; /* round((m - 1) * 32) */
  }
  const float c = 1.0f + (float)j * 0.03125f;

  /* log m = log c + 2 atanh s, s = (m - c) / (m + c), |s| <= 1/128. m - c is exact; s is
   * carried as s + s_lo, the correction computed from the exact remainder of the division. */
  const float numerator = m - c;
  float denominator_lo;
  const float denominator = two_sum(m, c, &denominator_lo);
  const float s = numerator / denominator;
  float product_lo;
  const float product = two_product(s, denominator, &product_lo);
  const float s_lo = (((numerator - product) - product_lo) - s * denominator_lo) / denominator;

  /* log2 m = log2 c + (2/ln2) (s + s^3/3 + s^5/5 + ...); the s^3 term is 2^-21 at most, so
   * everything beyond (2/ln2) s needs only float accuracy. */
  float linear_lo;
  const float linear = two_product(TWO_OVER_LN2_HI, s, &linear_lo);
  const float s2 = s * s;
  const float series = TWO_OVER_LN2_HI * s * s2 * (0.333333343f + s2 * 0.2f);
  const float small = log2_of_point_lo[j] + linear_lo + TWO_OVER_LN2_LO * s +
                      TWO_OVER_LN2_HI * s_lo + series;

  /* k + log2 c + linear + small, summed exactly until the last step. */
  float first_lo, second_lo;
  const float first = two_sum((float)k, log2_of_point_hi[j], &first_lo);
  const float second = two_sum(first, linear, &second_lo);
  const float rest = small + first_lo + second_lo;
  const float hi = second + rest;
  *lo = rest - (hi - second);
  return hi;
}

/* |x|^y for finite nonzero x and finite nonzero y, within 1 ulp. The error of log2 (2^-37
 * relative) times |y log2 x| adds up to 0.02 ulp to the final rounding's 0.5, which leaves
 * about one result in 200 rounded the wrong way; subnormal results round twice. */
static float pow_positive(float abs_x, float y) {
  float log2_lo;
  const float log2_hi = log2_double_float(abs_x, &log2_lo);

  /* 2^t overflows from t = 128 on and rounds to 0 below t = -150; the margins absorb the
   * difference between y * log2_hi and the exact product. */
  const float estimate = y * log2_hi;
  if (estimate > 128.5f) {
    return INFINITY;
  }
  if (estimate < -151.0f) {
    return 0.0f;
  }
  float t_lo;
  const float t = two_product(y, log2_hi, &t_lo);
  t_lo += y * log2_lo;

  /* t = (32 n + j) / 32 + r, |r| <= 1/64: 2^t = 2^n 2^(j/32) 2^r, the middle factor tabulated,
   * the last a short series. t * 32 is exact, and so is its distance to the nearest integer. */
  const float t32 = t * 32.0f;
  const float nearest = (t32 + ROUND_SHIFTER) - ROUND_SHIFTER;
  const int32_t index = (int32_t)nearest;
  const float r = (t32 - nearest) * 0.03125f + t_lo;
  const int32_t j = index & 31;
  const int32_t n = (index - j) / 32;
  const float exp2_r_minus_1 = r * (EXP2_C1 + r * (EXP2_C2 + r * (EXP2_C3 + r * EXP2_C4)));
  const float point = exp2_of_point_hi[j];
  const float mantissa = point + (point * exp2_r_minus_1 + exp2_of_point_lo[j]);
  if (n > 127) {
    return mantissa * exp2_normal(127) * 2.0f; /* n == 128: exact, or the true overflow */
  }
  if (n >= -126) {
    return mantissa * exp2_normal(n);
  }
  return (mantissa * exp2_normal(n + 64)) * exp2_normal(-64); /* subnormal: rounds twice */
}

float o2m_powf(float x, float y) {
  const uint32_t x_bits = o2m_f32_to_bits(x);
  const uint32_t y_bits = o2m_f32_to_bits(y);
  const uint32_t abs_x_bits = x_bits & ABS_MASK;
  const uint32_t abs_y_bits = y_bits & ABS_MASK;

  if (abs_y_bits == 0u || x_bits == 0x3F800000u) {
    return 1.0f; /* pow(x, +-0) and pow(+1, y) are 1 even for NaN */
  }
  if (abs_x_bits > INF_BITS || abs_y_bits > INF_BITS) {
    return quiet_nan(abs_x_bits > INF_BITS ? x_bits : y_bits);
  }
  const int y_negative = (y_bits & SIGN_BIT) != 0u;
  if (abs_y_bits == INF_BITS) {
    if (abs_x_bits == 0x3F800000u) {
      return 1.0f; /* pow(-1, +-inf) */
    }
    /* |x| < 1 shrinks to 0 under +inf and grows to inf under -inf; |x| > 1 the reverse. */
    return (abs_x_bits < 0x3F800000u) != y_negative ? 0.0f : INFINITY;
  }

  /* Exponents common in models, correctly rounded (and cheaper) as plain arithmetic; each
   * agrees with Annex F at zeros and infinities too. */
  if (y == 2.0f) {
    return x * x;
  }
  if (y == 1.0f) {
    return x;
  }
  if (y == -1.0f) {
    return 1.0f / x;
  }
  if (y == 0.5f && (x_bits & SIGN_BIT) == 0u) {
    return o2m_sqrtf(x); /* not for -0 and -inf, whose pow is +0 and +inf */
  }

  const enum integer_kind y_kind = classify_integer(y_bits);
  /* The result's sign: negative only for a negative x (including -0) and an odd integer y. */
  const int negate = (x_bits & SIGN_BIT) != 0u && y_kind == ODD_INTEGER;
  float magnitude;
  if (abs_x_bits == 0u) {
    magnitude = y_negative ? INFINITY : 0.0f;
  } else if (abs_x_bits == INF_BITS) {
    magnitude = y_negative ? 0.0f : INFINITY;
  } else if ((x_bits & SIGN_BIT) != 0u && y_kind == NOT_INTEGER) {
    return NAN; /* a negative number to a non-integer power has no real value */
  } else {
    magnitude = pow_positive(o2m_fabsf(x), y);
  }
  return negate ? -magnitude : magnitude;
}

/* Coefficients of S(r) in  e^r - 1 = r + r^2/2 + r^3 S(r), |r| <= 0.35 (a little over ln2/2),
 * relative error 2^-31 (Remez). */
#define EXPM1_S0 0.166666657f
#define EXPM1_S1 0.0416664779f
#define EXPM1_S2 0.00833342038f
#define EXPM1_S3 0.00139340409f
#define EXPM1_S4 0.000198251772f
#define LN2_OVER_2 0.346573591f
/* Below this, e^x < 2^-25 and e^x - 1 rounds to -1; 2^-25 ignores x^2/2 against x. */
#define EXPM1_MINUS_ONE_THRESHOLD -17.5f
#define TINY_FOR_EXPM1_BITS 0x33000000u /* 2^-25 */

/* e^r - 1 for |r| <= 0.35: r is added last, so the result is as exact as r allows. */
static float expm1_small(float r) {
  const float s = EXPM1_S0 + r * (EXPM1_S1 + r * (EXPM1_S2 + r * (EXPM1_S3 + r * EXPM1_S4)));
  const float r2 = r * r;
  return r + (0.5f * r2 + r2 * r * s);
}

float o2m_expm1f(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const uint32_t abs_bits = bits & ABS_MASK;
  if (abs_bits > INF_BITS) {
    return quiet_nan(bits);
  }
  if (x > EXP_OVERFLOW_THRESHOLD) {
    return INFINITY;
  }
  if (x < EXPM1_MINUS_ONE_THRESHOLD) {
    return -1.0f;
  }
  if (abs_bits < TINY_FOR_EXPM1_BITS) {
    return x;
  }
  if (o2m_fabsf(x) <= LN2_OVER_2) {
    return expm1_small(x);
  }

  /* x = k ln2 + r + correction, |r| <= ln2/2, with the Cody-Waite split of ln2 as in e^x; the
   * rounding error of r itself is kept in `correction`, because e^x - 1 can be much smaller
   * than the terms it is built from. */
  const float k_float = (x * INV_LN2 + ROUND_SHIFTER) - ROUND_SHIFTER;
  const int32_t k = (int32_t)k_float;
  const float hi = x - k_float * LN2_HI;
  const float lo = k_float * LN2_LO;
  const float r = hi - lo;
  const float correction = (hi - r) - lo;
  float y = expm1_small(r);
  y = y + (correction + correction * y); /* e^(r+c) - 1 = y + c (1 + y) to first order */

  /* e^x - 1 = 2^k (1 + y) - 1, each case arranged so that only one rounding is large. */
  if (k == 0) {
    return y;
  }
  if (k == -1) {
    return 0.5f * (y - 1.0f);
  }
  if (k == 1) {
    return 1.0f + 2.0f * y;
  }
  if (k <= -2) {
    return (1.0f + y) * exp2_normal(k) - 1.0f;
  }
  if (k <= 22) {
    return (y + (1.0f - exp2_normal(-k))) * exp2_normal(k); /* 1 - 2^-k is exact */
  }
  if (k <= 56) {
    return ((y - exp2_normal(-k)) + 1.0f) * exp2_normal(k);
  }
  if (k <= 127) {
    return (1.0f + y) * exp2_normal(k); /* the -1 is far below an ulp */
  }
  return (1.0f + y) * exp2_normal(127) * 2.0f; /* k == 128: exact, or the true overflow */
}

float o2m_log1pf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const uint32_t abs_bits = bits & ABS_MASK;
  if (abs_bits > INF_BITS) {
    return quiet_nan(bits);
  }
  if (x <= -1.0f) {
    return x == -1.0f ? -INFINITY : NAN;
  }
  if (bits == INF_BITS) {
    return x;
  }
  if (abs_bits < 0x33800000u) { /* |x| < 2^-24: x^2/2 is below half an ulp of x */
    return x;
  }
  /* For 1 + x in [sqrt(1/2), sqrt(2)) x itself is the f of log_reduced: no rounding at all. */
  if (x >= -0.292893201f && x < 0.414213538f) {
    return log_reduced(x, 0, 0.0f);
  }
  /* Otherwise u = 1 + x rounds; the part of x lost, (x - (u - 1)), is exact while u < 2^24
   * and enters log(u) as its first-order term correction / u. */
  const float u = 1.0f + x;
  const float correction = u < 16777216.0f ? (x - (u - 1.0f)) / u : 0.0f;
  uint32_t u_bits = o2m_f32_to_bits(u) + (0x3F800000u - SQRT_HALF_BITS);
  const int32_t k = (int32_t)(u_bits >> 23) - 127;
  u_bits = (u_bits & MANTISSA_MASK) + SQRT_HALF_BITS;
  return log_reduced(o2m_f32_from_bits(u_bits) - 1.0f, k, correction);
}

/* Above this |x|, tanh(x) rounds to +-1 (from 9.0109 on). */
#define TANH_SATURATION 9.5f
/* Below 2^-12, the next terms of the series (x^3/3 for tanh, x^3/6 for sinh, ...) are below
 * half an ulp of x. */
#define TINY_FOR_SERIES_BITS 0x39800000u

/* tanh x = x + x^3 T(x^2) for |x| < 0.55: relative error 2^-29.8 (Remez). */
#define TANH_T0 -0.333333164f
#define TANH_T1 0.13332586f
#define TANH_T2 -0.0538523085f
#define TANH_T3 0.021071678f
#define TANH_T4 -0.00627423916f
#define TANH_SERIES_LIMIT 0.55f

float o2m_tanhf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const uint32_t abs_bits = bits & ABS_MASK;
  if (abs_bits > INF_BITS) {
    return quiet_nan(bits);
  }
  const float one = (bits & SIGN_BIT) ? -1.0f : 1.0f;
  const float a = o2m_fabsf(x);
  if (a >= TANH_SATURATION) {
    return one;
  }
  if (abs_bits < TINY_FOR_SERIES_BITS) {
    return x;
  }
  if (a < TANH_SERIES_LIMIT) {
    const float z = x * x;
    return x + x * z * (TANH_T0 + z * (TANH_T1 + z * (TANH_T2 + z * (TANH_T3 + z * TANH_T4))));
  }
  /* tanh a = 1 - 2 / (e^(2a) + 1), with e^(2a) - 1 from expm1: for a >= 0.55 the subtracted
   * term is at most 1/2, so its rounding errors shrink in the result. */
  const float t = o2m_expm1f(a + a);
  return one * (1.0f - 2.0f / (t + 2.0f));
}

/* Overflow thresholds of sinh and cosh: e^x / 2 reaches 2^128 at x = 89.41599. */
#define SINH_OVERFLOW_THRESHOLD 89.4159851f
/* Above this e^-x is below half an ulp of e^x, so sinh x = cosh x = e^x / 2. */
#define EXP_MINUS_NEGLIGIBLE 9.0f

/* sinh x = x + x^3 H(x^2) for |x| < 1: relative error 2^-34 (Remez). */
#define SINH_H0 0.166666672f
#define SINH_H1 0.0083333496f
#define SINH_H2 0.000198361595f
#define SINH_H3 2.81695134e-06f

float o2m_sinhf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const uint32_t abs_bits = bits & ABS_MASK;
  if (abs_bits > INF_BITS) {
    return quiet_nan(bits);
  }
  const float half = (bits & SIGN_BIT) ? -0.5f : 0.5f;
  const float a = o2m_fabsf(x);
  if (a > SINH_OVERFLOW_THRESHOLD) {
    return 2.0f * half * INFINITY;
  }
  if (abs_bits < TINY_FOR_SERIES_BITS) {
    return x;
  }
  if (a < 1.0f) {
    const float z = x * x;
    return x + x * z * (SINH_H0 + z * (SINH_H1 + z * (SINH_H2 + z * SINH_H3)));
  }
  if (a < EXP_MINUS_NEGLIGIBLE) {
    /* sinh a = (e^a - e^-a) / 2 = (t + t / (t + 1)) / 2 with t = e^a - 1: no cancellation. */
    const float t = o2m_expm1f(a);
    return half * (t + t / (t + 1.0f));
  }
  return 2.0f * half * exp_half(a);
}

float o2m_coshf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const uint32_t abs_bits = bits & ABS_MASK;
  if (abs_bits > INF_BITS) {
    return quiet_nan(bits);
  }
  const float a = o2m_fabsf(x);
  if (a > SINH_OVERFLOW_THRESHOLD) {
    return INFINITY;
  }
  if (abs_bits < TINY_FOR_SERIES_BITS) {
    return 1.0f;
  }
  if (a < LN2_OVER_2) {
    /* cosh a - 1 = t^2 / (2 (1 + t)), t = e^a - 1: the small part is computed on its own. */
    const float t = o2m_expm1f(a);
    const float w = 1.0f + t;
    return 1.0f + (t * t) / (w + w);
  }
  if (a < EXP_MINUS_NEGLIGIBLE) {
    const float e = o2m_expf(a);
    return 0.5f * e + 0.5f / e;
  }
  return exp_half(a);
}

#define LN2 0.693147182f
/* Above 2^12, sqrt(x^2 +- 1) = x to within 2^-26 relative, so asinh/acosh(x) = log(2x). */
#define HUGE_FOR_INVERSE_HYPERBOLIC 4096.0f

float o2m_asinhf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const uint32_t abs_bits = bits & ABS_MASK;
  if (abs_bits >= INF_BITS) {
    return abs_bits == INF_BITS ? x : quiet_nan(bits);
  }
  if (abs_bits < TINY_FOR_SERIES_BITS) {
    return x;
  }
  const float a = o2m_fabsf(x);
  float result;
  if (a > HUGE_FOR_INVERSE_HYPERBOLIC) {
    result = o2m_logf(a) + LN2; /* log(2a) without overflowing 2a */
  } else if (a > 2.0f) {
    result = o2m_logf(2.0f * a + 1.0f / (o2m_sqrtf(a * a + 1.0f) + a));
  } else {
    /* log(a + sqrt(a^2 + 1)) = log1p(a + a^2 / (1 + sqrt(1 + a^2))): no cancellation near 0. */
    const float a2 = a * a;
    result = o2m_log1pf(a + a2 / (1.0f + o2m_sqrtf(1.0f + a2)));
  }
  return (bits & SIGN_BIT) ? -result : result;
}

float o2m_acoshf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  if ((bits & ABS_MASK) > INF_BITS) {
    return quiet_nan(bits);
  }
  if (x < 1.0f) {
    return NAN;
  }
  if (x > HUGE_FOR_INVERSE_HYPERBOLIC) {
    return o2m_logf(x) + LN2; /* +inf stays +inf */
  }
  if (x > 2.0f) {
    return o2m_logf(2.0f * x - 1.0f / (x + o2m_sqrtf(x * x - 1.0f)));
  }
  /* log(x + sqrt(x^2 - 1)) = log1p(t + sqrt(2t + t^2)), t = x - 1 exact: no cancellation. */
  const float t = x - 1.0f;
  return o2m_log1pf(t + o2m_sqrtf(2.0f * t + t * t));
}

float o2m_atanhf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const uint32_t abs_bits = bits & ABS_MASK;
  if (abs_bits > INF_BITS) {
    return quiet_nan(bits);
  }
  if (abs_bits >= 0x3F800000u) {
    if (abs_bits == 0x3F800000u) {
      return (bits & SIGN_BIT) ? -INFINITY : INFINITY;
    }
    return NAN;
  }
  if (abs_bits < TINY_FOR_SERIES_BITS) {
    return x;
  }
  /* atanh a = log((1 + a) / (1 - a)) / 2 = log1p(2a / (1 - a)) / 2, 1 - a exact for a >= 0.5;
   * below, 2a + 2a^2 / (1 - a) rounds more gently. */
  const float a = o2m_fabsf(x);
  float result;
  if (a < 0.5f) {
    const float twice = a + a;
    result = 0.5f * o2m_log1pf(twice + twice * a / (1.0f - a));
  } else {
    result = 0.5f * o2m_log1pf((a + a) / (1.0f - a));
  }
  return (bits & SIGN_BIT) ? -result : result;
}

float o2m_sigmoidf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  if ((bits & ABS_MASK) > INF_BITS) {
    return quiet_nan(bits);
  }
  /* Exponentiate only non-positive numbers, so e never overflows: e^-|x| is in (0, 1]. */
  if (bits & SIGN_BIT) {
    const float e = o2m_expf(x);
    return e / (1.0f + e);
  }
  return 1.0f / (1.0f + o2m_expf(-x));
}
