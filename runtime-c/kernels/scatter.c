/* onnx2mcu runtime: ScatterElements and ScatterND (see kernels_gather.h). */
#include "onnx2mcu/kernels_gather.h"
#include "onnx2mcu/libc_subset.h"

static int32_t element_size(int32_t dtype) {
  switch (dtype) {
    case O2M_DTYPE_INT8: case O2M_DTYPE_UINT8: case O2M_DTYPE_BOOL: return 1;
    case O2M_DTYPE_INT16: case O2M_DTYPE_UINT16: return 2;
    case O2M_DTYPE_INT64: case O2M_DTYPE_UINT64: case O2M_DTYPE_FLOAT64: return 8;
    default: return 4;
  }
}

/* Integer sums and products wrap around, as they do in ONNX Runtime; they are computed in
 * unsigned arithmetic because signed overflow is undefined in C. */
#define O2M_COMBINE_INT(ctype, utype)                                            \
  do {                                                                            \
    ctype *d = (ctype *)destination;                                              \
    const ctype u = *(const ctype *)update;                                       \
    *d = (ctype)(reduction == O2M_SCATTER_ADD ? (utype)((utype)*d + (utype)u)     \
                                              : (utype)((utype)*d * (utype)u));   \
  } while (0)

/* Applies one update element; REPLACE is a plain copy and never comes here. */
static void combine(int32_t dtype, int32_t reduction, void *destination, const void *update) {
  switch (dtype) {
    case O2M_DTYPE_FLOAT32: {
      float *d = (float *)destination;
      const float u = *(const float *)update;
      *d = reduction == O2M_SCATTER_ADD ? *d + u : *d * u;
      break;
    }
    case O2M_DTYPE_FLOAT64: {
      double *d = (double *)destination;
      const double u = *(const double *)update;
      *d = reduction == O2M_SCATTER_ADD ? *d + u : *d * u;
      break;
    }
    case O2M_DTYPE_BOOL: {
      /* A sum of booleans is their OR, a product their AND. */
      uint8_t *d = (uint8_t *)destination;
      const uint8_t u = *(const uint8_t *)update;
      *d = (uint8_t)(reduction == O2M_SCATTER_ADD ? (*d || u) : (*d && u));
      break;
    }
    case O2M_DTYPE_INT8: O2M_COMBINE_INT(int8_t, uint32_t); break;
    case O2M_DTYPE_UINT8: O2M_COMBINE_INT(uint8_t, uint32_t); break;
    case O2M_DTYPE_INT16: O2M_COMBINE_INT(int16_t, uint32_t); break;
    case O2M_DTYPE_UINT16: O2M_COMBINE_INT(uint16_t, uint32_t); break;
    case O2M_DTYPE_INT32: O2M_COMBINE_INT(int32_t, uint32_t); break;
    case O2M_DTYPE_UINT32: O2M_COMBINE_INT(uint32_t, uint32_t); break;
    case O2M_DTYPE_INT64: O2M_COMBINE_INT(int64_t, uint64_t); break;
    case O2M_DTYPE_UINT64: O2M_COMBINE_INT(uint64_t, uint64_t); break;
    default: break;
  }
}

#undef O2M_COMBINE_INT

static void apply(int32_t dtype, int32_t reduction, void *destination, const void *update, size_t size) {
  if (reduction == O2M_SCATTER_REPLACE) {
    memcpy(destination, update, size);
  } else {
    combine(dtype, reduction, destination, update);
  }
}

void o2m_scatter_elements(const o2m_scatter_elements_params *p, const void *data, const void *indices,
                          const void *updates, void *output) {
  const uint8_t *from = (const uint8_t *)updates;
  uint8_t *out = (uint8_t *)output;
  const size_t size = (size_t)element_size(p->elem_dtype);
  int32_t position[O2M_MAX_DIMS] = {0};
  if (output != data) memcpy(output, data, (size_t)p->data_bytes);
  for (int32_t i = 0; i < p->count; ++i, from += size) {
    const int32_t at = o2m_wrap_index(indices, p->index_dtype, i, p->data_shape[p->axis]);
    if (at >= 0) {
      int32_t target = 0;
      for (int32_t d = 0; d < p->rank; ++d) {
        target += (d == p->axis ? at : position[d]) * p->data_strides[d];
      }
      apply(p->elem_dtype, p->reduction, out + (size_t)target * size, from, size);
    }
    for (int32_t d = p->rank - 1; d >= 0; --d) {
      if (++position[d] < p->index_shape[d]) break;
      position[d] = 0;
    }
  }
}

void o2m_scatter_nd(const o2m_scatter_nd_params *p, const void *data, const void *indices,
                    const void *updates, void *output) {
  const uint8_t *from = (const uint8_t *)updates;
  uint8_t *out = (uint8_t *)output;
  const size_t size = (size_t)element_size(p->elem_dtype);
  int32_t entry = 0;
  if (output != data) memcpy(output, data, (size_t)p->data_bytes);
  for (int32_t t = 0; t < p->tuples; ++t, from += (size_t)p->slice_elems * size) {
    int32_t target = 0;
    int valid = 1;
    for (int32_t j = 0; j < p->k; ++j, ++entry) {
      const int32_t at = o2m_wrap_index(indices, p->index_dtype, entry, p->dims[j]);
      if (at < 0) valid = 0;
      else target += at * p->strides[j];
    }
    if (!valid) continue;
    if (p->reduction == O2M_SCATTER_REPLACE) {
      memcpy(out + (size_t)target * size, from, (size_t)p->slice_elems * size);
    } else {
      for (int32_t e = 0; e < p->slice_elems; ++e) {
        combine(p->elem_dtype, p->reduction, out + ((size_t)target + (size_t)e) * size, from + (size_t)e * size);
      }
    }
  }
}
