/* The runtime's float math (onnx2mcu/math_f32.h) against the host libm.
 *
 * The reference is the double-precision libm function rounded to float: within about half an
 * ulp of the true result, so "n ulp from the reference" means at most n ulp from correctly
 * rounded, give or take that half. Each one-argument function is swept over every k-th float
 * bit pattern (both signs, all exponents, subnormals, infinities and NaNs) and densely over its
 * interesting magnitudes; two-argument ones over random pairs and grids. The worst error found
 * must not exceed the bound the header documents (which was measured exhaustively, over all
 * 2^32 inputs; these sweeps keep the check to a few seconds). Special values (signed zeros,
 * infinities, NaN, domain edges) are checked bit for bit, and the exact functions (sqrt, fmod,
 * the roundings) must match libm bit for bit everywhere.
 */
#include <stdint.h>
#include <string.h>

#include "check_support.h"
#include "onnx2mcu/math_f32.h"

/* Every FULL_SWEEP_STRIDE-th bit pattern: about 2.1 million inputs per function. */
#define FULL_SWEEP_STRIDE 2039u
#define DENSE_SWEEP_COUNT 1000000u

static uint32_t bits_of(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  return bits;
}

static float float_from_bits(uint32_t bits) {
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

/* Position of a float on the number line in units of ulp (monotonic across zero). */
static int64_t float_order(float value) {
  const uint32_t bits = bits_of(value);
  return (bits & 0x80000000u) ? -(int64_t)(bits & 0x7FFFFFFFu) : (int64_t)bits;
}

static int64_t ulp_distance(float got, float want) {
  const int64_t distance = float_order(got) - float_order(want);
  return distance < 0 ? -distance : distance;
}

static int same_bits(float got, float want) {
  return bits_of(got) == bits_of(want) || (isnan(got) && isnan(want));
}

/* The worst error of one function over everything it was fed. */
typedef struct {
  int64_t worst_ulp;
  float worst_x;
  float worst_y;
  long nan_mismatches;
  long inputs;
} error_record;

static void record(error_record *errors, float x, float y, float got, float want) {
  ++errors->inputs;
  if (isnan(got) || isnan(want)) {
    errors->nan_mismatches += isnan(got) != isnan(want);
    return;
  }
  const int64_t ulp = ulp_distance(got, want);
  if (ulp > errors->worst_ulp) {
    errors->worst_ulp = ulp;
    errors->worst_x = x;
    errors->worst_y = y;
  }
}

static void report(const char *name, const error_record *errors, int64_t bound, int binary) {
  if (binary) {
    printf("%-18s worst %lld ulp (bound %lld) at x = %.9g, y = %.9g over %ld inputs\n", name,
           (long long)errors->worst_ulp, (long long)bound, (double)errors->worst_x,
           (double)errors->worst_y, errors->inputs);
  } else {
    printf("%-18s worst %lld ulp (bound %lld) at x = %.9g over %ld inputs\n", name,
           (long long)errors->worst_ulp, (long long)bound, (double)errors->worst_x,
           errors->inputs);
  }
  char what[96];
  snprintf(what, sizeof what, "%s within %lld ulp", name, (long long)bound);
  check(errors->worst_ulp <= bound, what);
  snprintf(what, sizeof what, "%s is NaN exactly where the reference is", name);
  check(errors->nan_mismatches == 0, what);
}

typedef float (*unary_f32)(float);
typedef double (*unary_f64)(double);

/* Feeds every stride-th bit pattern from first to last (inclusive) to the function. */
static void sweep_unary(error_record *errors, unary_f32 function, unary_f64 reference,
                        uint32_t first, uint32_t last, uint32_t stride) {
  for (uint64_t bits = first; bits <= last; bits += stride) {
    const float x = float_from_bits((uint32_t)bits);
    record(errors, x, 0.0f, function(x), (float)reference((double)x));
  }
}

/* A full sweep plus a dense sweep of the magnitudes [low, high], both signs, of about
 * DENSE_SWEEP_COUNT inputs per sign. */
static void check_unary(const char *name, unary_f32 function, unary_f64 reference,
                        int64_t bound, float low, float high) {
  error_record errors = {0, 0.0f, 0.0f, 0, 0};
  sweep_unary(&errors, function, reference, 0u, 0xFFFFFFFFu, FULL_SWEEP_STRIDE);
  const uint32_t first = bits_of(low);
  const uint32_t last = bits_of(high);
  const uint32_t stride = (last - first) / DENSE_SWEEP_COUNT | 1u;
  sweep_unary(&errors, function, reference, first, last, stride);
  sweep_unary(&errors, function, reference, first | 0x80000000u, last | 0x80000000u, stride);
  report(name, &errors, bound, 0);
}

/* Bit-exact expectations: specials, signed zeros, domain edges. */
static void expect_bits(const char *what, float got, float want) {
  if (!same_bits(got, want)) {
    printf("  %s: got %a, want %a\n", what, (double)got, (double)want);
  }
  check(same_bits(got, want), what);
}

static uint32_t lcg_state = 0x2545F491u;

static uint32_t random_bits(void) {
  lcg_state = lcg_state * 1664525u + 1013904223u;
  return lcg_state ^ (lcg_state >> 15);
}

/* ---- exp, log, pow, sqrt ---------------------------------------------------------------- */

static void check_expf(void) {
  check_unary("o2m_expf", o2m_expf, exp, 1, 1e-3f, 104.0f);
  static const float edges[] = {88.7228317f, 88.7228394f, -87.3365479f, -87.3365555f, -100.0f,
                                -103.972076f, -103.972084f, -103.97209f, 1e-10f, -1e-10f,
                                0.5f, -0.5f};
  for (size_t i = 0; i < sizeof edges / sizeof edges[0]; ++i) {
    check(ulp_distance(o2m_expf(edges[i]), (float)exp((double)edges[i])) <= 1,
          "o2m_expf at an edge of its range");
  }
  expect_bits("o2m_expf(+inf) = +inf", o2m_expf(INFINITY), INFINITY);
  expect_bits("o2m_expf(-inf) = +0", o2m_expf(-INFINITY), 0.0f);
  expect_bits("o2m_expf(+0) = 1", o2m_expf(0.0f), 1.0f);
  expect_bits("o2m_expf(-0) = 1", o2m_expf(-0.0f), 1.0f);
  check(isnan(o2m_expf(NAN)), "o2m_expf(NaN) = NaN");
  expect_bits("o2m_expf(1000) = +inf", o2m_expf(1000.0f), INFINITY);
  expect_bits("o2m_expf(-1000) = +0", o2m_expf(-1000.0f), 0.0f);
}

static void check_sqrtf(void) {
  /* Correct rounding is checked exhaustively on [1, 4), which holds every mantissa with both
   * exponent parities (all the integer algorithm distinguishes), plus the full sweep. */
  long mismatches = 0;
  for (uint64_t bits = 0; bits <= 0xFFFFFFFFu; bits += FULL_SWEEP_STRIDE) {
    const float x = float_from_bits((uint32_t)bits);
    mismatches += !same_bits(o2m_sqrtf(x), (float)sqrt((double)x));
  }
  for (uint32_t bits = bits_of(1.0f); bits < bits_of(4.0f); ++bits) {
    const float x = float_from_bits(bits);
    mismatches += !same_bits(o2m_sqrtf(x), (float)sqrt((double)x));
  }
  for (uint32_t bits = 1u; bits < 0x00800000u; bits += 7u) {
    const float x = float_from_bits(bits);
    mismatches += !same_bits(o2m_sqrtf(x), (float)sqrt((double)x));
  }
  printf("%-18s %ld results differ from correctly rounded (bound 0)\n", "o2m_sqrtf", mismatches);
  check(mismatches == 0, "o2m_sqrtf correctly rounded");
  expect_bits("o2m_sqrtf(-0) = -0", o2m_sqrtf(-0.0f), -0.0f);
  expect_bits("o2m_sqrtf(+inf) = +inf", o2m_sqrtf(INFINITY), INFINITY);
  expect_bits("o2m_sqrtf(-1) = NAN", o2m_sqrtf(-1.0f), NAN);
  expect_bits("o2m_sqrtf(-inf) = NAN", o2m_sqrtf(-INFINITY), NAN);
  expect_bits("o2m_sqrtf(-min subnormal) = NAN", o2m_sqrtf(-1e-45f), NAN);
  expect_bits("o2m_sqrtf(NaN) keeps the NaN", o2m_sqrtf(float_from_bits(0x7FC01234u)),
              float_from_bits(0x7FC01234u));
}

static void check_logf(void) {
  check_unary("o2m_logf", o2m_logf, log, 1, 0.5f, 2.0f);
  expect_bits("o2m_logf(+0) = -inf", o2m_logf(0.0f), -INFINITY);
  expect_bits("o2m_logf(-0) = -inf", o2m_logf(-0.0f), -INFINITY);
  expect_bits("o2m_logf(1) = +0", o2m_logf(1.0f), 0.0f);
  expect_bits("o2m_logf(+inf) = +inf", o2m_logf(INFINITY), INFINITY);
  expect_bits("o2m_logf(-1) = NAN", o2m_logf(-1.0f), NAN);
  expect_bits("o2m_logf(-inf) = NAN", o2m_logf(-INFINITY), NAN);
  expect_bits("o2m_logf(min subnormal)", o2m_logf(1e-45f), -103.278931f);
}

static void check_powf(void) {
  error_record errors = {0, 0.0f, 0.0f, 0, 0};
  /* Every x of a coarse full sweep against exponents that matter: small integers (the sign
   * rules), halves, and values far from integers. */
  static const float exponents[] = {1.0f, -1.0f, 2.0f, -2.0f, 3.0f, -3.0f, 0.5f, -0.5f, 1.5f,
                                    -1.5f, 4.0f, 7.0f, -7.0f, 10.0f, 0.25f, 1.0f / 3.0f, 2.2f,
                                    -2.2f, 0.1f, 100.0f, -100.0f, 1e-3f, 16777215.0f, 3e9f};
  for (uint64_t bits = 0; bits <= 0xFFFFFFFFu; bits += 16381u) {
    const float x = float_from_bits((uint32_t)bits);
    for (size_t i = 0; i < sizeof exponents / sizeof exponents[0]; ++i) {
      const float y = exponents[i];
      record(&errors, x, y, o2m_powf(x, y), (float)pow((double)x, (double)y));
    }
  }
  /* Random pairs, half with y scaled so that x^y stays near the float range, where the error
   * of y * log2(x) is largest. */
  for (int i = 0; i < 2000000; ++i) {
    const float x = float_from_bits(random_bits());
    float y = float_from_bits(random_bits());
    if (i & 1) {
      const double log2_x = log2(fabs((double)x));
      const double unit = ((double)(random_bits() >> 8) / 8388608.0 - 1.0) * 150.0;
      y = (float)(log2_x != 0.0 && isfinite(log2_x) ? unit / log2_x : unit);
    }
    record(&errors, x, y, o2m_powf(x, y), (float)pow((double)x, (double)y));
  }
  report("o2m_powf", &errors, 1, 1);

  /* The exponents computed as plain arithmetic are correctly rounded, so they must match the
   * correctly rounded libm results exactly. */
  long simple_mismatches = 0;
  for (uint64_t bits = 0; bits <= 0xFFFFFFFFu; bits += FULL_SWEEP_STRIDE) {
    const float x = float_from_bits((uint32_t)bits);
    simple_mismatches += !same_bits(o2m_powf(x, 2.0f), (float)pow((double)x, 2.0));
    simple_mismatches += !same_bits(o2m_powf(x, 1.0f), x);
    simple_mismatches += !same_bits(o2m_powf(x, -1.0f), (float)pow((double)x, -1.0));
    simple_mismatches += !same_bits(o2m_powf(x, 0.5f), (float)pow((double)x, 0.5));
  }
  check(simple_mismatches == 0, "o2m_powf exact for y = 2, 1, -1, 0.5");

  /* C99 Annex F: every pairing of the special values, bit for bit (signed zeros included). */
  static const float specials[] = {0.0f, -0.0f, 1.0f, -1.0f, INFINITY, -INFINITY, NAN, 2.0f,
                                   -2.0f, 0.5f, -0.5f, 3.0f, -3.0f, 1e-45f, -1e-45f, 3e38f,
                                   -3e38f, 1.5f, -1.5f, 16777216.0f, -16777216.0f, 16777215.0f,
                                   -16777215.0f, 8388609.0f, -8388609.0f};
  long special_mismatches = 0;
  for (size_t i = 0; i < sizeof specials / sizeof specials[0]; ++i) {
    for (size_t j = 0; j < sizeof specials / sizeof specials[0]; ++j) {
      const float got = o2m_powf(specials[i], specials[j]);
      const float want = powf(specials[i], specials[j]);
      /* Finite nonzero results may round either way; the rest must match bit for bit. */
      const int rounded = isfinite(want) && want != 0.0f && !isnan(got);
      if (rounded ? ulp_distance(got, want) > 1 : !same_bits(got, want)) {
        ++special_mismatches;
        printf("  o2m_powf(%a, %a) = %a, want %a\n", (double)specials[i], (double)specials[j],
               (double)got, (double)want);
      }
    }
  }
  check(special_mismatches == 0, "o2m_powf special values as C99 Annex F");
  expect_bits("o2m_powf(NaN, 0) = 1", o2m_powf(NAN, 0.0f), 1.0f);
  expect_bits("o2m_powf(1, NaN) = 1", o2m_powf(1.0f, NAN), 1.0f);
  expect_bits("o2m_powf(-2, 0.5) = NAN", o2m_powf(-2.0f, 0.5f), NAN);
  expect_bits("o2m_powf(-0, -3) = -inf", o2m_powf(-0.0f, -3.0f), -INFINITY);
  expect_bits("o2m_powf(-8, 1/3) = NAN", o2m_powf(-8.0f, 1.0f / 3.0f), NAN);
}

/* ---- exp and log relatives ------------------------------------------------------------ */

static double sigmoid_reference(double x) {
  return x >= 0.0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

static void check_exp_log_family(void) {
  check_unary("o2m_expm1f", o2m_expm1f, expm1, 1, 1e-3f, 90.0f);
  expect_bits("o2m_expm1f(-0) = -0", o2m_expm1f(-0.0f), -0.0f);
  expect_bits("o2m_expm1f(-inf) = -1", o2m_expm1f(-INFINITY), -1.0f);
  expect_bits("o2m_expm1f(+inf) = +inf", o2m_expm1f(INFINITY), INFINITY);
  expect_bits("o2m_expm1f(88.7229) = +inf", o2m_expm1f(88.7229f), INFINITY);

  check_unary("o2m_log1pf", o2m_log1pf, log1p, 1, 1e-3f, 4.0f);
  expect_bits("o2m_log1pf(-0) = -0", o2m_log1pf(-0.0f), -0.0f);
  expect_bits("o2m_log1pf(-1) = -inf", o2m_log1pf(-1.0f), -INFINITY);
  expect_bits("o2m_log1pf(-2) = NAN", o2m_log1pf(-2.0f), NAN);
  expect_bits("o2m_log1pf(+inf) = +inf", o2m_log1pf(INFINITY), INFINITY);
  expect_bits("o2m_log1pf(-inf) = NAN", o2m_log1pf(-INFINITY), NAN);

  check_unary("o2m_tanhf", o2m_tanhf, tanh, 1, 1e-3f, 10.0f);
  expect_bits("o2m_tanhf(-0) = -0", o2m_tanhf(-0.0f), -0.0f);
  expect_bits("o2m_tanhf(+inf) = 1", o2m_tanhf(INFINITY), 1.0f);
  expect_bits("o2m_tanhf(-inf) = -1", o2m_tanhf(-INFINITY), -1.0f);

  check_unary("o2m_sinhf", o2m_sinhf, sinh, 1, 1e-3f, 90.0f);
  expect_bits("o2m_sinhf(-0) = -0", o2m_sinhf(-0.0f), -0.0f);
  expect_bits("o2m_sinhf(-inf) = -inf", o2m_sinhf(-INFINITY), -INFINITY);
  expect_bits("o2m_sinhf(89.4) is finite", o2m_sinhf(89.4f), (float)sinh((double)89.4f));
  expect_bits("o2m_sinhf(-89.5) = -inf", o2m_sinhf(-89.5f), -INFINITY);

  check_unary("o2m_coshf", o2m_coshf, cosh, 1, 1e-3f, 90.0f);
  expect_bits("o2m_coshf(-0) = 1", o2m_coshf(-0.0f), 1.0f);
  expect_bits("o2m_coshf(-inf) = +inf", o2m_coshf(-INFINITY), INFINITY);

  check_unary("o2m_asinhf", o2m_asinhf, asinh, 2, 1e-3f, 1e5f);
  expect_bits("o2m_asinhf(-0) = -0", o2m_asinhf(-0.0f), -0.0f);
  expect_bits("o2m_asinhf(-inf) = -inf", o2m_asinhf(-INFINITY), -INFINITY);
  expect_bits("o2m_asinhf(max) is finite", o2m_asinhf(3.40282347e38f), (float)asinh(3.40282347e38));

  check_unary("o2m_acoshf", o2m_acoshf, acosh, 2, 1.0f, 1e5f);
  expect_bits("o2m_acoshf(1) = +0", o2m_acoshf(1.0f), 0.0f);
  expect_bits("o2m_acoshf(+inf) = +inf", o2m_acoshf(INFINITY), INFINITY);
  expect_bits("o2m_acoshf(0.5) = NAN", o2m_acoshf(0.5f), NAN);
  expect_bits("o2m_acoshf(-inf) = NAN", o2m_acoshf(-INFINITY), NAN);

  check_unary("o2m_atanhf", o2m_atanhf, atanh, 2, 1e-3f, 1.0f);
  expect_bits("o2m_atanhf(-0) = -0", o2m_atanhf(-0.0f), -0.0f);
  expect_bits("o2m_atanhf(1) = +inf", o2m_atanhf(1.0f), INFINITY);
  expect_bits("o2m_atanhf(-1) = -inf", o2m_atanhf(-1.0f), -INFINITY);
  expect_bits("o2m_atanhf(1.5) = NAN", o2m_atanhf(1.5f), NAN);

  check_unary("o2m_sigmoidf", o2m_sigmoidf, sigmoid_reference, 2, 1e-3f, 110.0f);
  expect_bits("o2m_sigmoidf(0) = 0.5", o2m_sigmoidf(0.0f), 0.5f);
  expect_bits("o2m_sigmoidf(+inf) = 1", o2m_sigmoidf(INFINITY), 1.0f);
  expect_bits("o2m_sigmoidf(-inf) = +0", o2m_sigmoidf(-INFINITY), 0.0f);
  expect_bits("o2m_sigmoidf(-100) is tiny, not 0", o2m_sigmoidf(-100.0f),
              (float)sigmoid_reference(-100.0));
}

/* ---- trigonometry -------------------------------------------------------------------- */

static void check_trigonometry(void) {
  check_unary("o2m_sinf", o2m_sinf, sin, 1, 1e-3f, 1e5f);
  check_unary("o2m_cosf", o2m_cosf, cos, 1, 1e-3f, 1e5f);
  check_unary("o2m_tanf", o2m_tanf, tan, 2, 1e-3f, 1e5f);
  /* Large arguments, where only an exact reduction gets the quadrant and the digits right. */
  error_record huge = {0, 0.0f, 0.0f, 0, 0};
  sweep_unary(&huge, o2m_sinf, sin, bits_of(1e5f), bits_of(3.4e38f), 997u);
  report("o2m_sinf beyond 1e5", &huge, 1, 0);
  expect_bits("o2m_sinf(-0) = -0", o2m_sinf(-0.0f), -0.0f);
  expect_bits("o2m_sinf(inf) = NAN", o2m_sinf(INFINITY), NAN);
  expect_bits("o2m_cosf(-inf) = NAN", o2m_cosf(-INFINITY), NAN);
  expect_bits("o2m_tanf(-0) = -0", o2m_tanf(-0.0f), -0.0f);
  expect_bits("o2m_cosf(0) = 1", o2m_cosf(0.0f), 1.0f);
  /* Known hard cases of reduction: floats very close to multiples of pi/2. */
  static const float hard[] = {0x1.921fb6p+0f, 0x1.921fb6p+1f, 0x1.921fb6p+2f, 0x1.2d97c8p+3f,
                               0x1.f9b6b0p+22f, 0x1.6a09e6p+29f, 0x1.5ad5eep+117f, 0x1.e8f3b8p+98f,
                               1e22f, 3.4028235e38f, 0x1.1ce3d6p+94f};
  for (size_t i = 0; i < sizeof hard / sizeof hard[0]; ++i) {
    for (int negate = 0; negate < 2; ++negate) {
      const float x = negate ? -hard[i] : hard[i];
      check(ulp_distance(o2m_sinf(x), (float)sin((double)x)) <= 1, "o2m_sinf near k pi/2");
      check(ulp_distance(o2m_cosf(x), (float)cos((double)x)) <= 1, "o2m_cosf near k pi/2");
      check(ulp_distance(o2m_tanf(x), (float)tan((double)x)) <= 2, "o2m_tanf near k pi/2");
    }
  }

  check_unary("o2m_asinf", o2m_asinf, asin, 1, 1e-3f, 1.0f);
  check_unary("o2m_acosf", o2m_acosf, acos, 1, 1e-3f, 1.0f);
  check_unary("o2m_atanf", o2m_atanf, atan, 1, 1e-3f, 1e8f);
  expect_bits("o2m_asinf(-0) = -0", o2m_asinf(-0.0f), -0.0f);
  expect_bits("o2m_asinf(-1) = -pi/2", o2m_asinf(-1.0f), -1.57079637f);
  expect_bits("o2m_asinf(1.5) = NAN", o2m_asinf(1.5f), NAN);
  expect_bits("o2m_acosf(1) = +0", o2m_acosf(1.0f), 0.0f);
  expect_bits("o2m_acosf(-1) = pi", o2m_acosf(-1.0f), 3.14159274f);
  expect_bits("o2m_acosf(-inf) = NAN", o2m_acosf(-INFINITY), NAN);
  expect_bits("o2m_atanf(-0) = -0", o2m_atanf(-0.0f), -0.0f);
  expect_bits("o2m_atanf(+inf) = pi/2", o2m_atanf(INFINITY), 1.57079637f);
  expect_bits("o2m_atanf(-inf) = -pi/2", o2m_atanf(-INFINITY), -1.57079637f);

  error_record errors = {0, 0.0f, 0.0f, 0, 0};
  for (int i = 0; i < 3000000; ++i) {
    const float y = float_from_bits(random_bits());
    uint32_t x_bits = random_bits();
    if (i & 1) { /* exponents close to y's, where the ratio is neither huge nor tiny */
      const uint32_t exponent = ((bits_of(y) >> 23) + (x_bits >> 27) - 16u) & 0xFFu;
      x_bits = (x_bits & 0x807FFFFFu) | (exponent << 23);
    }
    const float x = float_from_bits(x_bits);
    record(&errors, y, x, o2m_atan2f(y, x), (float)atan2((double)y, (double)x));
  }
  report("o2m_atan2f", &errors, 1, 1);
  /* C99 Annex F: every pairing of zeros, infinities, NaN and a few finite values. */
  static const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1.0f, -1.0f,
                                   1e-45f, -1e-45f, 3e38f, -3e38f};
  long special_mismatches = 0;
  for (size_t i = 0; i < sizeof specials / sizeof specials[0]; ++i) {
    for (size_t j = 0; j < sizeof specials / sizeof specials[0]; ++j) {
      const float got = o2m_atan2f(specials[i], specials[j]);
      const float want = (float)atan2((double)specials[i], (double)specials[j]);
      if (!same_bits(got, want)) {
        ++special_mismatches;
        printf("  o2m_atan2f(%a, %a) = %a, want %a\n", (double)specials[i], (double)specials[j],
               (double)got, (double)want);
      }
    }
  }
  check(special_mismatches == 0, "o2m_atan2f special values as C99 Annex F");
}

/* ---- erf ----------------------------------------------------------------------------- */

static void check_erff(void) {
  check_unary("o2m_erff", o2m_erff, erf, 2, 1e-3f, 4.0f);
  expect_bits("o2m_erff(+0) = +0", o2m_erff(0.0f), 0.0f);
  expect_bits("o2m_erff(-0) = -0", o2m_erff(-0.0f), -0.0f);
  expect_bits("o2m_erff(+inf) = 1", o2m_erff(INFINITY), 1.0f);
  expect_bits("o2m_erff(-inf) = -1", o2m_erff(-INFINITY), -1.0f);
  expect_bits("o2m_erff(3.9193) = 1", o2m_erff(3.9193f), 1.0f);
  expect_bits("o2m_erff(min subnormal)", o2m_erff(1e-45f), 1e-45f);
}

/* ---- exact functions ----------------------------------------------------------------- */

static void check_exact_functions(void) {
  /* Rounding to integers: every float in [0.25, 2^24] (both signs) at a fine stride, where all
   * the fraction cases are, plus the full sweep. */
  long mismatches[4] = {0, 0, 0, 0};
  for (int pass = 0; pass < 2; ++pass) {
    const uint32_t first = pass == 0 ? 0u : bits_of(0.25f);
    const uint32_t last = pass == 0 ? 0xFFFFFFFFu : bits_of(16777216.0f);
    const uint32_t stride = pass == 0 ? FULL_SWEEP_STRIDE : 97u;
    for (uint64_t bits = first; bits <= last; bits += stride) {
      for (int negate = 0; negate < 2; ++negate) {
        const float x = float_from_bits((uint32_t)bits ^ (negate ? 0x80000000u : 0u));
        mismatches[0] += !same_bits(o2m_floorf(x), floorf(x));
        mismatches[1] += !same_bits(o2m_ceilf(x), ceilf(x));
        mismatches[2] += !same_bits(o2m_truncf(x), truncf(x));
        mismatches[3] += !same_bits(o2m_roundf_even(x), rintf(x)); /* default mode: to even */
      }
    }
  }
  static const char *const names[4] = {"o2m_floorf", "o2m_ceilf", "o2m_truncf",
                                       "o2m_roundf_even"};
  for (int i = 0; i < 4; ++i) {
    printf("%-18s %ld results differ from libm (bound 0)\n", names[i], mismatches[i]);
    char what[64];
    snprintf(what, sizeof what, "%s exact", names[i]);
    check(mismatches[i] == 0, what);
  }
  expect_bits("o2m_roundf_even(2.5) = 2", o2m_roundf_even(2.5f), 2.0f);
  expect_bits("o2m_roundf_even(3.5) = 4", o2m_roundf_even(3.5f), 4.0f);
  expect_bits("o2m_roundf_even(-0.5) = -0", o2m_roundf_even(-0.5f), -0.0f);
  expect_bits("o2m_roundf_even(1.5) = 2", o2m_roundf_even(1.5f), 2.0f);
  expect_bits("o2m_floorf(-0.5) = -1", o2m_floorf(-0.5f), -1.0f);
  expect_bits("o2m_ceilf(-0.5) = -0", o2m_ceilf(-0.5f), -0.0f);
  expect_bits("o2m_truncf(-0.5) = -0", o2m_truncf(-0.5f), -0.0f);
  expect_bits("o2m_floorf(-inf) = -inf", o2m_floorf(-INFINITY), -INFINITY);

  /* fmod: random pairs, half of them with exponents within 30 of each other (the long
   * division's interesting cases), against the exact libm fmodf. */
  long fmod_mismatches = 0;
  for (int i = 0; i < 2000000; ++i) {
    const uint32_t x_bits = random_bits();
    uint32_t y_bits = random_bits();
    if (i & 1) {
      const uint32_t exponent = ((x_bits >> 23) + (y_bits >> 27) - 24u) & 0xFFu;
      y_bits = (y_bits & 0x807FFFFFu) | (exponent << 23);
    }
    const float x = float_from_bits(x_bits);
    const float y = float_from_bits(y_bits);
    if (!same_bits(o2m_fmodf(x, y), fmodf(x, y))) {
      if (++fmod_mismatches <= 5) {
        printf("  o2m_fmodf(%a, %a) = %a, want %a\n", (double)x, (double)y,
               (double)o2m_fmodf(x, y), (double)fmodf(x, y));
      }
    }
  }
  static const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1.0f, -1.0f, 1.5f,
                                   -2.75f, 1e-45f, -3e-45f, 1e-38f, 3e38f, -3e38f, 16777217.0f};
  for (size_t i = 0; i < sizeof specials / sizeof specials[0]; ++i) {
    for (size_t j = 0; j < sizeof specials / sizeof specials[0]; ++j) {
      fmod_mismatches += !same_bits(o2m_fmodf(specials[i], specials[j]),
                                    fmodf(specials[i], specials[j]));
    }
  }
  printf("%-18s %ld results differ from libm (bound 0)\n", "o2m_fmodf", fmod_mismatches);
  check(fmod_mismatches == 0, "o2m_fmodf exact");

  expect_bits("o2m_fabsf(-0) = +0", o2m_fabsf(-0.0f), 0.0f);
  expect_bits("o2m_fabsf(-inf) = +inf", o2m_fabsf(-INFINITY), INFINITY);
  check(o2m_isnanf(NAN) && o2m_isnanf(-NAN) && !o2m_isnanf(INFINITY) && !o2m_isnanf(1.0f),
        "o2m_isnanf");
  check(o2m_isinff(INFINITY) && o2m_isinff(-INFINITY) && !o2m_isinff(NAN) &&
            !o2m_isinff(3.4028235e38f),
        "o2m_isinff");
}

/* Invalid operations return exactly NAN's bits, whatever the FPU would make up. */
static void check_invalid_results_are_canonical(void) {
  const uint32_t canonical = bits_of(NAN);
  const float results[] = {o2m_sqrtf(-1.0f), o2m_logf(-1.0f), o2m_powf(-2.0f, 0.5f),
                           o2m_log1pf(-2.0f), o2m_acoshf(0.0f), o2m_atanhf(2.0f),
                           o2m_sinf(INFINITY), o2m_cosf(-INFINITY), o2m_tanf(INFINITY),
                           o2m_asinf(2.0f), o2m_acosf(-2.0f), o2m_fmodf(1.0f, 0.0f),
                           o2m_fmodf(INFINITY, 1.0f)};
  int all_canonical = 1;
  for (size_t i = 0; i < sizeof results / sizeof results[0]; ++i) {
    all_canonical &= bits_of(results[i]) == canonical;
  }
  check(all_canonical, "invalid operations return NAN's exact bits");
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* progress shows as it happens, even through a pipe */
  check_expf();
  check_sqrtf();
  check_logf();
  check_powf();
  check_exp_log_family();
  check_trigonometry();
  check_erff();
  check_exact_functions();
  check_invalid_results_are_canonical();
  return check_summary("check_math");
}
