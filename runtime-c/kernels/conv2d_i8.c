/* onnx2mcu runtime: int8 Conv (2-D NCHW, grouped, dilated; 1-D as height 1), the definition of
 * the int8 result (TFLite's reference convolution, per-channel requantisation).
 *
 * On cores with the DSP extension (O2M_KERNELS_DSP, onnx2mcu/arch.h) a convolution that is not
 * depthwise runs as a matrix product on SMLAD: two output pixels' input patches are gathered
 * into int16 columns in the scratch buffer (input offset added, padded taps 0, CMSIS-NN's
 * im2col), and each pair of output channels takes both columns in one pass, 16 MACs per 16
 * instructions, started at the channels' biases and requantised by o2m_level_of with constants
 * computed once per call (a layer with a shift that form does not cover runs the definition's
 * loops). On Helium (O2M_KERNELS_MVE, the Cortex-M55) conv2d_i8_mve.c takes the same
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
/* The definition's loops, for the layers whose requantisation the fast form cannot take. */
static void conv_portable(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                          const int32_t *bias, const int32_t *multipliers, const int32_t *shifts, int8_t *output);

/* The two output pixels' patches share one int16 buffer, laid out for the SMLAD loop. SMLAD pairs
 * the halves of an SXTB16'd weight word, bytes (0, 2) and then (1, 3); so for each group of four
 * taps k0..k3 the buffer holds 8 int16: pixel 0's (k0, k2), pixel 1's (k0, k2), pixel 0's
 * (k1, k3), pixel 1's (k1, k3) — four words, each the partner of a weight word's half. A last
 * group of fewer than four taps is padded with zeros, so that every weight row but the last can
 * run whole groups: the word load past a row's end reads the next row's first weights, whose
 * products with those zeros are 0. The last row of the weights takes its last taps in C instead,
 * as a word load there would read past the array. */
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
  int32_t taps, whole, padded;  /* K = (in_c / groups) · k_h · k_w; K rounded down, and up, to fours */
  const int32_t *offsets;       /* per tap (slot order in the whole groups): its input offset from the window's origin */
  int16_t *patches;             /* 2 · padded int16 */
  channel_requant *requant;     /* per output channel */
} patch_buffer;

static patch_buffer patch_layout(const o2m_conv2d_i8_params *p, int32_t *scratch) {
  patch_buffer b;
  const int32_t in_c_per_group = p->in_c / p->groups;
  b.taps = in_c_per_group * p->k_h * p->k_w;
  b.whole = b.taps & ~3;
  b.padded = (b.taps + 3) & ~3;
  int32_t *offsets = scratch;
  int32_t k = 0;
  for (int32_t ic = 0; ic < in_c_per_group; ++ic) {
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
      for (int32_t kx = 0; kx < p->k_w; ++kx, ++k) {
        /* slot order within a whole group is k0, k2, k1, k3: the table follows it */
        const int32_t at = k < b.whole ? (k & ~3) | ((k & 1) << 1) | ((k >> 1) & 1) : k;
        offsets[at] = (ic * p->in_h + ky * p->dil_h) * p->in_w + kx * p->dil_w;
      }
    }
  }
  b.offsets = offsets;
  b.patches = (int16_t *)(scratch + b.taps);
  for (int32_t slot = 2 * b.whole; slot < 2 * b.padded; ++slot) {
    b.patches[slot] = 0; /* the padding taps; the gathers never write them */
  }
  b.requant = (channel_requant *)(void *)(scratch + b.taps + b.padded);
  return b;
}

/* Fills in every output channel's channel_requant; 0 if a channel's shift is not a right shift
 * of 1 to 21 (or its multiplier negative), which the fast form does not cover. The doubled
 * accumulator is QADD(acc, acc): unsaturated, it gives the definition's high product exactly, and
 * |high| <= 2^30, so |high| + 2^20 + 128 · 2^21 < 2^31 as o2m_level_of needs. Saturated
 * (|acc| >= 2^30, multiplier >= 2^30), both the definition's level and this one lie at least
 * 2^29 / 2^21 - 128 = 128 steps from zero on acc's side, so SSAT and the clamp give the same bound. */
static int requant_records(const o2m_conv2d_i8_params *p, const int32_t *bias, const int32_t *multipliers,
                           const int32_t *shifts, channel_requant *records) {
  for (int32_t oc = 0; oc < p->out_c; ++oc) {
    const int32_t right_shift = -shifts[oc];
    if (right_shift < 1 || right_shift > 21 || multipliers[oc] < 0) {
      return 0;
    }
    records[oc] = (channel_requant){bias != NULL ? bias[oc] : 0, multipliers[oc],
                                    (1 << (right_shift - 1)) + p->output_offset * (1 << right_shift), right_shift};
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
    for (int32_t k = 0; k < b->whole; k += 4, at += 4, slot += 8) {
      slot[0] = (int16_t)(origin[at[0]] + offset);
      slot[1] = (int16_t)(origin[at[1]] + offset);
      slot[4] = (int16_t)(origin[at[2]] + offset);
      slot[5] = (int16_t)(origin[at[3]] + offset);
    }
    for (int32_t k = b->whole; k < b->taps; ++k) {
      b->patches[slot_of(k) + 2 * pixel] = (int16_t)(origin[*at++] + offset);
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

/* The four sums of two weight rows (`taps` apart) against both pixels' patches over the groups
 * from patch to end, started at the rows' biases; an odd group count takes one pass before the
 * two-pass loop. */
typedef struct {
  int32_t row0_pixel0, row0_pixel1, row1_pixel0, row1_pixel1;
} tile_sums;

static inline __attribute__((always_inline)) tile_sums tile_2x2(const int32_t *patch, const int32_t *end,
                                                                const int8_t *w, int32_t taps, int32_t start0,
                                                                int32_t start1) {
  int32_t acc00 = start0, acc01 = start0, acc10 = start1, acc11 = start1;
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
                                                                const int8_t *w, int32_t start) {
  int32_t acc00 = start, acc01 = start;
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

/* The taps of the last, partial group of one weight row, for the row that ends the weights. */
static void add_partial_group(const patch_buffer *b, const int8_t *row, int32_t *sum0, int32_t *sum1) {
  for (int32_t k = b->whole; k < b->taps; ++k) {
    *sum0 += b->patches[slot_of(k)] * row[k];
    *sum1 += b->patches[slot_of(k) + 2] * row[k];
  }
}

/* What the output channels of one pixel pair need: a struct, so that the channel loop reads what
 * it needs through one pointer instead of holding a dozen values in too few registers. */
typedef struct {
  const patch_buffer *patches;
  const int8_t *weights;           /* the group's first output channel's row */
  const channel_requant *requant;  /* the group's first channel's */
  int32_t out_channels, out_plane;
  uint32_t act_min4, act_max4;     /* act_min and act_max in each byte */
} channel_job;

/* The pairs of output channels whose weight rows can run whole groups, for both pixels of a
 * gathered pair: the 2×2 tile, the requantisation and the stores as one asm loop. In C, GCC 12
 * keeps the loop's state on the stack around the tile's thirteen registers and spends about
 * twice the instructions per output; here the state lives in this struct, which the loop
 * advances, and the fourteen registers go to the tile (r0 holds the struct). */
typedef struct {
  const int32_t *patch, *patch_end;  /*  0,  4: the gathered pair, padded */
  const int8_t *w;                   /*  8: the first row of the next pair */
  int32_t taps;                      /* 12: a weight row's length */
  const channel_requant *requant;    /* 16: the next pair's first channel */
  int8_t *out;                       /* 20: its first output */
  int32_t out_plane;                 /* 24 */
  int32_t pairs;                     /* 28: pairs left, >= 1 */
  uint32_t act_min4, act_max4;       /* 32, 36 */
  int32_t odd_groups;                /* 40: the padded taps make an odd number of groups */
} pair_loop;

/* r0 the pair_loop; per pair, accumulators r1 r2 (row 0, pixels 0 and 1) and r3 r4 (row 1),
 * patch words r5 r6, weight words r7 r8, widened weights r9, patch r10, weights r11, patch end
 * r12, row length lr. */
#define O2M_PAIR_PASS                    \
  "ldr   r8, [r11, lr]\n\t"              \
  "ldr   r7, [r11], #4\n\t"              \
  "ldrd  r5, r6, [r10], #8\n\t"          \
  "sxtb16 r9, r7\n\t"                    \
  "smlad r1, r5, r9, r1\n\t"             \
  "smlad r2, r6, r9, r2\n\t"             \
  "sxtb16 r9, r8\n\t"                    \
  "smlad r3, r5, r9, r3\n\t"             \
  "smlad r4, r6, r9, r4\n\t"             \
  "ldrd  r5, r6, [r10], #8\n\t"          \
  "sxtb16 r7, r7, ror #8\n\t"            \
  "smlad r1, r5, r7, r1\n\t"             \
  "smlad r2, r6, r7, r2\n\t"             \
  "sxtb16 r8, r8, ror #8\n\t"            \
  "smlad r3, r5, r8, r3\n\t"             \
  "smlad r4, r6, r8, r4\n\t"

/* One channel's two sums (ra, rb) to two bytes in r9, by the channel_requant at r12 (advanced). */
#define O2M_PAIR_LEVELS(ra, rb)                  \
  "ldmia r12!, {r5, r6, r7, r8}\n\t"             \
  "qadd  " ra ", " ra ", " ra "\n\t"             \
  "qadd  " rb ", " rb ", " rb "\n\t"             \
  "smmlar r9, " ra ", r6, r7\n\t"                \
  "smmlar r10, " rb ", r6, r7\n\t"               \
  "sub   r9, r9, " ra ", lsr #31\n\t"            \
  "sub   r10, r10, " rb ", lsr #31\n\t"          \
  "asr   r9, r9, r8\n\t"                         \
  "asr   r10, r10, r8\n\t"                       \
  "ssat  r9, #8, r9\n\t"                         \
  "ssat  r10, #8, r10\n\t"                       \
  "bfi   r9, r10, #8, #8\n\t"

/* The two bytes in r9 clamped to [act_min, act_max] (o2m_clamp_pair's SSUB8/SEL). */
#define O2M_PAIR_CLAMP                           \
  "ldrd  r7, r8, [r0, #32]\n\t"                  \
  "ssub8 r10, r9, r7\n\t"                        \
  "sel   r9, r9, r7\n\t"                         \
  "ssub8 r10, r8, r9\n\t"                        \
  "sel   r9, r9, r8\n\t"

#define O2M_PAIR_LOOP(clamp)                     \
  "1:\n\t"                                       \
  "ldr   r12, [r0, #16]\n\t"                     \
  "ldr   r1, [r12]\n\t"                          \
  "ldr   r3, [r12, #16]\n\t"                     \
  "mov   r2, r1\n\t"                             \
  "mov   r4, r3\n\t"                             \
  "ldrd  r10, r12, [r0]\n\t"                     \
  "ldrd  r11, lr, [r0, #8]\n\t"                  \
  "ldr   r5, [r0, #40]\n\t"                      \
  "cbnz  r5, 3f\n\t"                             \
  "2:\n\t" O2M_PAIR_PASS                         \
  "3:\n\t" O2M_PAIR_PASS                         \
  "cmp   r10, r12\n\t"                           \
  "bne   2b\n\t"                                 \
  "ldr   r11, [r0, #8]\n\t"                      \
  "add   r11, r11, lr, lsl #1\n\t"               \
  "str   r11, [r0, #8]\n\t"                      \
  "ldr   r12, [r0, #16]\n\t"                     \
  O2M_PAIR_LEVELS("r1", "r2") clamp              \
  "ldrd  r11, lr, [r0, #20]\n\t"                 \
  "strh  r9, [r11]\n\t"                          \
  O2M_PAIR_LEVELS("r3", "r4") clamp              \
  "ldrd  r11, lr, [r0, #20]\n\t"                 \
  "strh  r9, [r11, lr]\n\t"                      \
  "add   r11, r11, lr, lsl #1\n\t"               \
  "str   r11, [r0, #20]\n\t"                     \
  "str   r12, [r0, #16]\n\t"                     \
  "ldr   r5, [r0, #28]\n\t"                      \
  "subs  r5, r5, #1\n\t"                         \
  "str   r5, [r0, #28]\n\t"                      \
  "bne   1b\n\t"

#define O2M_PAIR_CLOBBERS "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "lr", "memory", "cc"

static __attribute__((noinline)) void pair_loop_run(pair_loop *loop) {
  register pair_loop *r0 __asm__("r0") = loop;
  __asm__ volatile(O2M_PAIR_LOOP("") : "+r"(r0) : : O2M_PAIR_CLOBBERS);
}

static __attribute__((noinline)) void pair_loop_run_clamped(pair_loop *loop) {
  register pair_loop *r0 __asm__("r0") = loop;
  __asm__ volatile(O2M_PAIR_LOOP(O2M_PAIR_CLAMP) : "+r"(r0) : : O2M_PAIR_CLOBBERS);
}

/* Output channel `channel` of the tile, both pixels (`pixels` 1 stores only the first). */
static inline __attribute__((always_inline)) void store_channel(const channel_job *job, int32_t channel,
                                                                int32_t sum0, int32_t sum1, int32_t pixels,
                                                                int clamps, int8_t *out) {
  const channel_requant *r = &job->requant[channel];
  const int32_t multiplier = r->multiplier, rounding = r->rounding, right_shift = r->right_shift;
  const uint32_t pair = o2m_output_pair(o2m_level_of(__qadd(sum0, sum0), multiplier, rounding, right_shift),
                                        o2m_level_of(__qadd(sum1, sum1), multiplier, rounding, right_shift),
                                        job->act_min4, job->act_max4, clamps);
  if (pixels > 1) {
    o2m_store_pair(out, pair);
  } else {
    *out = (int8_t)pair;
  }
}

/* Every output channel of the group for the gathered pixel pair (`pixels` 1: the lone last pixel,
 * gathered into both slots, its copy's results dropped). */
static inline __attribute__((always_inline)) void channels_for_pixels(const channel_job *job, int32_t pixels,
                                                                      int clamps, int8_t *out) {
  const patch_buffer *b = job->patches;
  const int32_t *patch = (const int32_t *)(const void *)b->patches;
  const int32_t taps = b->taps, out_channels = job->out_channels, out_plane = job->out_plane;
  const channel_requant *r = job->requant;
  const int8_t *w = job->weights;
  /* whole groups with the zero padding, except where the row ends the weights (see the top) */
  const int32_t pairs_end = out_channels & ~1;
  const int32_t padded_pairs_end = (out_channels & 1) || b->whole == b->padded ? pairs_end : pairs_end - 2;
  int32_t oc = 0;
  if (pixels > 1 && padded_pairs_end > 0) {
    pair_loop loop = {patch, patch + b->padded, w, taps, r, out, out_plane, padded_pairs_end >> 1,
                      job->act_min4, job->act_max4, (b->padded >> 2) & 1};
    if (clamps) {
      pair_loop_run_clamped(&loop);
    } else {
      pair_loop_run(&loop);
    }
    oc = padded_pairs_end;
    w = loop.w;
    out = loop.out;
  }
  for (; oc < padded_pairs_end; oc += 2, w += 2 * taps, out += 2 * out_plane) {
    const tile_sums sums = tile_2x2(patch, patch + b->padded, w, taps, r[oc].bias, r[oc + 1].bias);
    store_channel(job, oc, sums.row0_pixel0, sums.row0_pixel1, pixels, clamps, out);
    store_channel(job, oc + 1, sums.row1_pixel0, sums.row1_pixel1, pixels, clamps, out + out_plane);
  }
  if (oc < pairs_end) {
    tile_sums sums = tile_2x2(patch, patch + b->whole, w, taps, r[oc].bias, r[oc + 1].bias);
    add_partial_group(b, w, &sums.row0_pixel0, &sums.row0_pixel1);
    add_partial_group(b, w + taps, &sums.row1_pixel0, &sums.row1_pixel1);
    store_channel(job, oc, sums.row0_pixel0, sums.row0_pixel1, pixels, clamps, out);
    store_channel(job, oc + 1, sums.row1_pixel0, sums.row1_pixel1, pixels, clamps, out + out_plane);
    oc += 2;
    w += 2 * taps;
    out += 2 * out_plane;
  }
  if (oc < out_channels) {
    tile_sums sums = tile_1x2(patch, patch + b->whole, w, r[oc].bias);
    add_partial_group(b, w, &sums.row0_pixel0, &sums.row0_pixel1);
    store_channel(job, oc, sums.row0_pixel0, sums.row0_pixel1, pixels, clamps, out);
  }
}

static __attribute__((noinline)) void channels_for_pair(const channel_job *job, int8_t *out) {
  channels_for_pixels(job, 2, 0, out);
}

static __attribute__((noinline)) void channels_for_pair_clamped(const channel_job *job, int8_t *out) {
  channels_for_pixels(job, 2, 1, out);
}

static __attribute__((noinline)) void channels_for_lone_pixel(const channel_job *job, int8_t *out) {
  channels_for_pixels(job, 1, 1, out);
}

static __attribute__((noinline)) void conv_dsp(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                     const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                     int8_t *output, int32_t *scratch) {
  const patch_buffer b = patch_layout(p, scratch);
  if (!requant_records(p, bias, multipliers, shifts, b.requant)) {
    conv_portable(p, input, weights, bias, multipliers, shifts, output);
    return;
  }
  const int32_t in_c_per_group = p->in_c / p->groups;
  const int32_t out_c_per_group = p->out_c / p->groups;
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t out_plane = p->out_h * p->out_w;
  const int32_t out_w = p->out_w, stride_h = p->stride_h, stride_w = p->stride_w;
  const int32_t pad_top = p->pad_top, pad_left = p->pad_left;
  const int clamps = p->act_min > -128 || p->act_max < 127;
  channel_job job = {&b, weights, b.requant, out_c_per_group, out_plane,
                     0x01010101u * (uint8_t)p->act_min, 0x01010101u * (uint8_t)p->act_max};
  for (int32_t n = 0; n < p->batch; ++n) {
    for (int32_t group = 0; group < p->groups; ++group) {
      const int8_t *group_input = input + (n * p->in_c + group * in_c_per_group) * in_plane;
      const int32_t first_channel = group * out_c_per_group;
      job.weights = weights + first_channel * b.taps;
      job.requant = b.requant + first_channel;
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
        if (clamps) {
          channels_for_pair_clamped(&job, group_output + pixel);
        } else {
          channels_for_pair(&job, group_output + pixel);
        }
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
