/* onnx2mcu runtime: CumSum along the middle axis of [outer][axis][inner], for the types ONNX
 * defines it on. Each input element is read before its output is written, so in place is safe.
 * Integer sums wrap: they accumulate in the unsigned type of the same width. */
#include "onnx2mcu/kernels_reduce.h"

#define DEFINE_CUMSUM(SUFFIX, T, ACC)                                                          \
  void o2m_cumsum_##SUFFIX(const o2m_cumsum_params *p, const T *input, T *output) {            \
    const int32_t step = p->reverse ? -p->inner : p->inner;                                    \
    const int32_t first = p->reverse ? (p->axis - 1) * p->inner : 0;                           \
    for (int32_t outer = 0; outer < p->outer; ++outer) {                                       \
      const int32_t block = outer * p->axis * p->inner + first;                                \
      for (int32_t inner = 0; inner < p->inner; ++inner) {                                     \
        ACC sum = 0;                                                                           \
        int32_t at = block + inner;                                                            \
        for (int32_t i = 0; i < p->axis; ++i, at += step) {                                    \
          const ACC x = (ACC)input[at];                                                        \
          if (p->exclusive) {                                                                  \
            output[at] = (T)sum;                                                               \
            sum += x;                                                                          \
          } else {                                                                             \
            sum += x;                                                                          \
            output[at] = (T)sum;                                                               \
          }                                                                                    \
        }                                                                                      \
      }                                                                                        \
    }                                                                                          \
  }

DEFINE_CUMSUM(f32, float, float)
DEFINE_CUMSUM(f64, double, double)
DEFINE_CUMSUM(i32, int32_t, uint32_t)
DEFINE_CUMSUM(i64, int64_t, uint64_t)
DEFINE_CUMSUM(u32, uint32_t, uint32_t)
DEFINE_CUMSUM(u64, uint64_t, uint64_t)
