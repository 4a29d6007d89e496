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

#endif
