/* onnx2mcu runtime: nearest-neighbour Resize, byte-generic (see kernels_resize.h). */
#include "onnx2mcu/kernels_resize.h"
#include "onnx2mcu/libc_subset.h"

void o2m_resize_nearest(const o2m_resize_nearest_params *p, const void *input, const int32_t *indices,
                        const void *fill, void *output) {
  const uint8_t *in = (const uint8_t *)input;
  uint8_t *out = (uint8_t *)output;
  const size_t elem = (size_t)p->elem_size;
  const size_t block = (size_t)p->block_elems * elem;
  int32_t in_strides[O2M_MAX_DIMS];
  int32_t position[O2M_MAX_DIMS] = {0};
  int32_t count = 1;
  int32_t stride = 1;
  for (int32_t d = p->rank - 1; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= p->in_shape[d];
    count *= p->out_shape[d];
  }
  for (int32_t o = 0; o < count; ++o) {
    int32_t source = 0;
    int outside = 0;
    for (int32_t d = 0; d < p->rank; ++d) {
      const int32_t at = p->table_offset[d] < 0 ? position[d] : indices[p->table_offset[d] + position[d]];
      if (at < 0) outside = 1;
      source += at * in_strides[d];
    }
    if (outside) {
      for (int32_t e = 0; e < p->block_elems; ++e) memcpy(out + (size_t)e * elem, fill, elem);
    } else {
      memcpy(out, in + (size_t)source * block, block);
    }
    out += block;
    for (int32_t d = p->rank - 1; d >= 0; --d) {
      if (++position[d] < p->out_shape[d]) break;
      position[d] = 0;
    }
  }
}
