/* onnx2mcu runtime: Pow with numpy broadcasting. The output has the base's type; the exponent
 * may be of any numeric type (ONNX Pow since opset 12), read element by element through
 * o2m_pow_params.exponent_dtype.
 *
 * An integer base raised to an integer power is computed exactly by repeated squaring, wrapping
 * like the rest of the integer arithmetic (ONNX Runtime goes through double pow, which agrees
 * wherever the result fits in 53 bits). A float exponent with an integral value counts as an
 * integer; any other float exponent of an integer base goes through o2m_powf and truncates
 * toward zero, saturating at the type's limits (NaN gives 0). */
#include "onnx2mcu/kernels_elementwise.h"
#include "onnx2mcu/math_f32.h"
#include "onnx2mcu/model_api.h"

#include "binary_broadcast.h"

/* 2^63: magnitudes below it convert to int64 with defined behaviour. */
#define TWO_TO_63 9223372036854775808.0

typedef struct {
  int integral;       /* the value is a whole number that fits in magnitude */
  int negative;
  uint64_t magnitude; /* |value| when integral */
  float real;         /* the value as a float (always set) */
} exponent_value;

static exponent_value integer_exponent(int64_t value) {
  exponent_value e;
  e.integral = 1;
  e.negative = value < 0;
  e.magnitude = e.negative ? 0u - (uint64_t)value : (uint64_t)value;
  e.real = (float)value;
  return e;
}

static exponent_value real_exponent(double value) {
  exponent_value e;
  const double magnitude = value < 0 ? -value : value;
  e.real = (float)value;
  e.negative = value < 0;
  e.integral = magnitude < TWO_TO_63 && (double)(int64_t)magnitude == magnitude;
  e.magnitude = e.integral ? (uint64_t)(int64_t)magnitude : 0u;
  return e;
}

static exponent_value read_exponent(const void *exponent, int32_t dtype, int32_t index) {
  switch (dtype) {
    case O2M_DTYPE_FLOAT32: return real_exponent(((const float *)exponent)[index]);
    case O2M_DTYPE_FLOAT64: return real_exponent(((const double *)exponent)[index]);
    case O2M_DTYPE_INT8: return integer_exponent(((const int8_t *)exponent)[index]);
    case O2M_DTYPE_INT16: return integer_exponent(((const int16_t *)exponent)[index]);
    case O2M_DTYPE_INT32: return integer_exponent(((const int32_t *)exponent)[index]);
    case O2M_DTYPE_INT64: return integer_exponent(((const int64_t *)exponent)[index]);
    case O2M_DTYPE_UINT8: return integer_exponent(((const uint8_t *)exponent)[index]);
    case O2M_DTYPE_UINT16: return integer_exponent(((const uint16_t *)exponent)[index]);
    case O2M_DTYPE_UINT32: return integer_exponent(((const uint32_t *)exponent)[index]);
    case O2M_DTYPE_UINT64: {
      exponent_value e;
      e.integral = 1;
      e.negative = 0;
      e.magnitude = ((const uint64_t *)exponent)[index];
      e.real = (float)e.magnitude;
      return e;
    }
    default: return integer_exponent(0);
  }
}

/* base^e modulo 2^64 for e >= 0; the caller truncates to its width. */
static uint64_t wrapping_power(uint64_t base, uint64_t e) {
  uint64_t result = 1u;
  while (e != 0u) {
    if ((e & 1u) != 0u) {
      result *= base;
    }
    base *= base;
    e >>= 1;
  }
  return result;
}

/* The value of an integer base raised to e, as an int64 to be truncated to the base's width.
 * Negative powers are 1 / base^n: 0 in integers, except for bases 1 and -1 (and 0, which has no
 * answer and gives 0). */
static int64_t integer_power(int64_t base, exponent_value e, int64_t lowest, int64_t highest) {
  if (e.integral) {
    if (!e.negative) {
      return (int64_t)wrapping_power((uint64_t)base, e.magnitude);
    }
    if (base == 1) return 1;
    if (base == -1) return (e.magnitude & 1u) != 0u ? -1 : 1;
    return 0;
  }
  const float y = o2m_powf((float)base, e.real);
  if (o2m_isnanf(y)) return 0;
  if (y <= (float)lowest) return lowest;
  if (y >= (float)highest) return highest;
  return (int64_t)y;
}

static inline float power_f32(float base, exponent_value e) {
  return o2m_powf(base, e.real);
}

static inline int32_t power_i32(int32_t base, exponent_value e) {
  return (int32_t)(uint32_t)(uint64_t)integer_power(base, e, INT32_MIN, INT32_MAX);
}

static inline int64_t power_i64(int64_t base, exponent_value e) {
  return integer_power(base, e, INT64_MIN, INT64_MAX);
}

/* The exponent is untyped, so the walk keeps element offsets and reads through read_exponent. */
#define DEFINE_POW(suffix, T)                                                                    \
  void o2m_pow_##suffix(const o2m_pow_params *p, const T *base, const void *exponent,           \
                        T *output) {                                                            \
    const int32_t *const strides[2] = {p->base_strides, p->exponent_strides};                   \
    int32_t offsets[2] = {0, 0};                                                                \
    const int32_t base_step = o2m_row_step(p->rank, p->base_strides);                           \
    const int32_t exponent_step = o2m_row_step(p->rank, p->exponent_strides);                   \
    o2m_row_walk walk;                                                                          \
    o2m_row_walk_init(&walk, p->count, p->rank, p->out_shape);                                  \
    for (int32_t row = 0; row < walk.rows; ++row) {                                             \
      T *out = output + row * walk.length;                                                      \
      for (int32_t i = 0; i < walk.length; ++i) {                                               \
        const exponent_value e =                                                                \
            read_exponent(exponent, p->exponent_dtype, offsets[1] + i * exponent_step);         \
        out[i] = power_##suffix(base[offsets[0] + i * base_step], e);                           \
      }                                                                                         \
      o2m_row_walk_next(&walk, p->out_shape, 2, strides, offsets);                              \
    }                                                                                           \
  }

DEFINE_POW(f32, float)
DEFINE_POW(i32, int32_t)
DEFINE_POW(i64, int64_t)
