/* onnx2mcu runtime: float32 MaxUnpool, as the ONNX reference defines it: each value goes to the
 * flat index MaxPool reported, in a tensor of the unpooled shape; with an explicit output_shape
 * that tensor is copied to the origin of the (larger) output. An index outside the unpooled
 * tensor, or a position outside the output, is skipped: indices may come from run-time data. */
#include "onnx2mcu/kernels_f32.h"

void o2m_maxunpool_f32(const o2m_maxunpool_f32_params *p, const float *input, const int64_t *indices,
                       float *output) {
  int64_t unpooled_count = 1;
  int32_t out_count = 1;
  for (int32_t axis = 0; axis < p->rank; ++axis) {
    unpooled_count *= p->unpooled_shape[axis];
    out_count *= p->out_shape[axis];
  }
  for (int32_t i = 0; i < out_count; ++i) {
    output[i] = 0.0f;
  }
  for (int32_t i = 0; i < p->in_count; ++i) {
    int64_t remaining = indices[i];
    if (remaining < 0 || remaining >= unpooled_count) {
      continue;
    }
    /* The same coordinates in the output's shape, innermost axis first. */
    int32_t out_offset = 0;
    int32_t out_stride = 1;
    int32_t inside = 1;
    for (int32_t axis = p->rank - 1; axis >= 0; --axis) {
      const int32_t coordinate = (int32_t)(remaining % p->unpooled_shape[axis]);
      remaining /= p->unpooled_shape[axis];
      if (coordinate >= p->out_shape[axis]) {
        inside = 0;
      }
      out_offset += coordinate * out_stride;
      out_stride *= p->out_shape[axis];
    }
    if (inside) {
      output[out_offset] = input[i];
    }
  }
}
