/* onnx2mcu runtime: int8 ReduceMean over any set of axes with its own output scale, as TFLite's
 * int8 Mean: the sum of (level - input zero point) over the reduced positions, rescaled by
 * scale_in / (scale_out * count) in one fixed-point multiply, plus the output zero point. */
#include "onnx2mcu/fixed_point.h"
#include "onnx2mcu/kernels_int8_elementwise.h"

#include "reduction_walk.h"

void o2m_reduce_mean_i8(const o2m_reduce_mean_i8_params *p, const int8_t *input, int8_t *output) {
  const o2m_reduction_walk *w = &p->walk;
  o2m_odometer kept;
  o2m_odometer_reset(&kept);
  for (int32_t k = 0; k < w->kept_count; ++k) {
    o2m_odometer reduced;
    o2m_odometer_reset(&reduced);
    /* Each term is within [-255, 255]: int32 holds the sum of 8 million of them. */
    int32_t acc = 0;
    for (int32_t r = 0; r < w->reduced_count; ++r) {
      acc += input[kept.offset + reduced.offset] + p->input_offset;
      o2m_odometer_next(&reduced, w->reduced_rank, w->reduced_shape, w->reduced_strides);
    }
    int32_t value = o2m_multiply_by_quantized_multiplier(acc, p->multiplier, p->shift) + p->output_offset;
    if (value < INT8_MIN) {
      value = INT8_MIN;
    }
    if (value > INT8_MAX) {
      value = INT8_MAX;
    }
    output[k] = (int8_t)value;
    o2m_odometer_next(&kept, w->kept_rank, w->kept_shape, w->kept_strides);
  }
}
