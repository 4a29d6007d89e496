/* onnx2mcu runtime: the Helium (MVE, Cortex-M55) variant of o2m_conv2d_i8 for convolutions that
 * are not depthwise, as a matrix product on VMLADAVA.S8 (16 MACs per instruction).
 *
 * Layout: four consecutive output pixels (in the flattened out_h·out_w plane of a group) are
 * gathered at a time into the scratch buffer as raw int8 patches: K = (in_c / groups)·k_h·k_w taps
 * each, in (ic, ky, kx) order, the order of a weight row, pixel j at byte j·K. Each output channel
 * then takes all four in one pass, every 16-byte load of its weight row shared by the four pixels
 * (two rows by four pixels would need eight sums, and VMLADAVA accumulates in even registers only:
 * GCC spills); the last K % 16 taps take one pass of loads predicated to zero past the end. The
 * four sums are one vector's lanes for the requantisation (requantize_i8_mve.h) and one narrowing
 * store writes the four outputs, adjacent in the channel's plane. A window inside the input is
 * gathered 8 taps per VLDRB gather through a table of each tap's uint16 offset from the window's
 * origin, kept in the scratch after the patches (bytes 4K to 6K; the last 2K are unused), each
 * table load shared by the four pixels when all four windows are inside. A window at the border
 * (and every window of a layer whose offsets exceed 16 bits) is filled with the zero point, then
 * its taps inside the input are copied row by row.
 *
 * Bit-exactness: the patches hold the raw input, not input + input_offset (which can leave
 * int8), so a channel's sum is
 *   sum_k (x_k + io)·w_k = sum_k x_k·w_k + io·sum_k w_k
 * over ALL K taps, with a padded tap holding the zero point -io (an int8, io in [-127, 128] as
 * the input is int8), whose (-io + io)·w = 0 is the definition's "a padded tap adds nothing".
 * Every product is exact and the int32 sums wrap modulo 2^32 as the definition's does, so the
 * order of the additions does not matter; sum_k w_k is summed (VADDVA) in the same pass as the
 * products, only when io is non-zero. */
#include <stddef.h>

#include "onnx2mcu/arch.h"

#include "conv2d_i8_mve.h"
#include "requantize_i8_mve.h"
#include "window_taps.h"

#if O2M_KERNELS_MVE
#include <arm_mve.h>

typedef struct {
  int32_t taps;              /* K */
  int8_t *patches;           /* 4 · K bytes */
  const uint16_t *offsets;   /* K; NULL when some tap's offset does not fit in 16 bits */
} patch_buffer;

static patch_buffer patch_layout(const o2m_conv2d_i8_params *p, int32_t *scratch) {
  patch_buffer b;
  const int32_t in_c_per_group = p->in_c / p->groups;
  b.taps = in_c_per_group * p->k_h * p->k_w;
  b.patches = (int8_t *)scratch;
  const int32_t last = ((in_c_per_group - 1) * p->in_h + (p->k_h - 1) * p->dil_h) * p->in_w + (p->k_w - 1) * p->dil_w;
  if (last > 0xffff) {
    b.offsets = NULL;
    return b;
  }
  uint16_t *offsets = (uint16_t *)(void *)(scratch + b.taps);
  int32_t k = 0;
  for (int32_t ic = 0; ic < in_c_per_group; ++ic) {
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
      for (int32_t kx = 0; kx < p->k_w; ++kx, ++k) {
        offsets[k] = (uint16_t)((ic * p->in_h + ky * p->dil_h) * p->in_w + kx * p->dil_w);
      }
    }
  }
  b.offsets = offsets;
  return b;
}

/* Whether the window at this origin lies inside the input, so no tap needs a bounds check. */
static inline int window_inside(const o2m_conv2d_i8_params *p, int32_t iy_origin, int32_t ix_origin) {
  return o2m_window_inside(iy_origin, p->dil_h, p->k_h, p->in_h) &&
         o2m_window_inside(ix_origin, p->dil_w, p->k_w, p->in_w);
}

/* The gathers are not inlined: the pixel-group loop keeps its few registers to itself. */

/* The patches of the four pixels whose windows lie inside the input at o0..o3 (their origins),
 * 8 taps per gather each, every load of the offset table shared by the four. */
static __attribute__((noinline)) void gather_inside_4(const patch_buffer *b, const int8_t *o0, const int8_t *o1,
                                                      const int8_t *o2, const int8_t *o3) {
  const int32_t taps = b->taps;
  const uint16_t *at = b->offsets;
  int8_t *d0 = b->patches, *d1 = d0 + taps, *d2 = d1 + taps, *d3 = d2 + taps;
  int32_t left = taps;
  for (; left >= 8; left -= 8) {
    const uint16x8_t offsets = vldrhq_u16(at);
    at += 8;
    vstrbq_s16(d0, vldrbq_gather_offset_s16(o0, offsets));
    d0 += 8;
    vstrbq_s16(d1, vldrbq_gather_offset_s16(o1, offsets));
    d1 += 8;
    vstrbq_s16(d2, vldrbq_gather_offset_s16(o2, offsets));
    d2 += 8;
    vstrbq_s16(d3, vldrbq_gather_offset_s16(o3, offsets));
    d3 += 8;
  }
  if (left > 0) {
    const mve_pred16_t tail = vctp16q((uint32_t)left);
    const uint16x8_t offsets = vldrhq_z_u16(at, tail);
    vstrbq_p_s16(d0, vldrbq_gather_offset_z_s16(o0, offsets, tail), tail);
    vstrbq_p_s16(d1, vldrbq_gather_offset_z_s16(o1, offsets, tail), tail);
    vstrbq_p_s16(d2, vldrbq_gather_offset_z_s16(o2, offsets, tail), tail);
    vstrbq_p_s16(d3, vldrbq_gather_offset_z_s16(o3, offsets, tail), tail);
  }
}

/* The patch of one pixel whose window lies inside the input at `origin`. */
static __attribute__((noinline)) void gather_inside_1(const patch_buffer *b, const int8_t *origin, int8_t *patch) {
  const uint16_t *at = b->offsets;
  int32_t left = b->taps;
  for (; left >= 8; left -= 8, at += 8, patch += 8) {
    vstrbq_s16(patch, vldrbq_gather_offset_s16(origin, vldrhq_u16(at)));
  }
  if (left > 0) {
    const mve_pred16_t tail = vctp16q((uint32_t)left);
    vstrbq_p_s16(patch, vldrbq_gather_offset_z_s16(origin, vldrhq_z_u16(at, tail), tail), tail);
  }
}

/* One output pixel's raw int8 patch, the zero point where the window leaves the input: the
 * zero point everywhere first, then the taps inside, row by row. */
static __attribute__((noinline)) void gather_patch(const o2m_conv2d_i8_params *p, const patch_buffer *b,
                                                   const int8_t *group_input, int32_t iy_origin,
                                                   int32_t ix_origin, int8_t *patch) {
  const int32_t taps = b->taps;
  const int8x16_t zero_point = vdupq_n_s8((int8_t)-p->input_offset);
  for (int32_t k = 0; k < taps; k += 16) {
    vstrbq_p_s8(patch + k, zero_point, vctp8q((uint32_t)(taps - k)));
  }
  const int32_t in_h = p->in_h, in_w = p->in_w, k_h = p->k_h, k_w = p->k_w;
  const int32_t dil_h = p->dil_h, dil_w = p->dil_w, in_c_per_group = p->in_c / p->groups;
  int32_t ky_first, ky_last, kx_first, kx_last;
  o2m_valid_taps(iy_origin, dil_h, k_h, in_h, &ky_first, &ky_last);
  o2m_valid_taps(ix_origin, dil_w, k_w, in_w, &kx_first, &kx_last);
  for (int32_t ic = 0; ic < in_c_per_group; ++ic) {
    for (int32_t ky = ky_first; ky < ky_last; ++ky) {
      const int8_t *row = group_input + (ic * in_h + iy_origin + ky * dil_h) * in_w + ix_origin;
      int8_t *slot = patch + (ic * k_h + ky) * k_w;
      for (int32_t kx = kx_first; kx < kx_last; ++kx) {
        slot[kx] = row[kx * dil_w];
      }
    }
  }
}

/* The four pixels' sums sum_k x_k·w_k against one weight row, and sum_k w_k when with_sum (a
 * constant at each use, so each is its own loop). */
static inline __attribute__((always_inline)) int32x4_t dot_4_pixels(const int8_t *p0, int32_t taps,
                                                                    const int8_t *w, int32_t blocks,
                                                                    int32_t rest, int with_sum,
                                                                    int32_t *w_sum) {
  const int8_t *p1 = p0 + taps, *p2 = p1 + taps, *p3 = p2 + taps;
  int32_t acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0, sum = 0;
  for (int32_t left = blocks; left > 0; --left) {
    const int8x16_t vw = vldrbq_s8(w);
    w += 16;
    acc0 = vmladavaq_s8(acc0, vldrbq_s8(p0), vw);
    p0 += 16;
    acc1 = vmladavaq_s8(acc1, vldrbq_s8(p1), vw);
    p1 += 16;
    acc2 = vmladavaq_s8(acc2, vldrbq_s8(p2), vw);
    p2 += 16;
    acc3 = vmladavaq_s8(acc3, vldrbq_s8(p3), vw);
    p3 += 16;
    if (with_sum) {
      sum = vaddvaq_s8(sum, vw);
    }
  }
  if (rest != 0) {
    /* lanes past K load as 0 and add nothing */
    const mve_pred16_t tail = vctp8q((uint32_t)rest);
    const int8x16_t vw = vldrbq_z_s8(w, tail);
    acc0 = vmladavaq_s8(acc0, vldrbq_z_s8(p0, tail), vw);
    acc1 = vmladavaq_s8(acc1, vldrbq_z_s8(p1, tail), vw);
    acc2 = vmladavaq_s8(acc2, vldrbq_z_s8(p2, tail), vw);
    acc3 = vmladavaq_s8(acc3, vldrbq_z_s8(p3, tail), vw);
    if (with_sum) {
      sum = vaddvaq_s8(sum, vw);
    }
  }
  *w_sum = sum;
  int32x4_t sums = vdupq_n_s32(acc0);
  sums = vsetq_lane_s32(acc1, sums, 1);
  sums = vsetq_lane_s32(acc2, sums, 2);
  return vsetq_lane_s32(acc3, sums, 3);
}

/* What the output channels of one group of pixels need, through one pointer. */
typedef struct {
  const int8_t *patches;
  const int8_t *weights;       /* the group's first output channel's row */
  const int32_t *bias;         /* NULL, or the group's first channel's */
  const int32_t *multipliers;  /* the group's first channel's */
  const int32_t *shifts;
  int32_t taps, out_channels, out_plane;
  int32_t input_offset, output_offset, act_min, act_max;
} channel_job;

/* Every output channel of the group for the gathered pixels, `pixels` (1 to 4) of them stored. */
static inline __attribute__((always_inline)) void channels_for_pixels(const channel_job *job, int with_sum,
                                                                      int32_t pixels, int8_t *out) {
  const int32_t taps = job->taps, blocks = taps >> 4, rest = taps & 15;
  const int32_t out_channels = job->out_channels, out_plane = job->out_plane;
  const int32_t input_offset = job->input_offset, output_offset = job->output_offset;
  const int32_t *bias = job->bias, *multipliers = job->multipliers, *shifts = job->shifts;
  const int8_t *patches = job->patches, *w = job->weights;
  const int32x4_t act_min = vdupq_n_s32(job->act_min), act_max = vdupq_n_s32(job->act_max);
  const mve_pred16_t lanes = vctp32q((uint32_t)pixels);
  for (int32_t oc = 0; oc < out_channels; ++oc, w += taps, out += out_plane) {
    int32_t w_sum;
    int32x4_t acc = dot_4_pixels(patches, taps, w, blocks, rest, with_sum, &w_sum);
    /* bias + io·sum_k w_k, wrapping (uint32) */
    uint32_t constant = bias != NULL ? (uint32_t)bias[oc] : 0u;
    if (with_sum) {
      constant += (uint32_t)input_offset * (uint32_t)w_sum;
    }
    acc = vaddq_n_s32(acc, (int32_t)constant);
    const int32x4_t y = o2m_requantize_i8x4(acc, vdupq_n_s32(multipliers[oc]), vdupq_n_s32(shifts[oc]),
                                            output_offset, act_min, act_max);
    vstrbq_p_s32(out, y, lanes);
  }
}

static __attribute__((noinline)) void channels_with_offset(const channel_job *job, int32_t pixels, int8_t *out) {
  channels_for_pixels(job, 1, pixels, out);
}

static __attribute__((noinline)) void channels_without_offset(const channel_job *job, int32_t pixels, int8_t *out) {
  channels_for_pixels(job, 0, pixels, out);
}

void o2m_conv2d_i8_mve(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                       const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                       int8_t *output, int32_t *scratch) {
  const patch_buffer b = patch_layout(p, scratch);
  const int32_t in_c_per_group = p->in_c / p->groups;
  const int32_t out_c_per_group = p->out_c / p->groups;
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t out_plane = p->out_h * p->out_w;
  const int32_t out_w = p->out_w, in_w = p->in_w, stride_h = p->stride_h, stride_w = p->stride_w;
  const int32_t pad_top = p->pad_top, pad_left = p->pad_left;
  const int32_t batch = p->batch, groups = p->groups, out_c = p->out_c, in_c = p->in_c;
  channel_job job = {b.patches, weights, bias, multipliers, shifts, b.taps, out_c_per_group, out_plane,
                     p->input_offset, p->output_offset, p->act_min, p->act_max};
  for (int32_t n = 0; n < batch; ++n) {
    for (int32_t group = 0; group < groups; ++group) {
      const int8_t *group_input = input + (n * in_c + group * in_c_per_group) * in_plane;
      const int32_t first_channel = group * out_c_per_group;
      job.weights = weights + first_channel * b.taps;
      job.bias = bias != NULL ? bias + first_channel : NULL;
      job.multipliers = multipliers + first_channel;
      job.shifts = shifts + first_channel;
      int8_t *group_output = output + (n * out_c + first_channel) * out_plane;
      int32_t oy = 0, ox = 0;
      for (int32_t pixel = 0; pixel < out_plane; pixel += 4) {
        const int32_t pixels = out_plane - pixel < 4 ? out_plane - pixel : 4;
        /* past the last pixel, its copies fill the slots: defined data, results not stored */
        int32_t iy_origins[4], ix_origins[4];
        int inside[4];
        for (int32_t j = 0; j < 4; ++j) {
          iy_origins[j] = oy * stride_h - pad_top;
          ix_origins[j] = ox * stride_w - pad_left;
          inside[j] = b.offsets != NULL && window_inside(p, iy_origins[j], ix_origins[j]);
          if (j + 1 < pixels && ++ox == out_w) {
            ox = 0;
            ++oy;
          }
        }
        if (++ox == out_w) {
          ox = 0;
          ++oy;
        }
        const int8_t *o[4];
        for (int32_t j = 0; j < 4; ++j) {
          o[j] = inside[j] ? group_input + iy_origins[j] * in_w + ix_origins[j] : group_input;
        }
        if (inside[0] && inside[1] && inside[2] && inside[3]) {
          gather_inside_4(&b, o[0], o[1], o[2], o[3]);
        } else {
          for (int32_t j = 0; j < 4; ++j) {
            if (inside[j]) {
              gather_inside_1(&b, o[j], b.patches + j * b.taps);
            } else {
              gather_patch(p, &b, group_input, iy_origins[j], ix_origins[j], b.patches + j * b.taps);
            }
          }
        }
        if (job.input_offset != 0) {
          channels_with_offset(&job, pixels, group_output + pixel);
        } else {
          channels_without_offset(&job, pixels, group_output + pixel);
        }
      }
    }
  }
}
#endif
