/* onnx2mcu runtime: element-wise kernels — unary functions, activations, binary arithmetic,
 * comparisons and logic with numpy broadcasting, variadic Min/Max/Sum/Mean, Clip and Where.
 *
 * Types follow the compiler's DTYPE_SUFFIX: o2m_<op>_f32, _f64, _i8 ... _u64, and _b for bool
 * (stored as uint8_t holding 0 or 1). Each per-type kernel documents the ops it implements;
 * the compiler only emits the combinations listed here.
 *
 * Broadcasting kernels walk the output row by row (a row is the innermost of `rank` axes of
 * `out_shape`); each operand is read through its element strides, which are 0 on the axes it
 * broadcasts along. The compiler merges axes that every operand walks contiguously, so rank is
 * small. A scalar output has rank 0. Every kernel here may write its output over an operand that
 * has the output's own shape (each element is read before it is written).
 */
#ifndef ONNX2MCU_KERNELS_ELEMENTWISE_H
#define ONNX2MCU_KERNELS_ELEMENTWISE_H

#include <stdint.h>

#include "onnx2mcu/dims.h"

/* ---- binary arithmetic --------------------------------------------------------------------- */

typedef enum {
  O2M_BINARY_ADD = 0,
  O2M_BINARY_SUB = 1,
  O2M_BINARY_MUL = 2,
  O2M_BINARY_DIV = 3,           /* integers: truncates toward zero; x / 0 = 0 */
  O2M_BINARY_MIN = 4,           /* floats: NaN if either operand is NaN */
  O2M_BINARY_MAX = 5,
  O2M_BINARY_MOD = 6,           /* integers: remainder with the divisor's sign (ONNX Mod, fmod=0) */
  O2M_BINARY_FMOD = 7,          /* remainder with the dividend's sign (ONNX Mod, fmod=1); x % 0 = 0 for integers */
  O2M_BINARY_PRELU = 8,         /* a < 0 ? a * b : a */
  O2M_BINARY_SHIFT_LEFT = 9,    /* unsigned only; a shift by the width or more gives 0 */
  O2M_BINARY_SHIFT_RIGHT = 10,
  O2M_BINARY_AND = 11,          /* bool only */
  O2M_BINARY_OR = 12,
  O2M_BINARY_XOR = 13
} o2m_binary_op;

/* Integer arithmetic wraps around (two's complement), as ONNX Runtime's does in practice; the
 * kernels compute it in unsigned types so that it is defined C. */
typedef struct {
  int32_t op; /* o2m_binary_op */
  int32_t count;
  int32_t rank;
  int32_t out_shape[O2M_MAX_DIMS];
  int32_t a_strides[O2M_MAX_DIMS];
  int32_t b_strides[O2M_MAX_DIMS];
} o2m_binary_params;

/* float32 adds a fused activation: the output is clamped to [act_min, act_max] (NaN passes). */
typedef struct {
  int32_t op; /* o2m_binary_op: ADD, SUB, MUL, DIV, MIN, MAX, FMOD, PRELU */
  int32_t count;
  int32_t rank;
  int32_t out_shape[O2M_MAX_DIMS];
  int32_t a_strides[O2M_MAX_DIMS];
  int32_t b_strides[O2M_MAX_DIMS];
  float act_min, act_max;
} o2m_binary_f32_params;

void o2m_binary_f32(const o2m_binary_f32_params *p, const float *a, const float *b, float *output);

/* ADD, SUB, MUL, DIV, MIN, MAX, FMOD, PRELU */
void o2m_binary_f64(const o2m_binary_params *p, const double *a, const double *b, double *output);
/* ADD, SUB, MUL, DIV, MIN, MAX, MOD, FMOD, PRELU */
void o2m_binary_i8(const o2m_binary_params *p, const int8_t *a, const int8_t *b, int8_t *output);
void o2m_binary_i16(const o2m_binary_params *p, const int16_t *a, const int16_t *b, int16_t *output);
void o2m_binary_i32(const o2m_binary_params *p, const int32_t *a, const int32_t *b, int32_t *output);
void o2m_binary_i64(const o2m_binary_params *p, const int64_t *a, const int64_t *b, int64_t *output);
/* ADD, SUB, MUL, DIV, MIN, MAX, MOD, FMOD, PRELU, SHIFT_LEFT, SHIFT_RIGHT */
void o2m_binary_u8(const o2m_binary_params *p, const uint8_t *a, const uint8_t *b, uint8_t *output);
void o2m_binary_u16(const o2m_binary_params *p, const uint16_t *a, const uint16_t *b, uint16_t *output);
void o2m_binary_u32(const o2m_binary_params *p, const uint32_t *a, const uint32_t *b, uint32_t *output);
void o2m_binary_u64(const o2m_binary_params *p, const uint64_t *a, const uint64_t *b, uint64_t *output);
/* AND, OR, XOR */
void o2m_binary_b(const o2m_binary_params *p, const uint8_t *a, const uint8_t *b, uint8_t *output);

/* ---- Pow: the output has the base's type; the exponent may have any numeric type ----------- */

typedef struct {
  int32_t count;
  int32_t rank;
  int32_t out_shape[O2M_MAX_DIMS];
  int32_t base_strides[O2M_MAX_DIMS];
  int32_t exponent_strides[O2M_MAX_DIMS];
  int32_t exponent_dtype; /* o2m_dtype of model_api.h (ONNX TensorProto.DataType numbering) */
} o2m_pow_params;

/* Float bases use o2m_powf. Integer bases raised to integer (or integral float) exponents are
 * exact, wrapping like the other integer arithmetic, and 0 for negative exponents unless the
 * base is 1 or -1; a fractional exponent truncates o2m_powf's result toward zero. */
void o2m_pow_f32(const o2m_pow_params *p, const float *base, const void *exponent, float *output);
void o2m_pow_i32(const o2m_pow_params *p, const int32_t *base, const void *exponent, int32_t *output);
void o2m_pow_i64(const o2m_pow_params *p, const int64_t *base, const void *exponent, int64_t *output);

/* ---- comparisons: bool output ---------------------------------------------------------------- */

typedef enum {
  O2M_COMPARE_EQUAL = 0,
  O2M_COMPARE_LESS = 1,
  O2M_COMPARE_LESS_EQUAL = 2,
  O2M_COMPARE_GREATER = 3,
  O2M_COMPARE_GREATER_EQUAL = 4
} o2m_compare_op;

/* o2m_binary_params with op an o2m_compare_op. */
void o2m_compare_f32(const o2m_binary_params *p, const float *a, const float *b, uint8_t *output);
void o2m_compare_f64(const o2m_binary_params *p, const double *a, const double *b, uint8_t *output);
void o2m_compare_i8(const o2m_binary_params *p, const int8_t *a, const int8_t *b, uint8_t *output);
void o2m_compare_i16(const o2m_binary_params *p, const int16_t *a, const int16_t *b, uint8_t *output);
void o2m_compare_i32(const o2m_binary_params *p, const int32_t *a, const int32_t *b, uint8_t *output);
void o2m_compare_i64(const o2m_binary_params *p, const int64_t *a, const int64_t *b, uint8_t *output);
void o2m_compare_u8(const o2m_binary_params *p, const uint8_t *a, const uint8_t *b, uint8_t *output);
void o2m_compare_u16(const o2m_binary_params *p, const uint16_t *a, const uint16_t *b, uint8_t *output);
void o2m_compare_u32(const o2m_binary_params *p, const uint32_t *a, const uint32_t *b, uint8_t *output);
void o2m_compare_u64(const o2m_binary_params *p, const uint64_t *a, const uint64_t *b, uint8_t *output);
void o2m_compare_b(const o2m_binary_params *p, const uint8_t *a, const uint8_t *b, uint8_t *output);

/* ---- variadic Sum, Mean, Min, Max over 1 to O2M_VARIADIC_MAX_INPUTS broadcast inputs -------- */

#define O2M_VARIADIC_MAX_INPUTS 4

typedef enum {
  O2M_VARIADIC_SUM = 0,  /* float types only, like Mean */
  O2M_VARIADIC_MEAN = 1, /* the sum, in input order, divided by the input count */
  O2M_VARIADIC_MIN = 2,  /* floats: NaN if any input is NaN */
  O2M_VARIADIC_MAX = 3
} o2m_variadic_op;

typedef struct {
  int32_t op; /* o2m_variadic_op */
  int32_t inputs;
  int32_t count;
  int32_t rank;
  int32_t out_shape[O2M_MAX_DIMS];
  /* Input k's stride along axis d is strides[k * O2M_MAX_DIMS + d]. */
  int32_t strides[O2M_VARIADIC_MAX_INPUTS * O2M_MAX_DIMS];
} o2m_variadic_params;

/* Inputs past p->inputs are NULL. */
#define O2M_DECLARE_VARIADIC(suffix, T)                                                           \
  void o2m_variadic_##suffix(const o2m_variadic_params *p, const T *in0, const T *in1, const T *in2, \
                             const T *in3, T *output)
O2M_DECLARE_VARIADIC(f32, float);
O2M_DECLARE_VARIADIC(f64, double);
O2M_DECLARE_VARIADIC(i8, int8_t);
O2M_DECLARE_VARIADIC(i16, int16_t);
O2M_DECLARE_VARIADIC(i32, int32_t);
O2M_DECLARE_VARIADIC(i64, int64_t);
O2M_DECLARE_VARIADIC(u8, uint8_t);
O2M_DECLARE_VARIADIC(u16, uint16_t);
O2M_DECLARE_VARIADIC(u32, uint32_t);
O2M_DECLARE_VARIADIC(u64, uint64_t);
#undef O2M_DECLARE_VARIADIC

/* ---- Where: output = cond ? x : y, three-way broadcasting, any element type ------------------ */

typedef struct {
  int32_t element_size; /* bytes per element of x, y and the output */
  int32_t count;
  int32_t rank;
  int32_t out_shape[O2M_MAX_DIMS];
  int32_t cond_strides[O2M_MAX_DIMS];
  int32_t x_strides[O2M_MAX_DIMS];
  int32_t y_strides[O2M_MAX_DIMS];
} o2m_where_params;

void o2m_where(const o2m_where_params *p, const uint8_t *cond, const void *x, const void *y, void *output);

/* ---- unary functions ------------------------------------------------------------------------- */

typedef enum {
  O2M_UNARY_ABS = 0,
  O2M_UNARY_NEG = 1,
  O2M_UNARY_SIGN = 2,       /* -1, 0 or 1; NaN stays NaN */
  O2M_UNARY_RECIPROCAL = 3,
  O2M_UNARY_FLOOR = 4,
  O2M_UNARY_CEIL = 5,
  O2M_UNARY_ROUND = 6,      /* to nearest, ties to even */
  O2M_UNARY_SQRT = 7,
  O2M_UNARY_EXP = 8,
  O2M_UNARY_LOG = 9,
  O2M_UNARY_SIN = 10,
  O2M_UNARY_COS = 11,
  O2M_UNARY_TAN = 12,
  O2M_UNARY_ASIN = 13,
  O2M_UNARY_ACOS = 14,
  O2M_UNARY_ATAN = 15,
  O2M_UNARY_SINH = 16,
  O2M_UNARY_COSH = 17,
  O2M_UNARY_ASINH = 18,
  O2M_UNARY_ACOSH = 19,
  O2M_UNARY_ATANH = 20,
  O2M_UNARY_ERF = 21,
  O2M_UNARY_NOT = 22        /* bool only */
} o2m_unary_op;

typedef struct {
  int32_t op; /* o2m_unary_op */
  int32_t count;
} o2m_unary_params;

/* Every op but NOT. */
void o2m_unary_f32(const o2m_unary_params *p, const float *input, float *output);
/* ABS, NEG, SIGN, RECIPROCAL, FLOOR, CEIL, ROUND (exact in double arithmetic, no libm needed) */
void o2m_unary_f64(const o2m_unary_params *p, const double *input, double *output);
/* ABS, NEG, SIGN (integer ABS and NEG wrap: the most negative value maps to itself) */
void o2m_unary_i8(const o2m_unary_params *p, const int8_t *input, int8_t *output);
void o2m_unary_i16(const o2m_unary_params *p, const int16_t *input, int16_t *output);
void o2m_unary_i32(const o2m_unary_params *p, const int32_t *input, int32_t *output);
void o2m_unary_i64(const o2m_unary_params *p, const int64_t *input, int64_t *output);
/* ABS, SIGN */
void o2m_unary_u8(const o2m_unary_params *p, const uint8_t *input, uint8_t *output);
void o2m_unary_u16(const o2m_unary_params *p, const uint16_t *input, uint16_t *output);
void o2m_unary_u32(const o2m_unary_params *p, const uint32_t *input, uint32_t *output);
void o2m_unary_u64(const o2m_unary_params *p, const uint64_t *input, uint64_t *output);
/* NOT */
void o2m_unary_b(const o2m_unary_params *p, const uint8_t *input, uint8_t *output);

/* IsNaN and IsInf: output[i] = 1 when input[i] is of a class selected in `detect`. */
#define O2M_DETECT_NAN 1
#define O2M_DETECT_POSITIVE_INF 2
#define O2M_DETECT_NEGATIVE_INF 4

typedef struct {
  int32_t count;
  int32_t detect; /* O2M_DETECT_* flags */
} o2m_float_class_params;

void o2m_float_class_f32(const o2m_float_class_params *p, const float *input, uint8_t *output);
void o2m_float_class_f64(const o2m_float_class_params *p, const double *input, uint8_t *output);

/* ---- activations (float32) ------------------------------------------------------------------- */

typedef enum {
  O2M_ACTIVATION_SIGMOID = 0,
  O2M_ACTIVATION_TANH = 1,
  O2M_ACTIVATION_HARD_SIGMOID = 2,    /* max(0, min(1, alpha x + beta)) */
  O2M_ACTIVATION_HARD_SWISH = 3,      /* x max(0, min(1, alpha x + beta)), alpha 1/6, beta 1/2 */
  O2M_ACTIVATION_LEAKY_RELU = 4,      /* x < 0 ? alpha x : x */
  O2M_ACTIVATION_ELU = 5,             /* x < 0 ? alpha (e^x - 1) : x */
  O2M_ACTIVATION_SELU = 6,            /* x <= 0 ? gamma alpha (e^x - 1) : gamma x */
  O2M_ACTIVATION_CELU = 7,            /* max(0, x) + min(0, alpha (e^(x / alpha) - 1)) */
  O2M_ACTIVATION_SOFTPLUS = 8,        /* ln(1 + e^x) */
  O2M_ACTIVATION_SOFTSIGN = 9,        /* x / (1 + |x|) */
  O2M_ACTIVATION_THRESHOLDED_RELU = 10, /* x > alpha ? x : 0 */
  O2M_ACTIVATION_SHRINK = 11,         /* x < -alpha ? x + beta : x > alpha ? x - beta : 0 */
  O2M_ACTIVATION_SILU = 12            /* x sigmoid(x): PyTorch's SiLU, fused from Sigmoid and Mul */
} o2m_activation_op;

typedef struct {
  int32_t op; /* o2m_activation_op */
  int32_t count;
  float alpha, beta, gamma; /* the op's attributes, as documented above; unused ones are 0 */
} o2m_unary_activation_f32_params;

void o2m_unary_activation_f32(const o2m_unary_activation_f32_params *p, const float *input, float *output);

/* ---- clamps ---------------------------------------------------------------------------------- */

/* Relu and Clip with bounds known at compile time: output = min(max(input, min), max), so that
 * min > max gives max everywhere, as ONNX specifies; NaN passes through. */
typedef struct {
  int32_t count;
  float min, max;
} o2m_clamp_f32_params;

void o2m_clamp_f32(const o2m_clamp_f32_params *p, const float *input, float *output);

/* Clip of any numeric type, with bounds read at run time: `min` and `max` point at one element
 * each, or are NULL for no bound. Same rule as o2m_clamp_f32. */
typedef struct {
  int32_t count;
} o2m_clip_params;

#define O2M_DECLARE_CLIP(suffix, T) \
  void o2m_clip_##suffix(const o2m_clip_params *p, const T *input, const T *min, const T *max, T *output)
O2M_DECLARE_CLIP(f32, float);
O2M_DECLARE_CLIP(f64, double);
O2M_DECLARE_CLIP(i8, int8_t);
O2M_DECLARE_CLIP(i16, int16_t);
O2M_DECLARE_CLIP(i32, int32_t);
O2M_DECLARE_CLIP(i64, int64_t);
O2M_DECLARE_CLIP(u8, uint8_t);
O2M_DECLARE_CLIP(u16, uint16_t);
O2M_DECLARE_CLIP(u32, uint32_t);
O2M_DECLARE_CLIP(u64, uint64_t);
#undef O2M_DECLARE_CLIP

#endif
