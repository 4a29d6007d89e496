/* onnx2mcu runtime (internal to kernels/): the fused activation every float kernel ends with.
 * min(max(value, act_min), act_max): a Clip whose min exceeds its max gives max everywhere, as
 * ONNX specifies. NaN passes through unchanged, as it does through ONNX Relu and Clip. */
#ifndef ONNX2MCU_KERNELS_ACTIVATION_F32_H
#define ONNX2MCU_KERNELS_ACTIVATION_F32_H

static inline float o2m_activation_f32(float value, float act_min, float act_max) {
  if (value < act_min) {
    value = act_min;
  }
  if (value > act_max) {
    value = act_max;
  }
  return value;
}

#endif
