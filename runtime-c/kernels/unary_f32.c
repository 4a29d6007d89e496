/* onnx2mcu runtime: float32 element-wise functions of one input (Abs, Neg, Sign, Reciprocal,
 * Floor, Ceil, Round, Sqrt, Exp, Log, the trigonometric and hyperbolic functions and their
 * inverses, Erf), all from onnx2mcu/math_f32.h so that host and target agree bit for bit.
 * The op is chosen once per call, so each loop is a plain map. */
#include "onnx2mcu/kernels_elementwise.h"
#include "onnx2mcu/math_f32.h"

/* -1, 0 or 1 with the zero's sign kept; NaN stays NaN (ONNX Runtime's Sign). */
static inline float sign_f32(float x) {
  if (x > 0.0f) return 1.0f;
  if (x < 0.0f) return -1.0f;
  return x;
}

#define MAP(expression)                                                     \
  for (int32_t i = 0; i < p->count; ++i) {                                  \
    const float x = input[i];                                               \
    output[i] = (expression);                                               \
  }                                                                         \
  break

void o2m_unary_f32(const o2m_unary_params *p, const float *input, float *output) {
  switch (p->op) {
    case O2M_UNARY_ABS: MAP(o2m_fabsf(x));
    case O2M_UNARY_NEG: MAP(-x);
    case O2M_UNARY_SIGN: MAP(sign_f32(x));
    case O2M_UNARY_RECIPROCAL: MAP(1.0f / x);
    case O2M_UNARY_FLOOR: MAP(o2m_floorf(x));
    case O2M_UNARY_CEIL: MAP(o2m_ceilf(x));
    case O2M_UNARY_ROUND: MAP(o2m_roundf_even(x));
    case O2M_UNARY_SQRT: MAP(o2m_sqrtf(x));
    case O2M_UNARY_EXP: MAP(o2m_expf(x));
    case O2M_UNARY_LOG: MAP(o2m_logf(x));
    case O2M_UNARY_SIN: MAP(o2m_sinf(x));
    case O2M_UNARY_COS: MAP(o2m_cosf(x));
    case O2M_UNARY_TAN: MAP(o2m_tanf(x));
    case O2M_UNARY_ASIN: MAP(o2m_asinf(x));
    case O2M_UNARY_ACOS: MAP(o2m_acosf(x));
    case O2M_UNARY_ATAN: MAP(o2m_atanf(x));
    case O2M_UNARY_SINH: MAP(o2m_sinhf(x));
    case O2M_UNARY_COSH: MAP(o2m_coshf(x));
    case O2M_UNARY_ASINH: MAP(o2m_asinhf(x));
    case O2M_UNARY_ACOSH: MAP(o2m_acoshf(x));
    case O2M_UNARY_ATANH: MAP(o2m_atanhf(x));
    case O2M_UNARY_ERF: MAP(o2m_erff(x));
    default: break;
  }
}

/* IsNaN / IsInf. */
void o2m_float_class_f32(const o2m_float_class_params *p, const float *input, uint8_t *output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const float x = input[i];
    int detected;
    if (o2m_isnanf(x)) {
      detected = (p->detect & O2M_DETECT_NAN) != 0;
    } else if (o2m_isinff(x)) {
      detected = (p->detect & (x > 0.0f ? O2M_DETECT_POSITIVE_INF : O2M_DETECT_NEGATIVE_INF)) != 0;
    } else {
      detected = 0;
    }
    output[i] = (uint8_t)detected;
  }
}
