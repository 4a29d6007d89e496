/* onnx2mcu runtime: elementwise kernels. */
#ifndef ONNX2MCU_KERNELS_ELEMENTWISE_H
#define ONNX2MCU_KERNELS_ELEMENTWISE_H

#include <stdint.h>
#include "onnx2mcu/dims.h"

/* Element-wise binary operation with numpy broadcasting.
 * The output has `rank` axes of `out_shape`; A and B are read through their strides in
 * elements, 0 on the axes they broadcast along. `count` is the number of output elements. */
typedef enum {
  O2M_BINARY_ADD = 0,
  O2M_BINARY_SUB = 1,
  O2M_BINARY_MUL = 2,
  O2M_BINARY_DIV = 3
} o2m_binary_op;

typedef struct {
  int32_t op; /* o2m_binary_op */
  int32_t count;
  int32_t rank;
  int32_t out_shape[O2M_MAX_DIMS];
  int32_t a_strides[O2M_MAX_DIMS];
  int32_t b_strides[O2M_MAX_DIMS];
  float act_min, act_max;
} o2m_binary_f32_params;

void o2m_binary_f32(const o2m_binary_f32_params *p, const float *a, const float *b, float *output);

/* Clamp (Relu = [0, inf], Clip = [min, max]); output may equal input. */
typedef struct {
  int32_t count;
  float min, max;
} o2m_clamp_f32_params;

void o2m_clamp_f32(const o2m_clamp_f32_params *p, const float *input, float *output);

#endif
