/* onnx2mcu runtime: the convolution, pooling and linear-algebra kernels (float32, with the
 * int8/uint8 MaxPool and the other element types of the Einsum contraction).
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

/* Depthwise 1-D convolution on a channels-last sequence [batch][length][channels], weights
 * [channels][kernel]: o2m_conv2d_f32's sums in its order, without the transposes around it.
 * Time runs backwards, so when stride = 1 and pad_before >= (kernel - 1) * dilation the output
 * may be the input's own buffer. */
typedef struct {
  int32_t batch, in_length, out_length, channels;
  int32_t kernel, stride, pad_before, dilation;
  float act_min, act_max;
} o2m_conv1d_channels_last_f32_params;

/* bias may be NULL. */
void o2m_conv1d_channels_last_f32(const o2m_conv1d_channels_last_f32_params *p, const float *input,
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

/* 3-D convolution, NCDHW input, weights [out_c][in_c/groups][k_d][k_h][k_w]. The arrays hold
 * depth, height, width; padding at the end is implied by out_size. bias may be NULL. */
typedef struct {
  int32_t batch, in_c, out_c, groups;
  int32_t in_size[3], out_size[3];
  int32_t kernel[3], strides[3], pads_begin[3], dilations[3];
  float act_min, act_max;
} o2m_conv3d_f32_params;

void o2m_conv3d_f32(const o2m_conv3d_f32_params *p, const float *input,
                    const float *weights, const float *bias, float *output);

/* ConvTranspose over depth, height, width (fewer spatial axes have leading sizes of 1), weights
 * [in_c][out_c/groups][k_d][k_h][k_w]. Output o along an axis takes input i through tap k when
 * o + pads_begin = i * stride + k * dilation; pads_begin may be negative (an output_shape larger
 * than the windows cover). bias may be NULL. */
typedef struct {
  int32_t batch, in_c, out_c, groups;
  int32_t in_size[3], out_size[3];
  int32_t kernel[3], strides[3], pads_begin[3], dilations[3];
  float act_min, act_max;
} o2m_conv_transpose_f32_params;

void o2m_conv_transpose_f32(const o2m_conv_transpose_f32_params *p, const float *input,
                            const float *weights, const float *bias, float *output);

/* Pooling over depth, height, width of an N x C x D x H x W tensor (1-D and 2-D pooling have
 * leading sizes of 1). The arrays hold depth, height, width. */
typedef struct {
  int32_t batch_channels; /* N * C */
  int32_t in_size[3], out_size[3];
  int32_t kernel[3], strides[3], pads_begin[3], pads_end[3], dilations[3];
  int32_t count_include_pad; /* AveragePool: padded positions count in the divisor */
  int32_t storage_order;     /* MaxPool indices: 0 row-major, 1 column-major */
  float p;                   /* LpPool: the norm's exponent */
} o2m_pool3d_params;

void o2m_maxpool3d_f32(const o2m_pool3d_params *p, const float *input, float *output);
void o2m_maxpool3d_i8(const o2m_pool3d_params *p, const int8_t *input, int8_t *output);
void o2m_maxpool3d_u8(const o2m_pool3d_params *p, const uint8_t *input, uint8_t *output);
/* MaxPool with its Indices output: per output, the flat index of the maximum in the whole input
 * tensor (row-major, or column-major within a plane with storage_order 1), -1 for a window with
 * no tap inside the input. */
void o2m_maxpool3d_indices_f32(const o2m_pool3d_params *p, const float *input, float *output,
                               int64_t *indices);
void o2m_maxpool3d_indices_i8(const o2m_pool3d_params *p, const int8_t *input, int8_t *output,
                              int64_t *indices);
void o2m_maxpool3d_indices_u8(const o2m_pool3d_params *p, const uint8_t *input, uint8_t *output,
                              int64_t *indices);
void o2m_avgpool3d_f32(const o2m_pool3d_params *p, const float *input, float *output);
void o2m_lppool3d_f32(const o2m_pool3d_params *p, const float *input, float *output);

/* GlobalMaxPool and GlobalLpPool: one value per contiguous plane of `spatial` values. */
typedef struct {
  int32_t batch_channels;
  int32_t spatial;
  float p; /* GlobalLpPool: the norm's exponent */
} o2m_global_pool_f32_params;

void o2m_global_maxpool_f32(const o2m_global_pool_f32_params *p, const float *input, float *output);
void o2m_global_lppool_f32(const o2m_global_pool_f32_params *p, const float *input, float *output);

/* MaxUnpool: a zeroed output, and input[i] at the position that the flat index indices[i] names
 * in a tensor of unpooled_shape (what MaxPool's input would have been). The output may be larger
 * (an output_shape input): that tensor sits at its origin. Positions outside either are skipped. */
typedef struct {
  int32_t in_count;
  int32_t rank;
  int32_t unpooled_shape[O2M_MAX_DIMS];
  int32_t out_shape[O2M_MAX_DIMS];
} o2m_maxunpool_f32_params;

void o2m_maxunpool_f32(const o2m_maxunpool_f32_params *p, const float *input, const int64_t *indices,
                       float *output);

/* The contraction behind Einsum (and MatMul for types other than float32):
 * y[o] = sum over s of a[o, s] * b[o, s] (or of a[o, s] alone when b is NULL), with o running
 * over out_shape and s over sum_shape, both row-major (rank 0 means one element). An operand's
 * offset is the dot product of the index with its strides. Integer sums wrap. */
typedef struct {
  int32_t out_rank;
  int32_t out_shape[O2M_MAX_DIMS];
  int32_t sum_rank;
  int32_t sum_shape[O2M_MAX_DIMS];
  int32_t a_out_strides[O2M_MAX_DIMS];
  int32_t a_sum_strides[O2M_MAX_DIMS];
  int32_t b_out_strides[O2M_MAX_DIMS];
  int32_t b_sum_strides[O2M_MAX_DIMS];
} o2m_einsum_params;

void o2m_einsum_f32(const o2m_einsum_params *p, const float *a, const float *b, float *y);
void o2m_einsum_f64(const o2m_einsum_params *p, const double *a, const double *b, double *y);
void o2m_einsum_i32(const o2m_einsum_params *p, const int32_t *a, const int32_t *b, int32_t *y);
void o2m_einsum_i64(const o2m_einsum_params *p, const int64_t *a, const int64_t *b, int64_t *y);
void o2m_einsum_u32(const o2m_einsum_params *p, const uint32_t *a, const uint32_t *b, uint32_t *y);
void o2m_einsum_u64(const o2m_einsum_params *p, const uint64_t *a, const uint64_t *b, uint64_t *y);

/* Det: the largest matrix order the kernel factors (in a stack buffer of this many squared floats). */
#define O2M_DET_MAX_ORDER 8

/* The determinant of each of `count` consecutive order x order matrices. */
typedef struct {
  int32_t count;
  int32_t order;
} o2m_det_f32_params;

void o2m_det_f32(const o2m_det_f32_params *p, const float *input, float *output);

#endif
