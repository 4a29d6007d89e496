/* onnx2mcu runtime: peak stack use from the pattern painted at reset. */
#include "onnx2mcu/platform.h"
#include "stack_region.h"

uint32_t o2m_stack_peak_bytes(void) {
  /* The guard is never read: under the MPU any access to it faults. */
  const volatile uint32_t *word = __stack_limit + O2M_STACK_GUARD_BYTES / sizeof(uint32_t);
  while (word < __stack_top && *word == O2M_STACK_PAINT) {
    ++word;
  }
  return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)word);
}
