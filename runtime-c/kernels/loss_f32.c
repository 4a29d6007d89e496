/* onnx2mcu runtime: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss on
 * input [batch][classes][inner] with targets [batch][inner].
 *
 * Both pick, for every (batch, inner) position, minus the log-probability of the target class,
 * weighted by that class's weight. Sums accumulate in order, in float, so every target gives
 * the same bits. Targets are int32 or int64 (target_bytes); one that is the ignore_index or
 * outside [0, classes) adds nothing and weighs nothing (ONNX leaves an out-of-range target
 * undefined; reading outside the input is what must not happen). */
#include "onnx2mcu/kernels_reduce.h"
#include "onnx2mcu/math_f32.h"

/* The class a target names, or -1 when it names none that counts. */
static int32_t target_class(const o2m_loss_f32_params *p, const void *target, int32_t position) {
  const int64_t t = p->target_bytes == 8 ? ((const int64_t *)target)[position]
                                          : (int64_t)((const int32_t *)target)[position];
  if (p->has_ignore_index && t == (int64_t)p->ignore_index) {
    return -1;
  }
  if (t < 0 || t >= p->classes) {
    return -1;
  }
  return (int32_t)t;
}

/* The losses at every position (already weighted), and their reduction into loss. */
typedef struct {
  float sum;
  float weight_sum;
} loss_totals;

static void record_loss(const o2m_loss_f32_params *p, int32_t position, float value, float weight,
                        loss_totals *totals, float *loss) {
  if (p->reduction == O2M_LOSS_NONE) {
    loss[position] = value;
  }
  totals->sum += value;
  totals->weight_sum += weight;
}

static void finish_loss(const o2m_loss_f32_params *p, const loss_totals *totals, float *loss) {
  if (p->reduction == O2M_LOSS_SUM) {
    loss[0] = totals->sum;
  } else if (p->reduction == O2M_LOSS_MEAN) {
    loss[0] = totals->sum / totals->weight_sum;
  }
}

void o2m_nll_loss_f32(const o2m_loss_f32_params *p, const float *input, const void *target,
                      const float *weight, float *loss) {
  loss_totals totals = {0.0f, 0.0f};
  for (int32_t n = 0; n < p->batch; ++n) {
    for (int32_t i = 0; i < p->inner; ++i) {
      const int32_t position = n * p->inner + i;
      const int32_t c = target_class(p, target, position);
      float value = 0.0f;
      float w = 0.0f;
      if (c >= 0) {
        w = weight ? weight[c] : 1.0f;
        value = -input[(n * p->classes + c) * p->inner + i] * w;
      }
      record_loss(p, position, value, w, &totals, loss);
    }
  }
  finish_loss(p, &totals, loss);
}

void o2m_softmax_cross_entropy_f32(const o2m_loss_f32_params *p, const float *input,
                                   const void *target, const float *weight, float *loss,
                                   float *log_prob) {
  loss_totals totals = {0.0f, 0.0f};
  const int32_t stride = p->inner;
  for (int32_t n = 0; n < p->batch; ++n) {
    for (int32_t i = 0; i < p->inner; ++i) {
      const float *x = input + n * p->classes * p->inner + i;
      /* LogSoftmax over the classes: x - max - log(sum(e^(x - max))). */
      float maximum = x[0];
      for (int32_t c = 1; c < p->classes; ++c) {
        if (x[c * stride] > maximum) {
          maximum = x[c * stride];
        }
      }
      float sum = 0.0f;
      for (int32_t c = 0; c < p->classes; ++c) {
        sum += o2m_expf(x[c * stride] - maximum);
      }
      const float log_sum = o2m_logf(sum);
      if (log_prob) {
        float *out = log_prob + n * p->classes * p->inner + i;
        for (int32_t c = 0; c < p->classes; ++c) {
          out[c * stride] = (x[c * stride] - maximum) - log_sum;
        }
      }

      const int32_t position = n * p->inner + i;
      const int32_t c = target_class(p, target, position);
      float value = 0.0f;
      float w = 0.0f;
      if (c >= 0) {
        w = weight ? weight[c] : 1.0f;
        value = -((x[c * stride] - maximum) - log_sum) * w;
      }
      record_loss(p, position, value, w, &totals, loss);
    }
  }
  finish_loss(p, &totals, loss);
}
