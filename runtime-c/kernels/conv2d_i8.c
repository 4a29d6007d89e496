/* onnx2mcu runtime: int8 Conv (2-D NCHW, grouped, dilated; 1-D as height 1), the definition of
 * the int8 result (TFLite's reference convolution, per-channel requantisation).
 *
 * On cores with the DSP extension (O2M_KERNELS_DSP, onnx2mcu/arch.h) a convolution that is not
 * depthwise runs as a matrix product on SMLAD: two output pixels' input patches are gathered
 * into int16 columns in the scratch buffer (input offset added, padded taps 0, CMSIS-NN's
 * im2col), and each pair of output channels takes both columns in one pass, 16 MACs per 16
 * instructions. On Helium (O2M_KERNELS_MVE, the Cortex-M55) conv2d_i8_mve.c takes the same
 * scratch for four pixels' int8 patches and VMLADAVA. Their results equal the definition's bit
 * for bit. */
#include <stddef.h>

#include "onnx2mcu/fixed_point.h"
#include "onnx2mcu/kernels_int8.h"

#include "conv2d_i8_mve.h"
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
  return o2m_window_inside(iy_origin, p->dil_h, p->k_h, p->in_h) &&
         o2m_window_inside(ix_origin, p->dil_w, p->k_w, p->in_w);
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

/* One pass of the 2×2 tile over a group of four taps, as asm because GCC 12 keeps one more
 * value live than the 14 registers allow and spills inside the loop: 18 instructions per 16 MACs
 * (2 weight words, 2 LDRD of patch words, 4 SXTB16, 8 SMLAD, the loop test). Each weight word is
 * widened to its even pair for the patches' first words, then in place to its odd pair, so
 * thirteen registers hold everything. */
#define O2M_TILE_2X2_PASS                                  \
  "ldr   %[w1], [%[w], %[taps]]\n\t"                       \
  "ldr   %[w0], [%[w]], #4\n\t"                           \
  "ldrd  %[x0], %[x1], [%[patch]], #8\n\t"                \
  "sxtb16 %[t], %[w0]\n\t"                                \
  "smlad %[a00], %[x0], %[t], %[a00]\n\t"                 \
  "smlad %[a01], %[x1], %[t], %[a01]\n\t"                 \
  "sxtb16 %[t], %[w1]\n\t"                                \
  "smlad %[a10], %[x0], %[t], %[a10]\n\t"                 \
  "smlad %[a11], %[x1], %[t], %[a11]\n\t"                 \
  "ldrd  %[x0], %[x1], [%[patch]], #8\n\t"                \
  "sxtb16 %[w0], %[w0], ror #8\n\t"                       \
  "smlad %[a00], %[x0], %[w0], %[a00]\n\t"                \
  "smlad %[a01], %[x1], %[w0], %[a01]\n\t"                \
  "sxtb16 %[w1], %[w1], ror #8\n\t"                       \
  "smlad %[a10], %[x0], %[w1], %[a10]\n\t"                \
  "smlad %[a11], %[x1], %[w1], %[a11]\n\t"

/* The four sums of two weight rows (`taps` apart) against both pixels' patches over the whole
 * groups of four taps; an odd group count takes one pass before the two-pass loop. */
typedef struct {
  int32_t row0_pixel0, row0_pixel1, row1_pixel0, row1_pixel1;
} tile_sums;

static inline __attribute__((always_inline)) tile_sums tile_2x2(const int32_t *patch, const int32_t *end,
                                                                const int8_t *w, int32_t taps) {
  int32_t acc00 = 0, acc01 = 0, acc10 = 0, acc11 = 0;
  int32_t w0, w1, x0, x1, t;
  if (((end - patch) >> 2) & 1) {
    __asm__(O2M_TILE_2X2_PASS
            : [a00] "+r"(acc00), [a01] "+r"(acc01), [a10] "+r"(acc10), [a11] "+r"(acc11),
              [patch] "+r"(patch), [w] "+r"(w), [w0] "=&r"(w0), [w1] "=&r"(w1), [x0] "=&r"(x0),
              [x1] "=&r"(x1), [t] "=&r"(t)
            : [taps] "r"(taps)
            : "memory");
  }
  if (patch != end) {
    __asm__("1:\n\t" O2M_TILE_2X2_PASS O2M_TILE_2X2_PASS
            "cmp   %[patch], %[end]\n\t"
            "bne   1b\n\t"
            : [a00] "+r"(acc00), [a01] "+r"(acc01), [a10] "+r"(acc10), [a11] "+r"(acc11),
              [patch] "+r"(patch), [w] "+r"(w), [w0] "=&r"(w0), [w1] "=&r"(w1), [x0] "=&r"(x0),
              [x1] "=&r"(x1), [t] "=&r"(t)
            : [taps] "r"(taps), [end] "r"(end)
            : "memory", "cc");
  }
  return (tile_sums){acc00, acc01, acc10, acc11};
}

/* One weight row against both pixels' patches (the last of an odd number of output channels). */
static inline __attribute__((always_inline)) tile_sums tile_1x2(const int32_t *patch, const int32_t *end,
                                                                const int8_t *w) {
  int32_t acc00 = 0, acc01 = 0;
  while (patch != end) {
    const int32_t word0 = o2m_load_int8x4(w);
    w += 4;
    int16x2_t weights = __sxtb16(word0);
    acc00 = __smlad(patch[0], weights, acc00);
    acc01 = __smlad(patch[1], weights, acc01);
    weights = o2m_sxtb16_odd(word0);
    acc00 = __smlad(patch[2], weights, acc00);
    acc01 = __smlad(patch[3], weights, acc01);
    patch += 4;
  }
  return (tile_sums){acc00, acc01, 0, 0};
}

/* What the output channels of one pixel pair need: a struct, so that the channel loop reads what
 * it needs through one pointer instead of holding a dozen values in too few registers. */
typedef struct {
  const patch_buffer *patches;
  const int8_t *weights;       /* the group's first output channel's row */
  const int32_t *bias;         /* NULL, or the group's first channel's */
  const int32_t *multipliers;  /* the group's first channel's */
  const int32_t *shifts;
  int32_t out_channels, out_plane;
  int32_t output_offset, act_min, act_max;
} channel_job;

/* Output channel `row` of the tile, both pixels (`pixels` 1 stores only the first), from its sums
 * over the whole groups of four: the tail taps, the bias, the requantisation, the stores. */
static inline __attribute__((always_inline)) void finish_channel(const channel_job *job, int32_t channel,
                                                                 int32_t sum0, int32_t sum1, int32_t pixels,
                                                                 int8_t *out) {
  const patch_buffer *b = job->patches;
  if (b->whole != b->taps) {
    const int8_t *w = job->weights + channel * b->taps;
    for (int32_t k = b->whole; k < b->taps; ++k) {
      sum0 += b->patches[2 * k] * w[k];
      sum1 += b->patches[2 * k + 1] * w[k];
    }
  }
  if (job->bias != NULL) {
    sum0 += job->bias[channel];
    sum1 += job->bias[channel];
  }
  /* both results before either store, which GCC must assume could change the constants */
  const int32_t multiplier = job->multipliers[channel], shift = job->shifts[channel];
  const int8_t y0 = o2m_requantize_i8_fast(sum0, multiplier, shift, job->output_offset, job->act_min, job->act_max);
  const int8_t y1 = o2m_requantize_i8_fast(sum1, multiplier, shift, job->output_offset, job->act_min, job->act_max);
  out[0] = y0;
  if (pixels > 1) {
    out[1] = y1;
  }
}

/* Every output channel of the group for the gathered pixel pair (`pixels` 1: the lone last pixel,
 * gathered into both slots, its copy's results dropped). */
static inline __attribute__((always_inline)) void channels_for_pixels(const channel_job *job, int32_t pixels,
                                                                      int8_t *out) {
  const patch_buffer *b = job->patches;
  const int32_t *patch = (const int32_t *)(const void *)b->patches;
  const int32_t *end = patch + b->whole;
  const int32_t taps = b->taps;
  const int32_t out_plane = job->out_plane;
  int32_t oc = 0;
  for (; oc + 2 <= job->out_channels; oc += 2, out += 2 * out_plane) {
    const tile_sums sums = tile_2x2(patch, end, job->weights + oc * taps, taps);
    finish_channel(job, oc, sums.row0_pixel0, sums.row0_pixel1, pixels, out);
    finish_channel(job, oc + 1, sums.row1_pixel0, sums.row1_pixel1, pixels, out + out_plane);
  }
  if (oc < job->out_channels) {
    const tile_sums sums = tile_1x2(patch, end, job->weights + oc * taps);
    finish_channel(job, oc, sums.row0_pixel0, sums.row0_pixel1, pixels, out);
  }
}

static __attribute__((noinline)) void channels_for_pair(const channel_job *job, int8_t *out) {
  channels_for_pixels(job, 2, out);
}

static __attribute__((noinline)) void channels_for_lone_pixel(const channel_job *job, int8_t *out) {
  channels_for_pixels(job, 1, out);
}

static __attribute__((noinline)) void conv_dsp(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                     const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                     int8_t *output, int32_t *scratch) {
  const patch_buffer b = patch_layout(p, scratch);
  const int32_t in_c_per_group = p->in_c / p->groups;
  const int32_t out_c_per_group = p->out_c / p->groups;
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t out_plane = p->out_h * p->out_w;
  const int32_t out_w = p->out_w, stride_h = p->stride_h, stride_w = p->stride_w;
  const int32_t pad_top = p->pad_top, pad_left = p->pad_left;
  channel_job job = {&b, weights, bias, multipliers, shifts, out_c_per_group, out_plane,
                     p->output_offset, p->act_min, p->act_max};
  for (int32_t n = 0; n < p->batch; ++n) {
    for (int32_t group = 0; group < p->groups; ++group) {
      const int8_t *group_input = input + (n * p->in_c + group * in_c_per_group) * in_plane;
      const int32_t first_channel = group * out_c_per_group;
      job.weights = weights + first_channel * b.taps;
      job.bias = bias != NULL ? bias + first_channel : NULL;
      job.multipliers = multipliers + first_channel;
      job.shifts = shifts + first_channel;
      int8_t *group_output = output + (n * p->out_c + first_channel) * out_plane;
      int32_t oy = 0, ox = 0;
      int32_t pixel = 0;
      for (; pixel + 2 <= out_plane; pixel += 2) {
        for (int32_t c = 0; c < 2; ++c) {
          gather_patch(p, &b, group_input, oy * stride_h - pad_top, ox * stride_w - pad_left, c);
          if (++ox == out_w) {
            ox = 0;
            ++oy;
          }
        }
        channels_for_pair(&job, group_output + pixel);
      }
      if (pixel < out_plane) {
        gather_patch(p, &b, group_input, oy * stride_h - pad_top, ox * stride_w - pad_left, 0);
        gather_patch(p, &b, group_input, oy * stride_h - pad_top, ox * stride_w - pad_left, 1);
        channels_for_lone_pixel(&job, group_output + pixel);
      }
    }
  }
}
#endif

/* The definition's loops. A function of their own, so that a fast variant's call chain does not
 * stand on their frame (the compile-time stack estimate follows call edges). */
static __attribute__((noinline)) void conv_portable(const o2m_conv2d_i8_params *p, const int8_t *input,
                                                    const int8_t *weights, const int32_t *bias,
                                                    const int32_t *multipliers, const int32_t *shifts,
                                                    int8_t *output) {
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

void o2m_conv2d_i8(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                   const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                   int8_t *output, int32_t *scratch) {
#if O2M_KERNELS_MVE
  if (scratch != NULL) {
    o2m_conv2d_i8_mve(p, input, weights, bias, multipliers, shifts, output, scratch);
    return;
  }
#endif
#if O2M_KERNELS_DSP
  if (scratch != NULL) {
    conv_dsp(p, input, weights, bias, multipliers, shifts, output, scratch);
    return;
  }
#else
  (void)scratch;
#endif
  conv_portable(p, input, weights, bias, multipliers, shifts, output);
}
