/* onnx2mcu runtime: stack overflow detection at the bottom of the main stack. */
#include <stdint.h>

#include "stack_region.h"
#include "system_registers.h"

#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
#define MPU_TYPE O2M_REG32(0xE000ED90u)
#define MPU_CTRL O2M_REG32(0xE000ED94u)
#define MPU_RNR O2M_REG32(0xE000ED98u)
#define MPU_RBAR O2M_REG32(0xE000ED9Cu)
#define MPU_RASR O2M_REG32(0xE000EDA0u)
#define MPU_TYPE_DREGION(type) (((type) >> 8) & 0xFFu)
#define MPU_CTRL_ENABLE (1u << 0)
#define MPU_CTRL_PRIVDEFENA (1u << 2) /* everything outside the regions keeps the default map */
#define MPU_RASR_ENABLE (1u << 0)
#define MPU_RASR_SIZE_256_BYTES (7u << 1) /* 2^(7 + 1): keep equal to O2M_STACK_GUARD_BYTES */
#define MPU_RASR_NO_ACCESS (0u << 24)
#define MPU_RASR_EXECUTE_NEVER (1u << 28)
#endif

void o2m_stack_guard_enable(void) {
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
  /* Pushing below MSPLIM raises a UsageFault (STKOF) before the write happens. */
  const uint32_t limit = (uint32_t)(uintptr_t)__stack_limit + O2M_STACK_GUARD_BYTES;
  __asm__ volatile("msr msplim, %0" : : "r"(limit) : "memory");
#elif defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
  if (MPU_TYPE_DREGION(MPU_TYPE) == 0) {
    return; /* a core built without an MPU */
  }
  MPU_RNR = 0;
  MPU_RBAR = (uint32_t)(uintptr_t)__stack_limit;
  MPU_RASR = MPU_RASR_ENABLE | MPU_RASR_SIZE_256_BYTES | MPU_RASR_NO_ACCESS | MPU_RASR_EXECUTE_NEVER;
  MPU_CTRL = MPU_CTRL_ENABLE | MPU_CTRL_PRIVDEFENA;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
}
