/* onnx2mcu runtime: int8 element-wise arithmetic, rescaled copies, average pooling and means in
 * the TFLite int8 scheme (DESIGN.md §4).
 *
 * real = scale * (q - zero_point), per tensor. As in kernels_int8.h the compiler computes every
 * constant: zero points arrive as offsets to add (input offsets = -zero_point, output offset =
 * +zero_point) and every real rescaling factor as a Q31 multiplier and a shift (fixed_point.h).
 * No kernel here touches a float. */
#ifndef ONNX2MCU_KERNELS_INT8_ELEMENTWISE_H
#define ONNX2MCU_KERNELS_INT8_ELEMENTWISE_H

#include <stdint.h>

#include "onnx2mcu/dims.h"
#include "onnx2mcu/kernels_reduce.h"

/* ---- Add and Sub with numpy broadcasting (TFLite's int8 Add/Sub) ----------------------------
 * Both operands are brought to a common scale 2 * max(scale_a, scale_b) with left_shift bits of
 * headroom, added (or subtracted), then rescaled to the output:
 *   a' = mbqm((a + a_offset) << left_shift, a_multiplier, a_shift)      (b' likewise)
 *   out = clamp(mbqm(a' +/- b', output_multiplier, output_shift) + output_offset, act_min, act_max)
 * The output is count elements, row-major over out_shape (rank axes, the compiler merged what
 * it could); operand k's element for an output position is at the sum of the position's
 * coordinates times its strides (0 along axes it broadcasts over). */
typedef struct {
  int32_t count;
  int32_t rank;
  int32_t out_shape[O2M_MAX_DIMS];
  int32_t a_strides[O2M_MAX_DIMS];
  int32_t b_strides[O2M_MAX_DIMS];
  int32_t a_offset, b_offset, output_offset;
  int32_t left_shift;
  int32_t a_multiplier, a_shift;
  int32_t b_multiplier, b_shift;
  int32_t output_multiplier, output_shift;
  int32_t subtract; /* 1: a - b */
  int32_t act_min, act_max;
} o2m_add_i8_params;

void o2m_add_i8(const o2m_add_i8_params *p, const int8_t *a, const int8_t *b, int8_t *output);

/* ---- Mul with numpy broadcasting (TFLite's int8 Mul) ------------------------------------------
 * out = clamp(mbqm((a + a_offset) * (b + b_offset), output_multiplier, output_shift)
 *             + output_offset, act_min, act_max); the multiplier is scale_a * scale_b / scale_out. */
typedef struct {
  int32_t count;
  int32_t rank;
  int32_t out_shape[O2M_MAX_DIMS];
  int32_t a_strides[O2M_MAX_DIMS];
  int32_t b_strides[O2M_MAX_DIMS];
  int32_t a_offset, b_offset, output_offset;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
} o2m_mul_i8_params;

void o2m_mul_i8(const o2m_mul_i8_params *p, const int8_t *a, const int8_t *b, int8_t *output);

/* ---- a copy into another scale (Concat inputs whose scale differs from the output's; Div by a
 * positive scalar constant, whose reciprocal joins the multiplier) ------------------------------
 * rows x row_length elements; row r starts at input + r * in_row_stride and lands at
 * output + out_start + r * out_row_stride:
 *   out = clamp(mbqm(in + input_offset, multiplier, shift) + output_offset, act_min, act_max)
 * (TFLite's int8 -> int8 Requantize; act_min, act_max = -128, 127 but for a fused activation). */
typedef struct {
  int32_t rows, row_length;
  int32_t in_row_stride, out_row_stride, out_start;
  int32_t input_offset, output_offset;
  int32_t multiplier, shift;
  int32_t act_min, act_max;
} o2m_requantize_copy_i8_params;

void o2m_requantize_copy_i8(const o2m_requantize_copy_i8_params *p, const int8_t *input, int8_t *output);

/* ---- AveragePool over the two innermost axes of NCHW, output at the input's scale -------------
 * As TFLite's int8 AveragePool: the int8 levels of the taps inside the input are summed and the
 * sum divided by the divisor, rounding halves away from zero. With count_include_pad the divisor
 * counts the taps inside [-pad, in + pad) and each padded tap adds the zero point (real 0);
 * otherwise it counts the taps inside the input. A window with a divisor of 0 gives the zero
 * point. input_zero_point is the zero point of input and output (they share it). */
typedef struct {
  int32_t batch_channels;
  int32_t in_h, in_w, out_h, out_w;
  int32_t k_h, k_w;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_left, pad_bottom, pad_right;
  int32_t dil_h, dil_w;
  int32_t count_include_pad;
  int32_t input_zero_point;
} o2m_avgpool2d_i8_params;

void o2m_avgpool2d_i8(const o2m_avgpool2d_i8_params *p, const int8_t *input, int8_t *output);

/* GlobalAveragePool: the rounded mean of `spatial` contiguous levels for each of batch_channels. */
typedef struct {
  int32_t batch_channels;
  int32_t spatial;
} o2m_global_avgpool_i8_params;

void o2m_global_avgpool_i8(const o2m_global_avgpool_i8_params *p, const int8_t *input, int8_t *output);

/* ---- ReduceMean over any axes, with its own output scale (TFLite's int8 Mean) -----------------
 * acc = sum over the reduced positions of (in + input_offset);
 * out = saturate(mbqm(acc, multiplier, shift) + output_offset), the multiplier being
 * scale_in / (scale_out * walk.reduced_count). */
typedef struct {
  o2m_reduction_walk walk;
  int32_t input_offset, output_offset;
  int32_t multiplier, shift;
} o2m_reduce_mean_i8_params;

void o2m_reduce_mean_i8(const o2m_reduce_mean_i8_params *p, const int8_t *input, int8_t *output);

#endif
