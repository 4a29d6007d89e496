/* onnx2mcu runtime: int8 Softmax, in the manner of TFLite's int8 softmax: the exponentials come
 * from a 256-entry table over (max - input), since only a level's distance from the row maximum
 * matters and it lies in 0..255. The compiler filled the table with exp(-input_scale * k) in a
 * Q format chosen so a whole row sums without overflowing int32; the kernel only adds, takes
 * one reciprocal per row and multiplies. */
#include "onnx2mcu/kernels_int8_norm.h"

/* 2^62 / sum for sum >= 1 keeps 31 significant bits of the reciprocal for any int32 sum, and
 * e * reciprocal <= 2^62 because every e is one of the terms of sum. */
#define O2M_SOFTMAX_RECIPROCAL_BITS 62
/* The output is e * 256 / sum: the reciprocal's 2^62 less the 2^8 of the output scale. */
#define O2M_SOFTMAX_OUTPUT_SHIFT (O2M_SOFTMAX_RECIPROCAL_BITS - 8)

void o2m_softmax_i8(const o2m_softmax_i8_params *p, const int8_t *input, const int32_t *exp_table,
                    int8_t *output) {
  const int32_t stride = p->inner;
  if (p->axis <= 0) {
    return;
  }
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
    const uint64_t half = (uint64_t)1 << (O2M_SOFTMAX_OUTPUT_SHIFT - 1);
    for (int32_t i = 0; i < p->axis; ++i) {
      if (!all_masked && mask[i] == p->masked_value) {
        out[i] = -128;
        continue;
      }
      const uint64_t e = (uint64_t)exp_table[all_masked ? 0 : maximum - in[i]];
      const int32_t level = (int32_t)((e * reciprocal + half) >> O2M_SOFTMAX_OUTPUT_SHIFT) - 128;
      out[i] = (int8_t)(level > 127 ? 127 : level);
    }
  }
}
