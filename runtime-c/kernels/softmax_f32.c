/* onnx2mcu runtime: float32 Softmax over the middle axis of [outer][axis][inner].
 *
 * Numerically stable as ONNX's reference is: subtract the maximum before exponentiating, so
 * no exponent overflows, then divide each term by the sum (a division per element rather than
 * a multiplication by 1/sum keeps every output correctly rounded from its two operands).
 * The exponentials are parked in the output, so no scratch memory is needed; each input element
 * is read before its output element is written, so output == input (in place) is safe. */
#include "onnx2mcu/kernels_reduce.h"
#include "onnx2mcu/math_f32.h"

void o2m_softmax_f32(const o2m_softmax_f32_params *p, const float *input, float *output) {
  const int32_t stride = p->inner;
  for (int32_t outer = 0; outer < p->outer; ++outer) {
    const int32_t block = outer * p->axis * p->inner;
    for (int32_t inner = 0; inner < p->inner; ++inner) {
      const float *in = input + block + inner;
      float *out = output + block + inner;

      float maximum = in[0];
      for (int32_t i = 1; i < p->axis; ++i) {
        if (in[i * stride] > maximum) {
          maximum = in[i * stride];
        }
      }
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
