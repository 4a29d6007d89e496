/* onnx2mcu runtime: QuantizeLinear and DequantizeLinear, the border between float and integer
 * parts of a model. The only int8-path kernels that compute in float, as ONNX defines them. */
#include "onnx2mcu/arch.h"
#include "onnx2mcu/kernels_int8.h"
#include "onnx2mcu/math_f32.h"

#if O2M_KERNELS_FPU && O2M_KERNELS_DSP
#include <arm_acle.h>

/* A quotient's level, NaN aside: VCVTR, QADD of the zero point, SSAT or USAT. */
static inline __attribute__((always_inline)) int32_t rounded_level(float quotient, int32_t zero_point, int is_signed) {
  float rounded;
  __asm__("vcvtr.s32.f32 %0, %1" : "=t"(rounded) : "t"(quotient));
  int32_t integer;
  __asm__("vmov %0, %1" : "=r"(integer) : "t"(rounded));
  const int32_t level = __qadd(integer, zero_point);
  return is_signed ? __ssat(level, 8) : (int32_t)__usat(level, 8);
}

/* The same value with one VCVTR instead of o2m_roundf_even's bit manipulation: x / scale is the
 * same IEEE division, and VCVTR rounds it half to even (the definition's rounding) to an int32,
 * saturating past 2^31 and at the infinities. Inside ±2^24 the quotient's rounding is exact in
 * float, as is its sum with the zero point, so the clamps agree; beyond, the float quotient is an
 * integer already and any sum of it lies past a bound, where QADD (no wrap-around) and SSAT/USAT
 * end too. NaN, which VCVTR makes 0, goes to the lower bound as in the definition. */
static inline int32_t quantize_one(float x, float scale, int32_t zero_point, float lo, float hi) {
  (void)hi;
  const float quotient = x / scale;
  if (quotient != quotient) {
    return (int32_t)lo;
  }
  return rounded_level(quotient, zero_point, lo < 0.0f);
}
#elif O2M_KERNELS_FPU
/* The same value with one VCVTR instead of o2m_roundf_even's bit manipulation: x / scale is the
 * same IEEE division; inside ±1024 both round it half to even to the same integer (exact in
 * float, as is its sum with the zero point, so the clamps agree), and outside, or for NaN, both
 * end at a bound: the zero point lies in [lo, hi], and a quotient of magnitude 1024 or more is
 * past either bound. */
static inline int32_t quantize_one(float x, float scale, int32_t zero_point, float lo, float hi) {
  const float quotient = x / scale;
  if (!(quotient > -1024.0f)) {
    return (int32_t)lo;
  }
  if (quotient >= 1024.0f) {
    return (int32_t)hi;
  }
  float rounded;
  __asm__("vcvtr.s32.f32 %0, %1" : "=t"(rounded) : "t"(quotient));
  int32_t integer;
  __asm__("vmov %0, %1" : "=r"(integer) : "t"(rounded));
  const int32_t q = integer + zero_point;
  return q < (int32_t)lo ? (int32_t)lo : q > (int32_t)hi ? (int32_t)hi : q;
}
#else
/* round(x / scale) + zero_point, halves to even, saturated to [lo, hi]; NaN goes to lo. */
static inline float quantize_one(float x, float scale, int32_t zero_point, float lo, float hi) {
  float q = o2m_roundf_even(x / scale) + (float)zero_point;
  if (!(q >= lo)) {
    q = lo;
  }
  if (q > hi) {
    q = hi;
  }
  return q;
}
#endif

#if O2M_KERNELS_FPU && O2M_KERNELS_DSP
/* Whole rows four elements per pass, as quantize_one gives them where nothing unusual happens:
 * VLDM, four VDIVs and VCVTRs, two VMOVs, QADD and SSAT (USAT) per element, three BFIs and one
 * STR: 25 instructions per four (quantize_one's NaN test per element, or per four, took 10 per
 * element). What is unusual — a NaN quotient (0/0, ∞/∞, a NaN input) and a quotient VCVTR
 * saturates, which quantize_one treats apart — is exactly what raises the FPSCR's cumulative
 * Invalid Operation flag (IOC, bit 0): clear before, read after, and if it was raised the row goes
 * again by quantize_one. The flag is part of the FP context the core saves for a handler, so an
 * interrupt neither sets nor loses it. Returns 0 when the row must go again. */
#define O2M_QUANTIZE_FOURS(saturate)                 \
  "vmrs r4, fpscr\n\t"                              \
  "bic r4, r4, #1\n\t"                              \
  "vmsr fpscr, r4\n\t"                              \
  "1:\n\t"                                          \
  "vldmia %[x]!, {s0-s3}\n\t"                       \
  "vdiv.f32 s0, s0, %[scale]\n\t"                   \
  "vdiv.f32 s1, s1, %[scale]\n\t"                   \
  "vdiv.f32 s2, s2, %[scale]\n\t"                   \
  "vdiv.f32 s3, s3, %[scale]\n\t"                   \
  "vcvtr.s32.f32 s0, s0\n\t"                        \
  "vcvtr.s32.f32 s1, s1\n\t"                        \
  "vcvtr.s32.f32 s2, s2\n\t"                        \
  "vcvtr.s32.f32 s3, s3\n\t"                        \
  "vmov r4, r5, s0, s1\n\t"                         \
  "vmov r6, r7, s2, s3\n\t"                         \
  "qadd r4, r4, %[zp]\n\t"                          \
  "qadd r5, r5, %[zp]\n\t"                          \
  "qadd r6, r6, %[zp]\n\t"                          \
  "qadd r7, r7, %[zp]\n\t"                          \
  saturate " r4, #8, r4\n\t"                        \
  saturate " r5, #8, r5\n\t"                        \
  saturate " r6, #8, r6\n\t"                        \
  saturate " r7, #8, r7\n\t"                        \
  "bfi r4, r5, #8, #8\n\t"                          \
  "bfi r4, r6, #16, #8\n\t"                         \
  "bfi r4, r7, #24, #8\n\t"                         \
  "str r4, [%[out]], #4\n\t" /* unaligned: Armv7E-M stores it */ \
  "subs %[fours], %[fours], #1\n\t"                 \
  "bne 1b\n\t"                                      \
  "vmrs r4, fpscr\n\t"                              \
  "and %[fours], r4, #1\n\t"

static int quantize_fours(const float *x, void *out, int32_t fours, float scale, int32_t zero_point, int is_signed) {
  if (is_signed) {
    __asm__ volatile(O2M_QUANTIZE_FOURS("ssat")
                     : [x] "+r"(x), [out] "+r"(out), [fours] "+r"(fours)
                     : [scale] "t"(scale), [zp] "r"(zero_point)
                     : "r4", "r5", "r6", "r7", "s0", "s1", "s2", "s3", "memory", "cc");
  } else {
    __asm__ volatile(O2M_QUANTIZE_FOURS("usat")
                     : [x] "+r"(x), [out] "+r"(out), [fours] "+r"(fours)
                     : [scale] "t"(scale), [zp] "r"(zero_point)
                     : "r4", "r5", "r6", "r7", "s0", "s1", "s2", "s3", "memory", "cc");
  }
  return fours == 0;
}
/* The first 4 · (count / 4) elements by quantize_fours; how many it did (0 if the row must go
 * element by element). */
#define QUANTIZE_FOURS(x, out, count, scale, zero_point, lo) \
  ((count) >= 4 && quantize_fours(x, out, (count) >> 2, scale, zero_point, (lo) < 0.0f) ? (count) & ~3 : 0)
#else
#define QUANTIZE_FOURS(x, out, count, scale, zero_point, lo) 0
#endif

#define DEFINE_QUANTIZE(name, qtype, lo, hi)                                                        \
  void name(const o2m_quantize_linear_params *p, const float *input, const float *scales,         \
            const qtype *zero_points, qtype *output) {                                            \
    int32_t i = 0;                                                                                \
    const int32_t inner = p->inner; /* a local: the stores below may alias p */                   \
    for (int32_t o = 0; o < p->outer; ++o) {                                                      \
      for (int32_t c = 0; c < p->channels; ++c) {                                                 \
        const float scale = scales[c];                                                            \
        const int32_t zero_point = zero_points[c];                                                \
        int32_t k = QUANTIZE_FOURS(input + i, output + i, inner, scale, zero_point, (lo));        \
        i += k;                                                                                   \
        for (; k < inner; ++k, ++i) {                                                             \
          output[i] = (qtype)quantize_one(input[i], scale, zero_point, (lo), (hi));               \
        }                                                                                         \
      }                                                                                           \
    }                                                                                             \
  }

#define DEFINE_DEQUANTIZE(name, qtype)                                                              \
  void name(const o2m_quantize_linear_params *p, const qtype *input, const float *scales,         \
            const qtype *zero_points, float *output) {                                            \
    int32_t i = 0;                                                                                \
    for (int32_t o = 0; o < p->outer; ++o) {                                                      \
      for (int32_t c = 0; c < p->channels; ++c) {                                                 \
        const float scale = scales[c];                                                            \
        const int32_t zero_point = (int32_t)zero_points[c];                                       \
        for (int32_t k = 0; k < p->inner; ++k, ++i) {                                             \
          output[i] = (float)((int32_t)input[i] - zero_point) * scale;                            \
        }                                                                                         \
      }                                                                                           \
    }                                                                                             \
  }

DEFINE_QUANTIZE(o2m_quantize_linear_i8, int8_t, -128.0f, 127.0f)
DEFINE_QUANTIZE(o2m_quantize_linear_u8, uint8_t, 0.0f, 255.0f)
DEFINE_DEQUANTIZE(o2m_dequantize_linear_i8, int8_t)
DEFINE_DEQUANTIZE(o2m_dequantize_linear_u8, uint8_t)
DEFINE_DEQUANTIZE(o2m_dequantize_linear_i32, int32_t)
