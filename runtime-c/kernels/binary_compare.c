/* onnx2mcu runtime: Equal, Less, LessOrEqual, Greater and GreaterOrEqual with numpy broadcasting,
 * for every element type, into a bool (0/1 byte) output. Comparisons with NaN are false, as in
 * IEEE arithmetic and ONNX Runtime. */
#include "onnx2mcu/kernels_elementwise.h"

#include "binary_broadcast.h"

#define ROW_LOOP(T, expression)                                             \
  for (int32_t i = 0; i < length; ++i) {                                    \
    const T x = a[i * a_step];                                              \
    const T y = b[i * b_step];                                              \
    out[i] = (uint8_t)(expression);                                         \
  }                                                                         \
  break

#define DEFINE_COMPARE(suffix, T)                                                                \
  static void compare_row_##suffix(const o2m_binary_params *p, const T *a, int32_t a_step,      \
                                   const T *b, int32_t b_step, uint8_t *out, int32_t length) {  \
    switch (p->op) {                                                                            \
      case O2M_COMPARE_EQUAL: ROW_LOOP(T, x == y);                                              \
      case O2M_COMPARE_LESS: ROW_LOOP(T, x < y);                                                \
      case O2M_COMPARE_LESS_EQUAL: ROW_LOOP(T, x <= y);                                         \
      case O2M_COMPARE_GREATER: ROW_LOOP(T, x > y);                                             \
      case O2M_COMPARE_GREATER_EQUAL: ROW_LOOP(T, x >= y);                                      \
      default: break;                                                                           \
    }                                                                                           \
  }                                                                                             \
  void o2m_compare_##suffix(const o2m_binary_params *p, const T *a, const T *b, uint8_t *output) { \
    O2M_FOR_EACH_ROW_2(p, a, a_strides, b, b_strides, output, compare_row_##suffix);           \
  }

DEFINE_COMPARE(f32, float)
DEFINE_COMPARE(f64, double)
DEFINE_COMPARE(i8, int8_t)
DEFINE_COMPARE(i16, int16_t)
DEFINE_COMPARE(i32, int32_t)
DEFINE_COMPARE(i64, int64_t)
DEFINE_COMPARE(u8, uint8_t)
DEFINE_COMPARE(u16, uint16_t)
DEFINE_COMPARE(u32, uint32_t)
DEFINE_COMPARE(u64, uint64_t)

/* bool: any nonzero byte is true, so compare truth values rather than bytes. */
static void compare_row_b(const o2m_binary_params *p, const uint8_t *a, int32_t a_step,
                          const uint8_t *b, int32_t b_step, uint8_t *out, int32_t length) {
  switch (p->op) {
    case O2M_COMPARE_EQUAL: ROW_LOOP(uint8_t, (x != 0) == (y != 0));
    case O2M_COMPARE_LESS: ROW_LOOP(uint8_t, (x != 0) < (y != 0));
    case O2M_COMPARE_LESS_EQUAL: ROW_LOOP(uint8_t, (x != 0) <= (y != 0));
    case O2M_COMPARE_GREATER: ROW_LOOP(uint8_t, (x != 0) > (y != 0));
    case O2M_COMPARE_GREATER_EQUAL: ROW_LOOP(uint8_t, (x != 0) >= (y != 0));
    default: break;
  }
}

void o2m_compare_b(const o2m_binary_params *p, const uint8_t *a, const uint8_t *b, uint8_t *output) {
  O2M_FOR_EACH_ROW_2(p, a, a_strides, b, b_strides, output, compare_row_b);
}
