/* onnx2mcu runtime (internal to kernels/): o2m_requantize_i8 on four int32 lanes at once in
 * Helium (MVE), for the MVE kernels (matmul_i8_mve.c, conv2d_i8_mve.c).
 *
 * Equal to the definition (fixed_point.h) lane by lane, for every multiplier and shift in
 * [-31, 30] (CMSIS-NN's arm_requantize_mve, with the argument):
 * - the left shift is VSHL by a register, which discards the bits shifted out as the
 *   definition's (uint32_t)x << left_shift does;
 * - VQRDMULH is gemmlowp's rounding doubling high multiply: floor((2·x·m + 2^31) / 2^32) =
 *   floor((x·m + 2^30) / 2^31), which is what the definition's nudge and truncating division give
 *   for both signs of x·m (for negative x·m its nudge 1 - 2^30 and the truncation toward zero land
 *   on the same integer), saturating only INT32_MIN · INT32_MIN to INT32_MAX as it does;
 * - the division by 2^e rounds halves away from zero, VRSHL rounds them up: for x < 0 and e > 0,
 *   adding -1 first (saturating, which leaves INT32_MIN, already a multiple of 2^e, alone) moves
 *   an exact negative half below the tie and leaves every other x on the same side of its
 *   rounding threshold, so floor((x - 1 + 2^(e-1)) / 2^e) is the definition's result; VRSHL
 *   computes its rounding sum without overflow. The -1 is (x & -e) >> 31: the sign of x when
 *   e > 0 (-e is negative), 0 when e = 0;
 * - the zero point's addition wraps as the definition's int32 addition would, and the clamp to
 *   [act_min, act_max] is VMAX and VMIN; the narrowing store then keeps the int8. */
#ifndef ONNX2MCU_KERNELS_REQUANTIZE_I8_MVE_H
#define ONNX2MCU_KERNELS_REQUANTIZE_I8_MVE_H

#include "onnx2mcu/arch.h"

#if O2M_KERNELS_MVE
#include <arm_mve.h>
#include <stdint.h>

/* lane i: o2m_requantize_i8(acc[i], multiplier[i], shift[i], output_offset, act_min, act_max) */
static inline __attribute__((always_inline)) int32x4_t o2m_requantize_i8x4(
    int32x4_t acc, int32x4_t multiplier, int32x4_t shift, int32_t output_offset, int32x4_t act_min,
    int32x4_t act_max) {
  const int32x4_t zero = vdupq_n_s32(0);
  const int32x4_t left_shift = vmaxq_s32(shift, zero);
  const int32x4_t minus_right_shift = vminq_s32(shift, zero);
  int32x4_t x = vqrdmulhq_s32(vshlq_s32(acc, left_shift), multiplier);
  x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, minus_right_shift), 31));
  x = vrshlq_s32(x, minus_right_shift);
  x = vaddq_n_s32(x, output_offset);
  return vminq_s32(vmaxq_s32(x, act_min), act_max);
}
#endif

#endif
