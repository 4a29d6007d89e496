/* onnx2mcu runtime: float64 element-wise functions that need no libm (Abs, Neg, Sign,
 * Reciprocal, Floor, Ceil, Round) and IsNaN / IsInf. Floor, Ceil and Round are exact: below
 * 2^52 a double converts to int64 and back without loss, and from 2^52 up every double is
 * already a whole number. */
#include "onnx2mcu/kernels_elementwise.h"

#define TWO_TO_52 4503599627370496.0
#define DOUBLE_MAX 1.7976931348623157e308

static inline int is_nan_f64(double x) {
  return x != x;
}

static inline double abs_f64(double x) {
  if (x == 0.0) return 0.0; /* +0 for -0 too */
  return x < 0.0 ? -x : x;
}

/* Floor, Ceil and Round leave these alone: whole already (|x| >= 2^52 or zero), infinite or NaN. */
static inline int is_whole_or_special(double x) {
  return !(abs_f64(x) < TWO_TO_52) || x == 0.0;
}

/* Whole-number results keep the input's sign, so that -0.5 rounds to -0 as in C99. */
static inline double with_sign_of(double whole, double x) {
  return (whole == 0.0 && x < 0.0) ? -0.0 : whole;
}

static inline double trunc_f64(double x) {
  return with_sign_of((double)(int64_t)x, x);
}

static double floor_f64(double x) {
  if (is_whole_or_special(x)) return x;
  const double t = trunc_f64(x);
  return t > x ? t - 1.0 : t;
}

static double ceil_f64(double x) {
  if (is_whole_or_special(x)) return x;
  const double t = trunc_f64(x);
  return with_sign_of(t < x ? t + 1.0 : t, x);
}

/* To nearest, ties to even. x - t is exact (both lie in the same binade or t is 0). */
static double round_even_f64(double x) {
  if (is_whole_or_special(x)) return x;
  const double t = trunc_f64(x);
  const double fraction = abs_f64(x - t);
  const double away = x < 0.0 ? t - 1.0 : t + 1.0;
  if (fraction > 0.5 || (fraction == 0.5 && ((int64_t)t & 1) != 0)) {
    return away;
  }
  return t;
}

static inline double sign_f64(double x) {
  if (x > 0.0) return 1.0;
  if (x < 0.0) return -1.0;
  return x;
}

#define MAP(expression)                                                     \
  for (int32_t i = 0; i < p->count; ++i) {                                  \
    const double x = input[i];                                              \
    output[i] = (expression);                                               \
  }                                                                         \
  break

void o2m_unary_f64(const o2m_unary_params *p, const double *input, double *output) {
  switch (p->op) {
    case O2M_UNARY_ABS: MAP(abs_f64(x));
    case O2M_UNARY_NEG: MAP(-x);
    case O2M_UNARY_SIGN: MAP(sign_f64(x));
    case O2M_UNARY_RECIPROCAL: MAP(1.0 / x);
    case O2M_UNARY_FLOOR: MAP(floor_f64(x));
    case O2M_UNARY_CEIL: MAP(ceil_f64(x));
    case O2M_UNARY_ROUND: MAP(round_even_f64(x));
    default: break;
  }
}

void o2m_float_class_f64(const o2m_float_class_params *p, const double *input, uint8_t *output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const double x = input[i];
    int detected = 0;
    if (is_nan_f64(x)) {
      detected = (p->detect & O2M_DETECT_NAN) != 0;
    } else if (x > DOUBLE_MAX) {
      detected = (p->detect & O2M_DETECT_POSITIVE_INF) != 0;
    } else if (x < -DOUBLE_MAX) {
      detected = (p->detect & O2M_DETECT_NEGATIVE_INF) != 0;
    }
    output[i] = (uint8_t)detected;
  }
}
