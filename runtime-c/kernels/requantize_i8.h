/* onnx2mcu runtime (internal to kernels/): the last step of every int8 kernel that accumulates
 * in int32 — rescale to the output's scale, add its zero point, clamp to the fused activation. */
#ifndef ONNX2MCU_KERNELS_REQUANTIZE_I8_H
#define ONNX2MCU_KERNELS_REQUANTIZE_I8_H

#include <stdint.h>

#include "onnx2mcu/fixed_point.h"

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

/* o2m_requantize_i8's value in about a third of its instructions, for the fast kernels (plain C,
 * so the host checks it against the definition: runtime-c/tests/check_requantize.c). It relies
 * on what the compiler emits (compiler/quantize/fixed-point.ts): multiplier in [0, 2^31), never
 * INT32_MIN, so the doubling high multiply cannot saturate, and then
 *   (a·b + nudge) / 2^31 truncated  ==  floor((a·b + 2^30) / 2^31)
 * for both signs of a·b (the negative nudge 1 - 2^30 with truncation toward zero lands on the
 * same integer), which is one SMLAL from a preloaded 2^30. The rounding division is the
 * definition's with its 64-bit mask built from a 32-bit shift (exponent <= 31), and the
 * comparison `remainder > threshold` read off the sign of threshold - remainder (both lie in
 * [0, 2^31), so the difference cannot overflow). */
static inline int8_t o2m_requantize_i8_fast(int32_t acc, int32_t multiplier, int32_t shift,
                                           int32_t output_offset, int32_t act_min, int32_t act_max) {
  const int32_t left_shift = shift > 0 ? shift : 0;
  const int32_t right_shift = shift > 0 ? 0 : -shift;
  const int32_t shifted = (int32_t)((uint32_t)acc << left_shift);
  const int32_t high = (int32_t)(((int64_t)shifted * multiplier + ((int64_t)1 << 30)) >> 31);
  const int32_t mask = (int32_t)((1u << right_shift) - 1u);
  const int32_t remainder = high & mask;
  const int32_t threshold = (mask >> 1) + (int32_t)((uint32_t)high >> 31);
  int32_t value = (high >> right_shift) + (int32_t)((uint32_t)(threshold - remainder) >> 31) + output_offset;
  value = value < act_min ? act_min : value;
  value = value > act_max ? act_max : value;
  return (int8_t)value;
}

#endif
