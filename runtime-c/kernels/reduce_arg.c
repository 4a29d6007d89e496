/* onnx2mcu runtime: ArgMax and ArgMin along the middle axis of [outer][axis][inner], for every
 * numeric type. One comparison decides both the direction and the tie rule: a candidate
 * replaces the best so far when strictly better, or, with select_last, when equal too. */
#include "onnx2mcu/kernels_reduce.h"

/* Whether a should replace b as the best so far. */
static inline int arg_better(int find_max, int select_last, int a_above_b, int a_below_b) {
  const int strictly = find_max ? a_above_b : a_below_b;
  const int equal = !a_above_b && !a_below_b;
  return strictly || (select_last && equal);
}

#define DEFINE_ARG_REDUCE(SUFFIX, T)                                                              \
  void o2m_arg_reduce_##SUFFIX(const o2m_arg_reduce_params *p, const T *input, int64_t *output) { \
    for (int32_t outer = 0; outer < p->outer; ++outer) {                                          \
      const T *block = input + (int64_t)outer * p->axis * p->inner;                               \
      for (int32_t inner = 0; inner < p->inner; ++inner) {                                        \
        int32_t best = 0;                                                                         \
        for (int32_t i = 1; i < p->axis; ++i) {                                                   \
          const T candidate = block[i * p->inner + inner];                                        \
          const T current = block[best * p->inner + inner];                                       \
          if (arg_better(p->find_max, p->select_last, candidate > current, candidate < current)) { \
            best = i;                                                                             \
          }                                                                                       \
        }                                                                                         \
        output[outer * p->inner + inner] = best;                                                  \
      }                                                                                           \
    }                                                                                             \
  }

DEFINE_ARG_REDUCE(f32, float)
DEFINE_ARG_REDUCE(f64, double)
DEFINE_ARG_REDUCE(i8, int8_t)
DEFINE_ARG_REDUCE(i16, int16_t)
DEFINE_ARG_REDUCE(i32, int32_t)
DEFINE_ARG_REDUCE(i64, int64_t)
DEFINE_ARG_REDUCE(u8, uint8_t)
DEFINE_ARG_REDUCE(u16, uint16_t)
DEFINE_ARG_REDUCE(u32, uint32_t)
DEFINE_ARG_REDUCE(u64, uint64_t)
