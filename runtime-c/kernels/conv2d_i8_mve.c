/* onnx2mcu runtime: the Helium (MVE, Cortex-M55) variant of o2m_conv2d_i8 for convolutions that
 * are not depthwise, as a matrix product on VMLADAVA.S8 (16 MACs per instruction).
 *
 * Tile. VMLADAVA sums all 16 products of two vectors into one core register, and only even
 * registers take the sums — r0 to r12 and lr, eight of them — so a tile is two output channels
 * by four output pixels. Per 16 taps it loads two weight vectors and four patch vectors and
 * issues eight VMLADAVAs: 128 MACs in 14 instructions, four such blocks per pass of the loop and
 * one compare and branch (lr holds a sum, so no LE), the pass entered Duff-style so that any
 * block count runs without a remainder loop. The weights come interleaved sixteen taps at a time
 * (weights_interleave 16, kernels_int8.h: a channel pair's rows alternate in blocks of 16,
 * padded with zeros to B = ceil(K / 16) blocks), so one pointer walks a pair's rows; the four
 * pixels' patches are gathered into the scratch in the same order (block b of pixel j at
 * 64·b + 16·j), so one pointer walks them. The asm loop (O2M_MVE_PAIR_LOOP) takes every channel
 * pair of a convolution group for the gathered pixels: the tile, then each channel's four sums
 * into one vector, the requantisation on its four lanes with the channel's constants as scalar
 * operands, and predicated narrowing stores of the outputs, adjacent in their channels' planes.
 *
 * Gather. A window inside the input is gathered 8 taps per VLDRB gather through a table of each
 * tap's uint16 offset from the window's origin (padded to whole blocks with offset 0: any byte
 * will do where the weights are 0), each table load shared by the four pixels when all four
 * windows lie side by side inside (the output rows and columns where they do are computed once
 * per call). A window at the border is gathered the same way, predicated on a bounds check of
 * each tap's row and column (gather_border); a layer whose offsets exceed 16 bits fills each
 * patch with the zero point and copies the taps inside one by one.
 *
 * Bit-exactness: the patches hold the raw input, not input + input_offset (which can leave int8),
 * so a channel's sum is
 *   sum_k (x_k + io)·w_k = sum_k x_k·w_k + io·sum_k w_k
 * over ALL K taps, with a padded tap holding the zero point -io (an int8, io in [-127, 128] as
 * the input is int8), whose (-io + io)·w = 0 is the definition's "a padded tap adds nothing";
 * taps past K meet zero weights. Every product is exact and the int32 sums wrap modulo 2^32 as
 * the definition's does, so the order of the additions does not matter; bias + io·sum_k w_k is
 * one constant per channel, computed once per call. The requantisation is requantize_i8_mve.h's,
 * with each channel's multiplier and shifts as scalar operands: VSHL by the left shift, VQRDMULH
 * by the multiplier, then for a right shift e > 0 one taken off the negative lanes (VQSUB under a
 * VPT on x < 0: the "-1" of requantize_i8_mve.h's proof; VQRDMULH by a positive multiplier never
 * returns INT32_MIN, and saturation leaves it alone anyway) and VRSHL by -e; the zero point and
 * the clamp as there. */
#include <stddef.h>

#include "onnx2mcu/arch.h"

#include "conv2d_i8_mve.h"
#include "window_taps.h"

#if O2M_KERNELS_MVE
#include <arm_mve.h>

/* Output pixels per tile (the patches' interleave) and taps per block. */
#define TILE_PIXELS 4
#define BLOCK_TAPS 16

/* One channel's constants for the asm requantisation, in the order its LDM takes them. */
typedef struct {
  int32_t constant;       /* bias + io · sum_k w_k, wrapping */
  int32_t multiplier;
  int32_t left_or_fix;    /* a layer with a left shift: max(shift, 0); else 1 when shift < 0, 0 when 0 */
  int32_t minus_right;    /* min(shift, 0): VRSHL's negative count */
} channel_constants;

/* The asm loop's state (the pair loops read it at these offsets). */
typedef struct {
  const int8_t *patches, *patches_end;     /*  0,  4 */
  int32_t out_plane;                       /*  8 */
  int32_t pixels;                          /* 12: outputs stored per channel, 1 to 4 */
  const int8_t *weights;                   /* 16: the first pair's interleaved rows */
  const channel_constants *first, *last;   /* 20, 24: the first pair's first channel's; past the last pair's */
  int8_t *out;                             /* 28: the first channel's output at the first pixel */
  int32_t output_offset;                   /* 32 */
  int32_t act_min, act_max;                /* 36, 40 */
  int32_t entry_offset;                    /* 44: where the block loop is entered, from its top */
  uint32_t entry;                          /* 48: that address, as the loop computes it */
} pair_loop;
_Static_assert(sizeof(pair_loop) == 52, "the pair loops read the record at fixed offsets");

/* One channel's four sums in `q` requantised in place, by the channel_constants at r5
 * (advanced): in a layer whose shifts are all right shifts (or none), the third word is the
 * rounding fix-up itself (1 where the shift is right, else 0), and no VSHL; in a layer with a
 * left shift, VSHL by the third word and the fix-up from the right shift's sign. q5 holds the
 * output zero point, q6 and q7 the clamp. */
#define O2M_MVE_REQUANTIZE_RIGHT(q)             \
  "ldmia r5!, {r0, r2, r4, r6}\n\t"             \
  "vadd.i32 " q ", " q ", r0\n\t"               \
  "vqrdmulh.s32 " q ", " q ", r2\n\t"           \
  O2M_MVE_ROUND_AND_CLAMP(q, "r4")
#define O2M_MVE_REQUANTIZE_LEFT(q)              \
  "ldmia r5!, {r0, r2, r4, r6}\n\t"             \
  "vadd.i32 " q ", " q ", r0\n\t"               \
  "vshl.s32 " q ", r4\n\t"                      \
  "vqrdmulh.s32 " q ", " q ", r2\n\t"           \
  "lsrs r4, r6, #31\n\t"                        \
  O2M_MVE_ROUND_AND_CLAMP(q, "r4")
#define O2M_MVE_ROUND_AND_CLAMP(q, fix)         \
  "vpt.s32 lt, " q ", zr\n\t"                   \
  "vqsubt.s32 " q ", " q ", " fix "\n\t"        \
  "vrshl.s32 " q ", r6\n\t"                     \
  "vadd.i32 " q ", " q ", q5\n\t"               \
  "vmax.s32 " q ", " q ", q6\n\t"               \
  "vmin.s32 " q ", " q ", q7\n\t"

/* The block loop runs four blocks per pass, entered Duff-style (O2M_MVE_PAIR_LOOP): each block
 * is fourteen 32-bit instructions. */
#define UNROLLED_BLOCKS 4
#define BLOCK_CODE_BYTES 56

/* One block of 16 taps of the 2×4 tile: weights r1, patches r3; `mla` vmladav (the first block,
 * which starts the sums) or vmladava. */
#define O2M_MVE_TILE_BLOCK(mla)                 \
  "vldrb.u8 q0, [r1], #16\n\t"                  \
  "vldrb.u8 q1, [r1], #16\n\t"                  \
  "vldrb.u8 q2, [r3], #16\n\t"                  \
  mla ".s8 r0, q0, q2\n\t"                      \
  mla ".s8 r2, q1, q2\n\t"                      \
  "vldrb.u8 q3, [r3], #16\n\t"                  \
  mla ".s8 r4, q0, q3\n\t"                      \
  mla ".s8 r6, q1, q3\n\t"                      \
  "vldrb.u8 q2, [r3], #16\n\t"                  \
  mla ".s8 r8, q0, q2\n\t"                      \
  mla ".s8 r10, q1, q2\n\t"                     \
  "vldrb.u8 q3, [r3], #16\n\t"                  \
  mla ".s8 r12, q0, q3\n\t"                     \
  mla ".s8 lr, q1, q3\n\t"

/* The channel pairs of the record for its gathered pixels, `store` the stores of a pair's
 * outputs (both channels', or only the first's for an odd count's padding row). Registers: sums
 * r0 r4 r8 r12 (channel 0, pixels 0-3) and r2 r6 r10 lr (channel 1), weights r1, patches r3 up
 * to r11, constants r5, output r7, record r9; q0-q3 the tile's vectors, then the two channels'
 * lanes; q5-q7 the zero point and the clamp. */
#define O2M_MVE_PAIR_LOOP(requantize, store)    \
  "ldr r9, %[state]\n\t"                        \
  "adr r0, 4f\n\t"                              \
  "ldr r2, [r9, #44]\n\t"                       \
  "add r0, r0, r2\n\t"                          \
  "orr r0, r0, #1\n\t"                          \
  "str r0, [r9, #48]\n\t"                       \
  "ldrd r1, r5, [r9, #16]\n\t"                  \
  "ldr r7, [r9, #28]\n\t"                       \
  "ldr r0, [r9, #32]\n\t"                       \
  "vdup.32 q5, r0\n\t"                          \
  "ldrd r0, r2, [r9, #36]\n\t"                  \
  "vdup.32 q6, r0\n\t"                          \
  "vdup.32 q7, r2\n\t"                          \
  "1:\n\t"                                      \
  "ldrd r3, r11, [r9]\n\t"                      \
  O2M_MVE_TILE_BLOCK("vmladav")                 \
  "ldr pc, [r9, #48]\n\t"                       \
  "4:\n\t"                                      \
  O2M_MVE_TILE_BLOCK("vmladava")                \
  O2M_MVE_TILE_BLOCK("vmladava")                \
  O2M_MVE_TILE_BLOCK("vmladava")                \
  O2M_MVE_TILE_BLOCK("vmladava")                \
  "cmp r3, r11\n\t"                             \
  "bne 4b\n\t"                                  \
  "vmov q0[2], q0[0], r0, r8\n\t"               \
  "vmov q0[3], q0[1], r4, r12\n\t"              \
  "vmov q1[2], q1[0], r2, r10\n\t"              \
  "vmov q1[3], q1[1], r6, lr\n\t"               \
  requantize("q0")                              \
  requantize("q1")                              \
  "ldrd r12, r3, [r9, #8]\n\t"                  \
  "vctp.32 r3\n\t"                              \
  store                                         \
  "add.w r7, r7, r12, lsl #1\n\t"               \
  "ldr r3, [r9, #24]\n\t"                       \
  "cmp r5, r3\n\t"                              \
  "bne 1b\n\t"

#define O2M_MVE_STORE_BOTH                      \
  "add r3, r7, r12\n\t"                         \
  "vpstt\n\t"                                   \
  "vstrbt.32 q0, [r7]\n\t"                      \
  "vstrbt.32 q1, [r3]\n\t"
#define O2M_MVE_STORE_FIRST                     \
  "vpst\n\t"                                    \
  "vstrbt.32 q0, [r7]\n\t"

#define O2M_MVE_CLOBBERS                                                                                    \
  "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "lr", "q0", "q1", "q2", "q3", \
      "q5", "q6", "q7", "memory", "cc"

/* The four loops: right shifts only or some left shift; both channels of each pair stored, or
 * (an odd channel count's last channel, with its pair's padding row) only the first. */
static __attribute__((noinline)) void pair_loop_right(pair_loop *loop) {
  __asm__ volatile(O2M_MVE_PAIR_LOOP(O2M_MVE_REQUANTIZE_RIGHT, O2M_MVE_STORE_BOTH) : : [state] "m"(loop) : O2M_MVE_CLOBBERS);
}

static __attribute__((noinline)) void pair_loop_right_first(pair_loop *loop) {
  __asm__ volatile(O2M_MVE_PAIR_LOOP(O2M_MVE_REQUANTIZE_RIGHT, O2M_MVE_STORE_FIRST) : : [state] "m"(loop) : O2M_MVE_CLOBBERS);
}

static __attribute__((noinline)) void pair_loop_left(pair_loop *loop) {
  __asm__ volatile(O2M_MVE_PAIR_LOOP(O2M_MVE_REQUANTIZE_LEFT, O2M_MVE_STORE_BOTH) : : [state] "m"(loop) : O2M_MVE_CLOBBERS);
}

static __attribute__((noinline)) void pair_loop_left_first(pair_loop *loop) {
  __asm__ volatile(O2M_MVE_PAIR_LOOP(O2M_MVE_REQUANTIZE_LEFT, O2M_MVE_STORE_FIRST) : : [state] "m"(loop) : O2M_MVE_CLOBBERS);
}

/* The scratch: the record, the channels' constants (a padding row's too), the offset table, the
 * patches. */
typedef struct {
  pair_loop *loop;
  channel_constants *constants; /* per group: 2 · pairs_per_group */
  uint16_t *offsets;            /* 16 · blocks; NULL when some tap's offset does not fit in 16 bits */
  int8_t *patches;              /* 64 · blocks */
  int16_t *tap_rows, *tap_columns; /* 16 · blocks each; NULL when no window leaves the input */
  int32_t taps, blocks, pairs_per_group;
} conv_scratch;

/* Whether some window leaves the input: then the scratch holds each tap's row and column in its
 * window after the patches, which border_in_16_bits bounds-checks in int16 lanes. */
static int border_tables_wanted(const o2m_conv2d_i8_params *p) {
  const int leaves = p->pad_top > 0 || p->pad_left > 0 ||
                     (p->out_h - 1) * p->stride_h - p->pad_top + (p->k_h - 1) * p->dil_h >= p->in_h ||
                     (p->out_w - 1) * p->stride_w - p->pad_left + (p->k_w - 1) * p->dil_w >= p->in_w;
  return leaves && p->in_h < 0x4000 && p->in_w < 0x4000 && (p->k_h - 1) * p->dil_h < 0x4000 &&
         (p->k_w - 1) * p->dil_w < 0x4000;
}

static conv_scratch scratch_layout(const o2m_conv2d_i8_params *p, int32_t *scratch) {
  conv_scratch s;
  const int32_t in_c_per_group = p->in_c / p->groups;
  s.taps = in_c_per_group * p->k_h * p->k_w;
  s.blocks = (s.taps + BLOCK_TAPS - 1) / BLOCK_TAPS;
  s.pairs_per_group = (p->out_c / p->groups + 1) / 2;
  s.loop = (pair_loop *)(void *)scratch;
  s.constants = (channel_constants *)(void *)(scratch + sizeof(pair_loop) / 4);
  uint16_t *offsets = (uint16_t *)(void *)(s.constants + 2 * s.pairs_per_group * p->groups);
  s.patches = (int8_t *)(offsets + BLOCK_TAPS * s.blocks);
  const int32_t last = ((in_c_per_group - 1) * p->in_h + (p->k_h - 1) * p->dil_h) * p->in_w + (p->k_w - 1) * p->dil_w;
  s.tap_rows = s.tap_columns = NULL;
  if (last > 0xffff) {
    s.offsets = NULL;
    return s;
  }
  int32_t k = 0;
  for (int32_t ic = 0; ic < in_c_per_group; ++ic) {
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
      for (int32_t kx = 0; kx < p->k_w; ++kx, ++k) {
        offsets[k] = (uint16_t)((ic * p->in_h + ky * p->dil_h) * p->in_w + kx * p->dil_w);
      }
    }
  }
  for (; k < BLOCK_TAPS * s.blocks; ++k) {
    offsets[k] = 0;
  }
  s.offsets = offsets;
  if (border_tables_wanted(p)) {
    /* a padding tap's row, 0x7fff, is outside the input from any window's origin */
    s.tap_rows = (int16_t *)(void *)(s.patches + TILE_PIXELS * BLOCK_TAPS * s.blocks);
    s.tap_columns = s.tap_rows + BLOCK_TAPS * s.blocks;
    k = 0;
    for (int32_t ic = 0; ic < in_c_per_group; ++ic) {
      for (int32_t ky = 0; ky < p->k_h; ++ky) {
        for (int32_t kx = 0; kx < p->k_w; ++kx, ++k) {
          s.tap_rows[k] = (int16_t)(ky * p->dil_h);
          s.tap_columns[k] = (int16_t)(kx * p->dil_w);
        }
      }
    }
    for (; k < BLOCK_TAPS * s.blocks; ++k) {
      s.tap_rows[k] = 0x7fff;
      s.tap_columns[k] = 0;
    }
  }
  return s;
}

/* Each channel's constants, a padding row's included (weights 0, no bias, multiplier 0). */
static void channel_constants_of(const o2m_conv2d_i8_params *p, const conv_scratch *s, const int8_t *weights,
                                 const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                                 int left_shifts) {
  const int32_t out_c_per_group = p->out_c / p->groups;
  const uint32_t input_offset = (uint32_t)p->input_offset;
  for (int32_t group = 0; group < p->groups; ++group) {
    for (int32_t j = 0; j < 2 * s->pairs_per_group; ++j) {
      channel_constants *c = s->constants + group * 2 * s->pairs_per_group + j;
      if (j >= out_c_per_group) {
        c->constant = c->multiplier = c->left_or_fix = c->minus_right = 0;
        continue;
      }
      const int32_t oc = group * out_c_per_group + j;
      const int8_t *row = weights + ((group * s->pairs_per_group + j / 2) * 2 * s->blocks) * BLOCK_TAPS + (j & 1) * BLOCK_TAPS;
      int32_t sum = 0;
      for (int32_t b = 0; b < s->blocks; ++b) {
        sum = vaddvaq_s8(sum, vldrbq_s8(row + 2 * BLOCK_TAPS * b));
      }
      const uint32_t start = bias != NULL ? (uint32_t)bias[oc] : 0u;
      c->constant = (int32_t)(start + input_offset * (uint32_t)sum);
      c->multiplier = multipliers[oc];
      c->left_or_fix = left_shifts ? (shifts[oc] > 0 ? shifts[oc] : 0) : shifts[oc] < 0;
      c->minus_right = shifts[oc] < 0 ? shifts[oc] : 0;
    }
  }
}

/* Whether the window at this origin lies inside the input, so no tap needs a bounds check. */
static inline int window_inside(const o2m_conv2d_i8_params *p, int32_t iy_origin, int32_t ix_origin) {
  return o2m_window_inside(iy_origin, p->dil_h, p->k_h, p->in_h) &&
         o2m_window_inside(ix_origin, p->dil_w, p->k_w, p->in_w);
}

/* The output rows and columns whose windows lie inside the input: [first, end), empty without
 * the offset table. */
typedef struct {
  int32_t row_first, row_end, column_first, column_end;
} inside_ranges;

static inside_ranges inside_ranges_of(const o2m_conv2d_i8_params *p, int with_table) {
  inside_ranges r = {0, 0, 0, 0};
  if (with_table) {
    o2m_inside_outputs(p->out_h, p->stride_h, p->pad_top, (p->k_h - 1) * p->dil_h, p->in_h, &r.row_first, &r.row_end);
    o2m_inside_outputs(p->out_w, p->stride_w, p->pad_left, (p->k_w - 1) * p->dil_w, p->in_w, &r.column_first,
                       &r.column_end);
  }
  return r;
}

/* The gathers are not inlined: the pixel loop keeps its few registers to itself. */

/* The patches of the four pixels whose windows lie inside the input at o0..o3 (their origins),
 * each table load shared by the four: 19 instructions per block of 16 taps (GCC's register
 * allocation of the same intrinsics spent 29). */
static __attribute__((noinline)) void gather_inside_4(const conv_scratch *s, const int8_t *o0, const int8_t *o1,
                                                      const int8_t *o2, const int8_t *o3) {
  const uint16_t *at = s->offsets;
  int8_t *d = s->patches;
  int32_t blocks = s->blocks;
  __asm__ volatile(
      "dls lr, %[blocks]\n\t"
      "1:\n\t"
      "vldrh.u16 q0, [%[at]], #16\n\t"
      "vldrh.u16 q1, [%[at]], #16\n\t"
      "vldrb.s16 q2, [%[o0], q0]\n\t"
      "vstrb.16 q2, [%[d]], #64\n\t"
      "vldrb.s16 q3, [%[o0], q1]\n\t"
      "vstrb.16 q3, [%[d], #-56]\n\t"
      "vldrb.s16 q2, [%[o1], q0]\n\t"
      "vstrb.16 q2, [%[d], #-48]\n\t"
      "vldrb.s16 q3, [%[o1], q1]\n\t"
      "vstrb.16 q3, [%[d], #-40]\n\t"
      "vldrb.s16 q2, [%[o2], q0]\n\t"
      "vstrb.16 q2, [%[d], #-32]\n\t"
      "vldrb.s16 q3, [%[o2], q1]\n\t"
      "vstrb.16 q3, [%[d], #-24]\n\t"
      "vldrb.s16 q2, [%[o3], q0]\n\t"
      "vstrb.16 q2, [%[d], #-16]\n\t"
      "vldrb.s16 q3, [%[o3], q1]\n\t"
      "vstrb.16 q3, [%[d], #-8]\n\t"
      "le lr, 1b\n\t"
      : [at] "+r"(at), [d] "+r"(d)
      : [blocks] "r"(blocks), [o0] "r"(o0), [o1] "r"(o1), [o2] "r"(o2), [o3] "r"(o3)
      : "lr", "q0", "q1", "q2", "q3", "memory");
}

/* The patch of one pixel whose window lies inside the input at `origin`, to slot d (16·j on). */
static __attribute__((noinline)) void gather_inside_1(const conv_scratch *s, const int8_t *origin, int8_t *d) {
  const uint16_t *at = s->offsets;
  for (int32_t b = s->blocks; b > 0; --b, at += 16, d += 64) {
    vstrbq_s16(d, vldrbq_gather_offset_s16(origin, vldrhq_u16(at)));
    vstrbq_s16(d + 8, vldrbq_gather_offset_s16(origin, vldrhq_u16(at + 8)));
  }
}

/* One output pixel's raw int8 patch to slot d where its window leaves the input, 8 taps per
 * gather: a tap is inside when its row iy + dy and column ix + dx, as uint16, are below in_h and
 * in_w (a negative one wraps above them; all are far inside int16: border_tables_wanted), the
 * gather predicated on that — a lane outside loads nothing — and the zero point put in the other
 * lanes. The origin may lie outside the input, so it is formed as an address, not as a pointer
 * into the array. */
static __attribute__((noinline)) void gather_border(const o2m_conv2d_i8_params *p, const conv_scratch *s,
                                                    const int8_t *group_input, int32_t iy_origin,
                                                    int32_t ix_origin, int8_t *d) {
  const int8_t *origin = (const int8_t *)((uintptr_t)group_input + (uintptr_t)(iy_origin * p->in_w + ix_origin));
  const int16_t *tap_row = s->tap_rows, *tap_column = s->tap_columns;
  const uint16_t *at = s->offsets;
  const int32_t blocks = s->blocks, in_h = p->in_h, in_w = p->in_w, zero_point = -p->input_offset;
  /* per 8 taps: the rows, columns and offsets, VPT + VCMPT for "row < in_h and column < in_w"
   * (unsigned), the gather under that predicate, VPSEL of the zero point into the other lanes */
#define O2M_MVE_BORDER_HALF(store)                    \
  "vldrh.u16 q0, [%[row]], #16\n\t"                   \
  "vldrh.u16 q1, [%[column]], #16\n\t"                \
  "vldrh.u16 q2, [%[at]], #16\n\t"                    \
  "vadd.i16 q0, q0, %[iy]\n\t"                        \
  "vadd.i16 q1, q1, %[ix]\n\t"                        \
  "vpt.u16 hi, q4, q0\n\t"                            \
  "vcmpt.u16 hi, q5, q1\n\t"                          \
  "vpst\n\t"                                          \
  "vldrbt.s16 q3, [%[origin], q2]\n\t"                \
  "vpsel q3, q3, q6\n\t"                              \
  store
  __asm__ volatile(
      "vdup.16 q4, %[in_h]\n\t"
      "vdup.16 q5, %[in_w]\n\t"
      "vdup.16 q6, %[zero_point]\n\t"
      "dls lr, %[blocks]\n\t"
      "1:\n\t"
      O2M_MVE_BORDER_HALF("vstrb.16 q3, [%[d]], #64\n\t")
      O2M_MVE_BORDER_HALF("vstrb.16 q3, [%[d], #-56]\n\t")
      "le lr, 1b\n\t"
      : [row] "+r"(tap_row), [column] "+r"(tap_column), [at] "+r"(at), [d] "+r"(d)
      : [blocks] "r"(blocks), [origin] "r"(origin), [iy] "r"(iy_origin), [ix] "r"(ix_origin), [in_h] "r"(in_h),
        [in_w] "r"(in_w), [zero_point] "r"(zero_point)
      : "lr", "q0", "q1", "q2", "q3", "q4", "q5", "q6", "memory");
#undef O2M_MVE_BORDER_HALF
}

/* One output pixel's raw int8 patch to slot d, the zero point where the window leaves the
 * input: the zero point everywhere first, then the taps inside, row by row (a layer whose tap
 * offsets or extents border_tables_wanted does not take). */
static __attribute__((noinline)) void gather_patch(const o2m_conv2d_i8_params *p, const conv_scratch *s,
                                                   const int8_t *group_input, int32_t iy_origin,
                                                   int32_t ix_origin, int8_t *d) {
  const int8x16_t zero_point = vdupq_n_s8((int8_t)-p->input_offset);
  for (int32_t b = 0; b < s->blocks; ++b) {
    vstrbq_s8(d + 64 * b, zero_point);
  }
  const int32_t in_h = p->in_h, in_w = p->in_w, k_h = p->k_h, k_w = p->k_w;
  const int32_t dil_h = p->dil_h, dil_w = p->dil_w, in_c_per_group = p->in_c / p->groups;
  int32_t ky_first, ky_last, kx_first, kx_last;
  o2m_valid_taps(iy_origin, dil_h, k_h, in_h, &ky_first, &ky_last);
  o2m_valid_taps(ix_origin, dil_w, k_w, in_w, &kx_first, &kx_last);
  for (int32_t ic = 0; ic < in_c_per_group; ++ic) {
    for (int32_t ky = ky_first; ky < ky_last; ++ky) {
      const int8_t *row = group_input + (ic * in_h + iy_origin + ky * dil_h) * in_w + ix_origin;
      const int32_t row_tap = (ic * k_h + ky) * k_w;
      for (int32_t kx = kx_first; kx < kx_last; ++kx) {
        const int32_t k = row_tap + kx;
        d[k + 48 * (k >> 4)] = row[kx * dil_w]; /* block k / 16 at 64 bytes per block */
      }
    }
  }
}

void o2m_conv2d_i8_mve(const o2m_conv2d_i8_params *p, const int8_t *input, const int8_t *weights,
                       const int32_t *bias, const int32_t *multipliers, const int32_t *shifts,
                       int8_t *output, int32_t *scratch) {
  const conv_scratch s = scratch_layout(p, scratch);
  int left_shifts = 0;
  for (int32_t oc = 0; oc < p->out_c; ++oc) {
    left_shifts |= shifts[oc] > 0;
  }
  channel_constants_of(p, &s, weights, bias, multipliers, shifts, left_shifts);
  const int32_t in_c_per_group = p->in_c / p->groups;
  const int32_t out_c_per_group = p->out_c / p->groups;
  const int32_t full_pairs = out_c_per_group / 2, odd = out_c_per_group & 1;
  const int32_t in_plane = p->in_h * p->in_w;
  const int32_t out_plane = p->out_h * p->out_w;
  const int32_t out_w = p->out_w, in_w = p->in_w, stride_h = p->stride_h, stride_w = p->stride_w;
  const int32_t pad_top = p->pad_top, pad_left = p->pad_left;
  const int32_t pair_bytes = 2 * BLOCK_TAPS * s.blocks;
  const inside_ranges inside = inside_ranges_of(p, s.offsets != NULL);
  pair_loop *loop = s.loop;
  loop->patches = s.patches;
  loop->patches_end = s.patches + TILE_PIXELS * BLOCK_TAPS * s.blocks;
  /* after the first block, the other B - 1 = q · 4 + r: the last r of the loop's four first */
  loop->entry_offset = (UNROLLED_BLOCKS - (s.blocks - 1) % UNROLLED_BLOCKS) * BLOCK_CODE_BYTES;
  loop->out_plane = out_plane;
  loop->output_offset = p->output_offset;
  loop->act_min = p->act_min;
  loop->act_max = p->act_max;
  for (int32_t n = 0; n < p->batch; ++n) {
    for (int32_t group = 0; group < p->groups; ++group) {
      const int8_t *group_input = input + (n * p->in_c + group * in_c_per_group) * in_plane;
      const int8_t *group_weights = weights + group * s.pairs_per_group * pair_bytes;
      const channel_constants *group_constants = s.constants + group * 2 * s.pairs_per_group;
      int8_t *group_output = output + (n * p->out_c + group * out_c_per_group) * out_plane;
      int32_t oy = 0, ox = 0;
      for (int32_t pixel = 0; pixel < out_plane; pixel += TILE_PIXELS) {
        const int32_t pixels = out_plane - pixel < TILE_PIXELS ? out_plane - pixel : TILE_PIXELS;
        if (oy >= inside.row_first && oy < inside.row_end && ox >= inside.column_first &&
            ox + TILE_PIXELS <= inside.column_end) {
          /* four windows side by side in one row, all inside */
          const int8_t *o = group_input + (oy * stride_h - pad_top) * in_w + ox * stride_w - pad_left;
          gather_inside_4(&s, o, o + stride_w, o + 2 * stride_w, o + 3 * stride_w);
          ox += TILE_PIXELS;
        } else {
          /* pixel j of the tile (past the last pixel, its copies: results not stored) */
          for (int32_t j = 0; j < TILE_PIXELS; ++j) {
            const int32_t iy_origin = oy * stride_h - pad_top, ix_origin = ox * stride_w - pad_left;
            int8_t *slot = s.patches + BLOCK_TAPS * j;
            if (s.offsets != NULL && window_inside(p, iy_origin, ix_origin)) {
              gather_inside_1(&s, group_input + iy_origin * in_w + ix_origin, slot);
            } else if (s.tap_rows != NULL) {
              gather_border(p, &s, group_input, iy_origin, ix_origin, slot);
            } else {
              gather_patch(p, &s, group_input, iy_origin, ix_origin, slot);
            }
            if (j + 1 < pixels && ++ox == out_w) {
              ox = 0;
              ++oy;
            }
          }
          ++ox;
        }
        if (ox >= out_w) {
          ox -= out_w;
          ++oy;
        }
        loop->pixels = pixels;
        loop->weights = group_weights;
        loop->first = group_constants;
        loop->out = group_output + pixel;
        if (full_pairs > 0) {
          loop->last = group_constants + 2 * full_pairs;
          (left_shifts ? pair_loop_left : pair_loop_right)(loop);
        }
        if (odd) {
          loop->weights = group_weights + full_pairs * pair_bytes;
          loop->first = group_constants + 2 * full_pairs;
          loop->last = loop->first + 2;
          loop->out = group_output + 2 * full_pairs * out_plane + pixel;
          (left_shifts ? pair_loop_left_first : pair_loop_right_first)(loop);
        }
      }
    }
  }
}
#endif
