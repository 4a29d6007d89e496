/* onnx2mcu runtime (private): copying one element of 1, 2, 4 or 8 bytes, for the byte-generic
 * movement kernels.
 *
 * The kernels see tensors of every dtype as bytes. Moving a float through a uint32_t lvalue
 * would break C's aliasing rules, and a byte loop per element is slow on a Cortex-M, so the
 * word types are declared may_alias (GCC and Clang): they may read any object, like char. */
#ifndef ONNX2MCU_ELEMENT_COPY_H
#define ONNX2MCU_ELEMENT_COPY_H

#include <stdint.h>

#if defined(__GNUC__)
#define O2M_MAY_ALIAS __attribute__((__may_alias__))
#else
#define O2M_MAY_ALIAS
#endif

typedef uint16_t O2M_MAY_ALIAS o2m_bits16;
typedef uint32_t O2M_MAY_ALIAS o2m_bits32;
typedef uint64_t O2M_MAY_ALIAS o2m_bits64;

/* Every pointer is aligned for its element size: the arena's tensors start 16-byte aligned
 * and weights are arrays of their own C type. */
static inline void o2m_copy_element(uint8_t *to, const uint8_t *from, int32_t size) {
  switch (size) {
    case 1: *to = *from; break;
    case 2: *(o2m_bits16 *)to = *(const o2m_bits16 *)from; break;
    case 4: *(o2m_bits32 *)to = *(const o2m_bits32 *)from; break;
    case 8: *(o2m_bits64 *)to = *(const o2m_bits64 *)from; break;
    default:
      for (int32_t b = 0; b < size; ++b) {
        to[b] = from[b];
      }
      break;
  }
}

/* `count` consecutive elements; the element size is chosen once, outside the loop. */
static inline void o2m_copy_run(uint8_t *to, const uint8_t *from, int32_t count, int32_t size) {
  switch (size) {
    case 4:
      for (int32_t i = 0; i < count; ++i) {
        ((o2m_bits32 *)to)[i] = ((const o2m_bits32 *)from)[i];
      }
      break;
    case 8:
      for (int32_t i = 0; i < count; ++i) {
        ((o2m_bits64 *)to)[i] = ((const o2m_bits64 *)from)[i];
      }
      break;
    case 2:
      for (int32_t i = 0; i < count; ++i) {
        ((o2m_bits16 *)to)[i] = ((const o2m_bits16 *)from)[i];
      }
      break;
    default:
      for (int32_t b = 0; b < count * size; ++b) {
        to[b] = from[b];
      }
      break;
  }
}

static inline void o2m_zero_element(uint8_t *to, int32_t size) {
  for (int32_t b = 0; b < size; ++b) {
    to[b] = 0;
  }
}

#endif
