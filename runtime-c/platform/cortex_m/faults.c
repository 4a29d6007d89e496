/* onnx2mcu runtime: fault handlers that say what went wrong, then end the run.
 *
 * A fault under QEMU would otherwise spin forever (or lock up), and the runner could only
 * report a timeout. Each handler prints which fault, the stacked PC and LR and the fault status
 * registers, and exits with its own status (120..123) so the runner can name it too.
 *
 * The entry stubs are naked because the C reporter needs the exception frame as the hardware
 * stacked it, before any prologue moves the stack pointer; they also restart the report on a
 * fresh stack (the top of the stack region) since the fault may be a stack overflow. */
#include <stdint.h>

#include "onnx2mcu/platform.h"
#include "stack_region.h"
#include "system_registers.h"

void o2m_report_fault(const uint32_t *frame, uint32_t status) __attribute__((noreturn, used));

/* Written for Armv6-M too: no IT blocks, no TST on high registers, no long-range B.
 * Bit 2 of EXC_RETURN (in LR) says whether the frame is on the process or the main stack. */
#define O2M_FAULT_ENTRY(status)          \
  "mov r0, lr\n\t"                       \
  "movs r1, #4\n\t"                      \
  "tst r0, r1\n\t"                       \
  "bne 1f\n\t"                           \
  "mrs r0, msp\n\t"                      \
  "b 2f\n"                               \
  "1:\n\t"                               \
  "mrs r0, psp\n"                        \
  "2:\n\t"                               \
  "ldr r2, =__stack_top\n\t"             \
  "mov sp, r2\n\t"                       \
  "movs r1, #" #status "\n\t"            \
  "ldr r2, =o2m_report_fault\n\t"        \
  "bx r2\n\t"                            \
  ".ltorg\n"

__attribute__((naked)) void o2m_hardfault_handler(void) { __asm__ volatile(O2M_FAULT_ENTRY(120)); }
__attribute__((naked)) void o2m_memmanage_handler(void) { __asm__ volatile(O2M_FAULT_ENTRY(121)); }
__attribute__((naked)) void o2m_busfault_handler(void) { __asm__ volatile(O2M_FAULT_ENTRY(122)); }
__attribute__((naked)) void o2m_usagefault_handler(void) { __asm__ volatile(O2M_FAULT_ENTRY(123)); }

static void print_hex32(uint32_t value) {
  char text[11] = "0x";
  for (int digit = 0; digit < 8; ++digit) {
    text[2 + digit] = "0123456789abcdef"[(value >> (28 - 4 * digit)) & 0xFu];
  }
  text[10] = '\0';
  o2m_print(text);
}

static const char *fault_name(uint32_t status) {
  switch (status) {
    case O2M_EXIT_MEMMANAGE:
      return "MemManage fault";
    case O2M_EXIT_BUSFAULT:
      return "BusFault";
    case O2M_EXIT_USAGEFAULT:
      return "UsageFault";
    default:
      return "HardFault";
  }
}

void o2m_report_fault(const uint32_t *frame, uint32_t status) {
  /* Exception frame: r0 r1 r2 r3 r12 lr pc xpsr. */
  enum { FRAME_LR = 5, FRAME_PC = 6, FRAME_WORDS = 8 };

#if O2M_HAS_CONFIGURABLE_FAULTS
  const uint32_t cfsr = O2M_SCB_CFSR;
  const int guard_hit = (cfsr & O2M_SCB_CFSR_STKOF) != 0 || (cfsr & O2M_SCB_CFSR_MSTKERR) != 0;
#else
  const int guard_hit = 0;
#endif
  /* Below the guard's top the frame was not stacked, or reading it would fault again. */
  const uint32_t *usable_bottom = __stack_limit + O2M_STACK_GUARD_BYTES / sizeof(uint32_t);
  const int overflowed = guard_hit || frame < usable_bottom;
  const int frame_readable = !overflowed && frame + FRAME_WORDS <= __stack_top;

  o2m_print("onnx2mcu: ");
  o2m_print(fault_name(status));
  if (frame_readable) {
    o2m_print(" at pc=");
    print_hex32(frame[FRAME_PC]);
    o2m_print(" lr=");
    print_hex32(frame[FRAME_LR]);
  } else if (overflowed) {
    o2m_print(": stack overflow (the stack is ");
    o2m_print_u64((uint64_t)((uintptr_t)__stack_top - (uintptr_t)__stack_limit));
    o2m_print(" bytes) sp=");
    print_hex32((uint32_t)(uintptr_t)frame);
  } else {
    o2m_print(" with the stack pointer above the stack, sp=");
    print_hex32((uint32_t)(uintptr_t)frame);
  }
#if O2M_HAS_CONFIGURABLE_FAULTS
  o2m_print(" cfsr=");
  print_hex32(cfsr);
  o2m_print(" hfsr=");
  print_hex32(O2M_SCB_HFSR);
  if (cfsr & O2M_SCB_CFSR_MMARVALID) {
    o2m_print(" mmfar=");
    print_hex32(O2M_SCB_MMFAR);
  }
  if (cfsr & O2M_SCB_CFSR_BFARVALID) {
    o2m_print(" bfar=");
    print_hex32(O2M_SCB_BFAR);
  }
#endif
  o2m_print("\n");
  o2m_exit((int)status);
}

/* Any other exception (NMI, SVC, PendSV, SecureFault, ...) is unexpected in the harness. */
void o2m_default_handler(void) {
  o2m_print("onnx2mcu: unexpected exception ");
  o2m_print_i32((int32_t)(O2M_SCB_ICSR & O2M_SCB_ICSR_VECTACTIVE_MASK));
  o2m_print("\n");
  o2m_exit(O2M_EXIT_HARDFAULT);
}
