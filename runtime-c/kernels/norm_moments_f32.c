/* onnx2mcu runtime: the normalisations that subtract a mean and divide by a standard deviation
 * computed from the data itself: LayerNormalization, InstanceNormalization and
 * MeanVarianceNormalization. Statistics take two passes (mean, then the mean squared deviation),
 * as ONNX's reference computes them, which keeps the variance non-negative and accurate. */
#include "onnx2mcu/kernels_reduce.h"
#include "onnx2mcu/math_f32.h"

#include "reduction_walk.h"

typedef struct {
  float mean;
  float variance;
} moments;

static moments contiguous_moments(const float *x, int32_t count) {
  moments m;
  float sum = 0.0f;
  for (int32_t i = 0; i < count; ++i) {
    sum += x[i];
  }
  m.mean = sum / (float)count;
  float squares = 0.0f;
  for (int32_t i = 0; i < count; ++i) {
    const float d = x[i] - m.mean;
    squares += d * d;
  }
  m.variance = squares / (float)count;
  return m;
}

void o2m_layer_norm_f32(const o2m_layer_norm_f32_params *p, const float *input, const float *scale,
                        const float *bias, float *output, float *mean, float *inv_std_dev) {
  for (int32_t row = 0; row < p->outer; ++row) {
    const float *x = input + row * p->inner;
    float *y = output + row * p->inner;
    const moments m = contiguous_moments(x, p->inner);
    const float inv = 1.0f / o2m_sqrtf(m.variance + p->epsilon);
    for (int32_t i = 0; i < p->inner; ++i) {
      const float normalised = (x[i] - m.mean) * inv;
      y[i] = bias ? normalised * scale[i] + bias[i] : normalised * scale[i];
    }
    if (mean) {
      mean[row] = m.mean;
    }
    if (inv_std_dev) {
      inv_std_dev[row] = inv;
    }
  }
}

void o2m_instance_norm_f32(const o2m_instance_norm_f32_params *p, const float *input,
                           const float *scale, const float *bias, float *output) {
  for (int32_t n = 0; n < p->batch; ++n) {
    for (int32_t c = 0; c < p->channels; ++c) {
      const int32_t base = (n * p->channels + c) * p->spatial;
      const moments m = contiguous_moments(input + base, p->spatial);
      const float factor = scale[c] / o2m_sqrtf(m.variance + p->epsilon);
      for (int32_t i = 0; i < p->spatial; ++i) {
        output[base + i] = (input[base + i] - m.mean) * factor + bias[c];
      }
    }
  }
}

void o2m_mean_variance_norm_f32(const o2m_mean_variance_norm_f32_params *p, const float *input,
                                float *output) {
  const o2m_reduction_walk *w = &p->walk;
  const float count = (float)w->reduced_count;
  o2m_odometer kept;
  o2m_odometer_reset(&kept);
  for (int32_t k = 0; k < w->kept_count; ++k) {
    const float *x = input + kept.offset;
    float *y = output + kept.offset;
    o2m_odometer at;

    float sum = 0.0f;
    o2m_odometer_reset(&at);
    for (int32_t r = 0; r < w->reduced_count; ++r) {
      sum += x[at.offset];
      o2m_odometer_next(&at, w->reduced_rank, w->reduced_shape, w->reduced_strides);
    }
    const float mean = sum / count;

    float squares = 0.0f;
    o2m_odometer_reset(&at);
    for (int32_t r = 0; r < w->reduced_count; ++r) {
      const float d = x[at.offset] - mean;
      squares += d * d;
      o2m_odometer_next(&at, w->reduced_rank, w->reduced_shape, w->reduced_strides);
    }
    const float denominator = o2m_sqrtf(squares / count) + p->epsilon;

    o2m_odometer_reset(&at);
    for (int32_t r = 0; r < w->reduced_count; ++r) {
      y[at.offset] = (x[at.offset] - mean) / denominator;
      o2m_odometer_next(&at, w->reduced_rank, w->reduced_shape, w->reduced_strides);
    }
    o2m_odometer_next(&kept, w->kept_rank, w->kept_shape, w->kept_strides);
  }
}
