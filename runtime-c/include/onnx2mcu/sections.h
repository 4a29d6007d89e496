/* onnx2mcu runtime: where the generated model's big arrays go.
 *
 * On bare-metal Arm the weights get a section of their own so that the linker script can put
 * them in the board's weight region and the report can measure them exactly from the ELF
 * (__o2m_weights_start / __o2m_weights_end), and the arena gets a section of its own so that
 * it lands in the board's arena region. Its name starts with .bss so that the compiler emits it
 * as NOBITS: a zero-filled arena costs nothing in the object files either.
 * On a hosted build there is no linker script to honour the names, so only the alignment stays.
 * 16-byte alignment keeps every tensor offset the planner aligns valid for SIMD loads.
 */
#ifndef ONNX2MCU_SECTIONS_H
#define ONNX2MCU_SECTIONS_H

#if defined(__arm__) && !defined(__linux__) && !defined(__APPLE__)
#define O2M_WEIGHTS __attribute__((section(".o2m_weights"), aligned(16)))
#define O2M_ARENA __attribute__((section(".bss.o2m_arena"), aligned(16)))
#else
#define O2M_WEIGHTS __attribute__((aligned(16)))
#define O2M_ARENA __attribute__((aligned(16)))
#endif

#endif
