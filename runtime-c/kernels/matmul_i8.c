/* onnx2mcu runtime: int8 MatMul with broadcast batches and operands read through strides (Gemm,
 * fully connected layers, attention's Q·Kᵀ and weights·V), the definition of the int8 result. */
#include <stddef.h>

#include "onnx2mcu/kernels_int8.h"

#include "requantize_i8.h"

void o2m_matmul_i8(const o2m_matmul_i8_params *p, const int8_t *a, const int8_t *b,
                   const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                   int8_t *output) {
  int32_t batches = 1;
  for (int32_t axis = 0; axis < p->batch_rank; ++axis) {
    batches *= p->batch_shape[axis];
  }
  int32_t index[O2M_MAX_DIMS] = {0};
  int32_t a_base = 0;
  int32_t b_base = 0;
  int8_t *y = output;
  for (int32_t batch = 0; batch < batches; ++batch) {
    for (int32_t m = 0; m < p->M; ++m) {
      const int8_t *a_row = a + a_base + m * p->a_stride_m;
      for (int32_t n = 0; n < p->N; ++n) {
        const int8_t *b_column = b + b_base + n * p->b_stride_n;
        int32_t acc = bias != NULL ? bias[n] : 0;
        for (int32_t k = 0; k < p->K; ++k) {
          acc += ((int32_t)a_row[k * p->a_stride_k] + p->a_offset) *
                 ((int32_t)b_column[k * p->b_stride_k] + p->b_offset);
        }
        const int32_t channel = p->per_channel ? n : 0;
        *y++ = o2m_requantize_i8(acc, multipliers[channel], shifts[channel], p->output_offset,
                                 p->act_min, p->act_max);
      }
    }
    /* the odometer over the batch axes, innermost first */
    for (int32_t axis = p->batch_rank - 1; axis >= 0; --axis) {
      ++index[axis];
      a_base += p->a_batch_strides[axis];
      b_base += p->b_batch_strides[axis];
      if (index[axis] < p->batch_shape[axis]) {
        break;
      }
      a_base -= p->a_batch_strides[axis] * p->batch_shape[axis];
      b_base -= p->b_batch_strides[axis] * p->batch_shape[axis];
      index[axis] = 0;
    }
  }
}
