/* onnx2mcu runtime: int8 Conv (2-D NCHW, grouped, dilated; 1-D as height 1), the definition of
 * the int8 result (TFLite's reference convolution, per-channel requantisation).
 *
 * On cores with the DSP extension (O2M_KERNELS_DSP, onnx2mcu/arch.h) a convolution that is not
 * depthwise runs as a matrix product on SMLAD: two output pixels' input patches are gathered
 * into int16 columns in the scratch buffer (input offset added, padded taps 0, CMSIS-NN's
 * im2col), and each pair of output channels takes both columns in one pass, 16 MACs per 16
 * instructions. Its results equal the definition's bit for bit. */
#include <stddef.h>

#include "onnx2mcu/fixed_point.h"
#include "onnx2mcu/kernels_int8.h"

#include "conv2d_depthwise_i8.h"
#include "dsp_simd.h"
#include "requantize_i8.h"
#include "window_taps.h"

#if O2M_KERNELS_DSP
/* The two output pixels' patches share one int16 buffer, laid out for the SMLAD loop. SMLAD pairs
 * the halves of an SXTB16'd weight word, bytes (0, 2) and then (1, 3); so for each whole group of
 * four taps k0..k3 the buffer holds 8 int16: pixel 0's (k0, k2), pixel 1's (k0, k2), pixel 0's
 * (k1, k3), pixel 1's (k1, k3) — four words, each the partner of a weight word's half. The taps
 * past the last whole group follow as (pixel 0, pixel 1) pairs and take plain multiplies. */
static const int8_t group_slot[4] = {0, 4, 1, 5};

static inline int32_t slot_of(int32_t k, int32_t whole) {
  return k < whole ? 8 * (k >> 2) + group_slot[k & 3] : 2 * k;
}

typedef struct {
  int32_t taps, whole;       /* K = (in_c / groups) · k_h · k_w, and K rounded down to fours */
  const int32_t *offsets;    /* per tap, in slot order: its input offset from the window's origin */
  int16_t *patches;          /* 2 · K int16 */
} patch_buffer;

static patch_buffer patch_layout(const o2m_conv2d_i8_params *p, int32_t *scratch) {
  patch_buffer b;
  const int32_t in_c_per_group = p->in_c / p->groups;
  b.taps = in_c_per_group * p->k_h * p->k_w;
  b.whole = b.taps & ~3;
  int32_t *offsets = scratch;
  int32_t k = 0;
  for (int32_t ic = 0; ic < in_c_per_group; ++ic) {
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
      for (int32_t kx = 0; kx < p->k_w; ++kx, ++k) {
        /* slot order within a group is k0, k2, k1, k3: the table follows it */
        const int32_t at = k < b.whole ? (k & ~3) | ((k & 1) << 1) | ((k >> 1) & 1) : k;
        offsets[at] = (ic * p->in_h + ky * p->dil_h) * p->in_w + kx * p->dil_w;
      }
    }
  }
  b.offsets = offsets;
  b.patches = (int16_t *)(scratch + b.taps);
  return b;
}

/* Whether the window at this origin lies inside the input, so no tap needs a bounds check. */
static inline int window_inside(const o2m_conv2d_i8_params *p, int32_t iy_origin, int32_t ix_origin) {
  return iy_origin >= 0 && ix_origin >= 0 && iy_origin + (p->k_h - 1) * p->dil_h < p->in_h &&
         ix_origin + (p->k_w - 1) * p->dil_w < p->in_w;
}

/* One output pixel's patch (pixel 0 or 1 of the pair), (input + input_offset) per tap, 0 where
 * the window leaves the input (a padded tap holds the zero point, whose offset value is 0). */
static void gather_patch(const o2m_conv2d_i8_params *p, const patch_buffer *b, const int8_t *group_input,
                         int32_t iy_origin, int32_t ix_origin, int32_t pixel) {
  const int32_t offset = p->input_offset;
  if (window_inside(p, iy_origin, ix_origin)) {
    const int8_t *origin = group_input + iy_origin * p->in_w + ix_origin;
    const int32_t *at = b->offsets;
    int16_t *slot = b->patches + 2 * pixel;
    for (int32_t k = 0; k < b->whole; k += 4, at += 4, slot += 8) {
      slot[0] = (int16_t)(origin[at[0]] + offset);
      slot[1] = (int16_t)(origin[at[1]] + offset);
      slot[4] = (int16_t)(origin[at[2]] + offset);
      slot[5] = (int16_t)(origin[at[3]] + offset);
    }
    slot -= 2 * pixel; /* the tail: (pixel 0, pixel 1) pairs from 2·whole on */
    for (int32_t k = b->whole; k < b->taps; ++k, slot += 2) {
      slot[pixel] = (int16_t)(origin[*at++] + offset);
    }
    return;
  }
  int32_t ky_first, ky_last, kx_first, kx_last;
  o2m_valid_taps(iy_origin, p->dil_h, p->k_h, p->in_h, &ky_first, &ky_last);
  o2m_valid_taps(ix_origin, p->dil_w, p->k_w, p->in_w, &kx_first, &kx_last);
  int32_t k = 0;
  for (int32_t ic = 0; ic < p->in_c / p->groups; ++ic) {
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
      const int32_t row_start = (ic * p->in_h + iy_origin + ky * p->dil_h) * p->in_w + ix_origin;
      const int row_inside = ky >= ky_first && ky < ky_last;
      for (int32_t kx = 0; kx < p->k_w; ++kx, ++k) {
        const int inside = row_inside && kx >= kx_first && kx < kx_last;
        const int32_t slot = slot_of(k, b->whole) + (k < b->whole ? 2 * pixel : pixel);
        b->patches[slot] = (int16_t)(inside ? group_input[row_start + kx * p->dil_w] + offset : 0);
      }
    }
  }
}

/* Sums over the whole groups of four taps of `rows` (1 or 2) weight rows, `taps` apart, against
 * both pixels' patches: sums[row * 2 + pixel]. Always inlined with a constant `rows`, so each is
 * its own loop; a lone last pixel runs on the pair's loop with a patch it ignores. */
static inline __attribute__((always_inline)) void tile_sums(const patch_buffer *b, const int8_t *w,
                                                            int32_t rows, int32_t sums[4]) {
  int32_t acc00 = 0, acc01 = 0, acc10 = 0, acc11 = 0;
  const int32_t *patch = (const int32_t *)(const void *)b->patches;
  const int32_t *end = patch + 2 * b->whole / 2;
  const int32_t row_step = b->taps;
  while (patch != end) {
    const int32_t word0 = o2m_load_int8x4(w);
    const int32_t word1 = rows > 1 ? o2m_load_int8x4(w + row_step) : 0;
    w += 4;
    int16x2_t even0 = patch[0], even1 = patch[1];
    int16x2_t weights = __sxtb16(word0);
    acc00 = __smlad(even0, weights, acc00);
    acc01 = __smlad(even1, weights, acc01);
    if (rows > 1) {
      weights = __sxtb16(word1);
      acc10 = __smlad(even0, weights, acc10);
      acc11 = __smlad(even1, weights, acc11);
    }
    int16x2_t odd0 = patch[2], odd1 = patch[3];
    patch += 4;
    weights = o2m_sxtb16_odd(word0);
    acc00 = __smlad(odd0, weights, acc00);
    acc01 = __smlad(odd1, weights, acc01);
    if (rows > 1) {
      weights = o2m_sxtb16_odd(word1);
      acc10 = __smlad(odd0, weights, acc10);
      acc11 = __smlad(odd1, weights, acc11);
    }
  }
  sums[0] = acc00;
  sums[1] = acc01;
  sums[2] = acc10;
  sums[3] = acc11;
}

static void conv_dsp(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                     const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                     int8_t *output, int32_t *scratch) {
  const patch_buffer b = patch_layout(p, scratch);
  const int32_t in_c_per_group = p->in_c / p->groups;
  const int32_t out_c_per_group = p->out_c / p->groups;
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t out_plane = p->out_h * p->out_w;
  for (int32_t n = 0; n < p->batch; ++n) {
    for (int32_t group = 0; group < p->groups; ++group) {
      const int8_t *group_input = input + (n * p->in_c + group * in_c_per_group) * in_plane;
      const int32_t first_channel = group * out_c_per_group;
      int8_t *group_output = output + (n * p->out_c + first_channel) * out_plane;
      int32_t oy = 0, ox = 0;
      for (int32_t pixel = 0; pixel < out_plane; pixel += 2) {
        const int32_t pixels = out_plane - pixel < 2 ? 1 : 2;
        for (int32_t c = 0; c < pixels; ++c) {
          gather_patch(p, &b, group_input, oy * p->stride_h - p->pad_top, ox * p->stride_w - p->pad_left, c);
          if (++ox == p->out_w) {
            ox = 0;
            ++oy;
          }
        }
        for (int32_t oc = 0; oc < out_c_per_group; oc += 2) {
          const int32_t rows = out_c_per_group - oc < 2 ? 1 : 2;
          const int8_t *w = weights + (first_channel + oc) * b.taps;
          int32_t sums[4];
          if (rows == 2) {
            tile_sums(&b, w, 2, sums);
          } else {
            tile_sums(&b, w, 1, sums);
          }
          for (int32_t r = 0; r < rows; ++r) {
            const int32_t channel = first_channel + oc + r;
            const int8_t *w_row = w + r * b.taps;
            for (int32_t c = 0; c < pixels; ++c) {
              int32_t acc = (bias != NULL ? bias[channel] : 0) + sums[r * 2 + c];
              for (int32_t k = b.whole; k < b.taps; ++k) {
                acc += b.patches[2 * k + c] * w_row[k];
              }
              group_output[(oc + r) * out_plane + pixel + c] = o2m_requantize_i8_fast(
                  acc, multipliers[channel], shifts[channel], p->output_offset, p->act_min, p->act_max);
            }
          }
        }
      }
    }
  }
}
#endif

void o2m_conv2d_i8(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                   const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                   int8_t *output, int32_t *scratch) {
#if O2M_KERNELS_DSP
  if (scratch != NULL) {
    if (p->groups > 1 && p->groups == p->in_c && p->out_c == p->in_c) {
      o2m_conv2d_depthwise_i8_dsp(p, input, weights, bias, multipliers, shifts, output, scratch);
    } else {
      conv_dsp(p, input, weights, bias, multipliers, shifts, output, scratch);
    }
    return;
  }
#else
  (void)scratch;
#endif
  const int32_t in_c_per_group = p->in_c / p->groups;
  const int32_t out_c_per_group = p->out_c / p->groups;
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t kernel_plane = p->k_h * p->k_w;
  const int32_t out_plane = p->out_h * p->out_w;

  for (int32_t n = 0; n < p->batch; ++n) {
    const int8_t *image = input + n * p->in_c * in_plane;
    int8_t *result = output + n * p->out_c * out_plane;
    for (int32_t oc = 0; oc < p->out_c; ++oc) {
      const int32_t group = oc / out_c_per_group;
      const int8_t *group_input = image + group * in_c_per_group * in_plane;
      const int8_t *filter = weights + oc * in_c_per_group * kernel_plane;
      const int32_t bias_value = bias != NULL ? bias[oc] : 0;
      int8_t *out_channel = result + oc * out_plane;

      for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t iy_origin = oy * p->stride_h - p->pad_top;
        int32_t ky_first, ky_last;
        o2m_valid_taps(iy_origin, p->dil_h, p->k_h, p->in_h, &ky_first, &ky_last);
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
          const int32_t ix_origin = ox * p->stride_w - p->pad_left;
          int32_t kx_first, kx_last;
          o2m_valid_taps(ix_origin, p->dil_w, p->k_w, p->in_w, &kx_first, &kx_last);

          int32_t acc = bias_value;
          for (int32_t ic = 0; ic < in_c_per_group; ++ic) {
            const int8_t *in_channel = group_input + ic * in_plane;
            const int8_t *filter_channel = filter + ic * kernel_plane;
            for (int32_t ky = ky_first; ky < ky_last; ++ky) {
              const int32_t row_origin = (iy_origin + ky * p->dil_h) * p->in_w + ix_origin;
              const int8_t *filter_row = filter_channel + ky * p->k_w;
              for (int32_t kx = kx_first; kx < kx_last; ++kx) {
                acc += ((int32_t)in_channel[row_origin + kx * p->dil_w] + p->input_offset) * filter_row[kx];
              }
            }
          }
          out_channel[oy * p->out_w + ox] =
              o2m_requantize_i8(acc, multipliers[oc], shifts[oc], p->output_offset, p->act_min, p->act_max);
        }
      }
    }
  }
}
