/* onnx2mcu runtime: integer and bool binary ops with numpy broadcasting.
 *
 * Signed arithmetic wraps around in two's complement: it is computed in the unsigned type of the
 * same width (W, at least 32 bits, so that integer promotion never turns it back into a signed
 * int that could overflow) and converted back, which GCC and Clang define as modular. The
 * cases where C itself has no answer get one: x / 0 = x % 0 = 0, INT_MIN / -1 = INT_MIN, and a
 * shift by the width or more gives 0. */
#include "onnx2mcu/kernels_elementwise.h"

#include "binary_broadcast.h"

#define ROW_LOOP(T, expression)                                             \
  for (int32_t i = 0; i < length; ++i) {                                    \
    const T x = a[i * a_step];                                              \
    const T y = b[i * b_step];                                              \
    out[i] = (T)(expression);                                               \
  }                                                                         \
  break

#define DEFINE_BINARY_KERNEL(suffix, T)                                                         \
  void o2m_binary_##suffix(const o2m_binary_params *p, const T *a, const T *b, T *output) {    \
    O2M_FOR_EACH_ROW_2(p, a, a_strides, b, b_strides, output, binary_row_##suffix);                   \
  }

/* U: the unsigned type of T's width; W: the unsigned type the arithmetic happens in. */
#define DEFINE_SIGNED_BINARY(suffix, T, U, W)                                                    \
  static inline T add_##suffix(T x, T y) { return (T)(U)((W)(U)x + (W)(U)y); }                  \
  static inline T sub_##suffix(T x, T y) { return (T)(U)((W)(U)x - (W)(U)y); }                  \
  static inline T mul_##suffix(T x, T y) { return (T)(U)((W)(U)x * (W)(U)y); }                  \
  static inline T div_##suffix(T x, T y) {                                                      \
    if (y == 0) return 0;                                                                       \
    if (y == -1) return sub_##suffix(0, x);                                                     \
    return (T)(x / y);                                                                          \
  }                                                                                             \
  static inline T fmod_##suffix(T x, T y) { return (y == 0 || y == -1) ? (T)0 : (T)(x % y); }   \
  static inline T mod_##suffix(T x, T y) {                                                      \
    const T r = fmod_##suffix(x, y);                                                            \
    return (r != 0 && ((r < 0) != (y < 0))) ? (T)(r + y) : r;                                   \
  }                                                                                             \
  static void binary_row_##suffix(const o2m_binary_params *p, const T *a, int32_t a_step, const T *b,           \
                                  int32_t b_step, T *out, int32_t length) {                     \
    switch (p->op) {                                                                               \
      case O2M_BINARY_ADD: ROW_LOOP(T, add_##suffix(x, y));                                     \
      case O2M_BINARY_SUB: ROW_LOOP(T, sub_##suffix(x, y));                                     \
      case O2M_BINARY_MUL: ROW_LOOP(T, mul_##suffix(x, y));                                     \
      case O2M_BINARY_DIV: ROW_LOOP(T, div_##suffix(x, y));                                     \
      case O2M_BINARY_MIN: ROW_LOOP(T, y < x ? y : x);                                          \
      case O2M_BINARY_MAX: ROW_LOOP(T, y > x ? y : x);                                          \
      case O2M_BINARY_MOD: ROW_LOOP(T, mod_##suffix(x, y));                                     \
      case O2M_BINARY_FMOD: ROW_LOOP(T, fmod_##suffix(x, y));                                   \
      case O2M_BINARY_PRELU: ROW_LOOP(T, x < 0 ? mul_##suffix(x, y) : x);                       \
      default: break;                                                                           \
    }                                                                                           \
  }                                                                                             \
  DEFINE_BINARY_KERNEL(suffix, T)

#define DEFINE_UNSIGNED_BINARY(suffix, T, W, BITS)                                               \
  static void binary_row_##suffix(const o2m_binary_params *p, const T *a, int32_t a_step, const T *b,           \
                                  int32_t b_step, T *out, int32_t length) {                     \
    switch (p->op) {                                                                               \
      case O2M_BINARY_ADD: ROW_LOOP(T, (W)x + (W)y);                                            \
      case O2M_BINARY_SUB: ROW_LOOP(T, (W)x - (W)y);                                            \
      case O2M_BINARY_MUL: ROW_LOOP(T, (W)x * (W)y);                                            \
      case O2M_BINARY_DIV: ROW_LOOP(T, y == 0 ? 0 : x / y);                                     \
      case O2M_BINARY_MIN: ROW_LOOP(T, y < x ? y : x);                                          \
      case O2M_BINARY_MAX: ROW_LOOP(T, y > x ? y : x);                                          \
      case O2M_BINARY_MOD:                                                                      \
      case O2M_BINARY_FMOD: ROW_LOOP(T, y == 0 ? 0 : x % y);                                    \
      case O2M_BINARY_PRELU: ROW_LOOP(T, ((void)y, x)); /* never negative: the slope is unused */ \
      case O2M_BINARY_SHIFT_LEFT: ROW_LOOP(T, y >= (BITS) ? 0 : (W)x << y);                     \
      case O2M_BINARY_SHIFT_RIGHT: ROW_LOOP(T, y >= (BITS) ? 0 : x >> y);                       \
      default: break;                                                                           \
    }                                                                                           \
  }                                                                                             \
  DEFINE_BINARY_KERNEL(suffix, T)


DEFINE_SIGNED_BINARY(i8, int8_t, uint8_t, uint32_t)
DEFINE_SIGNED_BINARY(i16, int16_t, uint16_t, uint32_t)
DEFINE_SIGNED_BINARY(i32, int32_t, uint32_t, uint32_t)
DEFINE_SIGNED_BINARY(i64, int64_t, uint64_t, uint64_t)
DEFINE_UNSIGNED_BINARY(u8, uint8_t, uint32_t, 8)
DEFINE_UNSIGNED_BINARY(u16, uint16_t, uint32_t, 16)
DEFINE_UNSIGNED_BINARY(u32, uint32_t, uint32_t, 32)
DEFINE_UNSIGNED_BINARY(u64, uint64_t, uint64_t, 64)

/* bool: any nonzero byte counts as true, and the output is always 0 or 1. */
static void binary_row_b(const o2m_binary_params *p, const uint8_t *a, int32_t a_step, const uint8_t *b,
                         int32_t b_step, uint8_t *out, int32_t length) {
  switch (p->op) {
    case O2M_BINARY_AND: ROW_LOOP(uint8_t, (x != 0) && (y != 0));
    case O2M_BINARY_OR: ROW_LOOP(uint8_t, (x != 0) || (y != 0));
    case O2M_BINARY_XOR: ROW_LOOP(uint8_t, (x != 0) != (y != 0));
    default: break;
  }
}

DEFINE_BINARY_KERNEL(b, uint8_t)
