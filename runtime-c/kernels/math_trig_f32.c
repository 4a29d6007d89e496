/* onnx2mcu runtime: circular functions and their inverses, in float arithmetic only.
 *
 * sin, cos, tan reduce x to r = x - n pi/2, |r| <= pi/4, carried as r_hi + r_lo with at least
 * 34 significant bits, then evaluate short polynomials. Up to |x| = 4096 the reduction is
 * Cody-Waite: n pi/2 subtracted in four pieces, the first three exact. Beyond, it is
 * Payne-Hanek in integer arithmetic: x times 2/pi to 64 fractional bits, whatever the size of
 * x. The closest any float comes to a multiple of pi/2 is 2^-29.2 (x = 0x1.f37c8ap+95; below
 * 4096, 2^-27.8 at x = 0x1.f9cbe2p+7), so no reduction loses more than 30 bits, and the error
 * bounds hold over the whole float range, not just near 0.
 * Polynomial coefficients were fitted with the Remez exchange algorithm, then rounded to float.
 */
#include <stdint.h>

#include "onnx2mcu/math_f32.h"

#define SIGN_BIT 0x80000000u
#define ABS_MASK 0x7FFFFFFFu
#define INF_BITS 0x7F800000u
#define MANTISSA_MASK 0x007FFFFFu
#define QUIET_BIT 0x00400000u

static float quiet_nan(uint32_t bits) {
  return o2m_f32_from_bits(bits | QUIET_BIT);
}

/* 2^k for k in [-126, 127]. */
static float exp2_normal(int32_t k) {
  return o2m_f32_from_bits((uint32_t)(k + 127) << 23);
}

/* ---- argument reduction --------------------------------------------------------------- */

/* The first 256 bits of 2/pi, after a zero word that stands for the (zero) bits of weight 2^0
 * and above, so that a 96-bit window can start left of the binary point for small x. */
static const uint32_t two_over_pi_bits[9] = {0x00000000u, 0xA2F9836Eu, 0x4E441529u,
                                             0xFC2757D1u, 0xF534DDC0u, 0xDB629599u,
                                             0x3C439041u, 0xFE5163ABu, 0xDEBBC561u};

/* pi/2 = PIO2_1 + PIO2_2 + PIO2_3 + PIO2_4 to 2^-69, the first three with 12 significant bits
 * so that their products with 12-bit numbers are exact; PIO2_AFTER_2 is PIO2_3 + PIO2_4 rounded. */
#define PIO2_1 0x1.922p+0f
#define PIO2_2 -0x1.2aep-18f
#define PIO2_3 -0x1.deap-31f
#define PIO2_4 0x1.184698p-44f
#define PIO2_AFTER_2 -0x1.de973ep-31f
#define TWO_OVER_PI 0x1.45f306p-1f
/* Adding 1.5 * 2^23 rounds a float of magnitude < 2^22 to the nearest integer. */
#define ROUND_SHIFTER 12582912.0f
/* 4096: up to here n = round(x 2/pi) has at most 12 bits, as Cody-Waite needs. */
#define CODY_WAITE_LIMIT_BITS 0x45800000u

static int leading_zeros64(uint64_t value) {
  int count = 0;
  for (int width = 32; width > 0; width >>= 1) {
    if ((value >> (64 - width)) == 0u) {
      count += width;
      value <<= width;
    }
  }
  return count;
}

/* The 32 bits of two_over_pi_bits starting `offset` bits in (offset <= 8 * 32). */
static uint32_t two_over_pi_word(uint32_t offset) {
  const uint32_t index = offset >> 5;
  const uint32_t shift = offset & 31u;
  if (shift == 0u) {
    return two_over_pi_bits[index];
  }
  return (two_over_pi_bits[index] << shift) | (two_over_pi_bits[index + 1u] >> (32u - shift));
}

/* For finite a >= pi/4: a = (n + f) pi/2 with n an integer and |f| <= 1/2. Returns n mod 4 and
 * sets r_hi + r_lo = f pi/2, with r_lo below half an ulp of r_hi. */
static uint32_t reduce_payne_hanek(float a, float *r_hi, float *r_lo) {
  const uint32_t bits = o2m_f32_to_bits(a);
  const uint32_t mantissa = (bits & MANTISSA_MASK) | 0x00800000u;
  const int32_t exponent = (int32_t)(bits >> 23) - 150; /* a = mantissa * 2^exponent */

  /* a * 2/pi = sum over i of mantissa * b_i * 2^(exponent - i), b_i the bits of 2/pi. Terms
   * with exponent - i >= 2 are multiples of 4, irrelevant to n mod 4 and f: the window of 96
   * bits starts at i = exponent - 1 (bit offset exponent + 30 in the table, which starts at
   * i = -31). Its product with the 24-bit mantissa, times 2^-94, is a * 2/pi mod 4. */
  const uint32_t offset = (uint32_t)(exponent + 30);
  const uint64_t p0 = (uint64_t)mantissa * two_over_pi_word(offset + 64u);
  const uint64_t p1 = (uint64_t)mantissa * two_over_pi_word(offset + 32u);
  const uint64_t p2 = (uint64_t)mantissa * two_over_pi_word(offset);
  uint64_t sum = (p0 >> 32) + p1;
  const uint32_t word1 = (uint32_t)sum;
  sum = (sum >> 32) + p2;
  const uint32_t word2 = (uint32_t)sum;
  /* Bits 95..94 of the product are n mod 4; the 64 bits below them are f. */
  uint32_t quadrant = word2 >> 30;
  uint64_t fraction = ((uint64_t)(word2 & 0x3FFFFFFFu) << 34) | ((uint64_t)word1 << 2) |
                      ((uint32_t)p0 >> 30);
  int negative = 0;
  if (fraction >> 63) { /* f >= 1/2: round n up, f becomes negative */
    quadrant = (quadrant + 1u) & 3u;
    fraction = (uint64_t)0 - fraction;
    negative = 1;
  }
  if (fraction == 0u) {
    *r_hi = 0.0f;
    *r_lo = 0.0f;
    return quadrant;
  }

  /* |f| = fraction * 2^-64 as three exact pieces of 12, 12 and 24 bits, times pi/2 in pieces:
   * the big products are exact, so r_hi + r_lo keeps about 36 bits. */
  const int zeros = leading_zeros64(fraction);
  fraction <<= zeros;
  const uint32_t top = (uint32_t)(fraction >> 40);
  const float unit = exp2_normal(-24 - zeros);
  const float f1 = (float)(top & 0xFFF000u) * unit;
  const float f2 = (float)(top & 0x000FFFu) * unit;
  const float f3 = (float)((uint32_t)(fraction >> 16) & 0xFFFFFFu) * exp2_normal(-48 - zeros);
  const float big = f1 * PIO2_1;
  const float middle = f1 * PIO2_2 + f2 * PIO2_1;
  const float small = f2 * PIO2_2 + f3 * PIO2_1 + (f1 + f2) * PIO2_AFTER_2;
  const float rest = middle + small;
  float hi = big + rest;
  float lo = rest - (hi - big);
  if (negative) {
    hi = -hi;
    lo = -lo;
  }
  *r_hi = hi;
  *r_lo = lo;
  return quadrant;
}

/* a + b = sum + *error exactly (Knuth's TwoSum). */
static float two_sum(float a, float b, float *error) {
  const float sum = a + b;
  const float b_part = sum - a;
  *error = (a - (sum - b_part)) + (b - b_part);
  return sum;
}

/* As reduce_payne_hanek, for pi/4 < a < 4096, and five times cheaper: a - n PIO2_1 and the
 * products n PIO2_1..3 are exact (n has at most 12 bits), the two subtractions that may round
 * keep their errors, and n PIO2_4, 2^-32 of the result at most, rounds harmlessly. */
static uint32_t reduce_cody_waite(float a, float *r_hi, float *r_lo) {
  const float n = (a * TWO_OVER_PI + ROUND_SHIFTER) - ROUND_SHIFTER;
  const float first = a - n * PIO2_1;
  float second_error, third_error;
  const float second = two_sum(first, -(n * PIO2_2), &second_error);
  const float third = two_sum(second, -(n * PIO2_3), &third_error);
  const float rest = (second_error + third_error) - n * PIO2_4;
  const float hi = third + rest;
  *r_lo = rest - (hi - third);
  *r_hi = hi;
  return (uint32_t)(int32_t)n & 3u;
}

/* a = n pi/2 + r_hi + r_lo for finite a > pi/4: returns n mod 4. */
static uint32_t reduce_half_pi(float a, float *r_hi, float *r_lo) {
  if (o2m_f32_to_bits(a) < CODY_WAITE_LIMIT_BITS) {
    return reduce_cody_waite(a, r_hi, r_lo);
  }
  return reduce_payne_hanek(a, r_hi, r_lo);
}

/* ---- sin, cos, tan -------------------------------------------------------------------- */

/* sin r = r + r^3 S(r^2), cos r = 1 - r^2/2 + r^4 C(r^2), |r| <= pi/4: relative errors 2^-37
 * and 2^-33. */
#define SIN_S0 -0.166666672f
#define SIN_S1 0.00833332911f
#define SIN_S2 -0.000198393129f
#define SIN_S3 2.71812155e-06f
#define COS_C0 0.0416666456f
#define COS_C1 -0.00138873165f
#define COS_C2 2.44331568e-05f
/* pi/4 rounded down: below it no reduction is needed. */
#define PIO4_BITS 0x3F490FDAu
/* Below 2^-12, sin x rounds to x and cos x to 1. */
#define TINY_FOR_TRIG_BITS 0x39800000u

/* sin(r_hi + r_lo) = sin r_hi + r_lo cos r_hi, and cos r_hi is 1 - r^2/2 closely enough. */
static float sin_kernel(float r, float r_lo) {
  const float z = r * r;
  const float s = SIN_S0 + z * (SIN_S1 + z * (SIN_S2 + z * SIN_S3));
  return r + (r * z * s + r_lo * (1.0f - 0.5f * z));
}

/* cos(r_hi + r_lo) = cos r_hi - r_lo sin r_hi. 1 - z/2 is computed with its rounding error
 * recovered ((1 - w) - z/2 is exact), the fdlibm way. */
static float cos_kernel(float r, float r_lo) {
  const float z = r * r;
  const float half_z = 0.5f * z;
  const float w = 1.0f - half_z;
  const float c = z * z * (COS_C0 + z * (COS_C1 + z * COS_C2));
  return w + (((1.0f - w) - half_z) + (c - r * r_lo));
}

float o2m_sinf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const uint32_t abs_bits = bits & ABS_MASK;
  if (abs_bits >= INF_BITS) {
    return abs_bits == INF_BITS ? NAN : quiet_nan(bits);
  }
  if (abs_bits < TINY_FOR_TRIG_BITS) {
    return x;
  }
  if (abs_bits <= PIO4_BITS) {
    return sin_kernel(x, 0.0f);
  }
  float r, r_lo;
  const uint32_t quadrant = reduce_half_pi(o2m_fabsf(x), &r, &r_lo);
  float result;
  switch (quadrant) {
    case 0u:
      result = sin_kernel(r, r_lo);
      break;
    case 1u:
      result = cos_kernel(r, r_lo);
      break;
    case 2u:
      result = -sin_kernel(r, r_lo);
      break;
    default:
      result = -cos_kernel(r, r_lo);
      break;
  }
  return (bits & SIGN_BIT) ? -result : result;
}

float o2m_cosf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const uint32_t abs_bits = bits & ABS_MASK;
  if (abs_bits >= INF_BITS) {
    return abs_bits == INF_BITS ? NAN : quiet_nan(bits);
  }
  if (abs_bits < TINY_FOR_TRIG_BITS) {
    return 1.0f;
  }
  if (abs_bits <= PIO4_BITS) {
    return cos_kernel(x, 0.0f);
  }
  float r, r_lo;
  const uint32_t quadrant = reduce_half_pi(o2m_fabsf(x), &r, &r_lo);
  switch (quadrant) {
    case 0u:
      return cos_kernel(r, r_lo);
    case 1u:
      return -sin_kernel(r, r_lo);
    case 2u:
      return -cos_kernel(r, r_lo);
    default:
      return sin_kernel(r, r_lo);
  }
}

float o2m_tanf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const uint32_t abs_bits = bits & ABS_MASK;
  if (abs_bits >= INF_BITS) {
    return abs_bits == INF_BITS ? NAN : quiet_nan(bits);
  }
  if (abs_bits < TINY_FOR_TRIG_BITS) {
    return x;
  }
  float r = x, r_lo = 0.0f;
  uint32_t quadrant = 0u;
  if (abs_bits > PIO4_BITS) {
    quadrant = reduce_half_pi(o2m_fabsf(x), &r, &r_lo);
    if (bits & SIGN_BIT) {
      r = -r;
      r_lo = -r_lo;
      quadrant = (4u - quadrant) & 3u;
    }
  }
  /* tan = sin / cos, or -cos / sin in the odd quadrants. */
  const float s = sin_kernel(r, r_lo);
  const float c = cos_kernel(r, r_lo);
  return (quadrant & 1u) ? -c / s : s / c;
}

/* ---- atan, atan2 ---------------------------------------------------------------------- */

/* atan t = t + t^3 P(t^2), |t| <= 7/16: relative error 2^-34. */
#define ATAN_P0 -0.333333313f
#define ATAN_P1 0.199998423f
#define ATAN_P2 -0.142802656f
#define ATAN_P3 0.110232785f
#define ATAN_P4 -0.0835785791f
#define ATAN_P5 0.0450227372f

/* atan of the reduction points 1/2, 1, 3/2 and infinity, each as hi + lo. */
static const float atan_point_hi[4] = {0x1.dac67p-2f, 0x1.921fb6p-1f, 0x1.f730bep-1f,
                                       0x1.921fb6p+0f};
static const float atan_point_lo[4] = {0x1.586ed4p-28f, -0x1.777a5cp-26f, -0x1.afc12cp-26f,
                                       -0x1.777a5cp-25f};
#define PI_HI 0x1.921fb6p+1f
#define PI_LO -0x1.777a5cp-24f
#define PIO2_HI 0x1.921fb6p+0f
#define PIO2_LO -0x1.777a5cp-25f

/* The part of atan t beyond t: t^3 P(t^2). */
static float atan_tail(float t) {
  const float z = t * t;
  const float high = ATAN_P3 + z * (ATAN_P4 + z * ATAN_P5);
  return t * z * (ATAN_P0 + z * (ATAN_P1 + z * (ATAN_P2 + z * high)));
}

/* atan a for a >= 0 (finite or +inf). With c the nearest of 0, 1/2, 1, 3/2, inf,
 * atan a = atan c + atan t, t = (a - c) / (1 + a c), |t| <= 7/16; a - c is exact in each range. */
static float atan_nonnegative(float a) {
  const uint32_t bits = o2m_f32_to_bits(a);
  if (bits < 0x3EE00000u) { /* a < 7/16 */
    if (bits < TINY_FOR_TRIG_BITS) {
      return a;
    }
    return a + atan_tail(a);
  }
  int point;
  float t;
  if (bits < 0x3F300000u) { /* a < 11/16 */
    point = 0;
    t = (2.0f * a - 1.0f) / (2.0f + a);
  } else if (bits < 0x3F980000u) { /* a < 19/16 */
    point = 1;
    t = (a - 1.0f) / (a + 1.0f);
  } else if (bits < 0x401C0000u) { /* a < 39/16 */
    point = 2;
    t = (a - 1.5f) / (1.0f + 1.5f * a);
  } else {
    if (bits >= 0x4C800000u) { /* a >= 2^26: atan a rounds to pi/2 */
      return atan_point_hi[3] + atan_point_lo[3];
    }
    point = 3;
    t = -1.0f / a;
  }
  /* Smallest terms first, the tabulated angle last. */
  return atan_point_hi[point] + (t + (atan_tail(t) + atan_point_lo[point]));
}

float o2m_atanf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  if ((bits & ABS_MASK) > INF_BITS) {
    return quiet_nan(bits);
  }
  const float result = atan_nonnegative(o2m_fabsf(x));
  return (bits & SIGN_BIT) ? -result : result;
}

float o2m_atan2f(float y, float x) {
  const uint32_t x_bits = o2m_f32_to_bits(x);
  const uint32_t y_bits = o2m_f32_to_bits(y);
  const uint32_t abs_x_bits = x_bits & ABS_MASK;
  const uint32_t abs_y_bits = y_bits & ABS_MASK;
  if (abs_x_bits > INF_BITS || abs_y_bits > INF_BITS) {
    return quiet_nan(abs_x_bits > INF_BITS ? x_bits : y_bits);
  }
  const int x_negative = (x_bits & SIGN_BIT) != 0u;
  float angle; /* the angle for |y|, in [0, pi]; y's sign is applied last */
  if (abs_y_bits == 0u) {
    angle = x_negative ? PI_HI : 0.0f; /* C99: atan2(+-0, -0) = +-pi, atan2(+-0, +0) = +-0 */
  } else if (abs_x_bits == INF_BITS) {
    if (abs_y_bits == INF_BITS) {
      angle = x_negative ? 0x1.2d97c8p+1f : 0x1.921fb6p-1f; /* 3pi/4 or pi/4 */
    } else {
      angle = x_negative ? PI_HI : 0.0f;
    }
  } else if (abs_y_bits == INF_BITS || abs_x_bits == 0u) {
    angle = PIO2_HI;
  } else {
    /* Exponents more than 26 apart: the ratio is beyond 2^25 or below 2^-25, where the angle
     * rounds to pi/2 or (for x < 0) to pi; otherwise atan of the ratio. */
    const int32_t exponent_gap = (int32_t)(abs_y_bits >> 23) - (int32_t)(abs_x_bits >> 23);
    if (exponent_gap > 26) {
      angle = PIO2_HI;
    } else if (exponent_gap < -26 && x_negative) {
      angle = PI_HI;
    } else {
      const float theta = atan_nonnegative(o2m_fabsf(y) / o2m_fabsf(x));
      angle = x_negative ? PI_HI - (theta - PI_LO) : theta;
    }
  }
  return (y_bits & SIGN_BIT) ? -angle : angle;
}

/* ---- asin, acos ----------------------------------------------------------------------- */

/* asin s = s + s^3 R(s^2), |s| <= 1/2: relative error 2^-31.8. */
#define ASIN_R0 0.166666597f
#define ASIN_R1 0.0750050396f
#define ASIN_R2 0.0445169546f
#define ASIN_R3 0.0318077244f
#define ASIN_R4 0.0144385863f
#define ASIN_R5 0.0375164784f

/* R(z), the series' tail divided by s^3. */
static float asin_tail_factor(float z) {
  return ASIN_R0 + z * (ASIN_R1 + z * (ASIN_R2 + z * (ASIN_R3 + z * (ASIN_R4 + z * ASIN_R5))));
}

/* sqrt(z) = head + correction, head with 12 significant bits (so head^2 is exact) and the
 * correction (z - head^2) / (sqrt(z) + head) carrying the next 24 bits. */
static float sqrt_head(float z, float *correction) {
  const float root = o2m_sqrtf(z);
  const float head = o2m_f32_from_bits(o2m_f32_to_bits(root) & 0xFFFFF000u);
  *correction = z == 0.0f ? 0.0f : (z - head * head) / (root + head);
  return head;
}

float o2m_asinf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const uint32_t abs_bits = bits & ABS_MASK;
  if (abs_bits > INF_BITS) {
    return quiet_nan(bits);
  }
  if (abs_bits > 0x3F800000u) {
    return NAN;
  }
  if (abs_bits < TINY_FOR_TRIG_BITS) {
    return x;
  }
  if (abs_bits < 0x3F000000u) { /* |x| < 1/2 */
    const float z = x * x;
    return x + x * z * asin_tail_factor(z);
  }
  /* asin a = pi/2 - 2 asin(s), s = sqrt((1 - a) / 2) <= 1/2, 1 - a exact. The root's rounding
   * error would be doubled, so s is carried as head + correction. */
  const float a = o2m_fabsf(x);
  const float z = 0.5f * (1.0f - a);
  float correction;
  const float head = sqrt_head(z, &correction);
  const float s = head + correction;
  const float tail = 2.0f * s * z * asin_tail_factor(z);
  /* pi/2 - 2 head is exact (2 head has 12 bits, none below pi/2's ulp); the small rest is
   * subtracted from it in a single rounding. */
  const float result = (PIO2_HI - 2.0f * head) - ((2.0f * correction + tail) - PIO2_LO);
  return (bits & SIGN_BIT) ? -result : result;
}

float o2m_acosf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const uint32_t abs_bits = bits & ABS_MASK;
  if (abs_bits > INF_BITS) {
    return quiet_nan(bits);
  }
  if (abs_bits > 0x3F800000u) {
    return NAN;
  }
  if (abs_bits < 0x3F000000u) { /* |x| < 1/2: acos x = pi/2 - asin x */
    if (abs_bits < 0x32800000u) { /* |x| < 2^-26: asin x is below half an ulp of pi/2 */
      return PIO2_HI;
    }
    const float z = x * x;
    return PIO2_HI - (x - (PIO2_LO - x * z * asin_tail_factor(z)));
  }
  /* acos a = 2 asin(s), acos(-a) = pi - 2 asin(s), s = sqrt((1 - a) / 2). */
  const float z = 0.5f * (1.0f - o2m_fabsf(x));
  if (bits & SIGN_BIT) {
    const float s = o2m_sqrtf(z);
    const float asin_s = s + s * z * asin_tail_factor(z);
    return PI_HI - 2.0f * (asin_s - 0.5f * PI_LO);
  }
  float correction;
  const float head = sqrt_head(z, &correction);
  const float s = head + correction;
  return 2.0f * (head + (correction + s * z * asin_tail_factor(z)));
}
