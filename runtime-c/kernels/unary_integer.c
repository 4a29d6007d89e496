/* onnx2mcu runtime: integer Abs, Neg and Sign, and bool Not. Abs and Neg of the most negative
 * value wrap to itself (two's complement, computed in the unsigned type so that it is defined C). */
#include "onnx2mcu/kernels_elementwise.h"

#define MAP(T, expression)                                                  \
  for (int32_t i = 0; i < p->count; ++i) {                                  \
    const T x = input[i];                                                   \
    output[i] = (T)(expression);                                            \
  }                                                                         \
  break

/* U: the unsigned type of T's width. */
#define DEFINE_SIGNED_UNARY(suffix, T, U)                                                        \
  static inline T negate_##suffix(T x) { return (T)(U)(0u - (U)x); }                           \
  void o2m_unary_##suffix(const o2m_unary_params *p, const T *input, T *output) {               \
    switch (p->op) {                                                                            \
      case O2M_UNARY_ABS: MAP(T, x < 0 ? negate_##suffix(x) : x);                               \
      case O2M_UNARY_NEG: MAP(T, negate_##suffix(x));                                           \
      case O2M_UNARY_SIGN: MAP(T, (x > 0) - (x < 0));                                           \
      default: break;                                                                           \
    }                                                                                           \
  }

#define DEFINE_UNSIGNED_UNARY(suffix, T)                                                         \
  void o2m_unary_##suffix(const o2m_unary_params *p, const T *input, T *output) {               \
    switch (p->op) {                                                                            \
      case O2M_UNARY_ABS: MAP(T, x);                                                            \
      case O2M_UNARY_SIGN: MAP(T, x != 0);                                                      \
      default: break;                                                                           \
    }                                                                                           \
  }

DEFINE_SIGNED_UNARY(i8, int8_t, uint8_t)
DEFINE_SIGNED_UNARY(i16, int16_t, uint16_t)
DEFINE_SIGNED_UNARY(i32, int32_t, uint32_t)
DEFINE_SIGNED_UNARY(i64, int64_t, uint64_t)
DEFINE_UNSIGNED_UNARY(u8, uint8_t)
DEFINE_UNSIGNED_UNARY(u16, uint16_t)
DEFINE_UNSIGNED_UNARY(u32, uint32_t)
DEFINE_UNSIGNED_UNARY(u64, uint64_t)

/* Any nonzero byte counts as true; the output is 0 or 1. */
void o2m_unary_b(const o2m_unary_params *p, const uint8_t *input, uint8_t *output) {
  switch (p->op) {
    case O2M_UNARY_NOT: MAP(uint8_t, x == 0);
    default: break;
  }
}
