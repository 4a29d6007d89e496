/* onnx2mcu runtime: Gather, GatherElements and GatherND, byte-generic (see kernels_gather.h). */
#include "onnx2mcu/kernels_gather.h"
#include "onnx2mcu/libc_subset.h"

void o2m_gather(const o2m_gather_params *p, const void *data, const void *indices, void *output) {
  const uint8_t *in = (const uint8_t *)data;
  uint8_t *out = (uint8_t *)output;
  const size_t slice = (size_t)p->slice_bytes;
  for (int32_t o = 0; o < p->outer; ++o) {
    const uint8_t *block = in + (size_t)o * (size_t)p->axis_dim * slice;
    for (int32_t i = 0; i < p->index_count; ++i) {
      const int32_t at = o2m_wrap_index(indices, p->index_dtype, i, p->axis_dim);
      if (at >= 0) {
        memcpy(out, block + (size_t)at * slice, slice);
      } else {
        memset(out, 0, slice);
      }
      out += slice;
    }
  }
}

/* Advances a row-major position over `shape` by one element. */
static void next_position(int32_t *position, const int32_t *shape, int32_t rank) {
  for (int32_t d = rank - 1; d >= 0; --d) {
    if (++position[d] < shape[d]) return;
    position[d] = 0;
  }
}

void o2m_gather_elements(const o2m_gather_elements_params *p, const void *data, const void *indices, void *output) {
  const uint8_t *in = (const uint8_t *)data;
  uint8_t *out = (uint8_t *)output;
  const size_t size = (size_t)p->elem_size;
  int32_t position[O2M_MAX_DIMS] = {0};
  for (int32_t i = 0; i < p->count; ++i) {
    const int32_t at = o2m_wrap_index(indices, p->index_dtype, i, p->data_shape[p->axis]);
    if (at >= 0) {
      int32_t source = 0;
      for (int32_t d = 0; d < p->rank; ++d) {
        source += (d == p->axis ? at : position[d]) * p->data_strides[d];
      }
      memcpy(out, in + (size_t)source * size, size);
    } else {
      memset(out, 0, size);
    }
    out += size;
    next_position(position, p->index_shape, p->rank);
  }
}

void o2m_gather_nd(const o2m_gather_nd_params *p, const void *data, const void *indices, void *output) {
  const uint8_t *in = (const uint8_t *)data;
  uint8_t *out = (uint8_t *)output;
  const size_t slice = (size_t)p->slice_bytes;
  int32_t entry = 0;
  for (int32_t b = 0; b < p->batch; ++b) {
    const uint8_t *batch = in + (size_t)b * (size_t)p->batch_bytes;
    for (int32_t t = 0; t < p->tuples; ++t) {
      int32_t offset = 0;
      int valid = 1;
      for (int32_t j = 0; j < p->k; ++j, ++entry) {
        const int32_t at = o2m_wrap_index(indices, p->index_dtype, entry, p->dims[j]);
        if (at < 0) valid = 0;
        else offset += at * p->strides[j];
      }
      if (valid) {
        memcpy(out, batch + offset, slice);
      } else {
        memset(out, 0, slice);
      }
      out += slice;
    }
  }
}
