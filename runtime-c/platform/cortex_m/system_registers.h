/* onnx2mcu runtime (internal to platform/cortex_m/): the System Control Space registers the
 * platform touches. Addresses are fixed by the Armv6-M/v7-M/v8-M architecture, not by a board. */
#ifndef ONNX2MCU_CORTEX_M_SYSTEM_REGISTERS_H
#define ONNX2MCU_CORTEX_M_SYSTEM_REGISTERS_H

#include <stdint.h>

#define O2M_REG32(address) (*(volatile uint32_t *)(address))

#define O2M_SYST_CSR O2M_REG32(0xE000E010u)
#define O2M_SYST_RVR O2M_REG32(0xE000E014u)
#define O2M_SYST_CVR O2M_REG32(0xE000E018u)
#define O2M_SYST_CSR_ENABLE (1u << 0)
#define O2M_SYST_CSR_TICKINT (1u << 1)
#define O2M_SYST_CSR_PROCESSOR_CLOCK (1u << 2)

#define O2M_SCB_ICSR O2M_REG32(0xE000ED04u)
#define O2M_SCB_ICSR_PENDSTSET (1u << 26)
#define O2M_SCB_ICSR_PENDSTCLR (1u << 25)
#define O2M_SCB_ICSR_VECTACTIVE_MASK 0x1FFu

/* Configurable fault status and enables exist from Armv7-M on (Thumb-2 cores), not on v6-M. */
#if defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH_ISA_THUMB >= 2
#define O2M_HAS_CONFIGURABLE_FAULTS 1
#define O2M_SCB_SHCSR O2M_REG32(0xE000ED24u)
#define O2M_SCB_SHCSR_MEMFAULTENA (1u << 16)
#define O2M_SCB_SHCSR_BUSFAULTENA (1u << 17)
#define O2M_SCB_SHCSR_USGFAULTENA (1u << 18)
#define O2M_SCB_CFSR O2M_REG32(0xE000ED28u)
#define O2M_SCB_HFSR O2M_REG32(0xE000ED2Cu)
#define O2M_SCB_MMFAR O2M_REG32(0xE000ED34u)
#define O2M_SCB_BFAR O2M_REG32(0xE000ED38u)
#define O2M_SCB_CFSR_MMARVALID (1u << 7)
#define O2M_SCB_CFSR_BFARVALID (1u << 15)
#define O2M_SCB_CFSR_MSTKERR (1u << 4)  /* MemManage fault while stacking for an exception */
#define O2M_SCB_CFSR_STKOF (1u << 20)   /* Armv8-M: stack pointer went below its limit */
#else
#define O2M_HAS_CONFIGURABLE_FAULTS 0
#endif

#define O2M_SCB_CPACR O2M_REG32(0xE000ED88u)
#define O2M_SCB_CPACR_CP10_CP11_FULL (0xFu << 20)

#endif
