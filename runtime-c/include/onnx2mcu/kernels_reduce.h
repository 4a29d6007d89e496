/* onnx2mcu runtime: reduce kernels. */
#ifndef ONNX2MCU_KERNELS_REDUCE_H
#define ONNX2MCU_KERNELS_REDUCE_H

#include <stdint.h>

/* Softmax over the middle axis of a tensor viewed as [outer][axis][inner]. */
typedef struct {
  int32_t outer, axis, inner;
} o2m_softmax_f32_params;

void o2m_softmax_f32(const o2m_softmax_f32_params *p, const float *input, float *output);

/* Per-channel affine y = x * scale[c] + shift[c] on a tensor viewed as [outer][channels][inner]:
 * an inference BatchNormalization with its statistics folded at compile time. */
typedef struct {
  int32_t outer, channels, inner;
} o2m_channel_affine_f32_params;

void o2m_channel_affine_f32(const o2m_channel_affine_f32_params *p, const float *input,
                            const float *scale, const float *shift, float *output);

#endif
