/* onnx2mcu runtime (internal to kernels/): the Armv7E-M DSP variant of the depthwise int8 Conv
 * (groups == in_c == out_c), which o2m_conv2d_i8 hands a depthwise call when the compiler gave it
 * scratch. Same arguments and the same result, bit for bit, as o2m_conv2d_i8 itself. */
#ifndef ONNX2MCU_KERNELS_CONV2D_DEPTHWISE_I8_H
#define ONNX2MCU_KERNELS_CONV2D_DEPTHWISE_I8_H

#include <stdint.h>

#include "onnx2mcu/arch.h"
#include "onnx2mcu/kernels_int8.h"

#if O2M_KERNELS_DSP
/* scratch: 4 padded rows of (compiler/ops/conv.ts, conv2dInt8ScratchBytes)
 *   round_up(lead + max(stride_w · (out_w - 1) + 4, pad_left + in_w), 4) bytes each,
 * lead = (4 - pad_left % 4) % 4 (the bytes that put each row's input part on a word boundary).
 * Shapes other than 3×3, dilation 1, stride_w 1 or 2 run the portable loops (the compiler gives
 * them no scratch, so they never arrive here; if one does, it still gets the portable result). */
void o2m_conv2d_depthwise_i8_dsp(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                                 const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                                 int8_t *output, int32_t *scratch);
#endif

#endif
