/* onnx2mcu runtime: float32 Add, Sub, Mul and Div with numpy broadcasting and a fused activation.
 *
 * The output is walked row by row (a row is the innermost axis); an odometer over the outer
 * axes moves the A and B offsets by their strides, which are 0 where an operand broadcasts.
 * The operator is chosen once per row so the inner loops stay branch-free. */
#include "onnx2mcu/kernels_elementwise.h"

#include "activation_f32.h"

static void binary_row(int32_t op, int32_t length, const float *a, int32_t a_stride, const float *b,
                       int32_t b_stride, float act_min, float act_max, float *out) {
  switch (op) {
    case O2M_BINARY_ADD:
      for (int32_t i = 0; i < length; ++i) {
        out[i] = o2m_activation_f32(a[i * a_stride] + b[i * b_stride], act_min, act_max);
      }
      break;
    case O2M_BINARY_SUB:
      for (int32_t i = 0; i < length; ++i) {
        out[i] = o2m_activation_f32(a[i * a_stride] - b[i * b_stride], act_min, act_max);
      }
      break;
    case O2M_BINARY_MUL:
      for (int32_t i = 0; i < length; ++i) {
        out[i] = o2m_activation_f32(a[i * a_stride] * b[i * b_stride], act_min, act_max);
      }
      break;
    case O2M_BINARY_DIV:
      for (int32_t i = 0; i < length; ++i) {
        out[i] = o2m_activation_f32(a[i * a_stride] / b[i * b_stride], act_min, act_max);
      }
      break;
    default:
      break;
  }
}

void o2m_binary_f32(const o2m_binary_f32_params *p, const float *a, const float *b, float *output) {
  if (p->count <= 0) {
    return;
  }
  if (p->rank == 0) {
    binary_row(p->op, 1, a, 0, b, 0, p->act_min, p->act_max, output);
    return;
  }
  const int32_t inner = p->rank - 1;
  const int32_t row_length = p->out_shape[inner];
  const int32_t rows = p->count / row_length;

  int32_t index[O2M_MAX_DIMS] = {0};
  int32_t a_offset = 0;
  int32_t b_offset = 0;
  for (int32_t row = 0; row < rows; ++row) {
    binary_row(p->op, row_length, a + a_offset, p->a_strides[inner], b + b_offset, p->b_strides[inner],
               p->act_min, p->act_max, output + row * row_length);
    /* Advance the odometer over the outer axes, carrying into the next axis on wrap. */
    for (int32_t axis = inner - 1; axis >= 0; --axis) {
      ++index[axis];
      a_offset += p->a_strides[axis];
      b_offset += p->b_strides[axis];
      if (index[axis] < p->out_shape[axis]) {
        break;
      }
      a_offset -= p->a_strides[axis] * p->out_shape[axis];
      b_offset -= p->b_strides[axis] * p->out_shape[axis];
      index[axis] = 0;
    }
  }
}
