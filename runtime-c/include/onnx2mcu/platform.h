/* onnx2mcu runtime: what the generated harness needs from the machine it runs on.
 * Two implementations: platform/cortex_m/ (bare metal under QEMU: semihosting, SysTick)
 * and platform/host/ (a hosted C library, for `build --host`). */
#ifndef ONNX2MCU_PLATFORM_H
#define ONNX2MCU_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* Exit statuses shared by the harness, the fault handlers and the TypeScript runner. */
#define O2M_EXIT_OK 0
#define O2M_EXIT_WRONG_RESULT 1
#define O2M_EXIT_BAD_INPUT 2
/* 3 and 4 are the compiler's own (does not fit the board, toolchain missing). */
/* A kernel wrote past either end of the arena: the harness found a guard band damaged. */
#define O2M_EXIT_ARENA_OVERRUN 5
/* A kernel wrote inside the arena outside what it may write, changing a buffer whose value
 * was still needed (found by a debug build, -DO2M_CHECK_WRITES, after the step that did it). */
#define O2M_EXIT_KERNEL_OVERWRITE 6
#define O2M_EXIT_HARDFAULT 120
#define O2M_EXIT_MEMMANAGE 121
#define O2M_EXIT_BUSFAULT 122
#define O2M_EXIT_USAGEFAULT 123

void o2m_platform_init(void);

/* Reads exactly `bytes` bytes of a host file (relative to the runner's working directory).
 * Returns 0 on success, -1 if the file is missing or shorter. */
int o2m_file_read(const char *path, void *buffer, size_t bytes);
/* Returns 1 if the file exists (and can be opened for reading), 0 otherwise. */
int o2m_file_exists(const char *path);
/* Writes (creates or truncates) a host file. Returns 0 on success, -1 on failure. */
int o2m_file_write(const char *path, const void *buffer, size_t bytes);

/* Streaming reads, so that the harness can compare an output with a file chunk by chunk
 * instead of needing a second arena-sized buffer. A handle is >= 0; -1 means the file could
 * not be opened. At most a few files are open at once (host: 8). */
int o2m_file_open_read(const char *path);
/* Reads up to `bytes` bytes; returns how many were read, fewer only at the end of the file. */
size_t o2m_file_read_chunk(int handle, void *buffer, size_t bytes);
void o2m_file_close(int handle);

/* Text to the runner's stdout. */
void o2m_print(const char *text);
void o2m_print_u64(uint64_t value);
void o2m_print_i32(int32_t value);
void o2m_print_i64(int64_t value);
/* Scientific notation with 9 significant digits, as printf's "%.8e" writes it
 * (e.g. -1.25000000e-03), which tells any two floats apart; "nan", "inf" and "-inf" otherwise.
 * The bare-metal version formats through double arithmetic and may differ from the host's
 * printf in the last digit. */
void o2m_print_f32(float value);

/* Instructions executed between start and stop (0 where the platform cannot count). */
void o2m_counter_start(void);
uint64_t o2m_counter_stop(void);
/* Profiling (-DO2M_PROFILE): the running count in the counter's own ticks, without stopping
 * it, and ticks (or a difference of two readings) as instructions. Ticks are finer than
 * instructions, so differences are taken before converting. */
uint64_t o2m_counter_ticks(void);
uint64_t o2m_counter_ticks_to_instructions(uint64_t ticks);

/* Deepest stack use since reset, in bytes, from the painted stack (0 on the host). */
uint32_t o2m_stack_peak_bytes(void);

void o2m_exit(int status) __attribute__((noreturn));

#endif
