/* onnx2mcu runtime: ONNX's integer operators with int32 results, MatMulInteger and ConvInteger,
 * and DynamicQuantizeLinear, which chooses its scale and zero point at run time.
 *
 * MatMulInteger and ConvInteger take 8-bit operands that are each either int8 or uint8 (the
 * *_unsigned fields say which), subtract their zero points and return the exact int32 sums:
 * no requantisation, no float. Zero points arrive as pointers because ONNX lets them be
 * inputs computed at run time; the compiler passes a zero array when the model omits one. */
#ifndef ONNX2MCU_KERNELS_INTEGER_H
#define ONNX2MCU_KERNELS_INTEGER_H

#include <stdint.h>

#include "onnx2mcu/dims.h"

/* ---- MatMulInteger ------------------------------------------------------------------------------
 * Y[batch][M][N] = sum_k (A[m][k] - a_zero_point[0 or m]) * (B[k][n] - b_zero_point[0 or n]).
 * A is [M][K] and B is [K][N], row-major within each batch matrix; the output batch index is
 * decomposed over batch_shape (batch_rank axes, may be 0) and A and B advance by their batch
 * strides (0 along an axis they broadcast). a_zero_point_per_row: a_zero_point holds M entries;
 * b_zero_point_per_column: b_zero_point holds N entries. */
typedef struct {
  int32_t M, N, K;
  int32_t batch_rank;
  int32_t batch_shape[O2M_MAX_DIMS];
  int32_t a_batch_strides[O2M_MAX_DIMS];
  int32_t b_batch_strides[O2M_MAX_DIMS];
  int32_t a_unsigned, b_unsigned;
  int32_t a_zero_point_per_row, b_zero_point_per_column;
} o2m_matmul_integer_params;

void o2m_matmul_integer(const o2m_matmul_integer_params *p, const void *a, const void *b,
                        const void *a_zero_point, const void *b_zero_point, int32_t *output);

/* ---- ConvInteger, 2-D NCHW (1-D runs as height 1), grouped, dilated -------------------------------
 * Y[n][oc][oy][ox] = sum over the taps inside the input of (x - x_zero_point) * (w - w_zero_point[0
 * or oc]). A padded tap holds x_zero_point, as ONNX Runtime pads, so it adds nothing. */
typedef struct {
  int32_t batch, in_c, in_h, in_w, out_c, out_h, out_w;
  int32_t k_h, k_w, stride_h, stride_w, pad_top, pad_left, dil_h, dil_w, groups;
  int32_t x_unsigned, w_unsigned;
  int32_t w_zero_point_per_channel;
} o2m_conv_integer_params;

void o2m_conv_integer(const o2m_conv_integer_params *p, const void *input, const void *weights,
                      const void *x_zero_point, const void *w_zero_point, int32_t *output);

/* ---- DynamicQuantizeLinear ----------------------------------------------------------------------
 * ONNX's definition, in float: the range [min(0, min x), max(0, max x)] maps onto 0..255,
 * scale = (max - min) / 255, zero_point = saturate(round(0 - min / scale)), and
 * y = saturate(round(x / scale) + zero_point), rounding halves to even. An all-zero input (scale
 * 0) gives scale 0, zero point 0 and y = 0 (NaN from 0 / 0 saturates to 0). */
typedef struct {
  int32_t count;
} o2m_dynamic_quantize_linear_params;

void o2m_dynamic_quantize_linear(const o2m_dynamic_quantize_linear_params *p, const float *input,
                                 uint8_t *output, float *scale, uint8_t *zero_point);

#endif
