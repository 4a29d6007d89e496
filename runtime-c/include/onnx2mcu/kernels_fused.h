/* onnx2mcu runtime: kernels for patterns the compiler recognises in exported graphs, where
 * ONNX (up to opset 17) has no operator of its own: RMS normalisation and the erf GELU. */
#ifndef ONNX2MCU_KERNELS_FUSED_H
#define ONNX2MCU_KERNELS_FUSED_H

#include <stdint.h>

/* y = x / sqrt(mean(x^2) + epsilon) * scale, over the last axis of a tensor viewed as
 * [outer][size]; scale has `size` entries (NULL: 1). */
typedef struct {
  int32_t outer, size;
  float epsilon;
} o2m_rmsnorm_f32_params;

void o2m_rmsnorm_f32(const o2m_rmsnorm_f32_params *p, const float *input, const float *scale,
                     float *output);

/* y = 0.5 x (1 + erf(x / sqrt(2))), the exact (not tanh-approximated) GELU. */
typedef struct {
  int32_t count;
} o2m_gelu_f32_params;

void o2m_gelu_f32(const o2m_gelu_f32_params *p, const float *input, float *output);

#endif
