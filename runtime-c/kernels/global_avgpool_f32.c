/* onnx2mcu runtime: float32 GlobalAveragePool, the mean of each contiguous spatial plane. */
#include "onnx2mcu/kernels_f32.h"

void o2m_global_avgpool_f32(const o2m_global_avgpool_f32_params *p, const float *input, float *output) {
  for (int32_t plane = 0; plane < p->batch_channels; ++plane) {
    const float *in = input + plane * p->spatial;
    float sum = 0.0f;
    for (int32_t i = 0; i < p->spatial; ++i) {
      sum += in[i];
    }
    output[plane] = sum / (float)p->spatial;
  }
}
