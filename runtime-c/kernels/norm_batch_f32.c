/* onnx2mcu runtime: BatchNormalization when its statistics are not compile-time constants
 * (constant ones fold into o2m_channel_affine_f32 or into the preceding Conv), on
 * [outer][channels][inner]. Inference normalises with the given mean and variance; training
 * mode with the batch's own, which it also blends into the running statistics. */
#include "onnx2mcu/kernels_reduce.h"
#include "onnx2mcu/math_f32.h"

/* y = (x - mean) * (scale / sqrt(var + epsilon)) + bias over one channel of every outer block. */
static void normalise_channel(const o2m_batch_norm_f32_params *p, int32_t channel, const float *input,
                              float mean, float var, float scale, float bias, float *output) {
  const float factor = scale / o2m_sqrtf(var + p->epsilon);
  for (int32_t outer = 0; outer < p->outer; ++outer) {
    const int32_t base = (outer * p->channels + channel) * p->inner;
    for (int32_t i = 0; i < p->inner; ++i) {
      output[base + i] = (input[base + i] - mean) * factor + bias;
    }
  }
}

void o2m_batch_norm_f32(const o2m_batch_norm_f32_params *p, const float *input, const float *scale,
                        const float *bias, const float *mean, const float *var, float *output) {
  for (int32_t channel = 0; channel < p->channels; ++channel) {
    normalise_channel(p, channel, input, mean[channel], var[channel], scale[channel], bias[channel], output);
  }
}

void o2m_batch_norm_training_f32(const o2m_batch_norm_f32_params *p, const float *input,
                                 const float *scale, const float *bias, const float *mean,
                                 const float *var, float *output, float *running_mean,
                                 float *running_var) {
  const float count = (float)p->outer * (float)p->inner;
  for (int32_t channel = 0; channel < p->channels; ++channel) {
    float sum = 0.0f;
    for (int32_t outer = 0; outer < p->outer; ++outer) {
      const float *x = input + (outer * p->channels + channel) * p->inner;
      for (int32_t i = 0; i < p->inner; ++i) {
        sum += x[i];
      }
    }
    const float batch_mean = sum / count;
    float squares = 0.0f;
    for (int32_t outer = 0; outer < p->outer; ++outer) {
      const float *x = input + (outer * p->channels + channel) * p->inner;
      for (int32_t i = 0; i < p->inner; ++i) {
        const float d = x[i] - batch_mean;
        squares += d * d;
      }
    }
    const float batch_var = squares / count;
    /* Read the running statistics before writing: they may share a buffer with the outputs. */
    const float old_mean = mean[channel];
    const float old_var = var[channel];
    normalise_channel(p, channel, input, batch_mean, batch_var, scale[channel], bias[channel], output);
    if (running_mean) {
      running_mean[channel] = old_mean * p->momentum + batch_mean * (1.0f - p->momentum);
    }
    if (running_var) {
      running_var[channel] = old_var * p->momentum + batch_var * (1.0f - p->momentum);
    }
  }
}
