/* onnx2mcu runtime: reset and the vector table for bare-metal Cortex-M.
 *
 * QEMU's -kernel loads the ELF at its load addresses, exactly as a flash programmer would, so
 * the reset handler does the usual work: copy .data from its load address, zero .bss, enable the
 * FPU before any float instruction can run, and paint the stack for the peak measurement and arm its overflow guard. */
#include <stdint.h>

#include "onnx2mcu/platform.h"
#include "stack_region.h"
#include "system_registers.h"

int main(void);

void o2m_reset_handler(void) __attribute__((noreturn));
void o2m_default_handler(void);
void o2m_hardfault_handler(void);
void o2m_memmanage_handler(void);
void o2m_busfault_handler(void);
void o2m_usagefault_handler(void);
void o2m_systick_handler(void);

/* From the linker script. */
extern uint32_t __data_load[];
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern uint32_t __bss_start[];
extern uint32_t __bss_end[];

typedef void (*o2m_vector)(void);

/* Only the 16 system exceptions: the harness enables no device interrupt. */
__attribute__((section(".o2m_vectors"), used)) const o2m_vector o2m_vector_table[16] = {
    (o2m_vector)(uintptr_t)__stack_top, /* initial main stack pointer */
    o2m_reset_handler,
    o2m_default_handler, /* NMI */
    o2m_hardfault_handler,
    o2m_memmanage_handler,
    o2m_busfault_handler,
    o2m_usagefault_handler,
    o2m_default_handler, /* SecureFault on Armv8-M with the Security Extension */
    0,
    0,
    0,
    o2m_default_handler, /* SVCall */
    o2m_default_handler, /* DebugMonitor */
    0,
    o2m_default_handler, /* PendSV */
    o2m_systick_handler,
};

void o2m_reset_handler(void) {
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
  /* Full access to CP10/CP11 (the FPU, and MVE on Armv8.1-M); the barriers make the new access
   * rights apply before the next instruction, which may already be a float one. */
  O2M_SCB_CPACR |= O2M_SCB_CPACR_CP10_CP11_FULL;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif

  for (uint32_t *source = __data_load, *target = __data_start; target < __data_end;) {
    *target++ = *source++;
  }
  for (uint32_t *word = __bss_start; word < __bss_end; ++word) {
    *word = 0;
  }

#if O2M_HAS_CONFIGURABLE_FAULTS
  /* Without these the three faults escalate to HardFault and the report loses which one it was. */
  O2M_SCB_SHCSR |= O2M_SCB_SHCSR_MEMFAULTENA | O2M_SCB_SHCSR_BUSFAULTENA | O2M_SCB_SHCSR_USGFAULTENA;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif

  /* Everything below the current stack pointer is unused; the loop itself needs no stack. */
  uint32_t *stack_pointer;
  __asm__ volatile("mov %0, sp" : "=r"(stack_pointer));
  for (volatile uint32_t *word = __stack_limit; word < stack_pointer; ++word) {
    *word = O2M_STACK_PAINT;
  }
  o2m_stack_guard_enable();

  o2m_exit(main());
}
