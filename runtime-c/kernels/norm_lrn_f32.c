/* onnx2mcu runtime: LRN, local response normalisation across channels of
 * [batch][channels][spatial]. The window of channel c is [c - (size-1)/2, c + size/2], clipped
 * to the channels that exist. Not safe in place: later channels read earlier inputs. */
#include "onnx2mcu/kernels_reduce.h"
#include "onnx2mcu/math_f32.h"

void o2m_lrn_f32(const o2m_lrn_f32_params *p, const float *input, float *output) {
  const int32_t before = (p->size - 1) / 2;
  const int32_t after = p->size / 2;
  const float alpha_over_size = p->alpha / (float)p->size;
  for (int32_t n = 0; n < p->batch; ++n) {
    const float *x = input + n * p->channels * p->spatial;
    float *y = output + n * p->channels * p->spatial;
    for (int32_t c = 0; c < p->channels; ++c) {
      const int32_t first = c - before < 0 ? 0 : c - before;
      const int32_t last = c + after >= p->channels ? p->channels - 1 : c + after;
      for (int32_t s = 0; s < p->spatial; ++s) {
        float squares = 0.0f;
        for (int32_t i = first; i <= last; ++i) {
          const float v = x[i * p->spatial + s];
          squares += v * v;
        }
        const float base = p->bias + alpha_over_size * squares;
        y[c * p->spatial + s] = x[c * p->spatial + s] / o2m_powf(base, p->beta);
      }
    }
  }
}
