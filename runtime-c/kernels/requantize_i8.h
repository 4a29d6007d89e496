/* onnx2mcu runtime (internal to kernels/): the last step of every int8 kernel that accumulates
 * in int32 — rescale to the output's scale, add its zero point, clamp to the fused activation. */
#ifndef ONNX2MCU_KERNELS_REQUANTIZE_I8_H
#define ONNX2MCU_KERNELS_REQUANTIZE_I8_H

#include <stdint.h>

#include "onnx2mcu/arch.h"
#include "onnx2mcu/fixed_point.h"

#if O2M_KERNELS_DSP
#include <arm_acle.h>
#endif

static inline int8_t o2m_requantize_i8(int32_t acc, int32_t multiplier, int32_t shift,
                                       int32_t output_offset, int32_t act_min, int32_t act_max) {
  int32_t value = o2m_multiply_by_quantized_multiplier(acc, multiplier, shift) + output_offset;
  if (value < act_min) {
    value = act_min;
  }
  if (value > act_max) {
    value = act_max;
  }
  return (int8_t)value;
}

/* o2m_requantize_i8's value in a fraction of its instructions, for the fast kernels (plain C
 * where the core has no DSP instructions, so the host checks the arithmetic against the
 * definition: runtime-c/tests/check_requantize.c). It relies on what the compiler emits
 * (compiler/quantize/fixed-point.ts): a multiplier of 0 or in [2^30, 2^31), never INT32_MIN.
 *
 * The usual case, a right shift of 1 to 21, takes QADD, SMMULR and three instructions:
 * - SMMULR(2·acc, m) = floor((2·acc·m + 2^31) / 2^32) = floor((acc·m + 2^30) / 2^31), which is the
 *   definition's rounding doubling high multiply for both signs of acc·m (its negative nudge
 *   1 - 2^30 with truncation toward zero lands on the same integer), as long as 2·acc fits;
 * - when it does not (|acc| >= 2^30), QADD saturates it, and both the definition and this give
 *   a high product of magnitude >= 2^29, so after a shift of at most 21 a value of magnitude
 *   >= 256 that the int8 clamp takes to the same bound;
 * - the rounding division (halves away from zero) is (high + 2^(shift-1) - [high < 0]) >> shift,
 *   which cannot overflow as |high| <= 2^30.
 * Other shifts take the definition's steps without its 64-bit mask. */
static inline int32_t o2m_saturating_double(int32_t x) {
#if O2M_KERNELS_DSP
  return __qadd(x, x);
#else
  const int64_t doubled = 2 * (int64_t)x;
  return doubled > INT32_MAX ? INT32_MAX : doubled < INT32_MIN ? INT32_MIN : (int32_t)doubled;
#endif
}

/* floor((a·b + 2^31) / 2^32): SMMULR */
static inline int32_t o2m_rounded_high_product(int32_t a, int32_t b) {
#if O2M_KERNELS_DSP
  int32_t high;
  __asm__("smmulr %0, %1, %2" : "=r"(high) : "r"(a), "r"(b));
  return high;
#else
  return (int32_t)(((int64_t)a * b + ((int64_t)1 << 31)) >> 32);
#endif
}

static inline int8_t o2m_requantize_i8_fast(int32_t acc, int32_t multiplier, int32_t shift,
                                            int32_t output_offset, int32_t act_min, int32_t act_max) {
  int32_t value;
  if (shift <= -1 && shift >= -21) {
    const int32_t right_shift = -shift;
    const int32_t high = o2m_rounded_high_product(o2m_saturating_double(acc), multiplier);
    value = (high + (1 << (right_shift - 1)) - (int32_t)((uint32_t)high >> 31)) >> right_shift;
  } else {
    const int32_t left_shift = shift > 0 ? shift : 0;
    const int32_t right_shift = shift > 0 ? 0 : -shift;
    const int32_t shifted = (int32_t)((uint32_t)acc << left_shift);
    const int32_t high = (int32_t)(((int64_t)shifted * multiplier + ((int64_t)1 << 30)) >> 31);
    const int32_t mask = (int32_t)((1u << right_shift) - 1u);
    const int32_t remainder = high & mask;
    const int32_t threshold = (mask >> 1) + (int32_t)((uint32_t)high >> 31);
    value = (high >> right_shift) + (int32_t)((uint32_t)(threshold - remainder) >> 31);
  }
  value += output_offset;
  value = value < act_min ? act_min : value;
  value = value > act_max ? act_max : value;
  return (int8_t)value;
}

#if O2M_KERNELS_DSP
/* The requantisation of the DSP kernels that can bound their accumulators per channel (the
 * depthwise Conv, the Conv): one SMMLAR, a subtraction, a shift and SSAT per output, on an
 * accumulator that already carries the factor 2 of the doubling high product (SMMULR's
 * floor((2 · acc · m + 2^31) / 2^32) is the definition's high product, requantize_i8.h above).
 * The rounding division by 2^right_shift (half away from zero, right_shift >= 1) is
 * floor((high + 2^(rs-1) - [high < 0]) / 2^rs): for high >= 0 the remainder exceeds 2^(rs-1) - 1
 * exactly when adding 2^(rs-1) carries, for high < 0 it exceeds 2^(rs-1) exactly when adding
 * 2^(rs-1) - 1 does. output_offset · 2^rs joins the same addition (an exact multiple, so it comes
 * out as + output_offset): `rounding` = 2^(rs-1) + output_offset · 2^rs, which SMMLAR adds to the
 * rounded high product in the same instruction; the caller proves |high| + |rounding| < 2^31.
 * [high < 0] is taken as [acc < 0] (multiplier >= 0): they differ only where high = 0, and there
 * both give floor((output_offset · 2^rs + 2^(rs-1) - 0 or 1) / 2^rs) = output_offset. */
static inline int32_t o2m_smmlar(int32_t a, int32_t b, int32_t c) {
  int32_t result;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(result) : "r"(a), "r"(b), "r"(c));
  return result;
}

/* Whether o2m_level_of takes a channel exactly on QADD-doubled int32 sums (the Conv's and the
 * MatMul's): a right shift of 1 to 21 and a multiplier >= 0. Unsaturated, QADD gives the
 * definition's high product exactly and |high| <= 2^30, so |high| + 2^20 + 128 · 2^21 < 2^31;
 * saturated (|acc| >= 2^30, multiplier >= 2^30), the definition's level and this one both lie at
 * least 2^29 / 2^21 - 128 = 128 steps from zero on acc's side, so SSAT and the clamp agree. */
static inline int o2m_level_form_covers(int32_t multiplier, int32_t shift) {
  return shift <= -1 && shift >= -21 && multiplier >= 0;
}

/* o2m_level_of's `rounding`, 2^(rs-1) + output_offset · 2^rs, for a right shift of 1 to 31 whose
 * bound the caller has proved. */
static inline int32_t o2m_level_rounding(int32_t output_offset, int32_t right_shift) {
  return (int32_t)(((int64_t)1 << (right_shift - 1)) + (int64_t)output_offset * ((int64_t)1 << right_shift));
}

/* The output level of a doubled accumulator, before the activation clamp, saturated to int8. */
static inline __attribute__((always_inline)) int32_t o2m_level_of(int32_t doubled_acc, int32_t multiplier,
                                                                  int32_t rounding, int32_t right_shift) {
  const int32_t nudged = o2m_smmlar(doubled_acc, multiplier, rounding) - (int32_t)((uint32_t)doubled_acc >> 31);
  return __ssat(nudged >> right_shift, 8);
}

/* Every byte of `bytes` (signed) clamped to [act_min, act_max], given in every byte of min4 and
 * max4: SEL keeps the byte of the first operand where the preceding SSUB8 set its GE flag; asm
 * because GCC does not keep the GE flags between separate intrinsics' instructions in view. */
static inline __attribute__((always_inline)) uint32_t o2m_clamp_bytes(uint32_t bytes, uint32_t min4, uint32_t max4) {
  uint32_t difference;
  __asm__("ssub8 %1, %0, %2\n\t"
          "sel %0, %0, %2\n\t"
          "ssub8 %1, %3, %0\n\t"
          "sel %0, %0, %3"
          : "+&r"(bytes), "=&r"(difference)
          : "r"(min4), "r"(max4));
  return bytes;
}

/* Two levels as bytes 0 and 1 (BFI: GCC builds it from a mask and an ORR). */
static inline __attribute__((always_inline)) uint32_t o2m_pack_pair(int32_t level0, int32_t level1) {
  uint32_t pair = (uint32_t)level0;
  __asm__("bfi %0, %1, #8, #8" : "+r"(pair) : "r"(level1));
  return pair;
}

/* Two levels as bytes 0 and 1, each clamped to [act_min, act_max] (in every byte of min4 and max4). */
static inline __attribute__((always_inline)) uint32_t o2m_clamp_pair(int32_t level0, int32_t level1, uint32_t min4,
                                                                     uint32_t max4) {
  return o2m_clamp_bytes(o2m_pack_pair(level0, level1), min4, max4);
}

/* Two levels as bytes 0 and 1, clamped to [act_min, act_max] unless that is all of int8 (a
 * constant `clamps` at every call, so the clamp costs nothing where there is none). */
static inline __attribute__((always_inline)) uint32_t o2m_output_pair(int32_t level0, int32_t level1, uint32_t min4,
                                                                  uint32_t max4, int clamps) {
  return clamps ? o2m_clamp_pair(level0, level1, min4, max4) : o2m_pack_pair(level0, level1);
}

static inline void o2m_store_pair(int8_t *out, uint32_t pair) {
  const uint16_t bytes = (uint16_t)pair;
  __builtin_memcpy(out, &bytes, sizeof bytes); /* one STRH: Armv7E-M stores unaligned halfwords */
}
#endif

#endif
