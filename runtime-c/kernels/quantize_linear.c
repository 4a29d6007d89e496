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
/* Four elements at once, as quantize_one gives them: one NaN test for the four (the sum of the
 * quotients is NaN when one of them is, or for opposite infinities: then the four go one by one),
 * and the four levels packed by BFI into one word store: 10 instructions per element, not 13. */
static inline __attribute__((always_inline)) int quantize_four(const float *x, float scale, int32_t zero_point,
                                                               int is_signed, void *out) {
  const float q0 = x[0] / scale, q1 = x[1] / scale, q2 = x[2] / scale, q3 = x[3] / scale;
  const float any = (q0 + q1) + (q2 + q3);
  if (any != any) {
    return 0;
  }
  const int32_t v0 = rounded_level(q0, zero_point, is_signed), v1 = rounded_level(q1, zero_point, is_signed);
  const int32_t v2 = rounded_level(q2, zero_point, is_signed), v3 = rounded_level(q3, zero_point, is_signed);
  uint32_t word = (uint32_t)v0;
  __asm__("bfi %0, %1, #8, #8\n\t"
          "bfi %0, %2, #16, #8\n\t"
          "bfi %0, %3, #24, #8"
          : "+&r"(word)
          : "r"(v1), "r"(v2), "r"(v3));
  __builtin_memcpy(out, &word, sizeof word); /* one STR: Armv7E-M stores unaligned words */
  return 1;
}
#define QUANTIZE_FOUR(x, scale, zero_point, lo, out) quantize_four(x, scale, zero_point, (lo) < 0.0f, out)
#else
#define QUANTIZE_FOUR(x, scale, zero_point, lo, out) 0
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
        int32_t k = 0;                                                                            \
        for (; k + 4 <= inner && QUANTIZE_FOUR(input + i, scale, zero_point, (lo), output + i);   \
             k += 4, i += 4) {                                                                    \
        }                                                                                         \
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
