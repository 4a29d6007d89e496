/* onnx2mcu runtime: Clip of every numeric type with bounds read at run time (ONNX Clip since
 * opset 11 takes them as inputs, which a model may compute). A NULL bound is no bound.
 * min(max(x, min), max): with min > max every output is max, as ONNX specifies; NaN passes. */
#include "onnx2mcu/kernels_elementwise.h"

#define DEFINE_CLIP(suffix, T)                                                                   \
  void o2m_clip_##suffix(const o2m_clip_params *p, const T *input, const T *min, const T *max,  \
                         T *output) {                                                           \
    const int has_min = min != 0;                                                               \
    const int has_max = max != 0;                                                               \
    const T low = has_min ? *min : (T)0;                                                        \
    const T high = has_max ? *max : (T)0;                                                       \
    for (int32_t i = 0; i < p->count; ++i) {                                                    \
      T value = input[i];                                                                       \
      if (has_min && value < low) value = low;                                                  \
      if (has_max && value > high) value = high;                                                \
      output[i] = value;                                                                        \
    }                                                                                           \
  }

DEFINE_CLIP(f32, float)
DEFINE_CLIP(f64, double)
DEFINE_CLIP(i8, int8_t)
DEFINE_CLIP(i16, int16_t)
DEFINE_CLIP(i32, int32_t)
DEFINE_CLIP(i64, int64_t)
DEFINE_CLIP(u8, uint8_t)
DEFINE_CLIP(u16, uint16_t)
DEFINE_CLIP(u32, uint32_t)
DEFINE_CLIP(u64, uint64_t)
