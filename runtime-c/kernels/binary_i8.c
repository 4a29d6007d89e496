/* onnx2mcu runtime: int8 Add, Sub and Mul with numpy broadcasting, as TFLite's int8 reference
 * kernels compute them (tensorflow/lite/kernels/internal/reference/integer_ops/add.h, mul.h).
 * The broadcast walk is binary_broadcast.h's: one call of the row function per output row. */
#include "onnx2mcu/fixed_point.h"
#include "onnx2mcu/kernels_int8_elementwise.h"

#include "binary_broadcast.h"
#include "requantize_i8.h"

static inline int8_t clamp_to_activation(int32_t value, int32_t act_min, int32_t act_max) {
  if (value < act_min) {
    value = act_min;
  }
  if (value > act_max) {
    value = act_max;
  }
  return (int8_t)value;
}

/* An operand at the common scale of the sum. (x + offset) is within [-255, 255], so shifting it
 * left by 20 bits keeps it inside int32; the multiplier (below one half) only shrinks it. */
static inline int32_t to_common_scale(int32_t x, int32_t offset, int32_t left_shift, int32_t multiplier,
                                      int32_t shift) {
  const int32_t shifted = (x + offset) * ((int32_t)1 << left_shift);
  return o2m_multiply_by_quantized_multiplier(shifted, multiplier, shift);
}

#if O2M_KERNELS_DSP
/* Contiguous rows (both steps 1) on Armv7E-M: the same arithmetic with every parameter in a
 * local (the int8 output stores may alias anything, so GCC would reload each p-> field per
 * element) and each multiply_by_quantized_multiplier with a right shift s in [0, 31] (shift
 * <= 0) as SMMULR and three instructions. Why it equals the definition, for any multiplier m:
 * - SMMULR(2x, m) = floor((2x·m + 2^31) / 2^32) = floor((x·m + 2^30) / 2^31), which is
 *   o2m_rounding_doubling_high_mul(x, m) for both signs of x·m (requantize_i8.h), whenever 2x
 *   fits in int32. Here it does: with offsets in [-128, 128] an operand (x + offset) is at most
 *   256 in magnitude, so (x + offset) << 20 (Add's left_shift, INT8_ADD_LEFT_SHIFT) is at most
 *   2^28 and its double 2^29; a high product is at most |x| + 1, and so is the rounded
 *   division, so a' +/- b' is at most 2^29 + 2 and its double fits too. Mul's double product
 *   is at most 2^17.
 * - rounding_divide_by_pot(h, s) for s >= 1 is (h + 2^(s-1) - [h < 0]) >> s (halves away
 *   from zero), with no overflow as |h| <= 2^29 + 3; for s = 0 it is h, which the same
 *   expression gives with the rounding term and the sign mask both 0.
 * - Add's output: adding output_offset · 2^s before the shift adds exactly output_offset after
 *   it, and stays inside int32 for s <= 22 (|offset · 2^s| <= 2^29); with act_max = 127,
 *   clamping to [act_min, 127] is SSAT to 8 bits and then the floor act_min.
 * Other parameters (a positive shift, whose left shift may wrap; another left_shift, larger
 * offsets, an output shift outside [-22, -1], a clamp below 127) take the definition's loop. */
typedef struct {
  int32_t multiplier, shift, round, negative; /* negative: all ones when shift >= 1 */
} smmulr_scale;

static inline smmulr_scale smmulr_scale_of(int32_t multiplier, int32_t shift) {
  const int32_t right_shift = -shift;
  smmulr_scale scale = {multiplier, right_shift, right_shift > 0 ? (int32_t)1 << (right_shift - 1) : 0,
                        right_shift > 0 ? -1 : 0};
  return scale;
}

/* multiply_by_quantized_multiplier(x, m, shift) given 2x */
static inline int32_t smmulr_scaled(int32_t doubled, smmulr_scale scale) {
  const int32_t high = o2m_rounded_high_product(doubled, scale.multiplier);
  return (high + scale.round + ((high >> 31) & scale.negative)) >> scale.shift;
}

static inline int smmulr_applies(int32_t shift) {
  return shift <= 0 && shift >= -31;
}

/* Add's constants for a contiguous row, in locals once the row function copies them. */
typedef struct {
  int32_t a_base, b_base; /* offset · 2^(left_shift + 1): the operand's double is x · 2^21 + base */
  smmulr_scale a_scale, b_scale;
  int32_t b_sign; /* -1 for Sub */
  int32_t out_multiplier, out_round, out_shift; /* out_round also adds output_offset << shift */
  int32_t act_min;
} add_constants;

/* The operand's scaled value. `shifted` is 0 for an operand whose shift is 0 (the larger
 * scale's), 1 for a right shift of 1 or more (the sign term is then the high product's sign),
 * -1 for either (the smmulr_scale's masks decide): fixed per function, as it frees registers. */
static inline __attribute__((always_inline)) int32_t add_operand(int32_t x, int32_t base, smmulr_scale scale,
                                                                 int shifted) {
  const int32_t doubled = x * (1 << 21) + base;
  const int32_t high = o2m_rounded_high_product(doubled, scale.multiplier);
  if (shifted == 0) {
    return high;
  }
  if (shifted == 1) {
    return (high + scale.round + (high >> 31)) >> scale.shift;
  }
  return (high + scale.round + ((high >> 31) & scale.negative)) >> scale.shift;
}

static inline __attribute__((always_inline)) void add_contiguous(const add_constants *constants, const int8_t *a,
                                                                 const int8_t *b, int8_t *out, int32_t length,
                                                                 int a_shifted, int b_shifted) {
  const add_constants k = *constants;
  for (int32_t i = 0; i < length; ++i) {
    const int32_t raw = add_operand(a[i], k.a_base, k.a_scale, a_shifted) +
                        add_operand(b[i], k.b_base, k.b_scale, b_shifted) * k.b_sign;
    /* the output's right shift is 1 to 22: the sign term is the high product's sign, and the
     * output offset, shifted up, rides on the rounding term without overflow */
    const int32_t high = o2m_rounded_high_product(2 * raw, k.out_multiplier);
    int32_t value = __ssat((high + k.out_round + (high >> 31)) >> k.out_shift, 8);
    value = value < k.act_min ? k.act_min : value;
    out[i] = (int8_t)value;
  }
}

static __attribute__((noinline)) void add_contiguous_a_unshifted(const add_constants *k, const int8_t *a,
                                                                 const int8_t *b, int8_t *out, int32_t length) {
  add_contiguous(k, a, b, out, length, 0, 1);
}
static __attribute__((noinline)) void add_contiguous_b_unshifted(const add_constants *k, const int8_t *a,
                                                                 const int8_t *b, int8_t *out, int32_t length) {
  add_contiguous(k, a, b, out, length, 1, 0);
}
static __attribute__((noinline)) void add_contiguous_any(const add_constants *k, const int8_t *a,
                                                         const int8_t *b, int8_t *out, int32_t length) {
  add_contiguous(k, a, b, out, length, -1, -1);
}

/* out of line, so the definition's loop beside it keeps its registers */
static __attribute__((noinline)) int add_row_fast(const o2m_add_i8_params *p, const int8_t *a, int32_t a_step,
                                                  const int8_t *b, int32_t b_step, int8_t *out, int32_t length) {
  if (a_step != 1 || b_step != 1 || p->left_shift != 20 || p->a_offset < -128 || p->a_offset > 128 ||
      p->b_offset < -128 || p->b_offset > 128 || p->output_offset < -128 || p->output_offset > 127 ||
      !smmulr_applies(p->a_shift) || !smmulr_applies(p->b_shift) || p->output_shift > -1 ||
      p->output_shift < -22 || p->act_max != 127 || p->act_min < -128 || p->act_min > 127) {
    return 0;
  }
  const int32_t out_shift = -p->output_shift;
  const add_constants k = {
      p->a_offset * (1 << 21), p->b_offset * (1 << 21),
      smmulr_scale_of(p->a_multiplier, p->a_shift), smmulr_scale_of(p->b_multiplier, p->b_shift),
      p->subtract ? -1 : 1,
      p->output_multiplier, (1 << (out_shift - 1)) + p->output_offset * (1 << out_shift), out_shift,
      p->act_min,
  };
  if (p->a_shift == 0 && p->b_shift < 0) {
    add_contiguous_a_unshifted(&k, a, b, out, length);
  } else if (p->b_shift == 0 && p->a_shift < 0) {
    add_contiguous_b_unshifted(&k, a, b, out, length);
  } else {
    add_contiguous_any(&k, a, b, out, length);
  }
  return 1;
}

static __attribute__((noinline)) int mul_row_fast(const o2m_mul_i8_params *p, const int8_t *a, int32_t a_step,
                                                  const int8_t *b, int32_t b_step, int8_t *out, int32_t length) {
  if (a_step != 1 || b_step != 1 || p->a_offset < -128 || p->a_offset > 128 || p->b_offset < -128 ||
      p->b_offset > 128 || !smmulr_applies(p->output_shift)) {
    return 0;
  }
  const int32_t a_offset = p->a_offset, b_offset_doubled = 2 * p->b_offset;
  const smmulr_scale scale = smmulr_scale_of(p->output_multiplier, p->output_shift);
  const int32_t output_offset = p->output_offset, act_min = p->act_min, act_max = p->act_max;
  for (int32_t i = 0; i < length; ++i) {
    /* the product's double: (a + a_offset) · (2b + 2 b_offset) */
    const int32_t doubled = (a[i] + a_offset) * (2 * b[i] + b_offset_doubled);
    out[i] = clamp_to_activation(smmulr_scaled(doubled, scale) + output_offset, act_min, act_max);
  }
  return 1;
}
#else
#define add_row_fast(p, a, a_step, b, b_step, out, length) 0
#define mul_row_fast(p, a, a_step, b, b_step, out, length) 0
#endif

static void add_row(const o2m_add_i8_params *p, const int8_t *a, int32_t a_step, const int8_t *b,
                    int32_t b_step, int8_t *out, int32_t length) {
  if (add_row_fast(p, a, a_step, b, b_step, out, length)) {
    return;
  }
  for (int32_t i = 0; i < length; ++i) {
    const int32_t scaled_a = to_common_scale(a[i * a_step], p->a_offset, p->left_shift, p->a_multiplier, p->a_shift);
    const int32_t scaled_b = to_common_scale(b[i * b_step], p->b_offset, p->left_shift, p->b_multiplier, p->b_shift);
    const int32_t raw = p->subtract ? scaled_a - scaled_b : scaled_a + scaled_b;
    const int32_t value =
        o2m_multiply_by_quantized_multiplier(raw, p->output_multiplier, p->output_shift) + p->output_offset;
    out[i] = clamp_to_activation(value, p->act_min, p->act_max);
  }
}

void o2m_add_i8(const o2m_add_i8_params *p, const int8_t *a, const int8_t *b, int8_t *output) {
  O2M_FOR_EACH_ROW_2(p, a, a_strides, b, b_strides, output, add_row);
}

static void mul_row(const o2m_mul_i8_params *p, const int8_t *a, int32_t a_step, const int8_t *b,
                    int32_t b_step, int8_t *out, int32_t length) {
  if (mul_row_fast(p, a, a_step, b, b_step, out, length)) {
    return;
  }
  for (int32_t i = 0; i < length; ++i) {
    /* Each factor is within [-255, 255], so the product fits easily in int32. */
    const int32_t product = (a[i * a_step] + p->a_offset) * (b[i * b_step] + p->b_offset);
    const int32_t value =
        o2m_multiply_by_quantized_multiplier(product, p->output_multiplier, p->output_shift) + p->output_offset;
    out[i] = clamp_to_activation(value, p->act_min, p->act_max);
  }
}

void o2m_mul_i8(const o2m_mul_i8_params *p, const int8_t *a, const int8_t *b, int8_t *output) {
  O2M_FOR_EACH_ROW_2(p, a, a_strides, b, b_strides, output, mul_row);
}
