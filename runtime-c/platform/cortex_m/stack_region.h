/* onnx2mcu runtime (internal to platform/cortex_m/): the main stack region and what watches it.
 *
 * The stack is filled with a pattern at reset (startup.c) and scanned at exit (stack_usage.c):
 * the deepest overwritten word gives the peak. Its lowest O2M_STACK_GUARD_BYTES are a guard
 * (stack_guard.c) where the hardware can: an overflow then faults at once instead of running
 * over whatever lies below, so the usable stack is the board's stackBytes minus the guard. */
#ifndef ONNX2MCU_CORTEX_M_STACK_REGION_H
#define ONNX2MCU_CORTEX_M_STACK_REGION_H

#include <stdint.h>

/* An odd, non-pointer-like value that code is unlikely to store. */
#define O2M_STACK_PAINT 0xC5ACCE55u

/* An MPU guard only catches an overflow whose writes land in it, and one function frame with
 * big locals can step over a small guard; 256 bytes is larger than any runtime kernel's frame.
 * An MPU region must be aligned to its size: the linker script aligns the stack to 256. */
#define O2M_STACK_GUARD_BYTES 256u

/* From the linker script: the stack occupies [__stack_limit, __stack_top). */
extern uint32_t __stack_limit[];
extern uint32_t __stack_top[];

/* Arms the overflow guard: Armv8-M's stack limit register, or an Armv7-M MPU region with no
 * access; nothing on Armv6-M. */
void o2m_stack_guard_enable(void);

#endif
