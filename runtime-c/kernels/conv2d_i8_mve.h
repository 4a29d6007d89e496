/* onnx2mcu runtime (internal to kernels/): the Helium (MVE) variant of o2m_conv2d_i8 for
 * convolutions that are not depthwise (conv2d_i8_mve.c). */
#ifndef ONNX2MCU_KERNELS_CONV2D_I8_MVE_H
#define ONNX2MCU_KERNELS_CONV2D_I8_MVE_H

#include <stdint.h>

#include "onnx2mcu/arch.h"
#include "onnx2mcu/kernels_int8.h"

#if O2M_KERNELS_MVE
/* o2m_conv2d_i8's arguments, the weights interleaved 16 taps at a time; scratch must not be NULL
 * (its size: kernels_int8.h). */
void o2m_conv2d_i8_mve(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                       const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                       int8_t *output, int32_t *scratch);
#endif

#endif
