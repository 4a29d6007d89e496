/* onnx2mcu runtime: float32 reference kernels.
 *
 * Every kernel is a plain function over a plain parameter struct that the
 * compiler fills in at compile time (the structs live in flash as `const`).
 * Tensors are dense, row-major, in ONNX's own layout (NCHW for images).
 * Kernels never allocate and never keep state between calls.
 * `act_min` / `act_max` clamp the output: a fused Relu is [0, +inf], a fused
 * Clip is its bounds, and no activation is [-inf, +inf] (the compiler writes
 * -INFINITY / INFINITY).
 */
#ifndef ONNX2MCU_KERNELS_F32_H
#define ONNX2MCU_KERNELS_F32_H

#include <stdint.h>

#include "onnx2mcu/dims.h"

/* 2-D convolution, NCHW input, weights [out_c][in_c/groups][k_h][k_w]. */
typedef struct {
  int32_t batch, in_c, in_h, in_w;
  int32_t out_c, out_h, out_w;
  int32_t k_h, k_w;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_left; /* bottom/right padding is implied by out_h/out_w */
  int32_t dil_h, dil_w;
  int32_t groups;
  float act_min, act_max;
} o2m_conv2d_f32_params;

/* bias may be NULL. */
void o2m_conv2d_f32(const o2m_conv2d_f32_params *p, const float *input,
                    const float *weights, const float *bias, float *output);

/* Max and average pooling over the two innermost axes of an NCHW tensor. */
typedef struct {
  int32_t batch_channels; /* N * C */
  int32_t in_h, in_w, out_h, out_w;
  int32_t k_h, k_w;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_left, pad_bottom, pad_right;
  int32_t dil_h, dil_w;
  /* AveragePool: 1 counts padded positions (inside [-pad, in + pad)) in the divisor. */
  int32_t count_include_pad;
} o2m_pool2d_f32_params;

void o2m_maxpool2d_f32(const o2m_pool2d_f32_params *p, const float *input, float *output);
void o2m_avgpool2d_f32(const o2m_pool2d_f32_params *p, const float *input, float *output);

/* GlobalAveragePool: mean over `spatial` contiguous values for each of `batch_channels`. */
typedef struct {
  int32_t batch_channels;
  int32_t spatial;
} o2m_global_avgpool_f32_params;

void o2m_global_avgpool_f32(const o2m_global_avgpool_f32_params *p, const float *input, float *output);

/* Gemm: Y[M][N] = alpha * A' B' + beta * C, A' = transA ? A^T : A (A is [M][K] or [K][M]),
 * B' = transB ? B^T : B (B is [K][N] or [N][K]).
 * C (may be NULL) broadcasts to [M][N] through its strides: c_stride_m, c_stride_n are 0 on
 * broadcast axes (scalar: both 0; row vector [N]: 0, 1; column [M][1]: 1, 0; full: N, 1). */
typedef struct {
  int32_t M, N, K;
  int32_t trans_a, trans_b;
  float alpha, beta;
  int32_t c_stride_m, c_stride_n;
  float act_min, act_max;
} o2m_gemm_f32_params;

void o2m_gemm_f32(const o2m_gemm_f32_params *p, const float *a, const float *b,
                  const float *c, float *y);

/* MatMul with numpy broadcasting over batch axes.
 * Y[batch][M][N] = A[batch][M][K] x B[batch][K][N]; the output batch index is decomposed over
 * batch_shape (outermost first, batch_rank axes, may be 0) and A / B advance by their
 * batch strides in elements (0 on an axis they broadcast along). */
typedef struct {
  int32_t M, N, K;
  int32_t batch_rank;
  int32_t batch_shape[O2M_MAX_DIMS];
  int32_t a_batch_strides[O2M_MAX_DIMS];
  int32_t b_batch_strides[O2M_MAX_DIMS];
} o2m_matmul_f32_params;

void o2m_matmul_f32(const o2m_matmul_f32_params *p, const float *a, const float *b, float *y);



#endif
