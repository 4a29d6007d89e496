/* onnx2mcu runtime: float32 Gemm, Y = alpha * A' B' + beta * C, with a fused activation.
 * The product is accumulated first and scaled once, as ONNX writes it (alpha * (A'B')). */
#include <stddef.h>

#include "onnx2mcu/kernels_f32.h"

#include "activation_f32.h"

void o2m_gemm_f32(const o2m_gemm_f32_params *p, const float *a, const float *b, const float *c, float *y) {
  /* Element (m, k) of A' and (k, n) of B' through strides, so one loop serves all four layouts. */
  const int32_t a_stride_m = p->trans_a ? 1 : p->K;
  const int32_t a_stride_k = p->trans_a ? p->M : 1;
  const int32_t b_stride_k = p->trans_b ? 1 : p->N;
  const int32_t b_stride_n = p->trans_b ? p->K : 1;

  for (int32_t m = 0; m < p->M; ++m) {
    const float *a_row = a + m * a_stride_m;
    for (int32_t n = 0; n < p->N; ++n) {
      const float *b_column = b + n * b_stride_n;
      float sum = 0.0f;
      for (int32_t k = 0; k < p->K; ++k) {
        sum += a_row[k * a_stride_k] * b_column[k * b_stride_k];
      }
      float value = p->alpha * sum;
      if (c != NULL) {
        value += p->beta * c[m * p->c_stride_m + n * p->c_stride_n];
      }
      y[m * p->N + n] = o2m_activation_f32(value, p->act_min, p->act_max);
    }
  }
}
