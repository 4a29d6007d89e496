/* onnx2mcu runtime (internal to kernels/): the Armv7E-M DSP building blocks the fast int8
 * kernels share — unaligned word loads of four int8, SXTB16 and SXTAB16 on both byte pairs and
 * the PKH halfword packs — for cores where onnx2mcu/arch.h sets O2M_KERNELS_DSP. */
#ifndef ONNX2MCU_KERNELS_DSP_SIMD_H
#define ONNX2MCU_KERNELS_DSP_SIMD_H

#include "onnx2mcu/arch.h"

#if O2M_KERNELS_DSP
#include <arm_acle.h>
#include <stdint.h>

/* The clobber list of an asm loop that takes every core register (its state behind lr): what
 * the block loops of the Conv and the row loops of the depthwise Conv declare. */
#define O2M_ASM_ALL_REGISTERS \
  "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "lr", "memory", "cc"

static inline int32_t o2m_load_int8x4(const int8_t *p) {
  int32_t word;
  __builtin_memcpy(&word, p, sizeof word); /* one LDR: Armv7E-M loads unaligned words */
  return word;
}

/* bytes 1 and 3 of a word, sign-extended to two int16 (bytes 0 and 2 are __sxtb16's own): asm
 * because GCC does not fold a rotate into SXTB16's own ROR #8 and would spend an instruction */
static inline int16x2_t o2m_sxtb16_odd(int32_t word) {
  int16x2_t pair;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(pair) : "r"(word));
  return pair;
}

/* x + (byte 1, byte 3 of word) sign-extended, per halfword: asm, as GCC does not fold the rotate
 * into SXTAB16's own ROR #8 (the even bytes are ACLE's __sxtab16). */
static inline int16x2_t o2m_sxtab16_odd(int16x2_t x, int32_t word) {
  int16x2_t sum;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(sum) : "r"(x), "r"(word));
  return sum;
}

/* (x.low, y.low) and (x.high, y.high) from two int16 pairs: PKHBT and PKHTB, in asm as GCC 12
 * builds them from three or four shifts and ORs */
static inline int16x2_t o2m_low_halves(int16x2_t x, int16x2_t y) {
  int16x2_t pair;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(pair) : "r"(x), "r"(y));
  return pair;
}
static inline int16x2_t o2m_high_halves(int16x2_t x, int16x2_t y) {
  int16x2_t pair;
  __asm__("pkhtb %0, %2, %1, asr #16" : "=r"(pair) : "r"(x), "r"(y));
  return pair;
}

/* the larger of each pair of signed bytes: SSUB8 sets a GE flag per byte where a >= b and SEL
 * takes those bytes from a, the rest from b. One asm block, as the flags SEL reads must be the
 * ones this SSUB8 set. */
static inline uint32_t o2m_max_int8x4(uint32_t a, uint32_t b) {
  uint32_t larger;
  __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(larger) : "r"(a), "r"(b) : "cc");
  return larger;
}
#endif

#endif
