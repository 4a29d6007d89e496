/* onnx2mcu runtime: float32 MatMul with numpy broadcasting over the batch axes. */
#include "onnx2mcu/kernels_f32.h"

void o2m_matmul_f32(const o2m_matmul_f32_params *p, const float *a, const float *b, float *y) {
  int32_t batch_count = 1;
  for (int32_t axis = 0; axis < p->batch_rank; ++axis) {
    batch_count *= p->batch_shape[axis];
  }

  for (int32_t batch = 0; batch < batch_count; ++batch) {
    /* Split the flat output batch index into per-axis indices, innermost axis first. */
    int32_t a_offset = 0;
    int32_t b_offset = 0;
    int32_t remaining = batch;
    for (int32_t axis = p->batch_rank - 1; axis >= 0; --axis) {
      const int32_t index = remaining % p->batch_shape[axis];
      remaining /= p->batch_shape[axis];
      a_offset += index * p->a_batch_strides[axis];
      b_offset += index * p->b_batch_strides[axis];
    }
    const float *a_batch = a + a_offset;
    const float *b_batch = b + b_offset;
    float *y_batch = y + batch * p->M * p->N;

    for (int32_t m = 0; m < p->M; ++m) {
      const float *a_row = a_batch + m * p->K;
      for (int32_t n = 0; n < p->N; ++n) {
        float sum = 0.0f;
        for (int32_t k = 0; k < p->K; ++k) {
          sum += a_row[k] * b_batch[k * p->N + n];
        }
        y_batch[m * p->N + n] = sum;
      }
    }
  }
}
