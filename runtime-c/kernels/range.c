/* onnx2mcu runtime: Range. Each element is the previous one plus delta, computed in the
 * element type, as ONNX Runtime and the operator's ONNX function body do: for floats this
 * rounding differs from start + i * delta, and matching the reference matters more. Only
 * elements inside [start, limit) are formed, so integer types never overflow. */
#include "onnx2mcu/kernels_movement.h"

#define O2M_DEFINE_RANGE(SUFFIX, TYPE)                                                                 \
  void o2m_range_##SUFFIX(const o2m_range_params *p, const TYPE *start, const TYPE *delta, TYPE *output) { \
    if (p->count <= 0) {                                                                               \
      return;                                                                                          \
    }                                                                                                  \
    output[0] = *start;                                                                                \
    for (int32_t i = 1; i < p->count; ++i) {                                                           \
      output[i] = (TYPE)(output[i - 1] + *delta);                                                      \
    }                                                                                                  \
  }

O2M_DEFINE_RANGE(f32, float)
O2M_DEFINE_RANGE(f64, double)
O2M_DEFINE_RANGE(i16, int16_t)
O2M_DEFINE_RANGE(i32, int32_t)
O2M_DEFINE_RANGE(i64, int64_t)
