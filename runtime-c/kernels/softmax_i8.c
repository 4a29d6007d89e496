/* onnx2mcu runtime: int8 Softmax, in the manner of TFLite's int8 softmax: the exponentials come
 * from a 256-entry table over (max - input), since only a level's distance from the row maximum
 * matters and it lies in 0..255. The compiler filled the table with exp(-input_scale * k) in a
 * Q format chosen so a whole row sums without overflowing int32; the kernel only adds, takes
 * one reciprocal per row and multiplies. With the DSP extension (O2M_KERNELS_DSP) a contiguous
 * row's maximum comes four levels at a time and each output from UMLAL and MLA instead of a
 * 64-bit product; with Helium (O2M_KERNELS_MVE) sixteen levels' maximum and four exponentials
 * and outputs at a time; bit for bit the same. */
#include "onnx2mcu/kernels_int8_norm.h"

#include "dsp_simd.h"

/* 2^62 / sum for sum >= 1 keeps 31 significant bits of the reciprocal for any int32 sum, and
 * e * reciprocal <= 2^62 because every e is one of the terms of sum. */
#define O2M_SOFTMAX_RECIPROCAL_BITS 62
/* The output is e * 256 / sum: the reciprocal's 2^62 less the 2^8 of the output scale. */
#define O2M_SOFTMAX_OUTPUT_SHIFT (O2M_SOFTMAX_RECIPROCAL_BITS - 8)

#if O2M_KERNELS_MVE
#include <arm_mve.h>

/* Helium, contiguous rows: the maximum by VMAXV on 16 levels at a time; the exponentials four at
 * a time by a gather from the table at (max - x) (the offsets are never negative) and summed by
 * VADDVA, exactly as the definition's int32 sum; each output from the 64-bit reciprocal
 * r = rh · 2^32 + rl without 64-bit lanes:
 *   (e · r + 2^53) >> 54 = (e · rh + umulh(e, rl) + 2^21) >> 22
 * because e · r = (e · rh + umulh(e, rl)) · 2^32 + L with L < 2^32, and a fraction below one added
 * to an integer never carries it across a multiple of 2^22; e · rh < 2^30 (e · r <= 2^62), so the
 * sum is exact in 32 bits and VRSHR adds the 2^21. Then - 128 and VMIN with 127, as the
 * definition saturates a row that is all maximum. Tails are predicated. */
static int32_t row_maximum_mve(const int8_t *in, int32_t n) {
  int8_t maximum = INT8_MIN;
  for (int32_t i = 0; i < n; i += 16) {
    const mve_pred16_t lanes = vctp8q((uint32_t)(n - i));
    maximum = vmaxvq_p_s8(maximum, vldrbq_z_s8(in + i, lanes), lanes);
  }
  return maximum;
}

/* the four exponentials of in[0..3] (the lanes of `lanes`; others 0) */
static inline __attribute__((always_inline)) uint32x4_t four_exponentials(const int32_t *exp_table, int32x4_t maximum,
                                                                         const int8_t *in, mve_pred16_t lanes) {
  const uint32x4_t distance = vreinterpretq_u32_s32(vsubq_s32(maximum, vldrbq_z_s32(in, lanes)));
  return vldrwq_gather_shifted_offset_z_u32((const uint32_t *)(const void *)exp_table, distance, lanes);
}

static inline __attribute__((always_inline)) int32x4_t four_levels(uint32x4_t e, uint32_t low, uint32_t high) {
  const uint32x4_t scaled = vaddq_u32(vmulq_n_u32(e, high), vmulhq_u32(e, vdupq_n_u32(low)));
  const int32x4_t level = vsubq_n_s32(vreinterpretq_s32_u32(vrshrq_n_u32(scaled, O2M_SOFTMAX_OUTPUT_SHIFT - 32)), 128);
  return vminq_s32(level, vdupq_n_s32(127));
}

/* A masked row (o2m_masked_softmax_i8): the same steps with each lane's mask byte as a predicate
 * — kept where it is not masked_value — on the maximum, the sum and the output, whose masked
 * lanes take -128; a row with nothing kept uses exp_table[0] for every position, as the
 * definition does. */
static __attribute__((noinline)) void masked_softmax_rows_mve(const o2m_masked_softmax_i8_params *p,
                                                              const int8_t *input, const uint8_t *mask,
                                                              const int32_t *exp_table, int8_t *output) {
  const int32_t axis = p->axis;
  const uint8_t masked_value = p->masked_value;
  for (int32_t outer = 0; outer < p->outer; ++outer) {
    const int8_t *in = input + outer * axis;
    int8_t *out = output + outer * axis;
    int8_t largest = INT8_MIN;
    mve_pred16_t any_kept = 0;
    for (int32_t i = 0; i < axis; i += 16) {
      const mve_pred16_t lanes = vctp8q((uint32_t)(axis - i));
      const mve_pred16_t kept = vcmpneq_m_n_u8(vldrbq_z_u8(mask + i, lanes), masked_value, lanes);
      largest = vmaxvq_p_s8(largest, vldrbq_z_s8(in + i, kept), kept);
      any_kept |= kept;
    }
    const int all_masked = any_kept == 0;
    const int32x4_t maximum = vdupq_n_s32(largest);
    uint32_t sum = 0;
    if (all_masked) {
      sum = (uint32_t)axis * (uint32_t)exp_table[0];
    } else {
      for (int32_t i = 0; i < axis; i += 4) {
        const mve_pred16_t lanes = vctp32q((uint32_t)(axis - i));
        const mve_pred16_t kept = vcmpneq_m_n_u32(vldrbq_z_u32(mask + i, lanes), masked_value, lanes);
        sum = vaddvaq_p_u32(sum, four_exponentials(exp_table, maximum, in + i, kept), kept);
      }
    }
    if ((int32_t)sum <= 0) {
      return; /* axis == 0: nothing to write */
    }
    const uint64_t reciprocal = ((uint64_t)1 << O2M_SOFTMAX_RECIPROCAL_BITS) / (uint64_t)sum;
    const uint32_t low = (uint32_t)reciprocal, high = (uint32_t)(reciprocal >> 32);
    const int32x4_t lowest = vdupq_n_s32(-128);
    for (int32_t i = 0; i < axis; i += 4) {
      const mve_pred16_t lanes = vctp32q((uint32_t)(axis - i));
      if (all_masked) {
        vstrbq_p_s32(out + i, four_levels(vdupq_n_u32((uint32_t)exp_table[0]), low, high), lanes);
        continue;
      }
      const mve_pred16_t kept = vcmpneq_m_n_u32(vldrbq_z_u32(mask + i, lanes), masked_value, lanes);
      const int32x4_t level = four_levels(four_exponentials(exp_table, maximum, in + i, kept), low, high);
      vstrbq_p_s32(out + i, vpselq_s32(level, lowest, kept), lanes);
    }
  }
}

static __attribute__((noinline)) void softmax_rows_mve(const o2m_softmax_i8_params *p, const int8_t *input,
                                                       const int32_t *exp_table, int8_t *output) {
  const int32_t axis = p->axis;
  for (int32_t outer = 0; outer < p->outer; ++outer) {
    const int8_t *in = input + outer * axis;
    int8_t *out = output + outer * axis;
    const int32x4_t maximum = vdupq_n_s32(row_maximum_mve(in, axis));
    uint32_t sum = 0;
    for (int32_t i = 0; i < axis; i += 4) {
      const mve_pred16_t lanes = vctp32q((uint32_t)(axis - i));
      sum = vaddvaq_p_u32(sum, four_exponentials(exp_table, maximum, in + i, lanes), lanes);
    }
    const uint64_t reciprocal = ((uint64_t)1 << O2M_SOFTMAX_RECIPROCAL_BITS) / (uint64_t)sum;
    const uint32_t low = (uint32_t)reciprocal, high = (uint32_t)(reciprocal >> 32);
    for (int32_t i = 0; i < axis; i += 4) {
      const mve_pred16_t lanes = vctp32q((uint32_t)(axis - i));
      const uint32x4_t e = four_exponentials(exp_table, maximum, in + i, lanes);
      vstrbq_p_s32(out + i, four_levels(e, low, high), lanes);
    }
  }
}
#endif

#if O2M_KERNELS_DSP && !O2M_KERNELS_MVE
/* The largest of a contiguous row's n >= 1 levels: four at a time by SSUB8/SEL, the word's four
 * bytes then folded by rotation. */
static int32_t row_maximum(const int8_t *in, int32_t n) {
  uint32_t largest = 0x80808080u;
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    largest = o2m_max_int8x4((uint32_t)o2m_load_int8x4(in + i), largest);
  }
  largest = o2m_max_int8x4(largest, (largest >> 16) | (largest << 16));
  largest = o2m_max_int8x4(largest, (largest >> 8) | (largest << 24));
  int32_t maximum = (int8_t)largest;
  for (; i < n; ++i) {
    maximum = in[i] > maximum ? in[i] : maximum;
  }
  return maximum;
}

#endif

#if O2M_KERNELS_DSP
/* The definition's level ((e · reciprocal + 2^53) >> 54) - 128, saturated at 127, without 64-bit
 * arithmetic in C: UMLAL of e and the reciprocal's low word onto 2^53 gives the low part exactly,
 * the high word's product adds to the upper word alone (e · reciprocal < 2^62, so the upper word
 * stays below 2^30), and bits 54 and up are that word's top bits. */
static inline int32_t softmax_level(uint32_t e, uint32_t reciprocal_low, uint32_t reciprocal_high) {
  uint32_t low = 0, high = 1u << (O2M_SOFTMAX_OUTPUT_SHIFT - 1 - 32);
  __asm__("umlal %0, %1, %2, %3" : "+r"(low), "+r"(high) : "r"(e), "r"(reciprocal_low));
  high += e * reciprocal_high;
  return __ssat((int32_t)(high >> (O2M_SOFTMAX_OUTPUT_SHIFT - 32)) - 128, 8);
}

#endif

#if O2M_KERNELS_DSP && !O2M_KERNELS_MVE
/* Contiguous rows (inner == 1), the definition's arithmetic step for step. */
static __attribute__((noinline)) void softmax_rows_dsp(const o2m_softmax_i8_params *p, const int8_t *input,
                                                       const int32_t *exp_table, int8_t *output) {
  const int32_t axis = p->axis;
  for (int32_t outer = 0; outer < p->outer; ++outer) {
    const int8_t *in = input + outer * axis;
    int8_t *out = output + outer * axis;
    const int32_t maximum = row_maximum(in, axis);
    const int32_t *table = exp_table + maximum; /* table[-x] = exp_table[maximum - x] */
    int32_t sum = 0;
    for (int32_t i = 0; i < axis; ++i) {
      sum += table[-in[i]];
    }
    const uint64_t reciprocal = ((uint64_t)1 << O2M_SOFTMAX_RECIPROCAL_BITS) / (uint64_t)sum;
    const uint32_t low = (uint32_t)reciprocal, high = (uint32_t)(reciprocal >> 32);
    for (int32_t i = 0; i < axis; ++i) {
      out[i] = (int8_t)softmax_level((uint32_t)table[-in[i]], low, high);
    }
  }
}
#endif

void o2m_softmax_i8(const o2m_softmax_i8_params *p, const int8_t *input, const int32_t *exp_table,
                    int8_t *output) {
  const int32_t stride = p->inner;
  if (p->axis <= 0) {
    return;
  }
#if O2M_KERNELS_MVE
  if (stride == 1) {
    softmax_rows_mve(p, input, exp_table, output);
    return;
  }
#elif O2M_KERNELS_DSP
  if (stride == 1) {
    softmax_rows_dsp(p, input, exp_table, output);
    return;
  }
#endif
  for (int32_t outer = 0; outer < p->outer; ++outer) {
    const int32_t block = outer * p->axis * p->inner;
    for (int32_t inner = 0; inner < p->inner; ++inner) {
      const int8_t *in = input + block + inner;
      int8_t *out = output + block + inner;

      int32_t maximum = in[0];
      for (int32_t i = 1; i < p->axis; ++i) {
        if (in[i * stride] > maximum) {
          maximum = in[i * stride];
        }
      }
      int32_t sum = 0;
      for (int32_t i = 0; i < p->axis; ++i) {
        sum += exp_table[maximum - in[i * stride]];
      }
      /* sum >= exp_table[0] >= 1: the maximum's own term. */
      const uint64_t reciprocal = ((uint64_t)1 << O2M_SOFTMAX_RECIPROCAL_BITS) / (uint64_t)sum;
      const uint64_t half = (uint64_t)1 << (O2M_SOFTMAX_OUTPUT_SHIFT - 1);
      for (int32_t i = 0; i < p->axis; ++i) {
        const uint64_t e = (uint64_t)exp_table[maximum - in[i * stride]];
        /* 0..256 on the output's 1/256 scale; 256 (a row that is all maximum) saturates to 127. */
        const int32_t level = (int32_t)((e * reciprocal + half) >> O2M_SOFTMAX_OUTPUT_SHIFT) - 128;
        out[i * stride] = (int8_t)(level > 127 ? 127 : level);
      }
    }
  }
}

void o2m_masked_softmax_i8(const o2m_masked_softmax_i8_params *p, const int8_t *input, const uint8_t *mask,
                           const int32_t *exp_table, int8_t *output) {
#if O2M_KERNELS_MVE
  masked_softmax_rows_mve(p, input, mask, exp_table, output);
  return;
#endif
  for (int32_t outer = 0; outer < p->outer; ++outer) {
    const int8_t *in = input + outer * p->axis;
    int8_t *out = output + outer * p->axis;

    int32_t maximum = INT32_MIN;
    for (int32_t i = 0; i < p->axis; ++i) {
      if (mask[i] != p->masked_value && in[i] > maximum) {
        maximum = in[i];
      }
    }
    const int all_masked = maximum == INT32_MIN;
    int32_t sum = 0;
    for (int32_t i = 0; i < p->axis; ++i) {
      if (all_masked) {
        sum += exp_table[0];
      } else if (mask[i] != p->masked_value) {
        sum += exp_table[maximum - in[i]];
      }
    }
    if (sum <= 0) {
      return; /* axis == 0: nothing to write */
    }
    const uint64_t reciprocal = ((uint64_t)1 << O2M_SOFTMAX_RECIPROCAL_BITS) / (uint64_t)sum;
    for (int32_t i = 0; i < p->axis; ++i) {
      if (!all_masked && mask[i] == p->masked_value) {
        out[i] = -128;
        continue;
      }
#if O2M_KERNELS_DSP
      out[i] = (int8_t)softmax_level((uint32_t)exp_table[all_masked ? 0 : maximum - in[i]], (uint32_t)reciprocal,
                                     (uint32_t)(reciprocal >> 32));
#else
      const uint64_t half = (uint64_t)1 << (O2M_SOFTMAX_OUTPUT_SHIFT - 1);
      const uint64_t e = (uint64_t)exp_table[all_masked ? 0 : maximum - in[i]];
      const int32_t level = (int32_t)((e * reciprocal + half) >> O2M_SOFTMAX_OUTPUT_SHIFT) - 128;
      out[i] = (int8_t)(level > 127 ? 127 : level);
#endif
    }
  }
}
