/* onnx2mcu runtime: the part of the C library that runtime and generated code may call.
 *
 * Bare-metal builds link no C library (-nostdlib, -ffreestanding: no <string.h>), and GCC
 * emits calls to these four for struct copies and large initialisations anyway, so
 * platform/cortex_m/minilibc.c defines them. Hosted builds take them from <string.h>.
 */
#ifndef ONNX2MCU_LIBC_SUBSET_H
#define ONNX2MCU_LIBC_SUBSET_H

#if __STDC_HOSTED__
#include <string.h>
#else
#include <stddef.h>
void *memcpy(void *restrict dest, const void *restrict src, size_t n);
void *memmove(void *dest, const void *src, size_t n);
void *memset(void *dest, int value, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#endif

#endif
