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

#if O2M_KERNELS_MVE
#include <arm_mve.h>

/* Contiguous rows (both steps 1) in Helium (Cortex-M55), 16 elements per pass: one 16-byte load
 * per operand, widened in two steps (VSHLLB/VSHLLT), each element requantised in an int32 lane,
 * and the 16 results narrowed back with saturation into one 16-byte store. The last
 * length % 16 elements take one more pass whose loads are predicated to zero past the end (VCTP)
 * and whose store writes only the row's bytes.
 *
 * Lane order. VSHLLB/VSHLLT.S8 put the even and the odd bytes in int16 lanes, VSHLLB/VSHLLT.S16
 * split each again: the four int32 vectors hold bytes {0,4,8,12}, {2,6,10,14}, {1,5,9,13} and
 * {3,7,11,15}. VQMOVNB/VQMOVNT.S32 interleave the first two back into the even bytes' int16 lanes
 * and the last two into the odd bytes', and VQMOVNB/VQMOVNT.S16 interleave those into bytes 0 to
 * 15 in order.
 *
 * Why every lane equals the definition (Add), for the parameters add_row_mve accepts: offsets in
 * [-128, 128], left_shift 20, operand shifts in [-31, 0] with multipliers >= 0, an output shift in
 * [-22, -1] with a multiplier >= 0, an output offset in [-128, 127], act_min and act_max in int8:
 * - (x + offset) · 16 is within [-4096, 4096] in int16 (VSHLLB.S8 #4 and a 16-bit VADD), and
 *   VSHLLB.S16 #16 makes it the definition's (x + offset) · 2^20 in int32, at most 2^30 in
 *   magnitude;
 * - VQRDMULH is the definition's rounding doubling high multiply (requantize_i8_mve.h), and
 *   cannot saturate here (an operand below 2^31 in magnitude); its result h is at most 2^30 in
 *   magnitude;
 * - the rounding division of h by 2^e (e = -shift >= 1) rounds halves away from zero, VRSHL by -e
 *   rounds them up: floor((h + 2^(e-1) - [h < 0]) / 2^e) is the definition's result
 *   (requantize_i8_mve.h). The -[h < 0] is taken as -[y < 0], y the operand before the multiply,
 *   added by VQRDMLAH (which computes sat(acc + the rounding doubling high product) with one
 *   saturation at the end, never reached as |h| + 1 < 2^31): with a multiplier >= 0, y >= 0 gives
 *   h >= 0 and h < 0 needs y < 0, so they differ only where y < 0 and h = 0, and there both give
 *   floor((2^(e-1) - 0 or 1) / 2^e) = 0;
 * - an operand with shift 0 is h itself; a' ± b' (VMLA by +1 or -1) is at most 2^31 - 2 in
 *   magnitude and exact;
 * - the output step is the same with output_offset · 2^e added to the sign term before VRSHL
 *   (an exact multiple of 2^e, so it comes out as + output_offset; |h| + 128 · 2^22 + 1 < 2^31,
 *   so VQRDMLAH does not saturate), and the sign of raw standing for the sign of its high product
 *   by the same argument;
 * - the saturating narrows give sat8(value), and VMAX/VMIN with act_min and act_max inside int8
 *   then give the definition's clamp (clamp(sat8(v)) = clamp(v) for bounds in int8).
 * Mul: (x + offset) is exact in int16, VMULLB/VMULLT give the exact int32 product (at most 2^16
 * in magnitude), and the output step is Add's (|h| <= 2^16).
 * Other parameters take the DSP variant or the definition's loop. */

/* The output step: clamp(rounding_divide(rdhm(raw, multiplier), e) + output_offset) before the
 * narrowing; `offset_term` is output_offset · 2^e. */
static inline __attribute__((always_inline)) int32x4_t mve_output_level(int32x4_t raw, int32_t multiplier,
                                                                     int32_t offset_term, int32_t minus_e) {
  const int32x4_t addend = vaddq_n_s32(vshrq_n_s32(raw, 31), offset_term);
  return vrshlq_n_s32(vqrdmlahq_n_s32(addend, raw, multiplier), minus_e);
}

/* Four level vectors (bytes {0,4,8,12}, {2,6,10,14}, {1,5,9,13}, {3,7,11,15}) as 16 saturated
 * bytes in order, clamped. The narrowing instructions keep the other half of their destination:
 * `spare0`, `spare1` (and v0 once narrowed) are dead vectors whose registers they may take (the
 * next narrowing overwrites every half they keep). `clamps` 0: act_min -128 and act_max 127, which
 * the saturation already gives. */
static inline __attribute__((always_inline)) int8x16_t mve_narrow_clamp(int32x4_t v0, int32x4_t v1, int32x4_t v2,
                                                                     int32x4_t v3, int8x16_t spare0,
                                                                     int8x16_t spare1, int8x16_t act_min,
                                                                     int8x16_t act_max, int clamps) {
  const int16x8_t even = vqmovntq_s32(vqmovnbq_s32(vreinterpretq_s16_s8(spare0), v0), v1);
  const int16x8_t odd = vqmovntq_s32(vqmovnbq_s32(vreinterpretq_s16_s8(spare1), v2), v3);
  const int8x16_t bytes = vqmovntq_s16(vqmovnbq_s16(vreinterpretq_s8_s32(v0), even), odd);
  return clamps ? vminq_s8(vmaxq_s8(bytes, act_min), act_max) : bytes;
}

typedef struct {
  int32_t a_offset16, b_offset16; /* offset · 16 */
  int32_t a_multiplier, b_multiplier, a_minus_e, b_minus_e;
  int32_t a_rounds, b_rounds; /* 1 for a shift of -1 or less, 0 for 0 */
  int32_t b_sign; /* -1 for Sub */
  int32_t out_multiplier, out_offset_term, out_minus_e;
  int32_t act_min, act_max;
} add_mve_constants;

/* An operand at the common scale. `shifted` 0: its shift is 0; 1: it is -e, e >= 1; -1: either,
 * `rounds` says which (the sign term times 0 or 1, and VRSHL by 0 changes nothing). */
static inline __attribute__((always_inline)) int32x4_t mve_add_scaled(int32x4_t y, int32_t multiplier,
                                                                   int32_t minus_e, int32_t rounds,
                                                                   int shifted) {
  if (shifted == 0) {
    return vqrdmulhq_n_s32(y, multiplier);
  }
  const int32x4_t sign = shifted == 1 ? vshrq_n_s32(y, 31) : vmulq_n_s32(vshrq_n_s32(y, 31), rounds);
  return vrshlq_n_s32(vqrdmlahq_n_s32(sign, y, multiplier), minus_e);
}

/* One lane vector of the sum: both operands' (x + offset) · 2^20 to the common scale, added or
 * subtracted, then the output step. */
static inline __attribute__((always_inline)) int32x4_t mve_add_lanes(const add_mve_constants *k, int32x4_t ya,
                                                                  int32x4_t yb, int a_shifted, int b_shifted) {
  const int32x4_t raw = vmlaq_n_s32(mve_add_scaled(ya, k->a_multiplier, k->a_minus_e, k->a_rounds, a_shifted),
                                    mve_add_scaled(yb, k->b_multiplier, k->b_minus_e, k->b_rounds, b_shifted),
                                    k->b_sign);
  return mve_output_level(raw, k->out_multiplier, k->out_offset_term, k->out_minus_e);
}

static inline __attribute__((always_inline)) int8x16_t mve_add_block(const add_mve_constants *k, int8x16_t a,
                                                                  int8x16_t b, int8x16_t act_min,
                                                                  int8x16_t act_max, int a_shifted,
                                                                  int b_shifted, int clamps) {
  /* (x + offset) · 16 in int16 lanes, even bytes and odd bytes */
  const int16x8_t a_even = vaddq_n_s16(vshllbq_n_s8(a, 4), (int16_t)k->a_offset16);
  const int16x8_t a_odd = vaddq_n_s16(vshlltq_n_s8(a, 4), (int16_t)k->a_offset16);
  const int16x8_t b_even = vaddq_n_s16(vshllbq_n_s8(b, 4), (int16_t)k->b_offset16);
  const int16x8_t b_odd = vaddq_n_s16(vshlltq_n_s8(b, 4), (int16_t)k->b_offset16);
  const int32x4_t v0 = mve_add_lanes(k, vshllbq_n_s16(a_even, 16), vshllbq_n_s16(b_even, 16), a_shifted, b_shifted);
  const int32x4_t v1 = mve_add_lanes(k, vshlltq_n_s16(a_even, 16), vshlltq_n_s16(b_even, 16), a_shifted, b_shifted);
  const int32x4_t v2 = mve_add_lanes(k, vshllbq_n_s16(a_odd, 16), vshllbq_n_s16(b_odd, 16), a_shifted, b_shifted);
  const int32x4_t v3 = mve_add_lanes(k, vshlltq_n_s16(a_odd, 16), vshlltq_n_s16(b_odd, 16), a_shifted, b_shifted);
  return mve_narrow_clamp(v0, v1, v2, v3, a, b, act_min, act_max, clamps);
}

static inline __attribute__((always_inline)) void add_contiguous_mve(const add_mve_constants *constants,
                                                                     const int8_t *a, const int8_t *b, int8_t *out,
                                                                     int32_t length, int a_shifted, int b_shifted,
                                                                     int clamps) {
  const add_mve_constants k = *constants;
  const int8x16_t act_min = vdupq_n_s8((int8_t)k.act_min), act_max = vdupq_n_s8((int8_t)k.act_max);
  for (int32_t left = length >> 4; left > 0; --left) {
    vstrbq_s8(out, mve_add_block(&k, vldrbq_s8(a), vldrbq_s8(b), act_min, act_max, a_shifted, b_shifted, clamps));
    a += 16;
    b += 16;
    out += 16;
  }
  if ((length & 15) != 0) {
    const mve_pred16_t tail = vctp8q((uint32_t)(length & 15));
    vstrbq_p_s8(out,
                mve_add_block(&k, vldrbq_z_s8(a, tail), vldrbq_z_s8(b, tail), act_min, act_max, a_shifted,
                              b_shifted, clamps),
                tail);
  }
}

/* The variants: which operand keeps its scale (the larger one's shift is 0, the compiler's usual
 * case), any shifts, each with and without a clamp inside int8. Without GCC's first scheduling
 * pass: it hoists the loads and widenings of the next lanes above the current ones' arithmetic,
 * which keeps more than the eight Q registers live and spills them (76 instead of 68 instructions
 * per 16 elements in the usual variant, measured on GCC 12.2). */
#define DEFINE_ADD_CONTIGUOUS_MVE(name, A_SHIFTED, B_SHIFTED, CLAMPS) \
  static __attribute__((noinline, optimize("no-schedule-insns"))) void name(const add_mve_constants *k, const int8_t *a, const int8_t *b, \
                                             int8_t *out, int32_t length) {                             \
    add_contiguous_mve(k, a, b, out, length, A_SHIFTED, B_SHIFTED, CLAMPS);                            \
  }
DEFINE_ADD_CONTIGUOUS_MVE(add_mve_a_unshifted, 0, 1, 0)
DEFINE_ADD_CONTIGUOUS_MVE(add_mve_b_unshifted, 1, 0, 0)
DEFINE_ADD_CONTIGUOUS_MVE(add_mve_any, -1, -1, 0)
DEFINE_ADD_CONTIGUOUS_MVE(add_mve_a_unshifted_clamped, 0, 1, 1)
DEFINE_ADD_CONTIGUOUS_MVE(add_mve_b_unshifted_clamped, 1, 0, 1)
DEFINE_ADD_CONTIGUOUS_MVE(add_mve_any_clamped, -1, -1, 1)

static inline int mve_int8_bounds(int32_t act_min, int32_t act_max) {
  return act_min >= -128 && act_min <= 127 && act_max >= -128 && act_max <= 127;
}

static __attribute__((noinline)) int add_row_mve(const o2m_add_i8_params *p, const int8_t *a, int32_t a_step,
                                                 const int8_t *b, int32_t b_step, int8_t *out, int32_t length) {
  if (a_step != 1 || b_step != 1 || p->left_shift != 20 || p->a_offset < -128 || p->a_offset > 128 ||
      p->b_offset < -128 || p->b_offset > 128 || p->a_shift > 0 || p->a_shift < -31 || p->b_shift > 0 ||
      p->b_shift < -31 || p->a_multiplier < 0 || p->b_multiplier < 0 || p->output_shift > -1 ||
      p->output_shift < -22 || p->output_multiplier < 0 || p->output_offset < -128 || p->output_offset > 127 ||
      !mve_int8_bounds(p->act_min, p->act_max)) {
    return 0;
  }
  const add_mve_constants k = {
      p->a_offset * 16, p->b_offset * 16, p->a_multiplier, p->b_multiplier, p->a_shift, p->b_shift,
      p->a_shift < 0, p->b_shift < 0, p->subtract ? -1 : 1, p->output_multiplier,
      p->output_offset * (1 << -p->output_shift), p->output_shift, p->act_min, p->act_max,
  };
  const int clamps = p->act_min != -128 || p->act_max != 127;
  if (p->a_shift == 0 && p->b_shift < 0) {
    if (clamps) {
      add_mve_a_unshifted_clamped(&k, a, b, out, length);
    } else {
      add_mve_a_unshifted(&k, a, b, out, length);
    }
  } else if (p->b_shift == 0 && p->a_shift < 0) {
    if (clamps) {
      add_mve_b_unshifted_clamped(&k, a, b, out, length);
    } else {
      add_mve_b_unshifted(&k, a, b, out, length);
    }
  } else {
    if (clamps) {
      add_mve_any_clamped(&k, a, b, out, length);
    } else {
      add_mve_any(&k, a, b, out, length);
    }
  }
  return 1;
}

static inline __attribute__((always_inline)) int8x16_t mve_mul_block(int8x16_t a, int8x16_t b, int32_t a_offset,
                                                                  int32_t b_offset, int32_t multiplier,
                                                                  int32_t offset_term, int32_t minus_e,
                                                                  int8x16_t act_min, int8x16_t act_max,
                                                                  int clamps) {
  const int16x8_t a_even = vaddq_n_s16(vmovlbq_s8(a), (int16_t)a_offset);
  const int16x8_t a_odd = vaddq_n_s16(vmovltq_s8(a), (int16_t)a_offset);
  const int16x8_t b_even = vaddq_n_s16(vmovlbq_s8(b), (int16_t)b_offset);
  const int16x8_t b_odd = vaddq_n_s16(vmovltq_s8(b), (int16_t)b_offset);
  return mve_narrow_clamp(mve_output_level(vmullbq_int_s16(a_even, b_even), multiplier, offset_term, minus_e),
                          mve_output_level(vmulltq_int_s16(a_even, b_even), multiplier, offset_term, minus_e),
                          mve_output_level(vmullbq_int_s16(a_odd, b_odd), multiplier, offset_term, minus_e),
                          mve_output_level(vmulltq_int_s16(a_odd, b_odd), multiplier, offset_term, minus_e),
                          a, b, act_min, act_max, clamps);
}

typedef struct {
  int32_t a_offset, b_offset, multiplier, offset_term, minus_e, act_min, act_max;
} mul_mve_constants;

static inline __attribute__((always_inline)) void mul_contiguous_mve(const mul_mve_constants *constants,
                                                                     const int8_t *a, const int8_t *b, int8_t *out,
                                                                     int32_t length, int clamps) {
  const mul_mve_constants k = *constants;
  const int8x16_t act_min = vdupq_n_s8((int8_t)k.act_min), act_max = vdupq_n_s8((int8_t)k.act_max);
  for (int32_t left = length >> 4; left > 0; --left) {
    vstrbq_s8(out, mve_mul_block(vldrbq_s8(a), vldrbq_s8(b), k.a_offset, k.b_offset, k.multiplier, k.offset_term,
                                 k.minus_e, act_min, act_max, clamps));
    a += 16;
    b += 16;
    out += 16;
  }
  if ((length & 15) != 0) {
    const mve_pred16_t tail = vctp8q((uint32_t)(length & 15));
    vstrbq_p_s8(out,
                mve_mul_block(vldrbq_z_s8(a, tail), vldrbq_z_s8(b, tail), k.a_offset, k.b_offset, k.multiplier,
                              k.offset_term, k.minus_e, act_min, act_max, clamps),
                tail);
  }
}

static __attribute__((noinline)) void mul_mve(const mul_mve_constants *k, const int8_t *a, const int8_t *b,
                                              int8_t *out, int32_t length) {
  mul_contiguous_mve(k, a, b, out, length, 0);
}
static __attribute__((noinline)) void mul_mve_clamped(const mul_mve_constants *k, const int8_t *a, const int8_t *b,
                                                      int8_t *out, int32_t length) {
  mul_contiguous_mve(k, a, b, out, length, 1);
}

static __attribute__((noinline)) int mul_row_mve(const o2m_mul_i8_params *p, const int8_t *a, int32_t a_step,
                                                 const int8_t *b, int32_t b_step, int8_t *out, int32_t length) {
  if (a_step != 1 || b_step != 1 || p->a_offset < -128 || p->a_offset > 128 || p->b_offset < -128 ||
      p->b_offset > 128 || p->output_shift > -1 || p->output_shift < -22 || p->output_multiplier < 0 ||
      p->output_offset < -128 || p->output_offset > 127 || !mve_int8_bounds(p->act_min, p->act_max)) {
    return 0;
  }
  const mul_mve_constants k = {p->a_offset, p->b_offset, p->output_multiplier,
                               p->output_offset * (1 << -p->output_shift), p->output_shift, p->act_min,
                               p->act_max};
  if (p->act_min != -128 || p->act_max != 127) {
    mul_mve_clamped(&k, a, b, out, length);
  } else {
    mul_mve(&k, a, b, out, length);
  }
  return 1;
}
#else
#define add_row_mve(p, a, a_step, b, b_step, out, length) 0
#define mul_row_mve(p, a, a_step, b, b_step, out, length) 0
#endif

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
  if (add_row_mve(p, a, a_step, b, b_step, out, length) || add_row_fast(p, a, a_step, b, b_step, out, length)) {
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
  if (mul_row_mve(p, a, a_step, b, b_step, out, length) || mul_row_fast(p, a, a_step, b, b_step, out, length)) {
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
