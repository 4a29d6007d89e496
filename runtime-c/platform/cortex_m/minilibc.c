/* onnx2mcu runtime: the four C library functions GCC may call on its own.
 *
 * Even with -ffreestanding, GCC emits calls to memcpy, memset, memmove and memcmp for struct
 * copies, large initialisers and some loops, and -nostdlib links no C library to provide them.
 * This file must be built with -fno-tree-loop-distribute-patterns, or GCC would turn the loops
 * below back into calls to themselves. */
#include <stddef.h>
#include <stdint.h>

#include "onnx2mcu/libc_subset.h"

/* Word access to bytes of any type: may_alias keeps it clear of strict-aliasing assumptions. */
typedef uint32_t __attribute__((may_alias)) any_word;

void *memcpy(void *restrict dest, const void *restrict src, size_t n) {
  unsigned char *d = dest;
  const unsigned char *s = src;
  /* Word copies when both are word-aligned: weights and tensors usually are. */
  if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0) {
    for (; n >= 4; n -= 4, d += 4, s += 4) {
      *(any_word *)(void *)d = *(const any_word *)(const void *)s;
    }
  }
  while (n-- > 0) {
    *d++ = *s++;
  }
  return dest;
}

void *memmove(void *dest, const void *src, size_t n) {
  unsigned char *d = dest;
  const unsigned char *s = src;
  if (d == s || n == 0) {
    return dest;
  }
  if ((uintptr_t)d < (uintptr_t)s || (uintptr_t)d >= (uintptr_t)s + n) {
    while (n-- > 0) {
      *d++ = *s++;
    }
  } else {
    d += n;
    s += n;
    while (n-- > 0) {
      *--d = *--s;
    }
  }
  return dest;
}

void *memset(void *dest, int value, size_t n) {
  unsigned char *d = dest;
  const unsigned char byte = (unsigned char)value;
  while (n > 0 && ((uintptr_t)d & 3u) != 0) {
    *d++ = byte;
    --n;
  }
  const uint32_t word = byte * 0x01010101u;
  for (; n >= 4; n -= 4, d += 4) {
    *(any_word *)(void *)d = word;
  }
  while (n-- > 0) {
    *d++ = byte;
  }
  return dest;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a;
  const unsigned char *y = b;
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) {
      return x[i] < y[i] ? -1 : 1;
    }
  }
  return 0;
}
