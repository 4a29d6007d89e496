/* onnx2mcu runtime: int8 Add, Sub and Mul with numpy broadcasting, as TFLite's int8 reference
 * kernels compute them (tensorflow/lite/kernels/internal/reference/integer_ops/add.h, mul.h).
 * The broadcast walk is binary_broadcast.h's: one call of the row function per output row. */
#include "onnx2mcu/fixed_point.h"
#include "onnx2mcu/kernels_int8_elementwise.h"

#include "binary_broadcast.h"

static inline int8_t clamp_to_activation(int32_t value, int32_t act_min, int32_t act_max) {
  if (value < act_min) {
    value = act_min;
  }
  if (value > act_max) {
    value = act_max;
  }
  return (int8_t)value;
}

/* An operand at the common scale of the sum. (x + offset) is within [-255, 255], so shifting it
 * left by 20 bits keeps it inside int32; the multiplier (below one half) only shrinks it. */
static inline int32_t to_common_scale(int32_t x, int32_t offset, int32_t left_shift, int32_t multiplier,
                                      int32_t shift) {
  const int32_t shifted = (x + offset) * ((int32_t)1 << left_shift);
  return o2m_multiply_by_quantized_multiplier(shifted, multiplier, shift);
}

static void add_row(const o2m_add_i8_params *p, const int8_t *a, int32_t a_step, const int8_t *b,
                    int32_t b_step, int8_t *out, int32_t length) {
  for (int32_t i = 0; i < length; ++i) {
    const int32_t scaled_a = to_common_scale(a[i * a_step], p->a_offset, p->left_shift, p->a_multiplier, p->a_shift);
    const int32_t scaled_b = to_common_scale(b[i * b_step], p->b_offset, p->left_shift, p->b_multiplier, p->b_shift);
    const int32_t raw = p->subtract ? scaled_a - scaled_b : scaled_a + scaled_b;
    const int32_t value =
        o2m_multiply_by_quantized_multiplier(raw, p->output_multiplier, p->output_shift) + p->output_offset;
    out[i] = clamp_to_activation(value, p->act_min, p->act_max);
  }
}

void o2m_add_i8(const o2m_add_i8_params *p, const int8_t *a, const int8_t *b, int8_t *output) {
  O2M_FOR_EACH_ROW_2(p, a, a_strides, b, b_strides, output, add_row);
}

static void mul_row(const o2m_mul_i8_params *p, const int8_t *a, int32_t a_step, const int8_t *b,
                    int32_t b_step, int8_t *out, int32_t length) {
  for (int32_t i = 0; i < length; ++i) {
    /* Each factor is within [-255, 255], so the product fits easily in int32. */
    const int32_t product = (a[i * a_step] + p->a_offset) * (b[i * b_step] + p->b_offset);
    const int32_t value =
        o2m_multiply_by_quantized_multiplier(product, p->output_multiplier, p->output_shift) + p->output_offset;
    out[i] = clamp_to_activation(value, p->act_min, p->act_max);
  }
}

void o2m_mul_i8(const o2m_mul_i8_params *p, const int8_t *a, const int8_t *b, int8_t *output) {
  O2M_FOR_EACH_ROW_2(p, a, a_strides, b, b_strides, output, mul_row);
}
