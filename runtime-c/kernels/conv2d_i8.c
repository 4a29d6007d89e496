/* onnx2mcu runtime: int8 Conv (2-D NCHW, grouped, dilated; 1-D as height 1), the definition of
 * the int8 result (TFLite's reference convolution, per-channel requantisation), for weights in
 * any order of kernels_int8.h (plain, or interleaved for the DSP or the Helium kernel).
 *
 * On cores with the DSP extension (O2M_KERNELS_DSP, onnx2mcu/arch.h) a convolution that is not
 * depthwise, with weights interleaved by four, runs as a matrix product on SMLAD: a block of output pixels'
 * input patches is gathered into int16 columns in the scratch buffer (input offset added, padded
 * taps 0, CMSIS-NN's im2col), two pixels side by side; then for each pair of output channels the
 * weights are widened to int16 once for the block, and one asm loop takes every pixel pair of the
 * block, 32 MACs per 22 instructions, started at the channels' biases and requantised by
 * o2m_level_of with constants computed once per call (a layer with a shift that form does not
 * cover runs the definition's loops). On Helium (O2M_KERNELS_MVE, the Cortex-M55), with weights
 * interleaved by 16, conv2d_i8_mve.c takes two channels by three pixels at a time on VMLADAVA.
 * Their results equal the definition's bit for bit. */
#include <stddef.h>

#include "onnx2mcu/fixed_point.h"
#include "onnx2mcu/kernels_int8.h"

#include "conv2d_i8_mve.h"
#include "dsp_simd.h"
#include "requantize_i8.h"
#include "window_taps.h"

#if O2M_KERNELS_DSP
/* Output pixels are taken in blocks of block_pairs pairs (kernels_int8.h: the compiler sizes them
 * by the room its plan leaves in the arena).
 * Each pair's patches are int16, laid out for SMLAD, which multiplies the halves of two words:
 * for each group of four taps k0..k3, 8 int16 — pixel 0's (k0, k2), pixel 1's (k0, k2), pixel 0's
 * (k1, k3), pixel 1's (k1, k3), four words, one LDM. A pair's groups are padded to an even count
 * (the loop takes two per pass; with an odd count it starts at its second and steps over the
 * padding group, which is never read); the taps of a last, partial group meet zero weights, so
 * their patch values never count. A lone last pixel's pair holds it twice. */
static const int8_t group_slot[4] = {0, 4, 1, 5};

static inline int32_t slot_of(int32_t k) {
  return 8 * (k >> 2) + group_slot[k & 3];
}

/* One output channel's bias and requantisation, in the form o2m_level_of takes
 * (requantize_i8.h): computed once per call, in scratch. */
typedef struct {
  int32_t bias, multiplier, rounding, right_shift;
} channel_requant;

/* The block loop: for one channel pair, every pixel pair of a block in turn — the 2×2 tile over
 * all groups of four taps, the requantisation of its four sums, the stores — as one asm loop. Its
 * state lives in this struct, which the loop advances, and the fourteen registers go to the tile:
 * accumulators r0 r1 (channel 0, pixels 0 and 1) and r2 r3 (channel 1), patch words r4-r7 (one
 * LDM), weight words r8 r9 (an LDRD per channel), widened weights' end r10, patch r11, widened
 * weights r12, the state lr. */
typedef struct {
  const int32_t *patch, *patch_end;       /*  0,  4: the first pixel pair's patches; past the last's */
  const int32_t *widened, *widened_end;   /*  8, 12: widen_pair's words; past the weights */
  const channel_requant *requant;         /* 16: the first channel's (the second's follows) */
  int8_t *out;                            /* 20: the first channel's output at the first pixel */
  int32_t out_plane;                      /* 24 */
  int32_t unused;                         /* 28 */
  uint32_t act_min4, act_max4;            /* 32, 36: act_min and act_max in each byte */
} block_loop;

/* The scratch (kernels_int8.h gives the sizes) begins with this record — the block loop's state
 * and where the rest lies: the tap table, a block's patches, one channel pair's widened weights,
 * every channel's channel_requant. In scratch, not on the stack, where conv_dsp's frame would
 * stand under gather_patch's. */
typedef struct {
  block_loop loop;
  int32_t taps, padded, pair_taps; /* K = (in_c / groups) · k_h · k_w, rounded up to 4 and to 8 */
  int32_t block_pairs;             /* pixel pairs per block */
  const int32_t *offsets;          /* per tap in slot order: its input offset from the window's origin */
  int16_t *patches;                /* block_pairs · 2 · pair_taps int16 */
  int32_t *widened;                /* 4 + pair_taps words: a channel pair's biases and weights */
  channel_requant *requant;        /* per output channel */
} patch_buffer;

/* kernels_int8.h's 72 bytes (Arm's 32-bit pointers) */
_Static_assert(sizeof(patch_buffer) == 72, "the scratch record's size in kernels_int8.h");
#define O2M_CONV_RECORD_WORDS 18

/* Where the channels' constants start: after the table, the patches and the widened weights. */
static channel_requant *requant_area(const o2m_conv2d_i8_params *p, int32_t *scratch) {
  const int32_t taps = (p->in_c / p->groups) * p->k_h * p->k_w;
  const int32_t padded = (taps + 3) & ~3, pair_taps = (taps + 7) & ~7;
  return (channel_requant *)(void *)(scratch + O2M_CONV_RECORD_WORDS + padded + p->block_pairs * pair_taps + 4 +
                                     pair_taps);
}

static patch_buffer *scratch_layout(const o2m_conv2d_i8_params *p, int32_t *scratch) {
  patch_buffer *b = (patch_buffer *)(void *)scratch;
  b->taps = (p->in_c / p->groups) * p->k_h * p->k_w;
  b->padded = (b->taps + 3) & ~3;
  b->pair_taps = (b->taps + 7) & ~7;
  b->block_pairs = p->block_pairs;
  b->offsets = scratch + O2M_CONV_RECORD_WORDS;
  b->patches = (int16_t *)(void *)(scratch + O2M_CONV_RECORD_WORDS + b->padded);
  b->widened = scratch + O2M_CONV_RECORD_WORDS + b->padded + b->block_pairs * b->pair_taps;
  b->requant = requant_area(p, scratch);
  return b;
}

/* The tap table: each tap's offset from its window's origin, in slot order. */
static __attribute__((noinline)) void tap_offsets(const o2m_conv2d_i8_params *p, const patch_buffer *b) {
  int32_t *offsets = (int32_t *)(uintptr_t)b->offsets;
  for (int32_t k = b->taps; k < b->padded; ++k) {
    offsets[k] = 0; /* the padding taps read the window's origin: their weights are 0 */
  }
  int32_t k = 0;
  for (int32_t ic = 0; ic < p->in_c / p->groups; ++ic) {
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
      for (int32_t kx = 0; kx < p->k_w; ++kx, ++k) {
        /* slot order within a group is k0, k2, k1, k3: the table follows it */
        const int32_t at = (k & ~3) | ((k & 1) << 1) | ((k >> 1) & 1);
        offsets[at] = (ic * p->in_h + ky * p->dil_h) * p->in_w + kx * p->dil_w;
      }
    }
  }
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

/* One output pixel's patch (pixel 0 or 1 of the pair at `pair`), (input + input_offset) per tap,
 * 0 where the window leaves the input (a padded tap holds the zero point, whose offset value is 0). */
static __attribute__((noinline)) void gather_patch(const o2m_conv2d_i8_params *p, const patch_buffer *b,
                                                   const int8_t *group_input, int32_t iy_origin, int32_t ix_origin,
                                                   int16_t *pair, int32_t pixel) {
  const int32_t offset = p->input_offset, origin = iy_origin * p->in_w + ix_origin;
  const int32_t *const at = b->offsets;
  int16_t *const slot = pair + 2 * pixel;
  if (window_inside(p, iy_origin, ix_origin)) {
    for (int32_t k = 0; k < b->padded; k += 4) {
      slot[2 * k] = (int16_t)(group_input[origin + at[k]] + offset);
      slot[2 * k + 1] = (int16_t)(group_input[origin + at[k + 1]] + offset);
      slot[2 * k + 4] = (int16_t)(group_input[origin + at[k + 2]] + offset);
      slot[2 * k + 5] = (int16_t)(group_input[origin + at[k + 3]] + offset);
    }
    return;
  }
  /* At the edges, one tap at a time, its row and column from its place in the window (few locals:
   * this frame stands on conv_dsp's in the stack estimate). */
  const int32_t k_w = p->k_w, kernel_plane = p->k_h * k_w;
  for (int32_t k = 0; k < b->taps; ++k) {
    const int32_t within = k % kernel_plane;
    const uint32_t iy = (uint32_t)(iy_origin + within / k_w * p->dil_h);
    const uint32_t ix = (uint32_t)(ix_origin + within % k_w * p->dil_w);
    const int32_t in_table = (k & ~3) | ((k & 1) << 1) | ((k >> 1) & 1); /* the table's slot order */
    slot[slot_of(k)] =
        (int16_t)(iy < (uint32_t)p->in_h && ix < (uint32_t)p->in_w ? group_input[origin + at[in_table]] + offset : 0);
  }
}

/* The patches of `count` pixel pairs side by side in one row, each pair two neighbouring outputs
 * whose windows lie inside the input, at stride_w 1 or 2: pixel 1's taps are pixel 0's, stride_w
 * bytes on, and each pair's origin 2 · stride_w bytes after the last's. At stride 1 a halfword
 * load holds both pixels' bytes of a tap, two such halfwords (taps k0 and k2) make a word whose
 * even bytes are pixel 0's (k0, k2) and odd bytes pixel 1's, and SXTAB16 widens each pair and
 * adds the input offset in one instruction. At stride 2 a word load holds both bytes of a tap
 * (bytes 0 and 2; the caller checks that its byte 3 is inside the input), SXTAB16 widens them,
 * and PKHBT/PKHTB pair two taps' halves. One asm loop per stride (GCC spends 21 and 22
 * instructions per group of four taps): the table's four offsets by one LDM, the four slot words
 * by one STM, 14 and 16 instructions; then on to the next pair (6 instructions: a call per pair
 * cost some 60 of gather_block's bookkeeping, as much as the 1×1 Conv's whole gather). The
 * padding taps of a last group read the window's origin, and meet zero weights; a padding group
 * that makes the pair's count even is skipped (the block loop steps over it). */
/* the gather and widening loops' clobbers: r4-r11, beside the operands GCC places */
#define O2M_R4_TO_R11_CLOBBERS "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "memory", "cc"

/* One group of four taps of both pixels at stride 1 and 2 (see gather_pairs). */
#define O2M_GATHER_GROUP_STRIDE1             \
  "ldmia %[at]!, {r4, r5, r6, r7}\n\t"      \
  "ldrh r4, [%[origin], r4]\n\t"            \
  "ldrh r5, [%[origin], r5]\n\t"            \
  "ldrh r6, [%[origin], r6]\n\t"            \
  "ldrh r7, [%[origin], r7]\n\t"            \
  "orr r8, r4, r5, lsl #16\n\t"             \
  "orr r9, r6, r7, lsl #16\n\t"             \
  "sxtab16 r4, %[off], r8\n\t"              \
  "sxtab16 r5, %[off], r8, ror #8\n\t"      \
  "sxtab16 r6, %[off], r9\n\t"              \
  "sxtab16 r7, %[off], r9, ror #8\n\t"      \
  "stmia %[slot]!, {r4, r5, r6, r7}\n\t"
#define O2M_GATHER_GROUP_STRIDE2             \
  "ldmia %[at]!, {r4, r5, r6, r7}\n\t"      \
  "ldr r4, [%[origin], r4]\n\t"             \
  "ldr r5, [%[origin], r5]\n\t"             \
  "ldr r6, [%[origin], r6]\n\t"             \
  "ldr r7, [%[origin], r7]\n\t"             \
  "sxtab16 r4, %[off], r4\n\t"              \
  "sxtab16 r5, %[off], r5\n\t"              \
  "sxtab16 r6, %[off], r6\n\t"              \
  "sxtab16 r7, %[off], r7\n\t"              \
  "pkhbt r8, r4, r5, lsl #16\n\t"           \
  "pkhtb r9, r5, r4, asr #16\n\t"           \
  "pkhbt r10, r6, r7, lsl #16\n\t"          \
  "pkhtb r11, r7, r6, asr #16\n\t"          \
  "stmia %[slot]!, {r8, r9, r10, r11}\n\t"

/* `group` for each group of the table, then the padding group skipped (`skip` bytes), the origin
 * `step` bytes on, and the next pair until `count` are done. */
#define O2M_GATHER_PAIRS(group, step)        \
  "1:\n\t"                                  \
  "ldr %[at], %[table]\n\t"                 \
  "2:\n\t" group                            \
  "cmp %[at], %[end]\n\t"                   \
  "bne 2b\n\t"                              \
  "ldr r4, %[skip]\n\t"                     \
  "add %[slot], %[slot], r4\n\t"            \
  "add %[origin], %[origin], #" step "\n\t" \
  "subs %[count], %[count], #1\n\t"         \
  "bne 1b"

static __attribute__((noinline)) void gather_pairs(const patch_buffer *b, const int8_t *origin, int32_t stride_w,
                                                   int32_t input_offset, int16_t *pair, int32_t count) {
  const int16x2_t offsets2 = (int16x2_t)(((uint32_t)(uint16_t)input_offset << 16) | (uint16_t)input_offset);
  const int32_t *const table = b->offsets;
  const int32_t *const end = table + b->padded;
  const int32_t skip = 4 * (b->pair_taps - b->padded);
  const int32_t *at;
  int16x2_t *slot = (int16x2_t *)(void *)pair;
  if (stride_w == 1) {
    __asm__ volatile(O2M_GATHER_PAIRS(O2M_GATHER_GROUP_STRIDE1, "2")
                     : [at] "=&r"(at), [slot] "+r"(slot), [origin] "+r"(origin), [count] "+r"(count)
                     : [off] "r"(offsets2), [end] "r"(end), [table] "m"(table), [skip] "m"(skip)
                     : O2M_R4_TO_R11_CLOBBERS);
  } else {
    __asm__ volatile(O2M_GATHER_PAIRS(O2M_GATHER_GROUP_STRIDE2, "4")
                     : [at] "=&r"(at), [slot] "+r"(slot), [origin] "+r"(origin), [count] "+r"(count)
                     : [off] "r"(offsets2), [end] "r"(end), [table] "m"(table), [skip] "m"(skip)
                     : O2M_R4_TO_R11_CLOBBERS);
  }
}

/* Where a group's next output pixel lies, as the block's gather walks the plane. */
typedef struct {
  int32_t oy, ox;
} pixel_walk;

/* The pixels that start a pair gather_pairs takes, computed once per call: rows oy_first to
 * oy_end - 1 (their windows inside the input's rows), columns ox_first to ox_last (both windows
 * inside its columns, the second pixel in the same row); none unless stride_w is 1 or 2. */
typedef struct {
  int32_t oy_first, oy_end, ox_first, ox_last;
} pair_span;

/* The first i >= 0 with i · step >= need, and the count of i >= 0 with i · step <= room. */
static inline int32_t first_reaching(int32_t need, int32_t step) {
  return need <= 0 ? 0 : (need + step - 1) / step;
}
static inline int32_t count_within(int32_t room, int32_t step) {
  return room < 0 ? 0 : room / step + 1;
}

static pair_span pair_span_of(const o2m_conv2d_i8_params *p) {
  pair_span span = {0, 0, 0, -1};
  if (p->stride_w != 1 && p->stride_w != 2) {
    return span;
  }
  const int32_t last_row = (p->k_h - 1) * p->dil_h, last_column = (p->k_w - 1) * p->dil_w;
  span.oy_first = first_reaching(p->pad_top, p->stride_h);
  span.oy_end = count_within(p->in_h - 1 - last_row + p->pad_top, p->stride_h);
  span.oy_end = span.oy_end < p->out_h ? span.oy_end : p->out_h;
  span.ox_first = first_reaching(p->pad_left, p->stride_w);
  /* pixel ox + 1's window ends at (ox + 1) · stride_w - pad_left + last_column <= in_w - 1 */
  span.ox_last = count_within(p->in_w - 1 - last_column + p->pad_left, p->stride_w) - 2;
  span.ox_last = span.ox_last < p->out_w - 2 ? span.ox_last : p->out_w - 2;
  return span;
}

/* The patches of `pixels` output pixels (a lone last one twice) from the walk's position on:
 * runs of pairs inside the span by gather_pairs, the rest pixel by pixel. */
static inline __attribute__((always_inline)) void gather_block(const o2m_conv2d_i8_params *p, const patch_buffer *b,
                                                               const pair_span *span, const int8_t *group_input,
                                                               pixel_walk *at, int32_t pixels) {
  const int32_t stride_h = p->stride_h, stride_w = p->stride_w, out_w = p->out_w;
  int16_t *pair = b->patches;
  for (int32_t done = 0; done < pixels;) {
    const int32_t iy_origin = at->oy * stride_h - p->pad_top, ix_origin = at->ox * stride_w - p->pad_left;
    if (done + 1 == pixels) {
      gather_patch(p, b, group_input, iy_origin, ix_origin, pair, 0);
      gather_patch(p, b, group_input, iy_origin, ix_origin, pair, 1);
      return;
    }
    if (at->ox >= span->ox_first && at->ox <= span->ox_last && at->oy >= span->oy_first && at->oy < span->oy_end) {
      /* the pairs starting at ox, ox + 2, ... up to ox_last, within the block */
      int32_t count = (span->ox_last - at->ox) / 2 + 1;
      count = count < (pixels - done) / 2 ? count : (pixels - done) / 2;
      if (stride_w == 2) {
        /* and the word at each pair's pixel 0's last tap inside the input: its last byte,
         * 4 bytes further per pair, before the plane's end */
        const int32_t room = p->in_h * p->in_w - 4 -
                             ((iy_origin + (p->k_h - 1) * p->dil_h) * p->in_w + ix_origin + (p->k_w - 1) * p->dil_w);
        const int32_t fit = room < 0 ? 0 : room / 4 + 1;
        count = count < fit ? count : fit;
      }
      if (count > 0) {
        gather_pairs(b, group_input + iy_origin * p->in_w + ix_origin, stride_w, p->input_offset, pair, count);
        done += 2 * count;
        pair += 2 * count * b->pair_taps;
        if ((at->ox += 2 * count) == out_w) {
          at->ox = 0;
          ++at->oy;
        }
        continue;
      }
    }
    for (int32_t pixel = 0; pixel < 2; ++pixel) {
      gather_patch(p, b, group_input, at->oy * stride_h - p->pad_top, at->ox * stride_w - p->pad_left, pair, pixel);
      if (++at->ox == out_w) {
        at->ox = 0;
        ++at->oy;
      }
    }
    done += 2;
    pair += 2 * b->pair_taps;
  }
}

/* A channel pair's biases (each twice: the first accumulators of both pixels) and its weights
 * widened by SXTB16, per group of four taps channel 0's (k0, k2), (k1, k3), then channel 1's: the
 * block loop's words, two LDRDs per group, no SXTB16 per pixel pair. Two groups per pass by LDM
 * and STM (the paired weights are word-aligned: O2M_WEIGHTS aligns every array, and a pair's
 * start is a multiple of 8 bytes), the first group of an odd count alone. */
static __attribute__((noinline)) void widen_pair(int32_t *to, const int8_t *w, const channel_requant *r, int32_t fours) {
  to[0] = to[1] = r[0].bias;
  to[2] = to[3] = r[1].bias;
  to += 4;
  if (fours & 1) {
    const int32_t row0 = o2m_load_int8x4(w), row1 = o2m_load_int8x4(w + 4);
    to[0] = __sxtb16(row0);
    to[1] = o2m_sxtb16_odd(row0);
    to[2] = __sxtb16(row1);
    to[3] = o2m_sxtb16_odd(row1);
    to += 4;
    w += 8;
  }
  if (fours >= 2) {
    const int8_t *const end = w + 8 * (fours & ~1);
    /* asm: GCC spends four STRs and two pointer updates per group */
    __asm__ volatile("1:\n\t"
                     "ldmia %[w]!, {r4, r5, r6, r7}\n\t"
                     "sxtb16 r8, r4\n\t"
                     "sxtb16 r9, r4, ror #8\n\t"
                     "sxtb16 r10, r5\n\t"
                     "sxtb16 r11, r5, ror #8\n\t"
                     "sxtb16 r4, r6\n\t"
                     "sxtb16 r5, r6, ror #8\n\t"
                     "sxtb16 r6, r7\n\t"
                     "sxtb16 r7, r7, ror #8\n\t"
                     "stmia %[to]!, {r8, r9, r10, r11}\n\t"
                     "stmia %[to]!, {r4, r5, r6, r7}\n\t"
                     "cmp %[w], %[end]\n\t"
                     "bne 1b"
                     : [w] "+r"(w), [to] "+r"(to)
                     : [end] "r"(end)
                     : O2M_R4_TO_R11_CLOBBERS);
  }
}

/* One group of four taps: 16 MACs in 11 instructions */
#define O2M_BLOCK_PASS                   \
  "ldmia r11!, {r4, r5, r6, r7}\n\t"     \
  "ldrd  r8, r9, [r12], #8\n\t"          \
  "smlad r0, r4, r8, r0\n\t"             \
  "smlad r1, r5, r8, r1\n\t"             \
  "smlad r0, r6, r9, r0\n\t"             \
  "smlad r1, r7, r9, r1\n\t"             \
  "ldrd  r8, r9, [r12], #8\n\t"          \
  "smlad r2, r4, r8, r2\n\t"             \
  "smlad r3, r5, r8, r3\n\t"             \
  "smlad r2, r6, r9, r2\n\t"             \
  "smlad r3, r7, r9, r3\n\t"

/* The lone last pixel's group of four taps, its twin's patch words skipped: 8 MACs in 8
 * instructions (r1 and r3 keep the biases, and their bytes are not stored) */
#define O2M_LONE_PASS                    \
  "ldr   r4, [r11], #8\n\t"              \
  "ldr   r6, [r11], #8\n\t"              \
  "ldrd  r8, r9, [r12], #8\n\t"          \
  "smlad r0, r4, r8, r0\n\t"             \
  "smlad r0, r6, r9, r0\n\t"             \
  "ldrd  r8, r9, [r12], #8\n\t"          \
  "smlad r2, r4, r8, r2\n\t"             \
  "smlad r2, r6, r9, r2\n\t"

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

/* `pass` and `store`: O2M_BLOCK_PASS and strh (both pixels' bytes), or O2M_LONE_PASS and strb
 * (the lone last pixel's). The patch pointer (r11) runs on from one pixel pair to the next, as
 * the block holds them in turn. `entry` and `skip` are empty for an even count of groups; for an
 * odd count the loop is entered at its second pass (the widened weights end after the last real
 * group), and the pair's padding group of patch words is stepped over, rather than a pass spent on
 * zero weights: 9 instructions fewer per tile (the 3×3 stem of an RGB input has 7 groups). */
#define O2M_BLOCK_LOOP(pass, clamp, store, entry, skip) \
  "ldr   lr, %[state]\n\t"                        \
  "ldr   r11, [lr]\n\t"                           \
  "ldr   r10, [lr, #12]\n\t"                      \
  "1:\n\t"                                        \
  "ldr   r12, [lr, #8]\n\t"                       \
  "ldmia r12!, {r0, r1, r2, r3}\n\t" entry        \
  "2:\n\t" pass "3:\n\t" pass                     \
  "cmp   r12, r10\n\t"                            \
  "bne   2b\n\t" skip                             \
  "ldr   r4, [lr, #16]\n\t"                       \
  O2M_PAIR_LEVELS("r0", "r1", "r9", "r12", clamp) \
  O2M_PAIR_LEVELS("r2", "r3", "r0", "r1", clamp)  \
  "ldrd  r5, r6, [lr, #20]\n\t"                   \
  store " r0, [r5, r6]\n\t"                       \
  store " r9, [r5], #2\n\t"                       \
  "str   r5, [lr, #20]\n\t"                       \
  "ldr   r5, [lr, #4]\n\t"                        \
  "cmp   r11, r5\n\t"                             \
  "bne   1b\n\t"
#define O2M_EVEN_ENTRY ""
#define O2M_EVEN_SKIP ""
#define O2M_ODD_ENTRY "b 3f\n\t"
#define O2M_ODD_SKIP "add r11, r11, #16\n\t"

#define O2M_BLOCK_LOOP_FUNCTION(name, pass, clamp, store, entry, skip)                                 \
  static __attribute__((noinline)) void name(block_loop *loop) {                                      \
    __asm__ volatile(O2M_BLOCK_LOOP(pass, clamp, store, entry, skip) : : [state] "m"(loop) : O2M_ASM_ALL_REGISTERS); \
  }
O2M_BLOCK_LOOP_FUNCTION(block_loop_run, O2M_BLOCK_PASS, O2M_PAIR_NO_CLAMP, "strh", O2M_EVEN_ENTRY, O2M_EVEN_SKIP)
O2M_BLOCK_LOOP_FUNCTION(block_loop_run_clamped, O2M_BLOCK_PASS, O2M_PAIR_CLAMP, "strh", O2M_EVEN_ENTRY, O2M_EVEN_SKIP)
O2M_BLOCK_LOOP_FUNCTION(block_loop_run_lone_pixel, O2M_LONE_PASS, O2M_PAIR_CLAMP, "strb", O2M_EVEN_ENTRY, O2M_EVEN_SKIP)
O2M_BLOCK_LOOP_FUNCTION(block_loop_run_odd, O2M_BLOCK_PASS, O2M_PAIR_NO_CLAMP, "strh", O2M_ODD_ENTRY, O2M_ODD_SKIP)
O2M_BLOCK_LOOP_FUNCTION(block_loop_run_clamped_odd, O2M_BLOCK_PASS, O2M_PAIR_CLAMP, "strh", O2M_ODD_ENTRY, O2M_ODD_SKIP)
O2M_BLOCK_LOOP_FUNCTION(block_loop_run_lone_pixel_odd, O2M_LONE_PASS, O2M_PAIR_CLAMP, "strb", O2M_ODD_ENTRY, O2M_ODD_SKIP)

/* The last channel of an odd count per group, row 0 of its pair in the paired weights (row 1 is
 * zeros), in C: one pixel pair's (`pixels` 1: the first pixel's) outputs. */
static __attribute__((noinline)) void odd_channel(const int32_t *patch, int32_t fours, const int8_t *w,
                                                  const channel_requant *r, int32_t pixels, int8_t *out,
                                                  uint32_t min4, uint32_t max4) {
  int32_t acc0 = r->bias, acc1 = r->bias;
  for (const int8_t *const end = w + 8 * fours; w != end; patch += 4, w += 8) {
    const int32_t word = o2m_load_int8x4(w);
    const int16x2_t even = __sxtb16(word), odd = o2m_sxtb16_odd(word);
    acc0 = __smlad(patch[0], even, acc0);
    acc1 = __smlad(patch[1], even, acc1);
    acc0 = __smlad(patch[2], odd, acc0);
    acc1 = __smlad(patch[3], odd, acc1);
  }
  const uint32_t pair = o2m_clamp_pair(o2m_level_of(__qadd(acc0, acc0), r->multiplier, r->rounding, r->right_shift),
                                       o2m_level_of(__qadd(acc1, acc1), r->multiplier, r->rounding, r->right_shift),
                                       min4, max4);
  if (pixels > 1) {
    o2m_store_pair(out, pair);
  } else {
    *out = (int8_t)pair;
  }
}

/* Every output channel of a group for a gathered block of `pixels` pixels: each channel pair's
 * weights widened, then its block loop; the last channel of an odd count in C. */
static inline __attribute__((always_inline)) void block_channels(const patch_buffer *b, block_loop *loop, const int8_t *weights,
                                                     const channel_requant *requant, int8_t *out,
                                                     int32_t out_channels, int32_t pixels, int clamps) {
  const int32_t fours = b->padded >> 2, pairs = out_channels >> 1, full_pairs = pixels >> 1;
  const int32_t pair_weight_bytes = fours * 8, out_plane = loop->out_plane;
  const int32_t *const patches = (const int32_t *)(const void *)b->patches;
  for (int32_t pair = 0; pair < pairs; ++pair) {
    widen_pair(b->widened, weights + pair * pair_weight_bytes, requant + 2 * pair, fours);
    loop->requant = requant + 2 * pair;
    loop->out = out + 2 * pair * out_plane;
    if (full_pairs > 0) {
      loop->patch = patches;
      loop->patch_end = patches + full_pairs * b->pair_taps;
      if (fours & 1) {
        (clamps ? block_loop_run_clamped_odd : block_loop_run_odd)(loop);
      } else {
        (clamps ? block_loop_run_clamped : block_loop_run)(loop);
      }
    }
    if (pixels & 1) {
      loop->patch = patches + full_pairs * b->pair_taps;
      loop->patch_end = loop->patch + b->pair_taps;
      loop->out = out + 2 * pair * out_plane + 2 * full_pairs;
      ((fours & 1) ? block_loop_run_lone_pixel_odd : block_loop_run_lone_pixel)(loop);
    }
  }
  if (out_channels & 1) {
    const int8_t *w = weights + pairs * pair_weight_bytes;
    int8_t *odd_out = out + 2 * pairs * out_plane;
    for (int32_t done = 0; done < pixels; done += 2, odd_out += 2) {
      odd_channel(patches + (done >> 1) * b->pair_taps, fours, w, requant + 2 * pairs, pixels - done, odd_out,
                  loop->act_min4, loop->act_max4);
    }
  }
}

/* The DSP variant, once requant_records has filled in the channels' constants. */
static __attribute__((noinline)) void conv_dsp(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                                               int8_t *output, int32_t *scratch) {
  patch_buffer *const b = scratch_layout(p, scratch);
  tap_offsets(p, b);
  const int32_t in_c_per_group = p->in_c / p->groups;
  const int32_t out_c_per_group = p->out_c / p->groups;
  const int32_t group_weight_bytes = ((out_c_per_group + 1) >> 1) * (b->padded >> 2) * 8;
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t out_plane = p->out_h * p->out_w;
  const int32_t block_pixels = 2 * b->block_pairs;
  const pair_span span = pair_span_of(p);
  const int clamps = p->act_min > -128 || p->act_max < 127;
  /* the block loops take an odd count of groups as it is (O2M_BLOCK_LOOP) */
  int32_t *const widened_end = b->widened + 4 + b->padded;
  b->loop = (block_loop){NULL, NULL, b->widened, widened_end, NULL, NULL, out_plane, 0,
                         0x01010101u * (uint8_t)p->act_min, 0x01010101u * (uint8_t)p->act_max};
  for (int32_t n = 0; n < p->batch; ++n) {
    for (int32_t group = 0; group < p->groups; ++group) {
      const int8_t *group_input = input + (n * p->in_c + group * in_c_per_group) * in_plane;
      const int32_t first_channel = group * out_c_per_group;
      int8_t *group_output = output + (n * p->out_c + first_channel) * out_plane;
      pixel_walk walk = {0, 0};
      for (int32_t pixel = 0; pixel < out_plane; pixel += block_pixels) {
        const int32_t pixels = out_plane - pixel < block_pixels ? out_plane - pixel : block_pixels;
        gather_block(p, b, &span, group_input, &walk, pixels);
        block_channels(b, &b->loop, weights + group * group_weight_bytes, b->requant + first_channel,
                       group_output + pixel, out_c_per_group, pixels, clamps);
      }
    }
  }
}
#endif

/* The definition's loops, for any order of the weights (`interleave` 0 for plain rows, else the
 * width, a constant at each call, so that each order's loops index as plainly as they can). */
static inline __attribute__((always_inline)) void conv_loops(const o2m_conv2d_i8_params *p, const int8_t *input,
                                                             const int8_t *weights, const int32_t *bias,
                                                             const int32_t *multipliers, const int32_t *shifts,
                                                             int8_t *output, int32_t interleave) {
  const int32_t in_c_per_group = p->in_c / p->groups;
  const int32_t out_c_per_group = p->out_c / p->groups;
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t kernel_plane = p->k_h * p->k_w;
  const int32_t out_plane = p->out_h * p->out_w;
  const int32_t taps = in_c_per_group * kernel_plane;
  /* interleaved weights (kernels_int8.h), I taps at a time: channel j of a group starts at its
   * pair's first block, I bytes on for the pair's second row, and its tap k lies at
   * k + I · (k / I) from there (I a power of two) */
  const int32_t interleaved = interleave != 0, block_mask = -interleave;
  const int32_t pair_bytes = interleaved ? ((taps + interleave - 1) & block_mask) * 2 : 0;
  const int32_t pairs_per_group = (out_c_per_group + 1) >> 1;

  for (int32_t n = 0; n < p->batch; ++n) {
    const int8_t *image = input + n * p->in_c * in_plane;
    int8_t *result = output + n * p->out_c * out_plane;
    for (int32_t oc = 0; oc < p->out_c; ++oc) {
      const int32_t group = oc / out_c_per_group, j = oc % out_c_per_group;
      const int8_t *group_input = image + group * in_c_per_group * in_plane;
      const int8_t *filter = interleaved
                                 ? weights + (group * pairs_per_group + (j >> 1)) * pair_bytes + (j & 1) * interleave
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
              if (interleaved) {
                const int32_t row_tap = ic * kernel_plane + ky * p->k_w;
                for (int32_t kx = kx_first; kx < kx_last; ++kx) {
                  const int32_t k = row_tap + kx;
                  acc += ((int32_t)in_channel[row_origin + kx * p->dil_w] + p->input_offset) * filter[k + (k & block_mask)];
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
 * compile-time stack estimate follows call edges). Weights interleaved by 4 reach a core with the
 * DSP extension and without Helium, by 16 a core with Helium (its fast or --portable-kernels
 * build), and either the host build of its model (compiler/ops/conv.ts): each firmware carries
 * only the loops its core's order needs. */
static __attribute__((noinline)) void conv_portable(const o2m_conv2d_i8_params *p, const int8_t *input,
                                                    const int8_t *weights, const int32_t *bias,
                                                    const int32_t *multipliers, const int32_t *shifts,
                                                    int8_t *output) {
#if (defined(__ARM_FEATURE_DSP) && !defined(__ARM_FEATURE_MVE)) || !defined(__arm__)
  if (p->weights_interleave == 4) {
    conv_loops(p, input, weights, bias, multipliers, shifts, output, 4);
    return;
  }
#endif
#if defined(__ARM_FEATURE_MVE) || !defined(__arm__)
  if (p->weights_interleave == 16) {
    conv_loops(p, input, weights, bias, multipliers, shifts, output, 16);
    return;
  }
#endif
  conv_loops(p, input, weights, bias, multipliers, shifts, output, 0);
}

void o2m_conv2d_i8(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                   const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                   int8_t *output, int32_t *scratch) {
#if O2M_KERNELS_MVE
  if (scratch != NULL && p->weights_interleave == 16) {
    o2m_conv2d_i8_mve(p, input, weights, bias, multipliers, shifts, output, scratch);
    return;
  }
#endif
#if O2M_KERNELS_DSP
  /* a layer whose shifts the fast requantisation does not cover runs the definition's loops,
   * called from here so that the stack estimate does not stack them on the DSP variant's frame */
  if (scratch != NULL && p->weights_interleave == 4 && p->block_pairs > 0 &&
      requant_records(p, bias, multipliers, shifts, requant_area(p, scratch))) {
    conv_dsp(p, input, weights, output, scratch);
    return;
  }
#else
  (void)scratch;
#endif
  conv_portable(p, input, weights, bias, multipliers, shifts, output);
}
