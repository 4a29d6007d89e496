/* onnx2mcu runtime: the float functions whose result is exact or correctly rounded, computed on
 * the bit pattern with integer arithmetic. Integer arithmetic cannot round differently on
 * different machines, so these need no error analysis and agree with IEEE hardware exactly. */
#include <stdint.h>

#include "onnx2mcu/math_f32.h"

#define SIGN_BIT 0x80000000u
#define ABS_MASK 0x7FFFFFFFu
#define INF_BITS 0x7F800000u
#define MANTISSA_MASK 0x007FFFFFu
#define IMPLICIT_BIT 0x00800000u
#define QUIET_BIT 0x00400000u

/* A NaN input comes back quiet with its payload and sign, as an FPU would return it. */
static float quiet_nan(uint32_t bits) {
  return o2m_f32_from_bits(bits | QUIET_BIT);
}

float o2m_sqrtf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  if ((bits & ABS_MASK) == 0u || bits == INF_BITS) {
    return x; /* +-0 and +inf are their own roots */
  }
  if ((bits & ABS_MASK) > INF_BITS) {
    return quiet_nan(bits);
  }
  if (bits & SIGN_BIT) {
    return NAN;
  }
#if defined(__GNUC__) && defined(__ARM_FP) && (__ARM_FP & 4)
  /* A single-precision FPU's VSQRT is IEEE correctly rounded, like the integer code below, and
   * 14 cycles instead of a few hundred. (__builtin_sqrtf is avoided: without -fno-math-errno
   * GCC keeps a call to the absent libm sqrtf for the errno path.) */
  float root;
  __asm__("vsqrt.f32 %0, %1" : "=t"(root) : "t"(x));
  return root;
#else
  /* x = mantissa * 2^scale with mantissa in [2^23, 2^24), subnormals normalised. */
  uint32_t mantissa = bits & MANTISSA_MASK;
  int32_t biased_exponent = (int32_t)(bits >> 23);
  if (biased_exponent == 0) {
    biased_exponent = 1;
    while (mantissa < IMPLICIT_BIT) {
      mantissa <<= 1;
      --biased_exponent;
    }
  } else {
    mantissa |= IMPLICIT_BIT;
  }
  int32_t scale = biased_exponent - 150;
  /* With scale odd, x = (mantissa * 2^25) * 2^(scale - 25) has an even power of two, and the
   * root of mantissa * 2^25 (mantissa now in [2^23, 2^25)) lies in [2^24, 2^25): 25 bits, one
   * more than a float keeps. */
  if (((uint32_t)scale & 1u) == 0u) {
    mantissa <<= 1;
    --scale;
  }

  /* Digit-by-digit (restoring) square root, one result bit per step, most significant first.
   * `remainder` is (radicand - root^2) scaled to stay within 32 bits; `twice_root` tracks 2 *
   * root at the same scale, so a trial bit b fits when 2*root*b + b^2 <= remainder. */
  uint32_t remainder = mantissa << 1;
  uint32_t root = 0u;
  uint32_t twice_root = 0u;
  for (uint32_t bit = 1u << 24; bit != 0u; bit >>= 1) {
    const uint32_t trial = twice_root + bit;
    if (trial <= remainder) {
      remainder -= trial;
      twice_root = trial + bit;
      root += bit;
    }
    remainder <<= 1;
  }
  /* Round the 25-bit root to 24 bits: the dropped bit decides, because a square root of a
   * float is never exactly halfway between two floats (its square would need 49+ bits). */
  const uint32_t rounded = (root + 1u) >> 1;
  /* rounded * 2^((scale - 23) / 2); adding the implicit bit into the exponent field carries
   * correctly when rounding reached 2^24. */
  const int32_t result_exponent = (scale - 23) / 2 + 150;
  return o2m_f32_from_bits(((uint32_t)(result_exponent - 1) << 23) + rounded);
#endif
}

float o2m_fmodf(float x, float y) {
  const uint32_t x_bits = o2m_f32_to_bits(x);
  const uint32_t y_bits = o2m_f32_to_bits(y);
  const uint32_t abs_x_bits = x_bits & ABS_MASK;
  const uint32_t abs_y_bits = y_bits & ABS_MASK;
  const uint32_t sign = x_bits & SIGN_BIT;
  if (abs_x_bits > INF_BITS || abs_y_bits > INF_BITS) {
    return quiet_nan(abs_x_bits > INF_BITS ? x_bits : y_bits);
  }
  if (abs_x_bits == INF_BITS || abs_y_bits == 0u) {
    return NAN;
  }
  if (abs_x_bits < abs_y_bits) {
    return x; /* also y = +-inf */
  }
  if (abs_x_bits == abs_y_bits) {
    return o2m_f32_from_bits(sign);
  }

  /* |x| = x_mantissa * 2^x_exponent and the same for |y| (up to a common offset), mantissas
   * normalised to [2^23, 2^24) even for subnormals. */
  int32_t x_exponent = (int32_t)(abs_x_bits >> 23);
  int32_t y_exponent = (int32_t)(abs_y_bits >> 23);
  uint32_t x_mantissa = abs_x_bits & MANTISSA_MASK;
  uint32_t y_mantissa = abs_y_bits & MANTISSA_MASK;
  if (x_exponent == 0) {
    x_exponent = 1;
    while (x_mantissa < IMPLICIT_BIT) {
      x_mantissa <<= 1;
      --x_exponent;
    }
  } else {
    x_mantissa |= IMPLICIT_BIT;
  }
  if (y_exponent == 0) {
    y_exponent = 1;
    while (y_mantissa < IMPLICIT_BIT) {
      y_mantissa <<= 1;
      --y_exponent;
    }
  } else {
    y_mantissa |= IMPLICIT_BIT;
  }

  /* Binary long division, keeping only the remainder: every step is exact, hence so is the
   * result (a remainder of x by y is always representable). */
  for (; x_exponent > y_exponent; --x_exponent) {
    if (x_mantissa >= y_mantissa) {
      x_mantissa -= y_mantissa;
      if (x_mantissa == 0u) {
        return o2m_f32_from_bits(sign);
      }
    }
    x_mantissa <<= 1; /* stays below 2 * y_mantissa < 2^25 */
  }
  if (x_mantissa >= y_mantissa) {
    x_mantissa -= y_mantissa;
  }
  if (x_mantissa == 0u) {
    return o2m_f32_from_bits(sign);
  }
  while (x_mantissa < IMPLICIT_BIT) {
    x_mantissa <<= 1;
    --y_exponent;
  }
  if (y_exponent > 0) {
    return o2m_f32_from_bits(sign | (((uint32_t)(y_exponent - 1) << 23) + x_mantissa));
  }
  /* A subnormal remainder: the bits shifted out are zero, since it is a multiple of 2^-149. */
  return o2m_f32_from_bits(sign | (x_mantissa >> (1 - y_exponent)));
}

/* The rounding functions clear the fraction bits of the bit pattern, then step to the next
 * integer where the rounding direction asks for it; a carry out of the mantissa bumps the
 * exponent, which is exactly the next binade's encoding. */

/* Unbiased exponent: x's units bit is mantissa bit 23 - exponent. */
static int32_t unbiased_exponent(uint32_t bits) {
  return (int32_t)((bits >> 23) & 0xFFu) - 127;
}

float o2m_truncf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const int32_t exponent = unbiased_exponent(bits);
  if (exponent >= 23) {
    return (bits & ABS_MASK) > INF_BITS ? quiet_nan(bits) : x; /* integral, inf or NaN */
  }
  if (exponent < 0) {
    return o2m_f32_from_bits(bits & SIGN_BIT);
  }
  return o2m_f32_from_bits(bits & ~(MANTISSA_MASK >> exponent));
}

float o2m_floorf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const int32_t exponent = unbiased_exponent(bits);
  if (exponent >= 23) {
    return (bits & ABS_MASK) > INF_BITS ? quiet_nan(bits) : x;
  }
  if (exponent < 0) {
    if ((bits & ABS_MASK) == 0u) {
      return x;
    }
    return (bits & SIGN_BIT) ? -1.0f : 0.0f;
  }
  const uint32_t fraction_mask = MANTISSA_MASK >> exponent;
  if ((bits & fraction_mask) == 0u) {
    return x;
  }
  /* Negative numbers move away from zero: one unit up in magnitude, then truncate. */
  const uint32_t bumped = (bits & SIGN_BIT) ? bits + (IMPLICIT_BIT >> exponent) : bits;
  return o2m_f32_from_bits(bumped & ~fraction_mask);
}

float o2m_ceilf(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const int32_t exponent = unbiased_exponent(bits);
  if (exponent >= 23) {
    return (bits & ABS_MASK) > INF_BITS ? quiet_nan(bits) : x;
  }
  if (exponent < 0) {
    if ((bits & ABS_MASK) == 0u) {
      return x;
    }
    return (bits & SIGN_BIT) ? -0.0f : 1.0f;
  }
  const uint32_t fraction_mask = MANTISSA_MASK >> exponent;
  if ((bits & fraction_mask) == 0u) {
    return x;
  }
  const uint32_t bumped = (bits & SIGN_BIT) ? bits : bits + (IMPLICIT_BIT >> exponent);
  return o2m_f32_from_bits(bumped & ~fraction_mask);
}

float o2m_roundf_even(float x) {
  const uint32_t bits = o2m_f32_to_bits(x);
  const int32_t exponent = unbiased_exponent(bits);
  if (exponent >= 23) {
    return (bits & ABS_MASK) > INF_BITS ? quiet_nan(bits) : x;
  }
  if (exponent < -1) {
    return o2m_f32_from_bits(bits & SIGN_BIT); /* |x| < 1/2 */
  }
  if (exponent == -1) { /* 1/2 <= |x| < 1: exactly 1/2 goes to the even 0 */
    const uint32_t magnitude = (bits & ABS_MASK) == 0x3F000000u ? 0u : 0x3F800000u;
    return o2m_f32_from_bits((bits & SIGN_BIT) | magnitude);
  }
  const uint32_t fraction_mask = MANTISSA_MASK >> exponent;
  const uint32_t fraction = bits & fraction_mask;
  const uint32_t unit = IMPLICIT_BIT >> exponent;
  const uint32_t half = unit >> 1;
  const uint32_t truncated = bits & ~fraction_mask;
  /* The integer part is odd when its units bit is set; for 1 <= |x| < 2 that bit is the
   * implicit one, always 1. */
  const int odd = exponent == 0 || (truncated & unit) != 0u;
  if (fraction > half || (fraction == half && odd)) {
    return o2m_f32_from_bits(truncated + unit);
  }
  return o2m_f32_from_bits(truncated);
}
