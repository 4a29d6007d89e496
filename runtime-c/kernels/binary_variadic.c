/* onnx2mcu runtime: Sum, Mean, Min and Max of up to O2M_VARIADIC_MAX_INPUTS inputs that
 * broadcast together. Each output element folds its inputs in order in a local, so the output may
 * share a buffer with any full-shape input. */
#include "onnx2mcu/kernels_elementwise.h"

#include "binary_broadcast.h"

/* Integers only take Min and Max (ONNX defines Sum and Mean for floats). */
#define DEFINE_INTEGER_COMBINE(suffix, T)                                                        \
  static inline T combine_##suffix(int32_t op, T acc, T value) {                                \
    if (op == O2M_VARIADIC_MIN) return value < acc ? value : acc;                               \
    if (op == O2M_VARIADIC_MAX) return value > acc ? value : acc;                               \
    return acc;                                                                                 \
  }                                                                                             \
  static inline T finish_##suffix(int32_t op, T acc, int32_t inputs) {                          \
    (void)op;                                                                                   \
    (void)inputs;                                                                               \
    return acc;                                                                                 \
  }

#define DEFINE_FLOAT_COMBINE(suffix, T)                                                          \
  static inline T combine_##suffix(int32_t op, T acc, T value) {                                \
    switch (op) {                                                                               \
      case O2M_VARIADIC_MIN: return o2m_min_##suffix(acc, value);                               \
      case O2M_VARIADIC_MAX: return o2m_max_##suffix(acc, value);                               \
      default: return acc + value;                                                              \
    }                                                                                           \
  }                                                                                             \
  static inline T finish_##suffix(int32_t op, T acc, int32_t inputs) {                          \
    return op == O2M_VARIADIC_MEAN ? acc / (T)inputs : acc;                                     \
  }

#define DEFINE_VARIADIC(suffix, T)                                                               \
  void o2m_variadic_##suffix(const o2m_variadic_params *p, const T *in0, const T *in1,          \
                             const T *in2, const T *in3, T *output) {                           \
    const T *const inputs[O2M_VARIADIC_MAX_INPUTS] = {in0, in1, in2, in3};                      \
    const int32_t *strides[O2M_VARIADIC_MAX_INPUTS];                                            \
    int32_t steps[O2M_VARIADIC_MAX_INPUTS];                                                     \
    int32_t offsets[O2M_VARIADIC_MAX_INPUTS];                                                   \
    for (int32_t k = 0; k < O2M_VARIADIC_MAX_INPUTS; ++k) {                                     \
      strides[k] = p->strides + k * O2M_MAX_DIMS;                                               \
      steps[k] = o2m_row_step(p->rank, strides[k]);                                             \
      offsets[k] = 0;                                                                           \
    }                                                                                           \
    o2m_row_walk walk;                                                                          \
    o2m_row_walk_init(&walk, p->count, p->rank, p->out_shape);                                  \
    for (int32_t row = 0; row < walk.rows; ++row) {                                             \
      T *out = output + row * walk.length;                                                      \
      for (int32_t i = 0; i < walk.length; ++i) {                                               \
        T acc = inputs[0][offsets[0] + i * steps[0]];                                           \
        for (int32_t k = 1; k < p->inputs; ++k) {                                               \
          acc = combine_##suffix(p->op, acc, inputs[k][offsets[k] + i * steps[k]]);             \
        }                                                                                       \
        out[i] = finish_##suffix(p->op, acc, p->inputs);                                        \
      }                                                                                         \
      o2m_row_walk_next(&walk, p->out_shape, p->inputs, strides, offsets);                      \
    }                                                                                           \
  }

DEFINE_FLOAT_COMBINE(f32, float)
DEFINE_FLOAT_COMBINE(f64, double)
DEFINE_INTEGER_COMBINE(i8, int8_t)
DEFINE_INTEGER_COMBINE(i16, int16_t)
DEFINE_INTEGER_COMBINE(i32, int32_t)
DEFINE_INTEGER_COMBINE(i64, int64_t)
DEFINE_INTEGER_COMBINE(u8, uint8_t)
DEFINE_INTEGER_COMBINE(u16, uint16_t)
DEFINE_INTEGER_COMBINE(u32, uint32_t)
DEFINE_INTEGER_COMBINE(u64, uint64_t)

DEFINE_VARIADIC(f32, float)
DEFINE_VARIADIC(f64, double)
DEFINE_VARIADIC(i8, int8_t)
DEFINE_VARIADIC(i16, int16_t)
DEFINE_VARIADIC(i32, int32_t)
DEFINE_VARIADIC(i64, int64_t)
DEFINE_VARIADIC(u8, uint8_t)
DEFINE_VARIADIC(u16, uint16_t)
DEFINE_VARIADIC(u32, uint32_t)
DEFINE_VARIADIC(u64, uint64_t)
