/* onnx2mcu runtime: the strided copy behind every op that only moves elements.
 *
 * The walk goes row by row (a row is the innermost axis); an odometer over the outer axes
 * moves the input and output offsets by their strides. The element size is chosen once per
 * row so the inner loops stay branch-free. */
#include "onnx2mcu/kernels_movement.h"

#include "element_copy.h"

static void copy_row(int32_t element_size, int32_t length, const uint8_t *from, int32_t from_step,
                     uint8_t *to, int32_t to_step) {
  switch (element_size) {
    case 1:
      for (int32_t i = 0; i < length; ++i) {
        to[i * to_step] = from[i * from_step];
      }
      break;
    case 2: {
      const o2m_bits16 *source = (const o2m_bits16 *)from;
      o2m_bits16 *target = (o2m_bits16 *)to;
      for (int32_t i = 0; i < length; ++i) {
        target[i * to_step] = source[i * from_step];
      }
      break;
    }
    case 4: {
      const o2m_bits32 *source = (const o2m_bits32 *)from;
      o2m_bits32 *target = (o2m_bits32 *)to;
      for (int32_t i = 0; i < length; ++i) {
        target[i * to_step] = source[i * from_step];
      }
      break;
    }
    case 8: {
      const o2m_bits64 *source = (const o2m_bits64 *)from;
      o2m_bits64 *target = (o2m_bits64 *)to;
      for (int32_t i = 0; i < length; ++i) {
        target[i * to_step] = source[i * from_step];
      }
      break;
    }
    default:
      for (int32_t i = 0; i < length; ++i) {
        o2m_copy_element(to + i * to_step * element_size, from + i * from_step * element_size, element_size);
      }
      break;
  }
}

void o2m_copy_strided(const o2m_copy_strided_params *p, const void *input, void *output) {
  int32_t rows = 1;
  for (int32_t axis = 0; axis < p->rank; ++axis) {
    rows *= p->shape[axis];
  }
  if (rows == 0 || p->rank < 1) {
    return;
  }
  const int32_t inner = p->rank - 1;
  const int32_t row_length = p->shape[inner];
  rows /= row_length;
  const int32_t size = p->element_size;
  const uint8_t *source = (const uint8_t *)input;
  uint8_t *target = (uint8_t *)output;

  int32_t index[O2M_MAX_DIMS] = {0};
  int32_t in_offset = p->in_offset;
  int32_t out_offset = p->out_offset;
  for (int32_t row = 0; row < rows; ++row) {
    copy_row(size, row_length, source + in_offset * size, p->in_strides[inner], target + out_offset * size,
             p->out_strides[inner]);
    /* Advance the odometer over the outer axes, carrying into the next axis on wrap. */
    for (int32_t axis = inner - 1; axis >= 0; --axis) {
      ++index[axis];
      in_offset += p->in_strides[axis];
      out_offset += p->out_strides[axis];
      if (index[axis] < p->shape[axis]) {
        break;
      }
      in_offset -= p->in_strides[axis] * p->shape[axis];
      out_offset -= p->out_strides[axis] * p->shape[axis];
      index[axis] = 0;
    }
  }
}
