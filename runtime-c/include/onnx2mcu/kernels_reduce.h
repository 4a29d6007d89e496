/* onnx2mcu runtime: reductions, normalisations, softmax and losses.
 *
 * Tensors are dense and row-major. Most kernels view their input as [outer][axis][inner]: the
 * compiler multiplies the dimensions before and after the axis an op works along, so one loop
 * nest serves every rank. Reductions over several axes walk an o2m_reduction_walk instead.
 * Per-dtype variants carry the dtype's suffix (_f32, _f64, _i8, _u8 ... _i64, _u64).
 */
#ifndef ONNX2MCU_KERNELS_REDUCE_H
#define ONNX2MCU_KERNELS_REDUCE_H

#include <stdint.h>

#include "onnx2mcu/dims.h"

/* ---- reductions over a set of axes --------------------------------------------------------- */

/* The input positions a reduction visits. The axes an op keeps and the axes it reduces are
 * listed separately, outermost first, as sizes with their strides in input elements (the
 * compiler merges axes that stay contiguous). Output element k (row-major over the kept axes)
 * combines the reduced_count input elements at kept_offset(k) + reduced_offset(r). */
typedef struct {
  int32_t kept_count;
  int32_t kept_rank;
  int32_t kept_shape[O2M_MAX_DIMS];
  int32_t kept_strides[O2M_MAX_DIMS];
  int32_t reduced_count;
  int32_t reduced_rank;
  int32_t reduced_shape[O2M_MAX_DIMS];
  int32_t reduced_strides[O2M_MAX_DIMS];
} o2m_reduction_walk;

typedef enum {
  O2M_REDUCE_SUM = 0,
  O2M_REDUCE_MEAN = 1,
  O2M_REDUCE_MAX = 2,
  O2M_REDUCE_MIN = 3,
  O2M_REDUCE_PROD = 4,
  O2M_REDUCE_L1 = 5,
  O2M_REDUCE_L2 = 6,          /* float types only */
  O2M_REDUCE_LOG_SUM = 7,     /* float types only */
  O2M_REDUCE_LOG_SUM_EXP = 8, /* float types only */
  O2M_REDUCE_SUM_SQUARE = 9
} o2m_reduce_op;

/* ReduceSum, ReduceMean ... ReduceSumSquare. Integer sums accumulate in 64 bits and wrap to the
 * element type; an integer mean truncates toward zero. An empty reduction gives the operator's
 * identity (0 for sums, 1 for the product, -inf / the type's minimum for the maximum ...). */
typedef struct {
  int32_t op; /* o2m_reduce_op */
  o2m_reduction_walk walk;
} o2m_reduce_params;

void o2m_reduce_f32(const o2m_reduce_params *p, const float *input, float *output);
void o2m_reduce_f64(const o2m_reduce_params *p, const double *input, double *output);
void o2m_reduce_i8(const o2m_reduce_params *p, const int8_t *input, int8_t *output);
void o2m_reduce_i16(const o2m_reduce_params *p, const int16_t *input, int16_t *output);
void o2m_reduce_i32(const o2m_reduce_params *p, const int32_t *input, int32_t *output);
void o2m_reduce_i64(const o2m_reduce_params *p, const int64_t *input, int64_t *output);
void o2m_reduce_u8(const o2m_reduce_params *p, const uint8_t *input, uint8_t *output);
void o2m_reduce_u16(const o2m_reduce_params *p, const uint16_t *input, uint16_t *output);
void o2m_reduce_u32(const o2m_reduce_params *p, const uint32_t *input, uint32_t *output);
void o2m_reduce_u64(const o2m_reduce_params *p, const uint64_t *input, uint64_t *output);

/* ---- ArgMax / ArgMin ------------------------------------------------------------------------- */

/* The int64 position along the middle axis of [outer][axis][inner] of the largest (find_max 1)
 * or smallest (0) element; ties go to the first position, or the last with select_last 1. */
typedef struct {
  int32_t outer, axis, inner;
  int32_t find_max;
  int32_t select_last;
} o2m_arg_reduce_params;

void o2m_arg_reduce_f32(const o2m_arg_reduce_params *p, const float *input, int64_t *output);
void o2m_arg_reduce_f64(const o2m_arg_reduce_params *p, const double *input, int64_t *output);
void o2m_arg_reduce_i8(const o2m_arg_reduce_params *p, const int8_t *input, int64_t *output);
void o2m_arg_reduce_i16(const o2m_arg_reduce_params *p, const int16_t *input, int64_t *output);
void o2m_arg_reduce_i32(const o2m_arg_reduce_params *p, const int32_t *input, int64_t *output);
void o2m_arg_reduce_i64(const o2m_arg_reduce_params *p, const int64_t *input, int64_t *output);
void o2m_arg_reduce_u8(const o2m_arg_reduce_params *p, const uint8_t *input, int64_t *output);
void o2m_arg_reduce_u16(const o2m_arg_reduce_params *p, const uint16_t *input, int64_t *output);
void o2m_arg_reduce_u32(const o2m_arg_reduce_params *p, const uint32_t *input, int64_t *output);
void o2m_arg_reduce_u64(const o2m_arg_reduce_params *p, const uint64_t *input, int64_t *output);

/* ---- CumSum ---------------------------------------------------------------------------------- */

/* Running sums along the middle axis of [outer][axis][inner]; exclusive leaves each element out
 * of its own sum, reverse runs from the end. Safe in place. Integer sums wrap. */
typedef struct {
  int32_t outer, axis, inner;
  int32_t exclusive;
  int32_t reverse;
} o2m_cumsum_params;

void o2m_cumsum_f32(const o2m_cumsum_params *p, const float *input, float *output);
void o2m_cumsum_f64(const o2m_cumsum_params *p, const double *input, double *output);
void o2m_cumsum_i32(const o2m_cumsum_params *p, const int32_t *input, int32_t *output);
void o2m_cumsum_i64(const o2m_cumsum_params *p, const int64_t *input, int64_t *output);
void o2m_cumsum_u32(const o2m_cumsum_params *p, const uint32_t *input, uint32_t *output);
void o2m_cumsum_u64(const o2m_cumsum_params *p, const uint64_t *input, uint64_t *output);

/* ---- TopK ------------------------------------------------------------------------------------ */

/* The k largest (largest 1) or smallest (0) elements along the middle axis of
 * [outer][axis][inner], best first, with their int64 positions; equal values keep their input
 * order (the lower index first). The outputs are [outer][k][inner] and double as the working
 * list, so no scratch memory is needed: O(axis * k) comparisons per row. indices may be NULL. */
typedef struct {
  int32_t outer, axis, inner;
  int32_t k;
  int32_t largest;
} o2m_topk_params;

void o2m_topk_f32(const o2m_topk_params *p, const float *input, float *values, int64_t *indices);
void o2m_topk_f64(const o2m_topk_params *p, const double *input, double *values, int64_t *indices);
void o2m_topk_i8(const o2m_topk_params *p, const int8_t *input, int8_t *values, int64_t *indices);
void o2m_topk_i16(const o2m_topk_params *p, const int16_t *input, int16_t *values, int64_t *indices);
void o2m_topk_i32(const o2m_topk_params *p, const int32_t *input, int32_t *values, int64_t *indices);
void o2m_topk_i64(const o2m_topk_params *p, const int64_t *input, int64_t *values, int64_t *indices);
void o2m_topk_u8(const o2m_topk_params *p, const uint8_t *input, uint8_t *values, int64_t *indices);
void o2m_topk_u16(const o2m_topk_params *p, const uint16_t *input, uint16_t *values, int64_t *indices);
void o2m_topk_u32(const o2m_topk_params *p, const uint32_t *input, uint32_t *values, int64_t *indices);
void o2m_topk_u64(const o2m_topk_params *p, const uint64_t *input, uint64_t *values, int64_t *indices);

/* ---- Softmax, LogSoftmax, Hardmax ------------------------------------------------------------ */

/* Along the middle axis of a tensor viewed as [outer][axis][inner]. All three are safe in place. */
typedef struct {
  int32_t outer, axis, inner;
} o2m_softmax_f32_params;

void o2m_softmax_f32(const o2m_softmax_f32_params *p, const float *input, float *output);
void o2m_log_softmax_f32(const o2m_softmax_f32_params *p, const float *input, float *output);
/* 1 at the first maximum along the axis, 0 elsewhere. */
void o2m_hardmax_f32(const o2m_softmax_f32_params *p, const float *input, float *output);

/* Softmax(Where(mask == masked_value, fill, x)) over the last axis of [outer][axis], one mask
 * of `axis` bytes (0/1) for every row, as attention's padding mask is: the exporter's Where and
 * Softmax in one pass, with the same float operations, so the same bits. */
typedef struct {
  int32_t outer, axis;
  uint8_t masked_value;
  float fill;
} o2m_masked_softmax_f32_params;

void o2m_masked_softmax_f32(const o2m_masked_softmax_f32_params *p, const float *input,
                            const uint8_t *mask, float *output);

/* ---- normalisations -------------------------------------------------------------------------- */

/* Per-channel affine y = x * scale[c] + shift[c] on a tensor viewed as [outer][channels][inner]:
 * an inference BatchNormalization with its statistics folded at compile time. */
typedef struct {
  int32_t outer, channels, inner;
} o2m_channel_affine_f32_params;

void o2m_channel_affine_f32(const o2m_channel_affine_f32_params *p, const float *input,
                            const float *scale, const float *shift, float *output);

/* BatchNormalization whose statistics arrive at run time, on [outer][channels][inner]:
 * inference uses mean and var; training (o2m_batch_norm_training_f32) normalises with the
 * batch's own mean and population variance per channel and, where running_mean / running_var
 * are not NULL, writes mean * momentum + batch_mean * (1 - momentum) (and the same for var). */
typedef struct {
  int32_t outer, channels, inner;
  float epsilon;
  float momentum;
} o2m_batch_norm_f32_params;

void o2m_batch_norm_f32(const o2m_batch_norm_f32_params *p, const float *input, const float *scale,
                        const float *bias, const float *mean, const float *var, float *output);
void o2m_batch_norm_training_f32(const o2m_batch_norm_f32_params *p, const float *input,
                                 const float *scale, const float *bias, const float *mean,
                                 const float *var, float *output, float *running_mean,
                                 float *running_var);

/* LayerNormalization on [outer][inner]: each row is normalised by its own mean and variance,
 * then y = normalised * scale[i] + bias[i] (bias may be NULL). mean and inv_std_dev receive one
 * value per row when not NULL. */
typedef struct {
  int32_t outer, inner;
  float epsilon;
} o2m_layer_norm_f32_params;

void o2m_layer_norm_f32(const o2m_layer_norm_f32_params *p, const float *input, const float *scale,
                        const float *bias, float *output, float *mean, float *inv_std_dev);

/* InstanceNormalization on [batch][channels][spatial]: every (batch, channel) plane normalised
 * by its own statistics, then scaled and shifted by the channel's scale and bias. */
typedef struct {
  int32_t batch, channels, spatial;
  float epsilon;
} o2m_instance_norm_f32_params;

void o2m_instance_norm_f32(const o2m_instance_norm_f32_params *p, const float *input,
                           const float *scale, const float *bias, float *output);

/* MeanVarianceNormalization: y = (x - mean) / (sqrt(variance) + epsilon), with mean and
 * variance over the reduced axes of the walk, for each kept position. Safe in place. */
typedef struct {
  float epsilon;
  o2m_reduction_walk walk;
} o2m_mean_variance_norm_f32_params;

void o2m_mean_variance_norm_f32(const o2m_mean_variance_norm_f32_params *p, const float *input,
                                float *output);

/* LpNormalization along the middle axis of [outer][axis][inner], p = 1 or 2. A zero vector
 * stays zero. */
typedef struct {
  int32_t outer, axis, inner;
  int32_t p;
} o2m_lp_norm_f32_params;

void o2m_lp_norm_f32(const o2m_lp_norm_f32_params *p, const float *input, float *output);

/* LRN across channels of [batch][channels][spatial]:
 * y = x / (bias + alpha / size * sum of x^2 over channels [c - (size-1)/2, c + size/2]) ^ beta. */
typedef struct {
  int32_t batch, channels, spatial;
  int32_t size;
  float alpha, beta, bias;
} o2m_lrn_f32_params;

void o2m_lrn_f32(const o2m_lrn_f32_params *p, const float *input, float *output);

/* ---- losses ---------------------------------------------------------------------------------- */

typedef enum {
  O2M_LOSS_NONE = 0,
  O2M_LOSS_SUM = 1,
  O2M_LOSS_MEAN = 2
} o2m_loss_reduction;

/* NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss on input [batch][classes][inner] and
 * targets [batch][inner] (int32 or int64: target_bytes 4 or 8). A target equal to ignore_index
 * (when has_ignore_index) or outside [0, classes) contributes nothing and weighs 0.
 * weight (per class) may be NULL. reduction NONE writes [batch][inner] losses; SUM one value;
 * MEAN one value, divided by the summed weights of the counted targets. The cross entropy takes
 * logits, applies LogSoftmax over the classes, and writes those log-probabilities to log_prob
 * when it is not NULL. */
typedef struct {
  int32_t batch, classes, inner;
  int32_t reduction; /* o2m_loss_reduction */
  int32_t has_ignore_index;
  int32_t ignore_index;
  int32_t target_bytes;
} o2m_loss_f32_params;

void o2m_nll_loss_f32(const o2m_loss_f32_params *p, const float *input, const void *target,
                      const float *weight, float *loss);
void o2m_softmax_cross_entropy_f32(const o2m_loss_f32_params *p, const float *input,
                                   const void *target, const float *weight, float *loss,
                                   float *log_prob);

#endif
