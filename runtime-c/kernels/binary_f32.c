/* onnx2mcu runtime: float32 binary arithmetic with numpy broadcasting and a fused activation
 * (Add, Sub, Mul, Div, Min, Max, Mod with fmod=1, PRelu).
 *
 * The operator is chosen once per row so the inner loops stay branch-free. */
#include "onnx2mcu/kernels_elementwise.h"
#include "onnx2mcu/math_f32.h"

#include "activation_f32.h"
#include "binary_broadcast.h"

#define ROW_LOOP(expression)                                                \
  for (int32_t i = 0; i < length; ++i) {                                    \
    const float x = a[i * a_step];                                          \
    const float y = b[i * b_step];                                          \
    out[i] = o2m_activation_f32((expression), act_min, act_max);            \
  }                                                                         \
  break

static void binary_row(const o2m_binary_f32_params *p, const float *a, int32_t a_step, const float *b,
                       int32_t b_step, float *out, int32_t length) {
  const float act_min = p->act_min;
  const float act_max = p->act_max;
  switch (p->op) {
    case O2M_BINARY_ADD: ROW_LOOP(x + y);
    case O2M_BINARY_SUB: ROW_LOOP(x - y);
    case O2M_BINARY_MUL: ROW_LOOP(x * y);
    case O2M_BINARY_DIV: ROW_LOOP(x / y);
    case O2M_BINARY_MIN: ROW_LOOP(o2m_min_f32(x, y));
    case O2M_BINARY_MAX: ROW_LOOP(o2m_max_f32(x, y));
    case O2M_BINARY_FMOD: ROW_LOOP(o2m_fmodf(x, y));
    case O2M_BINARY_PRELU: ROW_LOOP(x < 0.0f ? x * y : x);
    default: break;
  }
}

#undef ROW_LOOP

void o2m_binary_f32(const o2m_binary_f32_params *p, const float *a, const float *b, float *output) {
  O2M_FOR_EACH_ROW_2(p, a, a_strides, b, b_strides, output, binary_row);
}
