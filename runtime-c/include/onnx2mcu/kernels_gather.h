/* onnx2mcu runtime: indexing kernels (Gather, GatherElements, GatherND, ScatterElements,
 * ScatterND, OneHot; Compress runs on o2m_gather with indices computed at compile time).
 *
 * They move elements without looking at them, so one kernel serves every element type: sizes
 * are in bytes, and only the scatter reductions (add, mul) read values, through `elem_dtype`.
 * Index tensors are int32 or int64 (`index_dtype`, an o2m_dtype); a negative index counts from
 * the end of its axis, as ONNX defines. ONNX leaves an index outside [-dim, dim) undefined: here
 * a gather writes zeros for it and a scatter skips it, so no access ever leaves a tensor. */
#ifndef ONNX2MCU_KERNELS_GATHER_H
#define ONNX2MCU_KERNELS_GATHER_H

#include <stdint.h>
#include "onnx2mcu/dims.h"
#include "onnx2mcu/model_api.h"

/* Reads element i of an index tensor as int64. Returns 0 when the value is no integer index at
 * all (a fraction, NaN or huge float in OneHot's indices, a uint64 above INT64_MAX), so that a caller
 * treats it like any other out-of-range index. */
static inline int o2m_load_index(const void *indices, int32_t index_dtype, int32_t i, int64_t *value) {
  switch (index_dtype) {
    case O2M_DTYPE_INT32: *value = ((const int32_t *)indices)[i]; return 1;
    case O2M_DTYPE_INT64: *value = ((const int64_t *)indices)[i]; return 1;
    case O2M_DTYPE_INT8: *value = ((const int8_t *)indices)[i]; return 1;
    case O2M_DTYPE_INT16: *value = ((const int16_t *)indices)[i]; return 1;
    case O2M_DTYPE_UINT8: *value = ((const uint8_t *)indices)[i]; return 1;
    case O2M_DTYPE_UINT16: *value = ((const uint16_t *)indices)[i]; return 1;
    case O2M_DTYPE_UINT32: *value = ((const uint32_t *)indices)[i]; return 1;
    case O2M_DTYPE_UINT64: {
      uint64_t v = ((const uint64_t *)indices)[i];
      *value = (int64_t)(v & 0x7FFFFFFFFFFFFFFFull);
      return v <= 0x7FFFFFFFFFFFFFFFull;
    }
    case O2M_DTYPE_FLOAT32: {
      /* A float index names a position only when it is a whole number (ONNX compares it with
       * each position). The range test comes first: converting a value outside the int64 range,
       * or a NaN, would be undefined behaviour. */
      float v = ((const float *)indices)[i];
      if (!(v > -2147483648.0f && v < 2147483648.0f)) return 0;
      *value = (int64_t)v;
      return (float)*value == v;
    }
    case O2M_DTYPE_FLOAT64: {
      double v = ((const double *)indices)[i];
      if (!(v > -2147483648.0 && v < 2147483648.0)) return 0;
      *value = (int64_t)v;
      return (double)*value == v;
    }
    default: return 0;
  }
}

/* Element i of an index tensor as a position along an axis of `dim` entries: negative values
 * count from the end. Returns -1 for an index outside [-dim, dim). */
static inline int32_t o2m_wrap_index(const void *indices, int32_t index_dtype, int32_t i, int32_t dim) {
  int64_t v;
  if (!o2m_load_index(indices, index_dtype, i, &v)) return -1;
  if (v < 0) v += dim;
  return (v >= 0 && v < dim) ? (int32_t)v : -1;
}

/* Gather along one axis of data viewed as [outer][axis_dim][slice]: output is
 * [outer][index_count][slice], each slice (slice_bytes bytes) copied from the position the
 * matching index names. */
typedef struct {
  int32_t outer;
  int32_t axis_dim;
  int32_t slice_bytes;
  int32_t index_count;
  int32_t index_dtype; /* o2m_dtype: INT32 or INT64 */
} o2m_gather_params;

void o2m_gather(const o2m_gather_params *p, const void *data, const void *indices, void *output);

/* GatherElements: output (shaped like indices, `rank` axes of `index_shape`) takes, for every
 * position, the data element at the same position except along `axis`, where the index says. */
typedef struct {
  int32_t rank;
  int32_t count;     /* elements of indices and output */
  int32_t elem_size; /* bytes */
  int32_t axis;
  int32_t index_shape[O2M_MAX_DIMS];
  int32_t data_shape[O2M_MAX_DIMS];
  int32_t data_strides[O2M_MAX_DIMS]; /* in elements */
  int32_t index_dtype;
} o2m_gather_elements_params;

void o2m_gather_elements(const o2m_gather_elements_params *p, const void *data, const void *indices, void *output);

/* GatherND: for each of `batch` batches, `tuples` index tuples of `k` entries each select a
 * slice of slice_bytes bytes from the batch's data (batch_bytes bytes); entry j of a tuple
 * indexes an axis of `dims[j]` entries, `strides[j]` bytes apart. */
typedef struct {
  int32_t batch;
  int32_t tuples;
  int32_t k;
  int32_t slice_bytes;
  int32_t batch_bytes;
  int32_t dims[O2M_MAX_DIMS];
  int32_t strides[O2M_MAX_DIMS]; /* in bytes */
  int32_t index_dtype;
} o2m_gather_nd_params;

void o2m_gather_nd(const o2m_gather_nd_params *p, const void *data, const void *indices, void *output);

/* How a scatter combines an update with the element it lands on. */
typedef enum {
  O2M_SCATTER_REPLACE = 0,
  O2M_SCATTER_ADD = 1,
  O2M_SCATTER_MUL = 2
} o2m_scatter_reduction;

/* ScatterElements (and the deprecated Scatter): output starts as a copy of data
 * (data_bytes bytes); then every update element goes where GatherElements would have read it.
 * Updates are applied in order, so with REPLACE the last of duplicate indices wins. */
typedef struct {
  int32_t rank;
  int32_t count;      /* elements of indices and updates */
  int32_t data_bytes;
  int32_t elem_dtype; /* o2m_dtype of data and updates */
  int32_t reduction;  /* o2m_scatter_reduction */
  int32_t axis;
  int32_t index_shape[O2M_MAX_DIMS];
  int32_t data_shape[O2M_MAX_DIMS];
  int32_t data_strides[O2M_MAX_DIMS]; /* in elements */
  int32_t index_dtype;
} o2m_scatter_elements_params;

void o2m_scatter_elements(const o2m_scatter_elements_params *p, const void *data, const void *indices,
                          const void *updates, void *output);

/* ScatterND: output starts as a copy of data; then each of `tuples` index tuples of `k` entries
 * names a slice of slice_elems elements that takes the matching slice of updates. */
typedef struct {
  int32_t tuples;
  int32_t k;
  int32_t slice_elems;
  int32_t data_bytes;
  int32_t elem_dtype; /* o2m_dtype of data and updates */
  int32_t reduction;  /* o2m_scatter_reduction */
  int32_t dims[O2M_MAX_DIMS];
  int32_t strides[O2M_MAX_DIMS]; /* in elements */
  int32_t index_dtype;
} o2m_scatter_nd_params;

void o2m_scatter_nd(const o2m_scatter_nd_params *p, const void *data, const void *indices,
                    const void *updates, void *output);

/* OneHot: indices viewed as [outer][inner] (any numeric o2m_dtype), output
 * [outer][depth][inner] of elem_size-byte elements: values[1] where the index (negative ones
 * counting from depth) equals the position along depth, values[0] everywhere else. */
typedef struct {
  int32_t outer;
  int32_t depth;
  int32_t inner;
  int32_t elem_size;
  int32_t index_dtype;
} o2m_onehot_params;

void o2m_onehot(const o2m_onehot_params *p, const void *indices, const void *values, void *output);

#endif
