/* onnx2mcu runtime: float32 Det, the determinant of each `order` x `order` matrix, by Gaussian
 * elimination with partial pivoting (the largest magnitude in the column), as LAPACK's getrf.
 * The elimination works on a copy in a stack buffer of O2M_DET_MAX_ORDER^2 floats. */
#include "onnx2mcu/kernels_f32.h"
#include "onnx2mcu/math_f32.h"

static float determinant(const float *matrix, int32_t n) {
  float lu[O2M_DET_MAX_ORDER * O2M_DET_MAX_ORDER];
  for (int32_t i = 0; i < n * n; ++i) {
    lu[i] = matrix[i];
  }
  float det = 1.0f;
  for (int32_t k = 0; k < n; ++k) {
    int32_t pivot = k;
    for (int32_t i = k + 1; i < n; ++i) {
      if (o2m_fabsf(lu[i * n + k]) > o2m_fabsf(lu[pivot * n + k])) {
        pivot = i;
      }
    }
    if (lu[pivot * n + k] == 0.0f) {
      return 0.0f;
    }
    if (pivot != k) {
      for (int32_t j = 0; j < n; ++j) {
        const float t = lu[k * n + j];
        lu[k * n + j] = lu[pivot * n + j];
        lu[pivot * n + j] = t;
      }
      det = -det;
    }
    const float diagonal = lu[k * n + k];
    det *= diagonal;
    for (int32_t i = k + 1; i < n; ++i) {
      const float factor = lu[i * n + k] / diagonal;
      for (int32_t j = k + 1; j < n; ++j) {
        lu[i * n + j] -= factor * lu[k * n + j];
      }
    }
  }
  return det;
}

void o2m_det_f32(const o2m_det_f32_params *p, const float *input, float *output) {
  const int32_t size = p->order * p->order;
  for (int32_t m = 0; m < p->count; ++m) {
    output[m] = determinant(input + m * size, p->order);
  }
}
