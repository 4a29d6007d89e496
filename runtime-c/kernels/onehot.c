/* onnx2mcu runtime: OneHot (see kernels_gather.h). */
#include "onnx2mcu/kernels_gather.h"
#include "onnx2mcu/libc_subset.h"

void o2m_onehot(const o2m_onehot_params *p, const void *indices, const void *values, void *output) {
  const uint8_t *off = (const uint8_t *)values;
  const uint8_t *on = off + p->elem_size;
  uint8_t *out = (uint8_t *)output;
  const size_t size = (size_t)p->elem_size;
  const int32_t plane = p->depth * p->inner;
  for (int32_t o = 0; o < p->outer; ++o) {
    uint8_t *block = out + (size_t)o * (size_t)plane * size;
    for (int32_t e = 0; e < plane; ++e) memcpy(block + (size_t)e * size, off, size);
    for (int32_t i = 0; i < p->inner; ++i) {
      const int32_t at = o2m_wrap_index(indices, p->index_dtype, o * p->inner + i, p->depth);
      if (at >= 0) memcpy(block + ((size_t)at * (size_t)p->inner + (size_t)i) * size, on, size);
    }
  }
}
