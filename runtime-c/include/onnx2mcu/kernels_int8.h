/* onnx2mcu runtime: int8 kernels in the TFLite int8 scheme (DESIGN.md §4).
 *
 * real = scale * (q - zero_point). Weights are symmetric per output channel, activations
 * asymmetric per tensor, biases int32 with scale input_scale * weight_scale. The compiler
 * computes every constant: zero points arrive as offsets to add (input_offset = -zero_point,
 * output_offset = +zero_point) and each real rescaling factor as a Q31 multiplier and a shift
 * (fixed_point.h). Nothing here touches a float, except the QuantizeLinear and DequantizeLinear
 * kernels at the border between float and int8 parts of a model. */
#ifndef ONNX2MCU_KERNELS_INT8_H
#define ONNX2MCU_KERNELS_INT8_H

#include <stdint.h>

#include "onnx2mcu/dims.h"

/* ---- the float/int8 border: ONNX QuantizeLinear and DequantizeLinear ------------------------
 * The tensor is [outer][channels][inner]; channel c uses scales[c] and zero_points[c]
 * (channels = 1 for a per-tensor scale). Quantize rounds x / scale half to even and saturates;
 * dequantize computes (q - zero_point) * scale, as ONNX specifies. */
typedef struct {
  int32_t outer, channels, inner;
} o2m_quantize_linear_params;

void o2m_quantize_linear_i8(const o2m_quantize_linear_params *p, const float *input,
                            const float *scales, const int8_t *zero_points, int8_t *output);
void o2m_quantize_linear_u8(const o2m_quantize_linear_params *p, const float *input,
                            const float *scales, const uint8_t *zero_points, uint8_t *output);
void o2m_dequantize_linear_i8(const o2m_quantize_linear_params *p, const int8_t *input,
                              const float *scales, const int8_t *zero_points, float *output);
void o2m_dequantize_linear_u8(const o2m_quantize_linear_params *p, const uint8_t *input,
                              const float *scales, const uint8_t *zero_points, float *output);
void o2m_dequantize_linear_i32(const o2m_quantize_linear_params *p, const int32_t *input,
                               const float *scales, const int32_t *zero_points, float *output);

/* ---- Conv, 2-D NCHW (1-D runs as height 1), grouped (depthwise: groups = in_c), dilated -------
 * acc = bias[oc] + sum (input + input_offset) * weight, over the taps inside the input (a padded
 * tap holds the zero point, so it adds nothing); then
 * out = clamp(multiply_by_quantized_multiplier(acc, multipliers[oc], shifts[oc]) + output_offset,
 *             act_min, act_max). */
typedef struct {
  int32_t batch, in_c, in_h, in_w, out_c, out_h, out_w;
  int32_t k_h, k_w, stride_h, stride_w, pad_top, pad_left, dil_h, dil_w, groups;
  int32_t input_offset, output_offset;
  int32_t act_min, act_max;
  int32_t weights_interleave; /* the weights' order: 0 plain, 4 or 16 interleaved (below) */
  int32_t block_pairs;        /* interleave 4: the DSP variant's output pixel pairs per block (scratch below) */
  int32_t whole_plane;        /* depthwise: the fast variants' scratch holds a channel's every padded row (below) */
} o2m_conv2d_i8_params;

/* weights: plain, [out_c][in_c / groups][k_h][k_w]; or interleaved I = weights_interleave taps
 * at a time, the fast variants' order — I = 4 for the DSP kernel, 16 for the Helium one: with K
 * taps per output channel, within each group of the convolution its output channels in pairs
 * (an odd count's last with a row of zeros), each pair's rows interleaved I taps at a time
 * (channel 0's taps k..k+I-1, then channel 1's), the taps padded with zeros to round_up(K, I).
 * Weight (channel j of group g, tap k) is then at
 * ((g · ceil(out_c / groups / 2) + j / 2) · round_up(K, I) / I + k / I) · 2I + (j % 2) · I + k % I.
 * A depthwise Conv's weights are plain. bias may be NULL. scratch: working memory for the fast
 * variants (the portable kernel never touches it), 4-byte aligned, or NULL. With K =
 * (in_c / groups) · k_h · k_w taps per output channel: for interleave 4 (the DSP variant, which
 * takes output pixels in blocks of B = block_pairs pairs) 72 + 4 · round_up(K, 4) +
 * 4 · B · round_up(K, 8) + 4 · round_up(K, 8) + 16 + 16 · out_c bytes; for interleave 16 (the
 * Helium variant) 52 + 32 · groups · ceil(out_c / groups / 2) + 96 · ceil(K / 16) bytes, and
 * 64 · ceil(K / 16) more when some window leaves the input.
 * Interleaved weights are word-aligned. */
void o2m_conv2d_i8(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                   const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                   int8_t *output, int32_t *scratch);

/* A depthwise Conv (groups == in_c == out_c): o2m_conv2d_i8's result, as its own entry point so
 * that firmware without a depthwise layer carries none of its fast variant. scratch: for a 3×3
 * with dilation 1 and stride_w 1 or 2, R padded input rows of
 * row = round_up((4 - pad_left % 4) % 4 + max(stride_w · (out_w - 1) + 4, pad_left + in_w), 4)
 * bytes each, 4-byte aligned: R = (out_h - 1) · stride_h + 3 where whole_plane is set (the
 * compiler sets it where R · row <= 1024, or where the plan has room for more), else R = 5;
 * NULL for other shapes (the portable loops). */
void o2m_conv2d_depthwise_i8(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                             const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                             int8_t *output, int32_t *scratch);

/* ---- depthwise 1-D Conv on a channels-last sequence [batch][length][channels] --------------
 * Output step t, channel c: o2m_conv2d_i8's sum over taps k of
 * input[t * stride - pad_before + k * dilation][c] with weights[c][k]; the same bias,
 * requantisation and clamp. Time runs backwards, so when stride = 1 and
 * pad_before >= (kernel - 1) * dilation the output may be the input's own buffer. */
typedef struct {
  int32_t batch, in_length, out_length, channels;
  int32_t kernel, stride, pad_before, dilation;
  int32_t input_offset, output_offset;
  int32_t act_min, act_max;
} o2m_conv1d_channels_last_i8_params;

/* bias may be NULL. */
void o2m_conv1d_channels_last_i8(const o2m_conv1d_channels_last_i8_params *p, const int8_t *input,
                                 const int8_t *weights, const int32_t *bias,
                                 const int32_t *multipliers, const int32_t *shifts,
                                 int8_t *output);

/* ---- MatMul, Gemm and fully connected layers -------------------------------------------------
 * Y[batch][M][N] = requantize(bias[n] + sum_k (A[m][k] + a_offset) * (B[k][n] + b_offset)).
 * A[m][k] is at a[m * a_stride_m + k * a_stride_k] and B[k][n] at b[k * b_stride_k + n * b_stride_n],
 * so a transposed operand is a swap of strides, never a copy. The output batch index is decomposed
 * over batch_shape (batch_rank axes, may be 0); A and B advance by their batch strides (0 on an
 * axis they broadcast along). per_channel = 1: multipliers and shifts hold one entry per column n. */
typedef struct {
  int32_t M, N, K;
  int32_t batch_rank;
  int32_t batch_shape[O2M_MAX_DIMS];
  int32_t a_batch_strides[O2M_MAX_DIMS];
  int32_t b_batch_strides[O2M_MAX_DIMS];
  int32_t a_stride_m, a_stride_k, b_stride_k, b_stride_n;
  int32_t a_offset, b_offset, output_offset;
  int32_t per_channel;
  int32_t act_min, act_max;
} o2m_matmul_i8_params;

/* bias ([N]) may be NULL. scratch: working memory for the fast variants (the portable kernel
 * never touches it), 2 bytes per k of K rounded down to a multiple of 4, 4-byte aligned, when
 * A and B are both contiguous along K (a_stride_k = b_stride_k = 1); else NULL. */
void o2m_matmul_i8(const o2m_matmul_i8_params *p, const int8_t *a, const int8_t *b,
                   const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                   int8_t *output, int32_t *scratch);

/* ---- element-wise functions of one int8 input: a 256-entry table --------------------------
 * output[i] = table[input[i] + 128]; the compiler filled the table by evaluating the function on
 * each of the 256 input levels and quantizing the result. */
typedef struct {
  int32_t count;
} o2m_lookup_i8_params;

void o2m_lookup_i8(const o2m_lookup_i8_params *p, const int8_t *input, const int8_t *table,
                   int8_t *output);

#endif
