/* onnx2mcu runtime: the description of a compiled model's inputs and outputs,
 * shared by every generated model.h. */
#ifndef ONNX2MCU_MODEL_API_H
#define ONNX2MCU_MODEL_API_H

#include <stdint.h>

#define O2M_IO_MAX_DIMS 8

typedef enum {
  O2M_DTYPE_FLOAT32 = 1,
  O2M_DTYPE_UINT8 = 2,
  O2M_DTYPE_INT8 = 3,
  O2M_DTYPE_UINT16 = 4,
  O2M_DTYPE_INT16 = 5,
  O2M_DTYPE_INT32 = 6,
  O2M_DTYPE_INT64 = 7,
  O2M_DTYPE_BOOL = 9,
  O2M_DTYPE_FLOAT64 = 11,
  O2M_DTYPE_UINT32 = 12,
  O2M_DTYPE_UINT64 = 13
} o2m_dtype; /* the values of ONNX TensorProto.DataType */

typedef struct {
  const char *name;
  int32_t dtype;  /* o2m_dtype */
  int32_t rank;
  int32_t shape[O2M_IO_MAX_DIMS];
  uint32_t arena_offset; /* where the tensor lives inside the caller's arena */
  uint32_t bytes;
} o2m_io_info;

#endif
