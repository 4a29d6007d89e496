/* onnx2mcu runtime: byte copies. A plain loop rather than memcpy, so that the kernel needs
 * nothing from a C library on any platform. */
#include "onnx2mcu/kernels_copy.h"

void o2m_copy_bytes(const o2m_copy_params *p, const void *source, void *destination) {
  const uint8_t *from = (const uint8_t *)source;
  uint8_t *to = (uint8_t *)destination;
  for (int32_t i = 0; i < p->bytes; ++i) {
    to[i] = from[i];
  }
}
