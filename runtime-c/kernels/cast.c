/* onnx2mcu runtime: Cast between every pair of element types (see kernels_movement.h for the
 * rules). One small function per pair, so --gc-sections keeps only the pairs a model uses. */
#include "onnx2mcu/kernels_movement.h"

/* Float to integer: truncation toward zero inside the target's range, saturation outside it,
 * 0 for NaN. The bounds are compared in the float type; where a bound is not representable it
 * rounds up to the next power of two, which is exactly where truncation would leave the range. */
#define O2M_DEFINE_SATURATE(FS, FT, TS, TT, LOWEST, HIGHEST) \
  static inline TT o2m_saturate_##FS##_##TS(FT x) {         \
    if (!(x == x)) {                                         \
      return 0;                                              \
    }                                                        \
    if (x <= (FT)(LOWEST)) {                                 \
      return (TT)(LOWEST);                                   \
    }                                                        \
    if (x >= (FT)(HIGHEST)) {                                \
      return (TT)(HIGHEST);                                  \
    }                                                        \
    return (TT)x;                                            \
  }

#define O2M_DEFINE_SATURATE_FROM(FS, FT)                                   \
  O2M_DEFINE_SATURATE(FS, FT, i8, int8_t, INT8_MIN, INT8_MAX)              \
  O2M_DEFINE_SATURATE(FS, FT, i16, int16_t, INT16_MIN, INT16_MAX)          \
  O2M_DEFINE_SATURATE(FS, FT, i32, int32_t, INT32_MIN, INT32_MAX)          \
  O2M_DEFINE_SATURATE(FS, FT, i64, int64_t, INT64_MIN, INT64_MAX)          \
  O2M_DEFINE_SATURATE(FS, FT, u8, uint8_t, 0, UINT8_MAX)                   \
  O2M_DEFINE_SATURATE(FS, FT, u16, uint16_t, 0, UINT16_MAX)                \
  O2M_DEFINE_SATURATE(FS, FT, u32, uint32_t, 0, UINT32_MAX)                \
  O2M_DEFINE_SATURATE(FS, FT, u64, uint64_t, 0, UINT64_MAX)

O2M_DEFINE_SATURATE_FROM(f32, float)
O2M_DEFINE_SATURATE_FROM(f64, double)

/* One element, by the kinds of the two types: real, integer or bool. */
#define O2M_CONVERT(FS, FK, TS, TT, TK, x) O2M_CONVERT_##FK##_##TK(FS, TS, TT, x)
#define O2M_CONVERT_real_real(FS, TS, TT, x) ((TT)(x))
#define O2M_CONVERT_real_integer(FS, TS, TT, x) o2m_saturate_##FS##_##TS(x)
#define O2M_CONVERT_integer_real(FS, TS, TT, x) ((TT)(x))
#define O2M_CONVERT_integer_integer(FS, TS, TT, x) ((TT)(x))
#define O2M_CONVERT_bool_real(FS, TS, TT, x) ((TT)(x))
#define O2M_CONVERT_bool_integer(FS, TS, TT, x) ((TT)(x))
#define O2M_CONVERT_real_bool(FS, TS, TT, x) ((uint8_t)((x) != 0))
#define O2M_CONVERT_integer_bool(FS, TS, TT, x) ((uint8_t)((x) != 0))
#define O2M_CONVERT_bool_bool(FS, TS, TT, x) ((uint8_t)((x) != 0))

#define O2M_DEFINE_CAST(FS, FT, FK, TS, TT, TK)                                                   \
  void o2m_cast_##FS##_##TS(const o2m_cast_params *p, const FT *input, TT *output) {              \
    for (int32_t i = 0; i < p->count; ++i) {                                                      \
      output[i] = O2M_CONVERT(FS, FK, TS, TT, TK, input[i]);                                      \
    }                                                                                             \
  }

#define O2M_CAST_TO_EVERY_TYPE(X, FS, FT, FK) \
  X(FS, FT, FK, f32, float, real)             \
  X(FS, FT, FK, f64, double, real)            \
  X(FS, FT, FK, i8, int8_t, integer)          \
  X(FS, FT, FK, i16, int16_t, integer)        \
  X(FS, FT, FK, i32, int32_t, integer)        \
  X(FS, FT, FK, i64, int64_t, integer)        \
  X(FS, FT, FK, u8, uint8_t, integer)         \
  X(FS, FT, FK, u16, uint16_t, integer)       \
  X(FS, FT, FK, u32, uint32_t, integer)       \
  X(FS, FT, FK, u64, uint64_t, integer)       \
  X(FS, FT, FK, b, uint8_t, bool)

O2M_CAST_TO_EVERY_TYPE(O2M_DEFINE_CAST, f32, float, real)
O2M_CAST_TO_EVERY_TYPE(O2M_DEFINE_CAST, f64, double, real)
O2M_CAST_TO_EVERY_TYPE(O2M_DEFINE_CAST, i8, int8_t, integer)
O2M_CAST_TO_EVERY_TYPE(O2M_DEFINE_CAST, i16, int16_t, integer)
O2M_CAST_TO_EVERY_TYPE(O2M_DEFINE_CAST, i32, int32_t, integer)
O2M_CAST_TO_EVERY_TYPE(O2M_DEFINE_CAST, i64, int64_t, integer)
O2M_CAST_TO_EVERY_TYPE(O2M_DEFINE_CAST, u8, uint8_t, integer)
O2M_CAST_TO_EVERY_TYPE(O2M_DEFINE_CAST, u16, uint16_t, integer)
O2M_CAST_TO_EVERY_TYPE(O2M_DEFINE_CAST, u32, uint32_t, integer)
O2M_CAST_TO_EVERY_TYPE(O2M_DEFINE_CAST, u64, uint64_t, integer)
O2M_CAST_TO_EVERY_TYPE(O2M_DEFINE_CAST, b, uint8_t, bool)
