/* onnx2mcu runtime: float32 activations of one input (Sigmoid, Tanh, HardSigmoid, HardSwish,
 * LeakyRelu, Elu, Selu, Celu, Softplus, Softsign, ThresholdedRelu, Shrink), each written as the
 * ONNX definition reads, with the transcendental parts from onnx2mcu/math_f32.h. */
#include "onnx2mcu/kernels_elementwise.h"
#include "onnx2mcu/math_f32.h"

static inline float clamp_unit(float x) {
  if (x < 0.0f) return 0.0f;
  if (x > 1.0f) return 1.0f;
  return x;
}

/* ln(1 + e^x) without overflow: for x > 0 it is x + ln(1 + e^-x). */
static inline float softplus(float x) {
  return x > 0.0f ? x + o2m_log1pf(o2m_expf(-x)) : o2m_log1pf(o2m_expf(x));
}

#define MAP(expression)                                                     \
  for (int32_t i = 0; i < p->count; ++i) {                                  \
    const float x = input[i];                                               \
    output[i] = (expression);                                               \
  }                                                                         \
  break

void o2m_unary_activation_f32(const o2m_unary_activation_f32_params *p, const float *input, float *output) {
  const float alpha = p->alpha;
  const float beta = p->beta;
  const float gamma = p->gamma;
  switch (p->op) {
    case O2M_ACTIVATION_SIGMOID: MAP(o2m_sigmoidf(x));
    case O2M_ACTIVATION_TANH: MAP(o2m_tanhf(x));
    case O2M_ACTIVATION_HARD_SIGMOID: MAP(clamp_unit(alpha * x + beta));
    case O2M_ACTIVATION_HARD_SWISH: MAP(x * clamp_unit(alpha * x + beta));
    case O2M_ACTIVATION_LEAKY_RELU: MAP(x < 0.0f ? alpha * x : x);
    case O2M_ACTIVATION_ELU: MAP(x < 0.0f ? alpha * o2m_expm1f(x) : x);
    case O2M_ACTIVATION_SELU: MAP(x > 0.0f ? gamma * x : gamma * (alpha * o2m_expf(x) - alpha));
    case O2M_ACTIVATION_CELU: MAP(x > 0.0f ? x : alpha * o2m_expm1f(x / alpha));
    case O2M_ACTIVATION_SOFTPLUS: MAP(softplus(x));
    case O2M_ACTIVATION_SOFTSIGN: MAP(x / (1.0f + o2m_fabsf(x)));
    case O2M_ACTIVATION_THRESHOLDED_RELU: MAP(x > alpha ? x : 0.0f);
    case O2M_ACTIVATION_SHRINK: MAP(x < -alpha ? x + beta : (x > alpha ? x - beta : 0.0f));
    case O2M_ACTIVATION_SILU: MAP(x * o2m_sigmoidf(x));
    default: break;
  }
}
