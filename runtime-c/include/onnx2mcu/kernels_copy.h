/* onnx2mcu runtime: byte copies the compiler schedules (a constant into an output buffer). */
#ifndef ONNX2MCU_KERNELS_COPY_H
#define ONNX2MCU_KERNELS_COPY_H

#include <stdint.h>

typedef struct {
  int32_t bytes;
} o2m_copy_params;

void o2m_copy_bytes(const o2m_copy_params *p, const void *source, void *destination);

#endif
