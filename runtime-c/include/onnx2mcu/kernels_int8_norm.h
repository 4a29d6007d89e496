/* onnx2mcu runtime: int8 Softmax, LayerNormalization and RMSNormalization (DESIGN.md §4).
 *
 * int8 in, int8 out, integer statistics inside: no float at run time. The compiler turns every
 * real quantity (the input scale inside exp, epsilon, gamma / output_scale, beta) into the
 * integer constants below; these functions define the result bit for bit. */
#ifndef ONNX2MCU_KERNELS_INT8_NORM_H
#define ONNX2MCU_KERNELS_INT8_NORM_H

#include <stdint.h>

/* ---- Softmax over the middle axis of [outer][axis][inner] -----------------------------------
 * The output has scale 1/256 and zero point -128 (TFLite's convention: softmax lies in [0, 1)).
 * For each row, with max the largest input level:
 *   e[i]  = exp_table[max - input[i]]     exp(input_scale * (input[i] - max)) * 2^P, rounded
 *   sum   = e[0] + ... + e[axis - 1]        (int32: the compiler chose P so that it cannot overflow)
 *   r     = floor(2^62 / sum)               (one division per row)
 *   out[i] = min(127, ((e[i] * r + 2^53) >> 54) - 128)
 * i.e. e[i] * 256 / sum rounded half up, through a 62-bit reciprocal of the sum. */
typedef struct {
  int32_t outer, axis, inner;
} o2m_softmax_i8_params;

/* exp_table holds 256 entries, for level differences 0..255. In place (output == input) is safe. */
void o2m_softmax_i8(const o2m_softmax_i8_params *p, const int8_t *input, const int32_t *exp_table,
                    int8_t *output);

/* ---- Softmax of a masked row ------------------------------------------------------------------
 * Softmax(Where(mask == masked_value, fill, x)) over the last axis of [outer][axis], one mask of
 * `axis` bytes for every row, fill far below any score (the compiler fuses only fill <= -1000):
 * a masked term is exp(fill - max), zero in float32 and at any int8 resolution, so a masked
 * position outputs level -128 (0.0) and the others are o2m_softmax_i8's arithmetic over the
 * unmasked positions alone. A row with every position masked is all fill in float, 1/axis each:
 * here every term is exp_table[0]. */
typedef struct {
  int32_t outer, axis;
  uint8_t masked_value;
} o2m_masked_softmax_i8_params;

void o2m_masked_softmax_i8(const o2m_masked_softmax_i8_params *p, const int8_t *input, const uint8_t *mask,
                           const int32_t *exp_table, int8_t *output);

/* ---- LayerNormalization and RMSNormalization over the last `size` elements -------------------
 * Each of the `outer` contiguous rows of `size` int8 values is normalised on its own.
 *   LayerNorm: d[i] = size * input[i] - sum(input)          W = size * sum(input^2) - sum(input)^2 + E
 *   RMSNorm:   d[i] = input[i] + input_offset             W = sum(d^2) + E
 * (size^2 * variance and size * mean square in squared input levels; the zero point cancels in
 * LayerNorm's d). E = eps_hi * 2^31 + eps_lo is epsilon in the same units, computed by the
 * compiler. Then, all in integers:
 *   k    = the largest shift with W * 4^k < 2^62;   R = isqrt(W * 4^k)   (so R ~ 2^k sqrt(W))
 *   inv  = floor(2^61 / R)
 *   n[i] = round_half_away(d[i] * inv / 2^(61 - k - norm_bits))           d[i] / sqrt(W) in Q(norm_bits)
 *   t[i] = multiply_by_quantized_multiplier(n[i], multipliers[i], shifts[i])   output units, Q8
 *   out[i] = clamp(rounding_divide_by_pot(t[i] + bias[i], 8) + output_offset, -128, 127)
 * multipliers[i] carries gamma[i] / output_scale (times sqrt(size) for RMSNorm), negative for a
 * negative gamma; bias[i] is beta[i] / output_scale in Q8 (NULL: none). A row with W = 0 (all
 * equal values and no epsilon) normalises to 0. In place (output == input) is safe. */
typedef struct {
  int32_t outer, size;
  int32_t input_offset;
  int32_t eps_hi, eps_lo;
  int32_t norm_bits;
  int32_t output_offset;
} o2m_norm_i8_params;

void o2m_layer_norm_i8(const o2m_norm_i8_params *p, const int8_t *input, const int32_t *multipliers,
                       const int32_t *shifts, const int32_t *bias, int8_t *output);
void o2m_rms_norm_i8(const o2m_norm_i8_params *p, const int8_t *input, const int32_t *multipliers,
                     const int32_t *shifts, const int32_t *bias, int8_t *output);

#endif
