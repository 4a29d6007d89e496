/* onnx2mcu runtime (internal to kernels/): the Helium (MVE) block of o2m_matmul_i8, for batches
 * whose A rows and B columns are both contiguous along K (matmul_i8_mve.c). */
#ifndef ONNX2MCU_KERNELS_MATMUL_I8_MVE_H
#define ONNX2MCU_KERNELS_MATMUL_I8_MVE_H

#include <stdint.h>

#include "onnx2mcu/arch.h"
#include "onnx2mcu/kernels_int8.h"

#if O2M_KERNELS_MVE
/* One batch's M×N block (a_stride_k = b_stride_k = 1); returns where the next block goes. */
int8_t *o2m_matmul_i8_block_mve(const o2m_matmul_i8_params *p, const int8_t *a, const int8_t *b,
                                const int32_t *bias, const int32_t *multipliers,
                                const int32_t *shifts, int8_t *y);
#endif

#endif
