/* onnx2mcu runtime: RMS normalisation and GELU, in the order of operations of the exported
 * graphs they replace (Pow, ReduceMean, Add, Sqrt, Div, Mul; Div, Erf, Add, Mul, Mul), so that
 * results stay within float rounding of running those nodes one by one. */
#include "onnx2mcu/kernels_fused.h"
#include "onnx2mcu/math_f32.h"

void o2m_rmsnorm_f32(const o2m_rmsnorm_f32_params *p, const float *input, const float *scale,
                     float *output) {
  for (int32_t row = 0; row < p->outer; ++row) {
    const float *x = input + row * p->size;
    float *y = output + row * p->size;
    float sum_of_squares = 0.0f;
    for (int32_t i = 0; i < p->size; ++i) {
      sum_of_squares += x[i] * x[i];
    }
    const float rms = o2m_sqrtf(sum_of_squares / (float)p->size + p->epsilon);
    for (int32_t i = 0; i < p->size; ++i) {
      const float normalised = x[i] / rms;
      y[i] = scale != 0 ? normalised * scale[i] : normalised;
    }
  }
}

void o2m_gelu_f32(const o2m_gelu_f32_params *p, const float *input, float *output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const float x = input[i];
    output[i] = x * (o2m_erff(x / 1.41421354f) + 1.0f) * 0.5f;
  }
}
