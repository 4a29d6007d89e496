/* onnx2mcu runtime: the float functions kernels need, written here because bare-metal builds
 * have no libm (and no <math.h>), and because host and target must give bit-identical results,
 * which a vendor libm does not promise.
 *
 * Every function is portable C99 on IEEE single-precision operations in round-to-nearest
 * (plus integer arithmetic on the bit patterns), built with -ffp-contract=off: no double, no
 * FMA, no instruction whose result could differ between machines, so the host, the soft-float
 * Cortex-M3 and the FPU cores agree bit for bit (runtime-c/tests checks the host; the same
 * sweeps were hashed under QEMU on Cortex-M3, M4F and M55). The one hardware path, VSQRT in
 * o2m_sqrtf, is correctly rounded like the portable code it replaces.
 *
 * Error bounds are in ulp of the correctly rounded result, measured against the host's double
 * libm rounded to float, exhaustively over all 2^32 inputs for the one-argument functions and
 * over tens of millions of pairs for the two-argument ones; runtime-c/tests/check_math.c
 * re-checks them on sweeps. They hold for every input, subnormals and arguments of any size
 * included, unless the comment says otherwise.
 *
 * NaN in, NaN out: a NaN argument comes back quiet with its payload. Invalid operations
 * (log(-1), sqrt(-1), sin(inf), ...) return exactly NAN below, never a NaN the FPU made up (x86
 * and Arm disagree on its sign bit), so even NaN outputs are bit-identical.
 *
 * Also provides INFINITY and NAN, which generated code uses for unbounded activation ranges.
 * They are spelled exactly as glibc's <math.h> spells them, so that a hosted file including
 * both headers, in either order, sees an identical (hence silent) redefinition.
 */
#ifndef ONNX2MCU_MATH_F32_H
#define ONNX2MCU_MATH_F32_H

#include <float.h>
#include <stdint.h>

/* The functions depend on each float operation rounding to float exactly as written: x87
 * excess precision or -ffast-math's reassociation (which deletes the error terms of two_sum
 * and friends) would change results, silently. */
#if defined(FLT_EVAL_METHOD) && (FLT_EVAL_METHOD == 1 || FLT_EVAL_METHOD == 2)
#error "onnx2mcu math needs float arithmetic evaluated in float (FLT_EVAL_METHOD 0): use SSE2"
#endif
#ifdef __FAST_MATH__
#error "onnx2mcu math needs IEEE semantics: build without -ffast-math"
#endif

#ifndef INFINITY
#define INFINITY (__builtin_inff ())
#endif
#ifndef NAN
#define NAN (__builtin_nanf (""))
#endif

/* ---- bit patterns and classification (inline: a few integer instructions each) ---------- */

/* The IEEE bit pattern of a float and back. A union is the C99 (TC3) way to reinterpret
 * without breaking strict aliasing, and compiles to a register move. */
static inline uint32_t o2m_f32_to_bits(float value) {
  union {
    float f;
    uint32_t u;
  } bits;
  bits.f = value;
  return bits.u;
}

static inline float o2m_f32_from_bits(uint32_t pattern) {
  union {
    float f;
    uint32_t u;
  } bits;
  bits.u = pattern;
  return bits.f;
}

/* |x| by clearing the sign bit: exact for every input, NaN payload kept. */
static inline float o2m_fabsf(float x) {
  return o2m_f32_from_bits(o2m_f32_to_bits(x) & 0x7FFFFFFFu);
}

/* 1 if x is a NaN (any payload, either sign), else 0. */
static inline int o2m_isnanf(float x) {
  return (o2m_f32_to_bits(x) & 0x7FFFFFFFu) > 0x7F800000u;
}

/* 1 if x is +inf or -inf, else 0. */
static inline int o2m_isinff(float x) {
  return (o2m_f32_to_bits(x) & 0x7FFFFFFFu) == 0x7F800000u;
}

/* ---- exact and correctly rounded (integer arithmetic on the bits) ----------------------- */

/* Square root, correctly rounded, so equal to IEEE hardware sqrt for every input (subnormals
 * included); sqrt(-0) = -0, sqrt(+inf) = +inf, NAN for x < 0. */
float o2m_sqrtf(float x);

/* The remainder x - n y, n = trunc(x / y), exact (as C fmodf): sign of x, fmodf(x, +-inf) = x,
 * NAN for y = 0 or infinite x. Up to ~280 loop steps when x and y are far apart in size. */
float o2m_fmodf(float x, float y);

/* Rounding to an integral float, exact, keeping the sign of zero (floor(-0.5) = -1,
 * ceil(-0.5) = -0, trunc(-0.5) = -0). o2m_roundf_even rounds halfway cases to the even
 * neighbour, as ONNX Round and the default IEEE mode do (2.5 -> 2, -0.5 -> -0, 3.5 -> 4). */
float o2m_floorf(float x);
float o2m_ceilf(float x);
float o2m_truncf(float x);
float o2m_roundf_even(float x);

/* ---- exponentials and logarithms ------------------------------------------------------ */

/* e^x, within 1 ulp. Overflows to +inf above 88.72284, underflows through the subnormals to
 * +0 below -103.97208. */
float o2m_expf(float x);

/* e^x - 1, within 1 ulp, accurate near 0 where e^x - 1 cancels. -1 below -17.33 (and at
 * -inf), +inf above 88.72284. */
float o2m_expm1f(float x);

/* Natural logarithm, within 1 ulp. log(+-0) = -inf, log(+inf) = +inf, log(1) = +0, NAN for
 * x < 0. */
float o2m_logf(float x);

/* log(1 + x), within 1 ulp, accurate near 0. -inf at -1, NAN below -1. */
float o2m_log1pf(float x);

/* x^y, within 1 ulp (correctly rounded for all but ~0.5% of inputs, and always for y = 2, 1,
 * -1 and 0.5, which are computed as x * x, x, 1 / x and sqrt x). Special cases as C99 Annex F:
 * pow(x, +-0) = 1 and pow(+1, y) = 1 even for NaN; a negative x needs an integer y (odd y
 * keeps the sign), else NAN; pow(+-0, y < 0) = +inf (-inf for -0 and odd y); pow(-1, +-inf)
 * = 1; pow(x, +-inf) is +0 or +inf by whether |x| < 1. */
float o2m_powf(float x, float y);

/* ---- hyperbolic functions and the logistic -------------------------------------------- */

/* tanh, sinh, cosh within 1 ulp. tanh rounds to +-1 from |x| >= 9.0109; sinh and cosh
 * overflow above |x| = 89.41599 (beyond e^x's own overflow, which they avoid). */
float o2m_tanhf(float x);
float o2m_sinhf(float x);
float o2m_coshf(float x);

/* asinh, acosh, atanh within 2 ulp. acosh is NAN below 1; atanh is +-inf at +-1 and NAN
 * beyond. */
float o2m_asinhf(float x);
float o2m_acoshf(float x);
float o2m_atanhf(float x);

/* The logistic function 1 / (1 + e^-x), within 2 ulp. e is only ever taken of -|x|, so
 * nothing overflows and very negative x keep their tiny (down to subnormal) results instead of
 * collapsing to 0. */
float o2m_sigmoidf(float x);

/* ---- circular functions --------------------------------------------------------------- */

/* sin and cos within 1 ulp, tan within 2 ulp, for every finite float: the argument reduction
 * (Payne-Hanek, in integer arithmetic) is exact enough at any magnitude, up to 3.4e38, so the
 * bounds have no range limit. NAN for +-inf. The reduction costs about as much as the rest:
 * |x| <= pi/4 skips it. */
float o2m_sinf(float x);
float o2m_cosf(float x);
float o2m_tanf(float x);

/* asin, acos, atan within 1 ulp; asin and acos are NAN outside [-1, 1]. */
float o2m_asinf(float x);
float o2m_acosf(float x);
float o2m_atanf(float x);

/* atan2(y, x), the angle of (x, y) in [-pi, pi], within 1 ulp. Special cases as C99 Annex F:
 * atan2(+-0, -0) = +-pi, atan2(+-0, +0) = +-0, atan2(+-y, -inf) = +-pi, atan2(+-y, +inf) = +-0,
 * atan2(+-inf, -inf) = +-3pi/4, atan2(+-inf, +inf) = +-pi/4, atan2(+-inf, x) = +-pi/2. */
float o2m_atan2f(float y, float x);

/* ---- special functions ---------------------------------------------------------------- */

/* The error function (2/sqrt(pi)) * integral from 0 to x of e^(-t^2) dt, as GELU uses it,
 * within 2 ulp. Odd; +-1 from |x| >= 3.9192 on. */
float o2m_erff(float x);

#endif
