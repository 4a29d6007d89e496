/* onnx2mcu runtime: instruction counting with SysTick under QEMU -icount shift=10.
 *
 * QEMU models no cycles, but with -icount shift=10 every instruction advances virtual time by
 * exactly 1024 ns, and SysTick counts that virtual time at the board clock O2M_SYSTICK_HZ. So
 *   instructions = ticks * 1e9 / (O2M_SYSTICK_HZ * 1024),
 * deterministic from run to run. SysTick is only 24 bits wide, so its interrupt counts wraps.
 * On real hardware the same number is simply cycles * 1e9 / (clock * 1024), not instructions. */
#include <stdint.h>

#include "onnx2mcu/platform.h"
#include "system_registers.h"

#ifndef O2M_SYSTICK_HZ
#error "O2M_SYSTICK_HZ (the SysTick clock in Hz) must be defined by the build"
#endif

#define SYSTICK_MAX_RELOAD 0xFFFFFFu
#define SYSTICK_PERIOD (SYSTICK_MAX_RELOAD + 1u)
#define ICOUNT_NS_PER_INSTRUCTION 1024u

static volatile uint32_t systick_wraps;

void o2m_systick_handler(void) {
  systick_wraps = systick_wraps + 1u;
}

/* CLKSOURCE stays set even while the counter is stopped: QEMU rescales the count still held in
 * CVR when the clock source changes, which would turn the reading at stop into nonsense. */
void o2m_counter_start(void) {
  O2M_SYST_CSR = O2M_SYST_CSR_PROCESSOR_CLOCK;
  O2M_SYST_RVR = SYSTICK_MAX_RELOAD;
  O2M_SYST_CVR = 0; /* any write clears it; the next tick reloads from RVR */
  O2M_SCB_ICSR = O2M_SCB_ICSR_PENDSTCLR;
  systick_wraps = 0;
  O2M_SYST_CSR = O2M_SYST_CSR_ENABLE | O2M_SYST_CSR_TICKINT | O2M_SYST_CSR_PROCESSOR_CLOCK;
}

static uint64_t greatest_common_divisor(uint64_t a, uint64_t b) {
  while (b != 0) {
    const uint64_t rest = a % b;
    a = b;
    b = rest;
  }
  return a;
}

static inline uint64_t instructions_from_ticks(uint64_t ticks) {
  /* Reduce 1e9 / (hz * 1024) first so that ticks * numerator cannot overflow 64 bits. */
  uint64_t numerator = 1000000000u;
  uint64_t denominator = (uint64_t)(O2M_SYSTICK_HZ) * ICOUNT_NS_PER_INSTRUCTION;
  const uint64_t common = greatest_common_divisor(numerator, denominator);
  numerator /= common;
  denominator /= common;
  return (ticks * numerator + denominator / 2) / denominator;
}

uint64_t o2m_counter_stop(void) {
  /* Freeze the counter with interrupts masked, then account for a wrap whose interrupt is
   * still pending, so no wrap is counted twice or lost. */
  __asm__ volatile("cpsid i" ::: "memory");
  O2M_SYST_CSR = O2M_SYST_CSR_PROCESSOR_CLOCK;
  const uint32_t current = O2M_SYST_CVR;
  uint32_t wraps = systick_wraps;
  if (O2M_SCB_ICSR & O2M_SCB_ICSR_PENDSTSET) {
    ++wraps;
    O2M_SCB_ICSR = O2M_SCB_ICSR_PENDSTCLR;
  }
  __asm__ volatile("cpsie i" ::: "memory");

  const uint64_t ticks = (uint64_t)wraps * SYSTICK_PERIOD + (SYSTICK_MAX_RELOAD - current);
  return instructions_from_ticks(ticks);
}

/* The counter keeps running. A wrap can land between reading CVR and reading its pending
 * flag; the flag is read on both sides of CVR, and a reading that straddles a wrap is taken
 * again, so the current value and the wrap count always belong together. */
uint64_t o2m_counter_ticks(void) {
  __asm__ volatile("cpsid i" ::: "memory");
  uint32_t pending_before;
  uint32_t pending_after;
  uint32_t current;
  do {
    pending_before = O2M_SCB_ICSR & O2M_SCB_ICSR_PENDSTSET;
    current = O2M_SYST_CVR;
    pending_after = O2M_SCB_ICSR & O2M_SCB_ICSR_PENDSTSET;
  } while (pending_before != pending_after);
  const uint32_t wraps = systick_wraps + (pending_after != 0 ? 1u : 0u);
  __asm__ volatile("cpsie i" ::: "memory");
  return (uint64_t)wraps * SYSTICK_PERIOD + (SYSTICK_MAX_RELOAD - current);
}

uint64_t o2m_counter_ticks_to_instructions(uint64_t ticks) {
  return instructions_from_ticks(ticks);
}
