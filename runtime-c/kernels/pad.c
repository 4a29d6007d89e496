/* onnx2mcu runtime: Pad in constant, edge, reflect and wrap modes (Tile is wrap padding).
 *
 * Every output row (innermost axis) first finds the input row its outer coordinates map to;
 * a row that falls in constant padding on an outer axis is filled whole. Inside a row each
 * element maps on its own, so pads wider than the input (Tile's repeats, numpy's repeated
 * reflection) need no special case. */
#include "onnx2mcu/kernels_movement.h"

#include "element_copy.h"

/* The input coordinate that output coordinate `o` reads along one axis, or -1 for the
 * constant. `size` is at least 1 in every mode but CONSTANT (the compiler checks). */
static int32_t source_coordinate(int32_t o, int32_t pad_begin, int32_t size, int32_t mode) {
  int32_t i = o - pad_begin;
  if (i >= 0 && i < size) {
    return i;
  }
  switch (mode) {
    case O2M_PAD_EDGE:
      return i < 0 ? 0 : size - 1;
    case O2M_PAD_REFLECT: {
      if (size == 1) {
        return 0;
      }
      const int32_t period = 2 * (size - 1);
      i %= period;
      if (i < 0) {
        i += period;
      }
      return i < size ? i : period - i;
    }
    case O2M_PAD_WRAP:
      i %= size;
      return i < 0 ? i + size : i;
    default:
      return -1;
  }
}

void o2m_pad(const o2m_pad_params *p, const void *input, const void *constant_value, void *output) {
  int32_t count = 1;
  for (int32_t axis = 0; axis < p->rank; ++axis) {
    count *= p->out_shape[axis];
  }
  if (count == 0 || p->rank < 1) {
    return;
  }
  const int32_t size = p->element_size;
  const int32_t inner = p->rank - 1;
  const int32_t row_length = p->out_shape[inner];
  const int32_t rows = count / row_length;
  const uint8_t *source = (const uint8_t *)input;
  const uint8_t *constant = (const uint8_t *)constant_value;
  uint8_t *target = (uint8_t *)output;

  /* Element strides of the dense input. */
  int32_t in_strides[O2M_MAX_DIMS];
  int32_t stride = 1;
  for (int32_t axis = inner; axis >= 0; --axis) {
    in_strides[axis] = stride;
    stride *= p->in_shape[axis];
  }

  int32_t index[O2M_MAX_DIMS] = {0};
  for (int32_t row = 0; row < rows; ++row) {
    uint8_t *out_row = target + row * row_length * size;
    int32_t row_offset = 0;
    int32_t in_padding = 0;
    for (int32_t axis = 0; axis < inner; ++axis) {
      const int32_t i = source_coordinate(index[axis], p->pads_begin[axis], p->in_shape[axis], p->mode);
      if (i < 0) {
        in_padding = 1;
        break;
      }
      row_offset += i * in_strides[axis];
    }
    if (in_padding) {
      for (int32_t o = 0; o < row_length; ++o) {
        o2m_copy_element(out_row + o * size, constant, size);
      }
    } else {
      /* Output [first, end) of the row reads the input row in order: one run; the padding on
       * either side maps element by element. */
      const uint8_t *in_row = source + row_offset * size;
      const int32_t pad = p->pads_begin[inner];
      const int32_t width = p->in_shape[inner];
      const int32_t first = pad > 0 ? (pad < row_length ? pad : row_length) : 0;
      int32_t end = pad + width < row_length ? pad + width : row_length;
      if (end < first) {
        end = first;
      }
      for (int32_t o = 0; o < first; ++o) {
        const int32_t i = source_coordinate(o, pad, width, p->mode);
        o2m_copy_element(out_row + o * size, i < 0 ? constant : in_row + i * size, size);
      }
      if (end > first) {
        o2m_copy_run(out_row + first * size, in_row + (first - pad) * size, end - first, size);
      }
      for (int32_t o = end; o < row_length; ++o) {
        const int32_t i = source_coordinate(o, pad, width, p->mode);
        o2m_copy_element(out_row + o * size, i < 0 ? constant : in_row + i * size, size);
      }
    }
    for (int32_t axis = inner - 1; axis >= 0; --axis) {
      if (++index[axis] < p->out_shape[axis]) {
        break;
      }
      index[axis] = 0;
    }
  }
}
