/* onnx2mcu runtime: float32 Softmax, LogSoftmax and Hardmax over the middle axis of
 * [outer][axis][inner].
 *
 * Numerically stable as ONNX's reference is: subtract the maximum before exponentiating, so
 * no exponent overflows. Softmax divides each term by the sum (a division per element rather
 * than a multiplication by 1/sum keeps every output correctly rounded from its two operands);
 * LogSoftmax subtracts log(sum) from x - max. The exponentials are parked in the output, so no
 * scratch memory is needed; each input element is read before its output element is written,
 * so output == input (in place) is safe for all three. */
#include "onnx2mcu/kernels_reduce.h"
#include "onnx2mcu/math_f32.h"

static float axis_maximum(const float *in, int32_t count, int32_t stride) {
  float maximum = in[0];
  for (int32_t i = 1; i < count; ++i) {
    if (in[i * stride] > maximum) {
      maximum = in[i * stride];
    }
  }
  return maximum;
}

void o2m_softmax_f32(const o2m_softmax_f32_params *p, const float *input, float *output) {
  const int32_t stride = p->inner;
  if (p->axis <= 0) {
    return;
  }
  for (int32_t outer = 0; outer < p->outer; ++outer) {
    const int32_t block = outer * p->axis * p->inner;
    for (int32_t inner = 0; inner < p->inner; ++inner) {
      const float *in = input + block + inner;
      float *out = output + block + inner;

      const float maximum = axis_maximum(in, p->axis, stride);
      float sum = 0.0f;
      for (int32_t i = 0; i < p->axis; ++i) {
        const float e = o2m_expf(in[i * stride] - maximum);
        out[i * stride] = e;
        sum += e;
      }
      for (int32_t i = 0; i < p->axis; ++i) {
        out[i * stride] = out[i * stride] / sum;
      }
    }
  }
}

void o2m_log_softmax_f32(const o2m_softmax_f32_params *p, const float *input, float *output) {
  const int32_t stride = p->inner;
  if (p->axis <= 0) {
    return;
  }
  for (int32_t outer = 0; outer < p->outer; ++outer) {
    const int32_t block = outer * p->axis * p->inner;
    for (int32_t inner = 0; inner < p->inner; ++inner) {
      const float *in = input + block + inner;
      float *out = output + block + inner;

      const float maximum = axis_maximum(in, p->axis, stride);
      float sum = 0.0f;
      for (int32_t i = 0; i < p->axis; ++i) {
        sum += o2m_expf(in[i * stride] - maximum);
      }
      const float log_sum = o2m_logf(sum);
      for (int32_t i = 0; i < p->axis; ++i) {
        out[i * stride] = (in[i * stride] - maximum) - log_sum;
      }
    }
  }
}

void o2m_hardmax_f32(const o2m_softmax_f32_params *p, const float *input, float *output) {
  const int32_t stride = p->inner;
  for (int32_t outer = 0; outer < p->outer; ++outer) {
    const int32_t block = outer * p->axis * p->inner;
    for (int32_t inner = 0; inner < p->inner; ++inner) {
      const float *in = input + block + inner;
      float *out = output + block + inner;

      int32_t first_maximum = 0;
      for (int32_t i = 1; i < p->axis; ++i) {
        if (in[i * stride] > in[first_maximum * stride]) {
          first_maximum = i;
        }
      }
      for (int32_t i = 0; i < p->axis; ++i) {
        out[i * stride] = i == first_maximum ? 1.0f : 0.0f;
      }
    }
  }
}

void o2m_masked_softmax_f32(const o2m_masked_softmax_f32_params *p, const float *input,
                            const uint8_t *mask, float *output) {
  if (p->axis <= 0) {
    return;
  }
  for (int32_t outer = 0; outer < p->outer; ++outer) {
    const float *in = input + outer * p->axis;
    float *out = output + outer * p->axis;
#define MASKED_VALUE(i) (mask[(i)] == p->masked_value ? p->fill : in[(i)])
    float maximum = MASKED_VALUE(0);
    for (int32_t i = 1; i < p->axis; ++i) {
      if (MASKED_VALUE(i) > maximum) {
        maximum = MASKED_VALUE(i);
      }
    }
    float sum = 0.0f;
    for (int32_t i = 0; i < p->axis; ++i) {
      const float e = o2m_expf(MASKED_VALUE(i) - maximum);
      out[i] = e;
      sum += e;
    }
#undef MASKED_VALUE
    for (int32_t i = 0; i < p->axis; ++i) {
      out[i] = out[i] / sum;
    }
  }
}
