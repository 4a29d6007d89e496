/* onnx2mcu runtime: int8 Conv (2-D NCHW, grouped, dilated; 1-D as height 1), the definition of
 * the int8 result (TFLite's reference convolution, per-channel requantisation), for weights in
 * either order of kernels_int8.h (plain, or paired for the DSP kernel).
 *
 * On cores with the DSP extension (O2M_KERNELS_DSP, onnx2mcu/arch.h) a convolution that is not
 * depthwise, with paired weights, runs as a matrix product on SMLAD: two output pixels' input
 * patches are gathered into int16 columns in the scratch buffer (input offset added, padded taps
 * 0, CMSIS-NN's im2col), and each pair of output channels takes both columns in one asm loop,
 * 16 MACs per 14 instructions, started at the channels' biases and requantised by o2m_level_of
 * with constants computed once per call (a layer with a shift that form does not cover runs the
 * definition's loops). On Helium (O2M_KERNELS_MVE, the Cortex-M55), with plain weights,
 * conv2d_i8_mve.c takes the same scratch for four pixels' int8 patches and VMLADAVA. Their
 * results equal the definition's bit for bit. */
#include <stddef.h>

#include "onnx2mcu/fixed_point.h"
#include "onnx2mcu/kernels_int8.h"

#include "conv2d_i8_mve.h"
#include "dsp_simd.h"
#include "requantize_i8.h"
#include "window_taps.h"

#if O2M_KERNELS_DSP
/* The two output pixels' patches share one int16 buffer, laid out for the SMLAD loop. SMLAD pairs
 * the halves of an SXTB16'd weight word, bytes (0, 2) and then (1, 3); so for each group of four
 * taps k0..k3 the buffer holds 8 int16: pixel 0's (k0, k2), pixel 1's (k0, k2), pixel 0's
 * (k1, k3), pixel 1's (k1, k3) — four words, each the partner of a weight word's half, one LDM.
 * A last group of fewer than four taps meets zero weights in the paired order, so the patch
 * values there never count. */
static const int8_t group_slot[4] = {0, 4, 1, 5};

static inline int32_t slot_of(int32_t k) {
  return 8 * (k >> 2) + group_slot[k & 3];
}

/* One output channel's bias and requantisation, in the form o2m_level_of takes
 * (requantize_i8.h): computed once per call, in scratch. */
typedef struct {
  int32_t bias, multiplier, rounding, right_shift;
} channel_requant;

typedef struct {
  int32_t taps, padded;         /* K = (in_c / groups) · k_h · k_w, and K rounded up to fours */
  const int32_t *offsets;       /* per tap in slot order: its input offset from the window's origin */
  int16_t *patches;             /* 2 · padded int16 */
  channel_requant *requant;     /* per output channel */
} patch_buffer;

/* Where the channels' constants sit in scratch: after the tap table and the patches. */
static channel_requant *requant_area(const o2m_conv2d_i8_params *p, int32_t *scratch) {
  const int32_t padded = ((p->in_c / p->groups) * p->k_h * p->k_w + 3) & ~3;
  return (channel_requant *)(void *)(scratch + 2 * padded);
}

static patch_buffer patch_layout(const o2m_conv2d_i8_params *p, int32_t *scratch) {
  patch_buffer b;
  const int32_t in_c_per_group = p->in_c / p->groups;
  b.taps = in_c_per_group * p->k_h * p->k_w;
  b.padded = (b.taps + 3) & ~3;
  int32_t *offsets = scratch;
  for (int32_t k = b.taps; k < b.padded; ++k) {
    offsets[k] = 0; /* the padding taps read the window's origin: their weights are 0 */
  }
  int32_t k = 0;
  for (int32_t ic = 0; ic < in_c_per_group; ++ic) {
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
      for (int32_t kx = 0; kx < p->k_w; ++kx, ++k) {
        /* slot order within a group is k0, k2, k1, k3: the table follows it */
        const int32_t at = (k & ~3) | ((k & 1) << 1) | ((k >> 1) & 1);
        offsets[at] = (ic * p->in_h + ky * p->dil_h) * p->in_w + kx * p->dil_w;
      }
    }
  }
  b.offsets = offsets;
  b.patches = (int16_t *)(scratch + b.padded);
  b.requant = requant_area(p, scratch);
  return b;
}

/* Fills in every output channel's channel_requant; 0 if a channel lies outside the form
 * o2m_level_of takes on QADD-doubled sums (o2m_level_form_covers). */
static int requant_records(const o2m_conv2d_i8_params *p, const int32_t *bias, const int32_t *multipliers,
                           const int32_t *shifts, channel_requant *records) {
  for (int32_t oc = 0; oc < p->out_c; ++oc) {
    if (!o2m_level_form_covers(multipliers[oc], shifts[oc])) {
      return 0;
    }
    records[oc] = (channel_requant){bias != NULL ? bias[oc] : 0, multipliers[oc],
                                    o2m_level_rounding(p->output_offset, -shifts[oc]), -shifts[oc]};
  }
  return 1;
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
    for (int32_t k = 0; k < b->padded; k += 4, at += 4, slot += 8) {
      slot[0] = (int16_t)(origin[at[0]] + offset);
      slot[1] = (int16_t)(origin[at[1]] + offset);
      slot[4] = (int16_t)(origin[at[2]] + offset);
      slot[5] = (int16_t)(origin[at[3]] + offset);
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
        b->patches[slot_of(k) + 2 * pixel] = (int16_t)(inside ? group_input[row_start + kx * p->dil_w] + offset : 0);
      }
    }
  }
}

/* Both pixels' patches at once, for two neighbouring outputs of one row whose windows lie inside
 * the input, at stride_w 1 or 2: pixel 1's taps are pixel 0's, stride_w bytes on. At stride 1 a
 * halfword load holds both pixels' bytes of a tap, two such halfwords (taps k0 and k2) make a
 * word whose even bytes are pixel 0's (k0, k2) and odd bytes pixel 1's, and SXTAB16 widens each
 * pair and adds the input offset in one instruction. At stride 2 a word load holds both bytes of
 * a tap (bytes 0 and 2; the caller checks that its byte 3 is inside the input), and PKHBT/PKHTB
 * pair two taps' halves. 13 to 17 instructions per group of four taps, for both pixels; the
 * padding taps of a last group read the window's origin, and meet zero weights. */
static __attribute__((noinline)) void gather_pair(const patch_buffer *b, const int8_t *origin, int32_t stride_w, int32_t input_offset) {
  const int16x2_t offsets2 = (int16x2_t)(((uint32_t)(uint16_t)input_offset << 16) | (uint16_t)input_offset);
  const int32_t *at = b->offsets;
  const int32_t *const end = at + b->padded;
  int16x2_t *slot = (int16x2_t *)(void *)b->patches;
  if (stride_w == 1) {
    for (; at != end; at += 4, slot += 4) {
      uint16_t h0, h2, h1, h3;
      __builtin_memcpy(&h0, origin + at[0], 2); /* LDRH: unaligned halfword loads are fine */
      __builtin_memcpy(&h2, origin + at[1], 2);
      __builtin_memcpy(&h1, origin + at[2], 2);
      __builtin_memcpy(&h3, origin + at[3], 2);
      const int32_t even = (int32_t)((uint32_t)h0 | ((uint32_t)h2 << 16));
      const int32_t odd = (int32_t)((uint32_t)h1 | ((uint32_t)h3 << 16));
      slot[0] = __sxtab16(offsets2, even);
      slot[1] = o2m_sxtab16_odd(offsets2, even);
      slot[2] = __sxtab16(offsets2, odd);
      slot[3] = o2m_sxtab16_odd(offsets2, odd);
    }
  } else {
    for (; at != end; at += 4, slot += 4) {
      const int16x2_t k0 = __sxtab16(offsets2, o2m_load_int8x4(origin + at[0]));
      const int16x2_t k2 = __sxtab16(offsets2, o2m_load_int8x4(origin + at[1]));
      const int16x2_t k1 = __sxtab16(offsets2, o2m_load_int8x4(origin + at[2]));
      const int16x2_t k3 = __sxtab16(offsets2, o2m_load_int8x4(origin + at[3]));
      slot[0] = o2m_low_halves(k0, k2);
      slot[1] = o2m_high_halves(k0, k2);
      slot[2] = o2m_low_halves(k1, k3);
      slot[3] = o2m_high_halves(k1, k3);
    }
  }
}

/* The pair loop: for a gathered pixel pair, every pair of output channels of a group in turn —
 * the 2×2 tile over all groups of four taps, the requantisation of its four sums, the stores —
 * as one asm loop. Its state lives in this struct, which the loop advances, and the fourteen
 * registers go to the tile: accumulators r0 r1 (channel 0, pixels 0 and 1) and r2 r3 (channel 1),
 * patch words r4-r7 (one LDM), both channels' weight words r8 r9 (one LDRD, as the paired order
 * puts them side by side), widened weights r10, patch r11, weights r12, patch end lr. */
typedef struct {
  const int32_t *patch, *patch_end;  /*  0,  4: the gathered pair */
  const int8_t *w;                   /*  8: the next pair's weights */
  const channel_requant *requant;    /* 12: the next pair's first channel's */
  int8_t *out;                       /* 16: its first output */
  int32_t out_plane;                 /* 20 */
  const channel_requant *requant_end; /* 24: past the last pair's second channel's; one pair at least */
  int32_t odd_groups;                /* 28: the taps make an odd number of groups of four */
  uint32_t act_min4, act_max4;       /* 32, 36: act_min and act_max in each byte */
} pair_loop;

/* 16 MACs in 14 instructions */
#define O2M_PAIR_PASS                    \
  "ldmia r11!, {r4, r5, r6, r7}\n\t"     \
  "ldrd  r8, r9, [r12], #8\n\t"          \
  "sxtb16 r10, r8\n\t"                   \
  "smlad r0, r4, r10, r0\n\t"            \
  "smlad r1, r5, r10, r1\n\t"            \
  "sxtb16 r10, r9\n\t"                   \
  "smlad r2, r4, r10, r2\n\t"            \
  "smlad r3, r5, r10, r3\n\t"            \
  "sxtb16 r8, r8, ror #8\n\t"            \
  "smlad r0, r6, r8, r0\n\t"             \
  "smlad r1, r7, r8, r1\n\t"             \
  "sxtb16 r9, r9, ror #8\n\t"            \
  "smlad r2, r6, r9, r2\n\t"             \
  "smlad r3, r7, r9, r3\n\t"

/* One channel's two sums (ra, rb) to two bytes in `pair` (`spare` a scratch register), by the
 * channel_requant at r4 (advanced): o2m_level_of on QADD-doubled sums, then clamped unless
 * `clamp` expands to nothing. */
#define O2M_PAIR_LEVELS(ra, rb, pair, spare, clamp)          \
  "ldmia r4!, {r5, r6, r7, r8}\n\t"                        \
  "qadd  " ra ", " ra ", " ra "\n\t"                       \
  "qadd  " rb ", " rb ", " rb "\n\t"                       \
  "smmlar " pair ", " ra ", r6, r7\n\t"                    \
  "smmlar " spare ", " rb ", r6, r7\n\t"                   \
  "sub   " pair ", " pair ", " ra ", lsr #31\n\t"          \
  "sub   " spare ", " spare ", " rb ", lsr #31\n\t"        \
  "asr   " pair ", " pair ", r8\n\t"                       \
  "asr   " spare ", " spare ", r8\n\t"                     \
  "ssat  " pair ", #8, " pair "\n\t"                       \
  "ssat  " spare ", #8, " spare "\n\t"                     \
  "bfi   " pair ", " spare ", #8, #8\n\t" clamp(pair, spare)

/* o2m_clamp_pair's SSUB8/SEL on the two bytes in `pair` (state in lr) */
#define O2M_PAIR_CLAMP(pair, spare)                        \
  "ldrd  r7, r8, [lr, #32]\n\t"                            \
  "ssub8 " spare ", " pair ", r7\n\t"                      \
  "sel   " pair ", " pair ", r7\n\t"                       \
  "ssub8 " spare ", r8, " pair "\n\t"                      \
  "sel   " pair ", " pair ", r8\n\t"
#define O2M_PAIR_NO_CLAMP(pair, spare)

/* `store` is strh (both pixels' bytes) or strb (the lone last pixel's). Across pairs the weights
 * pointer (r12) runs on, as the paired order puts each pair's weights after the last's; lr is
 * the state but inside the tile, and r4 the constants' pointer but inside the tile, which
 * takes r4 for a patch word. */
#define O2M_PAIR_LOOP(clamp, store)              \
  "ldr   lr, %[state]\n\t"                       \
  "ldr   r12, [lr, #8]\n\t"                      \
  "ldr   r4, [lr, #12]\n\t"                      \
  "1:\n\t"                                       \
  "ldr   r0, [r4]\n\t"                           \
  "ldr   r2, [r4, #16]\n\t"                      \
  "mov   r1, r0\n\t"                             \
  "mov   r3, r2\n\t"                             \
  "ldrd  r11, r5, [lr]\n\t"                      \
  "ldr   r6, [lr, #28]\n\t"                      \
  "mov   lr, r5\n\t"                             \
  "cbnz  r6, 3f\n\t"                             \
  "2:\n\t" O2M_PAIR_PASS                         \
  "3:\n\t" O2M_PAIR_PASS                         \
  "cmp   r11, lr\n\t"                            \
  "bne   2b\n\t"                                 \
  "ldr   lr, %[state]\n\t"                       \
  "ldr   r4, [lr, #12]\n\t"                      \
  O2M_PAIR_LEVELS("r0", "r1", "r9", "r10", clamp) \
  O2M_PAIR_LEVELS("r2", "r3", "r11", "r10", clamp) \
  "ldrd  r5, r6, [lr, #16]\n\t"                  \
  store " r9, [r5]\n\t"                          \
  store " r11, [r5, r6]\n\t"                     \
  "add   r5, r5, r6, lsl #1\n\t"                 \
  "str   r5, [lr, #16]\n\t"                      \
  "str   r4, [lr, #12]\n\t"                      \
  "ldr   r5, [lr, #24]\n\t"                      \
  "cmp   r4, r5\n\t"                             \
  "bne   1b\n\t"

#define O2M_PAIR_CLOBBERS \
  "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "lr", "memory", "cc"

static __attribute__((noinline)) void pair_loop_run(pair_loop *loop) {
  __asm__ volatile(O2M_PAIR_LOOP(O2M_PAIR_NO_CLAMP, "strh") : : [state] "m"(loop) : O2M_PAIR_CLOBBERS);
}

static __attribute__((noinline)) void pair_loop_run_clamped(pair_loop *loop) {
  __asm__ volatile(O2M_PAIR_LOOP(O2M_PAIR_CLAMP, "strh") : : [state] "m"(loop) : O2M_PAIR_CLOBBERS);
}

static __attribute__((noinline)) void pair_loop_run_lone_pixel(pair_loop *loop) {
  __asm__ volatile(O2M_PAIR_LOOP(O2M_PAIR_CLAMP, "strb") : : [state] "m"(loop) : O2M_PAIR_CLOBBERS);
}

/* The last channel of an odd count per group, row 0 of its pair (row 1 is zeros), in C: its two
 * pixels' (`pixels` 1: the first's) outputs. */
static __attribute__((noinline)) void odd_channel(const pair_loop *loop, const int8_t *w, const channel_requant *r,
                                                  int32_t pixels, int8_t *out) {
  int32_t acc0 = r->bias, acc1 = r->bias;
  for (const int32_t *patch = loop->patch; patch != loop->patch_end; patch += 4, w += 8) {
    const int32_t word = o2m_load_int8x4(w);
    const int16x2_t even = __sxtb16(word), odd = o2m_sxtb16_odd(word);
    acc0 = __smlad(patch[0], even, acc0);
    acc1 = __smlad(patch[1], even, acc1);
    acc0 = __smlad(patch[2], odd, acc0);
    acc1 = __smlad(patch[3], odd, acc1);
  }
  const uint32_t pair = o2m_clamp_pair(o2m_level_of(__qadd(acc0, acc0), r->multiplier, r->rounding, r->right_shift),
                                       o2m_level_of(__qadd(acc1, acc1), r->multiplier, r->rounding, r->right_shift),
                                       loop->act_min4, loop->act_max4);
  if (pixels > 1) {
    o2m_store_pair(out, pair);
  } else {
    *out = (int8_t)pair;
  }
}

/* Every output channel of a group for the gathered pixel pair. */
static inline void channels_for_pixels(pair_loop *loop, const int8_t *w, const channel_requant *requant,
                                       int32_t out_channels, int32_t fours, int32_t pixels, int clamps, int8_t *out) {
  const int32_t pairs = out_channels >> 1;
  if (pairs > 0) {
    loop->w = w;
    loop->requant = requant;
    loop->out = out;
    loop->requant_end = requant + 2 * pairs;
    if (pixels == 1) {
      pair_loop_run_lone_pixel(loop);
    } else if (clamps) {
      pair_loop_run_clamped(loop);
    } else {
      pair_loop_run(loop);
    }
  }
  if (out_channels & 1) {
    odd_channel(loop, w + pairs * fours * 8, requant + 2 * pairs, pixels, out + 2 * pairs * loop->out_plane);
  }
}

/* The DSP variant, once requant_records has filled in the channels' constants. */
static __attribute__((noinline)) void conv_dsp(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                                               int8_t *output, int32_t *scratch) {
  const patch_buffer b = patch_layout(p, scratch);
  const int32_t in_c_per_group = p->in_c / p->groups;
  const int32_t out_c_per_group = p->out_c / p->groups;
  const int32_t fours = b.padded >> 2;
  const int32_t group_weight_bytes = ((out_c_per_group + 1) >> 1) * fours * 8;
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t out_plane = p->out_h * p->out_w;
  const int32_t out_w = p->out_w, stride_h = p->stride_h, stride_w = p->stride_w;
  const int32_t pad_top = p->pad_top, pad_left = p->pad_left;
  const int clamps = p->act_min > -128 || p->act_max < 127;
  /* gather_pair's reach: a pixel pair at stride_w 1 or 2, and at 2 the word at pixel 0's last tap */
  const int pair_stride = stride_w == 1 || stride_w == 2;
  const int32_t last_row = (p->k_h - 1) * p->dil_h, last_column = (p->k_w - 1) * p->dil_w;
  pair_loop loop = {(const int32_t *)(const void *)b.patches, (const int32_t *)(const void *)b.patches + b.padded,
                    NULL, NULL, NULL, out_plane, NULL, fours & 1,
                    0x01010101u * (uint8_t)p->act_min, 0x01010101u * (uint8_t)p->act_max};
  for (int32_t n = 0; n < p->batch; ++n) {
    for (int32_t group = 0; group < p->groups; ++group) {
      const int8_t *group_input = input + (n * p->in_c + group * in_c_per_group) * in_plane;
      const int32_t first_channel = group * out_c_per_group;
      const int8_t *group_weights = weights + group * group_weight_bytes;
      const channel_requant *group_requant = b.requant + first_channel;
      int8_t *group_output = output + (n * p->out_c + first_channel) * out_plane;
      int32_t oy = 0, ox = 0;
      int32_t pixel = 0;
      for (; pixel + 2 <= out_plane; pixel += 2) {
        const int32_t iy_origin = oy * stride_h - pad_top, ix_origin = ox * stride_w - pad_left;
        if (ox + 1 < out_w && pair_stride && window_inside(p, iy_origin, ix_origin) &&
            window_inside(p, iy_origin, ix_origin + stride_w) &&
            (stride_w == 1 || (iy_origin + last_row) * p->in_w + ix_origin + last_column + 3 < in_plane)) {
          gather_pair(&b, group_input + iy_origin * p->in_w + ix_origin, stride_w, p->input_offset);
          if ((ox += 2) == out_w) {
            ox = 0;
            ++oy;
          }
        } else {
          for (int32_t c = 0; c < 2; ++c) {
            gather_patch(p, &b, group_input, oy * stride_h - pad_top, ox * stride_w - pad_left, c);
            if (++ox == out_w) {
              ox = 0;
              ++oy;
            }
          }
        }
        channels_for_pixels(&loop, group_weights, group_requant, out_c_per_group, fours, 2, clamps,
                            group_output + pixel);
      }
      if (pixel < out_plane) {
        gather_patch(p, &b, group_input, oy * stride_h - pad_top, ox * stride_w - pad_left, 0);
        gather_patch(p, &b, group_input, oy * stride_h - pad_top, ox * stride_w - pad_left, 1);
        channels_for_pixels(&loop, group_weights, group_requant, out_c_per_group, fours, 1, clamps,
                            group_output + pixel);
      }
    }
  }
}
#endif

/* The definition's loops, for either order of the weights (`paired` a constant at each call, so
 * the plain order's loops carry nothing of the paired one's). */
static inline __attribute__((always_inline)) void conv_loops(const o2m_conv2d_i8_params *p, const int8_t *input,
                                                             const int8_t *weights, const int32_t *bias,
                                                             const int32_t *multipliers, const int32_t *shifts,
                                                             int8_t *output, int paired) {
  const int32_t in_c_per_group = p->in_c / p->groups;
  const int32_t out_c_per_group = p->out_c / p->groups;
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t kernel_plane = p->k_h * p->k_w;
  const int32_t out_plane = p->out_h * p->out_w;
  const int32_t taps = in_c_per_group * kernel_plane;
  /* paired weights (kernels_int8.h): channel j of a group starts at its pair's first group of
   * four, 4 bytes on for the pair's second row, and its tap k lies at k + 4 · (k / 4) from there */
  const int32_t pair_bytes = ((taps + 3) & ~3) * 2;
  const int32_t pairs_per_group = (out_c_per_group + 1) >> 1;

  for (int32_t n = 0; n < p->batch; ++n) {
    const int8_t *image = input + n * p->in_c * in_plane;
    int8_t *result = output + n * p->out_c * out_plane;
    for (int32_t oc = 0; oc < p->out_c; ++oc) {
      const int32_t group = oc / out_c_per_group, j = oc % out_c_per_group;
      const int8_t *group_input = image + group * in_c_per_group * in_plane;
      const int8_t *filter = paired
                                 ? weights + (group * pairs_per_group + (j >> 1)) * pair_bytes + (j & 1) * 4
                                 : weights + oc * taps;
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
              if (paired) {
                const int32_t row_tap = ic * kernel_plane + ky * p->k_w;
                for (int32_t kx = kx_first; kx < kx_last; ++kx) {
                  const int32_t k = row_tap + kx;
                  acc += ((int32_t)in_channel[row_origin + kx * p->dil_w] + p->input_offset) * filter[k + (k & ~3)];
                }
                continue;
              }
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

/* A function of its own, so that a fast variant's call chain does not stand on its frame (the
 * compile-time stack estimate follows call edges). Paired weights reach a core with the DSP
 * extension (its fast or --portable-kernels build) and the host build of its model, never an Arm
 * core without DSP (compiler/ops/conv.ts), whose firmware carries only the plain loops. */
static __attribute__((noinline)) void conv_portable(const o2m_conv2d_i8_params *p, const int8_t *input,
                                                    const int8_t *weights, const int32_t *bias,
                                                    const int32_t *multipliers, const int32_t *shifts,
                                                    int8_t *output) {
#if defined(__ARM_FEATURE_DSP) || !defined(__arm__)
  if (p->weights_paired) {
    conv_loops(p, input, weights, bias, multipliers, shifts, output, 1);
    return;
  }
#endif
  conv_loops(p, input, weights, bias, multipliers, shifts, output, 0);
}

void o2m_conv2d_i8(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                   const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                   int8_t *output, int32_t *scratch) {
#if O2M_KERNELS_MVE
  if (scratch != NULL && !p->weights_paired) {
    o2m_conv2d_i8_mve(p, input, weights, bias, multipliers, shifts, output, scratch);
    return;
  }
#endif
#if O2M_KERNELS_DSP
  /* a layer whose shifts the fast requantisation does not cover runs the definition's loops,
   * called from here so that the stack estimate does not stack them on the DSP variant's frame */
  if (scratch != NULL && p->weights_paired &&
      requant_records(p, bias, multipliers, shifts, requant_area(p, scratch))) {
    conv_dsp(p, input, weights, output, scratch);
    return;
  }
#else
  (void)scratch;
#endif
  conv_portable(p, input, weights, bias, multipliers, shifts, output);
}
