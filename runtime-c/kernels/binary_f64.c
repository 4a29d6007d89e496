/* onnx2mcu runtime: float64 binary arithmetic with numpy broadcasting (Add, Sub, Mul, Div, Min,
 * Max, Mod with fmod=1, PRelu). Cortex-M cores do double arithmetic in software (libgcc), which
 * is IEEE-exact, so host and target still agree bit for bit. */
#include "onnx2mcu/kernels_elementwise.h"

#include "binary_broadcast.h"

#define DOUBLE_MAX 1.7976931348623157e308

static inline int is_nan_f64(double x) {
  return x != x;
}

/* C's fmod, exactly, without libm: |x| minus the largest multiple of |y| that fits, found by
 * subtracting |y| 2^k for decreasing k. Each subtraction r - t with t <= r < 2t is exact
 * (Sterbenz), and doubling or halving |y| 2^k is exact, so the remainder is exact too. At most
 * about 2100 steps (the exponent range), usually a handful. */
static double fmod_f64(double x, double y) {
  const double ax = x < 0 ? -x : x;
  const double ay = y < 0 ? -y : y;
  if (is_nan_f64(x) || is_nan_f64(y) || ay == 0.0 || ax > DOUBLE_MAX) {
    return __builtin_nan("");
  }
  if (ax < ay) {
    return x;
  }
  double t = ay;
  while (t * 2.0 <= ax) {
    t *= 2.0;
  }
  double r = ax;
  for (;;) {
    if (r >= t) {
      r -= t;
    }
    if (t == ay) {
      break;
    }
    t *= 0.5;
  }
  return x < 0 ? -r : r;
}

#define ROW_LOOP(expression)                                                \
  for (int32_t i = 0; i < length; ++i) {                                    \
    const double x = a[i * a_step];                                         \
    const double y = b[i * b_step];                                         \
    out[i] = (expression);                                                  \
  }                                                                         \
  break

static void binary_row(const o2m_binary_params *p, const double *a, int32_t a_step, const double *b, int32_t b_step,
                       double *out, int32_t length) {
  switch (p->op) {
    case O2M_BINARY_ADD: ROW_LOOP(x + y);
    case O2M_BINARY_SUB: ROW_LOOP(x - y);
    case O2M_BINARY_MUL: ROW_LOOP(x * y);
    case O2M_BINARY_DIV: ROW_LOOP(x / y);
    case O2M_BINARY_MIN: ROW_LOOP(o2m_min_f64(x, y));
    case O2M_BINARY_MAX: ROW_LOOP(o2m_max_f64(x, y));
    case O2M_BINARY_FMOD: ROW_LOOP(fmod_f64(x, y));
    case O2M_BINARY_PRELU: ROW_LOOP(x < 0.0 ? x * y : x);
    default: break;
  }
}

#undef ROW_LOOP

void o2m_binary_f64(const o2m_binary_params *p, const double *a, const double *b, double *output) {
  O2M_FOR_EACH_ROW_2(p, a, a_strides, b, b_strides, output, binary_row);
}
