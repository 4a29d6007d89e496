/* onnx2mcu runtime: LpNormalization (p = 1 or 2) along the middle axis of [outer][axis][inner].
 * Each vector is divided by its norm; a zero vector has no direction and stays zero rather than
 * becoming 0/0. Safe in place. */
#include "onnx2mcu/kernels_reduce.h"
#include "onnx2mcu/math_f32.h"

void o2m_lp_norm_f32(const o2m_lp_norm_f32_params *p, const float *input, float *output) {
  const int32_t stride = p->inner;
  for (int32_t outer = 0; outer < p->outer; ++outer) {
    const int32_t block = outer * p->axis * p->inner;
    for (int32_t inner = 0; inner < p->inner; ++inner) {
      const float *x = input + block + inner;
      float *y = output + block + inner;
      float sum = 0.0f;
      for (int32_t i = 0; i < p->axis; ++i) {
        const float v = x[i * stride];
        sum += p->p == 1 ? o2m_fabsf(v) : v * v;
      }
      const float norm = p->p == 1 ? sum : o2m_sqrtf(sum);
      for (int32_t i = 0; i < p->axis; ++i) {
        y[i * stride] = norm == 0.0f ? 0.0f : x[i * stride] / norm;
      }
    }
  }
}
