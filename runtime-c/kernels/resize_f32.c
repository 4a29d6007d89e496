/* onnx2mcu runtime: linear and cubic Resize over float32 (see kernels_resize.h). */
#include "onnx2mcu/kernels_resize.h"

void o2m_resize_f32(const o2m_resize_f32_params *p, const float *input, const int32_t *indices,
                    const float *weights, float *output) {
  int32_t in_strides[O2M_MAX_DIMS];
  int32_t position[O2M_MAX_DIMS] = {0};
  int32_t count = 1;
  int32_t stride = 1;
  for (int32_t d = p->rank - 1; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= p->in_shape[d];
    count *= p->out_shape[d];
  }
  for (int32_t o = 0; o < count; ++o) {
    /* The table entries of this output position, and whether any axis falls outside the crop. */
    int32_t first[O2M_MAX_DIMS];
    int32_t base = 0;
    int outside = 0;
    for (int32_t d = 0; d < p->rank; ++d) {
      if (p->taps[d] == 0) {
        base += position[d] * in_strides[d];
        first[d] = 0;
      } else {
        first[d] = p->table_offset[d] + position[d] * p->taps[d];
        if (indices[first[d]] < 0) outside = 1;
      }
    }
    if (outside) {
      output[o] = p->extrapolation_value;
    } else {
      /* Walks every combination of taps, the last axis fastest. */
      int32_t tap[O2M_MAX_DIMS] = {0};
      float sum = 0.0f;
      for (;;) {
        int32_t source = base;
        float weight = 1.0f;
        int32_t d;
        for (d = 0; d < p->rank; ++d) {
          if (p->taps[d] == 0) continue;
          source += indices[first[d] + tap[d]] * in_strides[d];
          weight *= weights[first[d] + tap[d]];
        }
        sum += weight * input[source];
        for (d = p->rank - 1; d >= 0; --d) {
          if (p->taps[d] == 0) continue;
          if (++tap[d] < p->taps[d]) break;
          tap[d] = 0;
        }
        if (d < 0) break;
      }
      output[o] = sum;
    }
    for (int32_t d = p->rank - 1; d >= 0; --d) {
      if (++position[d] < p->out_shape[d]) break;
      position[d] = 0;
    }
  }
}
