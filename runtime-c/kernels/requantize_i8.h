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

#endif
