/* onnx2mcu runtime: MaxPool (float32, int8, uint8, with optional indices), AveragePool and LpPool
 * (float32) over three spatial axes (N x C x D x H x W); 1-D and 2-D windows arrive with leading
 * axes of size 1. Also GlobalMaxPool and GlobalLpPool.
 *
 * ONNX semantics: padded taps never count for MaxPool or LpPool; AveragePool divides by the taps
 * inside the input, or with count_include_pad by the taps inside the padded input
 * [-pad_begin, in + pad_end). Every window visits its taps in depth, height, width order. */
#include <stddef.h>

#include "onnx2mcu/kernels_f32.h"
#include "onnx2mcu/math_f32.h"

#include "dsp_simd.h"
#include "window_taps.h"

/* The taps of one window along each axis: positions origin[a] + t * dilations[a] for t in
 * [first[a], last[a]) lie inside the input. */
typedef struct {
  int32_t origin[3];
  int32_t first[3];
  int32_t last[3];
  int32_t padded_count; /* taps inside the padded input, over all three axes */
} pool_window;

static int32_t volume(const int32_t size[3]) {
  return size[0] * size[1] * size[2];
}

/* The window of output position `out_offset` (row-major within a plane). */
static void find_window(const o2m_pool3d_params *p, int32_t out_offset, pool_window *w) {
  int32_t out_position[3];
  out_position[2] = out_offset % p->out_size[2];
  out_position[1] = (out_offset / p->out_size[2]) % p->out_size[1];
  out_position[0] = out_offset / (p->out_size[2] * p->out_size[1]);
  w->padded_count = 1;
  for (int32_t axis = 0; axis < 3; ++axis) {
    const int32_t origin = out_position[axis] * p->strides[axis] - p->pads_begin[axis];
    int32_t first = p->kernel[axis];
    int32_t last = 0;
    int32_t padded = 0;
    for (int32_t t = 0; t < p->kernel[axis]; ++t) {
      const int32_t position = origin + t * p->dilations[axis];
      if (position >= 0 && position < p->in_size[axis]) {
        if (t < first) {
          first = t;
        }
        last = t + 1;
      }
      if (position >= -p->pads_begin[axis] && position < p->in_size[axis] + p->pads_end[axis]) {
        ++padded;
      }
    }
    w->origin[axis] = origin;
    w->first[axis] = first;
    w->last[axis] = last > first ? last : first;
    w->padded_count *= padded;
  }
}

/* The flat index ONNX reports for input (z, y, x) of a plane: row-major, or column-major
 * (first axis fastest) with storage_order 1. */
static int64_t flat_index(const o2m_pool3d_params *p, int32_t plane, int32_t z, int32_t y, int32_t x) {
  const int64_t within = p->storage_order
                             ? (int64_t)z + ((int64_t)y + (int64_t)x * p->in_size[1]) * p->in_size[0]
                             : ((int64_t)z * p->in_size[1] + y) * p->in_size[2] + x;
  return (int64_t)plane * volume(p->in_size) + within;
}

#if O2M_KERNELS_DSP || O2M_KERNELS_MVE
/* The fast 2-D int8 MaxPools' walk over planes and output rows: each output row's window rows
 * clipped to the input (`top`, `rows`), the output rows whose windows lie wholly inside the
 * input's rows taken in one call (`count` rows, stride_h · in_w apart), and a row whose window
 * misses every input row set to -128, as the definition's maximum of nothing. `rows_of`, a
 * variant's row function, computes them from its `plan` (inlined into each variant). */
typedef void maxpool_rows_fn(const void *plan, const int8_t *top, int32_t rows, int8_t *out, int32_t count);

static inline __attribute__((always_inline)) void maxpool_row_runs(const o2m_pool3d_params *p, const int8_t *input,
                                                                   int8_t *output, const void *plan,
                                                                   maxpool_rows_fn *rows_of) {
  const int32_t in_h = p->in_size[1], in_w = p->in_size[2], out_h = p->out_size[1], out_w = p->out_size[2];
  const int32_t k_h = p->kernel[1], stride_h = p->strides[1], pad_top = p->pads_begin[1];
  int32_t full_first, full_end; /* the output rows whose windows lie wholly inside the input's rows */
  o2m_inside_outputs(out_h, stride_h, pad_top, k_h - 1, in_h, &full_first, &full_end);
  for (int32_t plane = 0; plane < p->batch_channels; ++plane) {
    const int8_t *in = input + plane * in_h * in_w;
    int8_t *out = output + plane * out_h * out_w;
    for (int32_t oy = 0; oy < out_h;) {
      const int32_t y = oy * stride_h - pad_top;
      const int32_t first_row = y > 0 ? y : 0;
      const int32_t rows = (y + k_h < in_h ? y + k_h : in_h) - first_row;
      const int32_t count = oy == full_first && full_end > full_first ? full_end - full_first : 1;
      if (rows > 0) {
        rows_of(plan, in + first_row * in_w, rows, out, count);
      } else {
        for (int32_t ox = 0; ox < out_w; ++ox) {
          out[ox] = -128;
        }
      }
      oy += count;
      out += count * out_w;
    }
  }
}
#endif

#if O2M_KERNELS_MVE
#include <arm_mve.h>

/* int8 MaxPool of a 2-D window (depth 1, no dilation, k_w <= 16, stride_w 1 to 16) in Helium,
 * 16 outputs of an output row per pass. Why it equals maxpool3d_i8: without dilation a window's
 * taps inside the input are the rectangle of rows [max(y, 0), min(y + k_h, in_h)) by columns
 * [max(x, 0), min(x + k_w, in_w)), and the definition's result is the maximum of -128 and those
 * taps (padded taps never count); max is exact and order-free, so any grouping gives the same
 * value. The output columns whose k_w columns all lie inside the input (x >= 0 and
 * x + k_w <= in_w) take VMAX.S8 over the window's rows and columns, lane j holding window
 * ox + j: at stride 1 one 16-byte load per tap (columns x + kx .. x + kx + 15), at other strides
 * one gather per tap (VLDRB.S8 with byte offsets j · stride_w, at most 15 · 16 = 240). The last
 * count % 16 windows take the same pass with predicated loads and store (VCTP): inactive lanes
 * load nothing and store nothing, so no byte outside the windows' columns is read. A clipped
 * window near the left or right edge takes, per row, its columns inside the input in one
 * predicated load and VMAXV over the active lanes only, from -128. An output row with no input
 * row gives -128, as the definition's does. The output rows whose windows lie wholly inside the
 * input's rows share one call. */
typedef struct {
  int32_t in_w, k_w, stride, pad_left, out_w;
  int32_t inner_first, inner_end; /* the windows wholly inside the input's columns */
  int32_t top_step;               /* stride_h · in_w */
  int32_t inner_x;                /* inner_first · stride - pad_left, the first inner window's column */
  int32_t edges;                  /* 1 when some windows are clipped at the left or right edge */
} mve_maxpool_plan;

static __attribute__((noinline)) int8_t mve_edge_window_max(const int8_t *top, int32_t rows, int32_t in_w,
                                                            int32_t x, int32_t k_w) {
  const int32_t first = x > 0 ? x : 0;
  const int32_t last = x + k_w < in_w ? x + k_w : in_w;
  int8_t best = -128;
  if (last > first) {
    const mve_pred16_t columns = vctp8q((uint32_t)(last - first));
    for (int32_t r = 0; r < rows; ++r, top += in_w) {
      best = vmaxvq_p_s8(best, vldrbq_z_s8(top + first, columns), columns);
    }
  }
  return best;
}

/* The maximum of the windows at `left`: LOAD(row, kx) is the 16 lanes' tap kx of a row. */
#define MVE_MAXPOOL_WINDOWS(best, LOAD, left)                         \
  do {                                                                \
    const int8_t *row_ = (left);                                      \
    best = LOAD(row_, 0);                                             \
    for (int32_t kx_ = 1; kx_ < k_w; ++kx_) {                         \
      best = vmaxq_s8(best, LOAD(row_, kx_));                         \
    }                                                                 \
    for (int32_t r_ = 1; r_ < rows; ++r_) {                           \
      row_ += in_w;                                                   \
      for (int32_t kx_ = 0; kx_ < k_w; ++kx_) {                       \
        best = vmaxq_s8(best, LOAD(row_, kx_));                       \
      }                                                               \
    }                                                                 \
  } while (0)

/* `count` output rows from `top`, each over `rows` input rows. Defined for 2×2 and 3×3 windows
 * wholly inside the input's rows (unrolled; a gather's tap kx of 1 or 2 is in its offsets,
 * 15 · 16 + 2 <= 255) and for any, each with 16-byte loads (stride 1) and with gathers (other
 * strides); 2×2 also without the edge loops (EDGES 0), for layers with no clipped window, the
 * common unpadded 2×2/2, where they cost more than the row's windows. The plan is copied into
 * locals: the int8 stores may alias anything. */
#define DEFINE_MVE_MAXPOOL_ROWS(name, ROWS, KW, EDGES)                                                         \
  static __attribute__((noinline)) void name(const mve_maxpool_plan *plan, const int8_t *top,                 \
                                             int32_t given_rows, int8_t *out, int32_t count) {                \
    const mve_maxpool_plan c = *plan;                                                                         \
    const int32_t k_w = (KW) ? (KW) : c.k_w, rows = (ROWS) ? (ROWS) : given_rows;                             \
    const int32_t in_w = c.in_w, stride = c.stride, inner = c.inner_end - c.inner_first;                      \
    const uint8x16_t offsets0 = vmulq_n_u8(vidupq_n_u8(0, 1), (uint8_t)stride);                               \
    const uint8x16_t offsets1 = vaddq_n_u8(offsets0, 1), offsets2 = vaddq_n_u8(offsets0, 2);                  \
    (void)offsets0;                                                                                           \
    (void)offsets1;                                                                                           \
    (void)offsets2;                                                                                           \
    for (; count > 0; --count, top += c.top_step, out += c.out_w) {                                           \
      int32_t x = -c.pad_left;                                                                                \
      for (int32_t ox = 0; (EDGES) && ox < c.inner_first; ++ox, x += stride) {                               \
        out[ox] = mve_edge_window_max(top, rows, in_w, x, k_w);                                               \
      }                                                                                                       \
      const int8_t *left = top + ((EDGES) ? x : c.inner_x);                                                   \
      int8_t *o = out + c.inner_first;                                                                        \
      for (int32_t blocks = inner >> 4; blocks > 0; --blocks, left += 16 * stride, o += 16) {                 \
        int8x16_t best;                                                                                       \
        MVE_MAXPOOL_WINDOWS(best, LOAD_FULL, left);                                                           \
        vstrbq_s8(o, best);                                                                                   \
      }                                                                                                       \
      if ((inner & 15) != 0) {                                                                                \
        const mve_pred16_t tail = vctp8q((uint32_t)(inner & 15));                                             \
        int8x16_t best;                                                                                       \
        MVE_MAXPOOL_WINDOWS(best, LOAD_TAIL, left);                                                           \
        vstrbq_p_s8(o, best, tail);                                                                           \
      }                                                                                                       \
      x += inner * stride;                                                                                    \
      for (int32_t ox = c.inner_end; (EDGES) && ox < c.out_w; ++ox, x += stride) {                            \
        out[ox] = mve_edge_window_max(top, rows, in_w, x, k_w);                                               \
      }                                                                                                       \
    }                                                                                                         \
  }
#define LOAD_FULL(row, kx) vldrbq_s8((row) + (kx))
#define LOAD_TAIL(row, kx) vldrbq_z_s8((row) + (kx), tail)
DEFINE_MVE_MAXPOOL_ROWS(mve_maxpool_rows_2x2, 2, 2, 1)
DEFINE_MVE_MAXPOOL_ROWS(mve_maxpool_rows_2x2_inner, 2, 2, 0)
DEFINE_MVE_MAXPOOL_ROWS(mve_maxpool_rows_3x3, 3, 3, 1)
DEFINE_MVE_MAXPOOL_ROWS(mve_maxpool_rows_any, 0, 0, 1)
#undef LOAD_FULL
#undef LOAD_TAIL
/* the offsets of tap kx: in the vector for 1 and 2 (a constant kx where KW is), else on the base */
#define GATHER_OFFSETS(kx) ((kx) == 1 ? offsets1 : (kx) == 2 ? offsets2 : offsets0)
#define GATHER_BASE(row, kx) ((row) + ((kx) == 1 || (kx) == 2 ? 0 : (kx)))
#define LOAD_FULL(row, kx) vldrbq_gather_offset_s8(GATHER_BASE(row, kx), GATHER_OFFSETS(kx))
#define LOAD_TAIL(row, kx) vldrbq_gather_offset_z_s8(GATHER_BASE(row, kx), GATHER_OFFSETS(kx), tail)
DEFINE_MVE_MAXPOOL_ROWS(mve_maxpool_rows_2x2_strided, 2, 2, 1)
DEFINE_MVE_MAXPOOL_ROWS(mve_maxpool_rows_2x2_strided_inner, 2, 2, 0)
DEFINE_MVE_MAXPOOL_ROWS(mve_maxpool_rows_3x3_strided, 3, 3, 1)
#undef GATHER_OFFSETS
#undef GATHER_BASE
#define GATHER_OFFSETS(kx) offsets0
#define GATHER_BASE(row, kx) ((row) + (kx))
DEFINE_MVE_MAXPOOL_ROWS(mve_maxpool_rows_any_strided, 0, 0, 1)
#undef GATHER_OFFSETS
#undef GATHER_BASE
#undef LOAD_FULL
#undef LOAD_TAIL

static inline void mve_maxpool_rows(const void *plan, const int8_t *top, int32_t rows, int8_t *out, int32_t count) {
  const mve_maxpool_plan *c = plan;
  const int square2 = rows == 2 && c->k_w == 2, square3 = rows == 3 && c->k_w == 3;
  if (c->stride == 1) {
    if (square2) {
      if (c->edges) {
        mve_maxpool_rows_2x2(c, top, rows, out, count);
      } else {
        mve_maxpool_rows_2x2_inner(c, top, rows, out, count);
      }
    } else if (square3) {
      mve_maxpool_rows_3x3(c, top, rows, out, count);
    } else {
      mve_maxpool_rows_any(c, top, rows, out, count);
    }
  } else if (square2) {
    if (c->edges) {
      mve_maxpool_rows_2x2_strided(c, top, rows, out, count);
    } else {
      mve_maxpool_rows_2x2_strided_inner(c, top, rows, out, count);
    }
  } else if (square3) {
    mve_maxpool_rows_3x3_strided(c, top, rows, out, count);
  } else {
    mve_maxpool_rows_any_strided(c, top, rows, out, count);
  }
}

static __attribute__((noinline)) int maxpool2d_i8_mve(const o2m_pool3d_params *p, const int8_t *input,
                                                     int8_t *output) {
  if (p->in_size[0] != 1 || p->out_size[0] != 1 || p->kernel[0] != 1 || p->pads_begin[0] != 0 ||
      p->dilations[1] != 1 || p->dilations[2] != 1 || p->kernel[2] < 1 || p->kernel[2] > 16 ||
      p->strides[2] < 1 || p->strides[2] > 16) {
    return 0;
  }
  const int32_t in_w = p->in_size[2], out_w = p->out_size[2];
  const int32_t k_w = p->kernel[2], stride_h = p->strides[1], stride_w = p->strides[2], pad_left = p->pads_begin[2];
  int32_t inner_first, inner_end; /* the windows wholly inside the input's columns */
  o2m_inside_outputs(out_w, stride_w, pad_left, k_w - 1, in_w, &inner_first, &inner_end);
  const mve_maxpool_plan c = {in_w,          k_w,       stride_w,        pad_left,
                              out_w,         inner_first, inner_end,     stride_h * in_w,
                              inner_first * stride_w - pad_left, inner_first > 0 || inner_end < out_w};
  maxpool_row_runs(p, input, output, &c, mve_maxpool_rows);
  return 1;
}
#endif

#if O2M_KERNELS_DSP
/* int8 MaxPool of a 2-D window (depth 1, no dilation, at most four columns) on Armv7E-M.
 * Why it equals maxpool3d_i8: without dilation a window's taps inside the input are the
 * rectangle of rows [max(y, 0), min(y + k_h, in_h)) by columns [max(x, 0), min(x + k_w, in_w)),
 * and the definition's result is the maximum of -128 and those taps (padded taps never count).
 * Max is exact and order-free, so any grouping of those taps gives the same value, and a byte
 * of -128 added to the group changes nothing. So the rows' words (four columns, read only where
 * all four lie inside the row) are combined byte by byte (SSUB8 + SEL), then a window's columns
 * by shifting the word onto itself (the zeros a shift brings in never reach the byte kept);
 * where a word's bytes reach past the window's clipped columns they are first set to -128. A
 * window without a tap inside gives -128, as the definition's does. Output rows whose windows
 * lie wholly inside the input's rows share one call, so the column plan is read once. */
static int8_t clipped_window_max(const int8_t *top, int32_t rows, int32_t in_w, int32_t x, int32_t k_w) {
  const int32_t first = x > 0 ? x : 0;
  const int32_t last = x + k_w < in_w ? x + k_w : in_w;
  int8_t best = -128;
  for (int32_t r = 0; r < rows; ++r, top += in_w) {
    for (int32_t c = first; c < last; ++c) {
      best = top[c] > best ? top[c] : best;
    }
  }
  return best;
}

/* bytes x .. x + 3 of the window's rows, each the maximum down its column */
static inline __attribute__((always_inline)) uint32_t column_max(const int8_t *top, int32_t rows, int32_t in_w) {
  uint32_t best = (uint32_t)o2m_load_int8x4(top);
  for (int32_t r = 1; r < rows; ++r) {
    top += in_w;
    best = o2m_max_int8x4(best, (uint32_t)o2m_load_int8x4(top));
  }
  return best;
}

/* Which output columns take which path; the same for every output row. */
typedef struct {
  int32_t in_w, k_w, stride_w, pad_left, out_w;
  uint32_t keep, fill; /* a word's bytes past the k_w columns become -128 */
  int32_t left;        /* windows starting left of the input */
  int32_t pairs;       /* then pairs of windows from one or two words (stride 2, width 2 or 3) */
  int32_t tail;        /* then (1) a 2-wide window at x as the second pair of the word at x - 2 */
  int32_t single;      /* then one window per word */
  int32_t top_step;    /* stride_h · in_w: from one output row's window to the next */
} maxpool_columns;

static maxpool_columns plan_columns(const o2m_pool3d_params *p) {
  maxpool_columns c;
  c.in_w = p->in_size[2];
  c.k_w = p->kernel[2];
  c.stride_w = p->strides[2];
  c.pad_left = p->pads_begin[2];
  c.out_w = p->out_size[2];
  c.top_step = p->strides[1] * c.in_w;
  c.keep = 0xFFFFFFFFu >> (32 - 8 * c.k_w);
  c.fill = 0x80808080u & ~c.keep;
  int32_t ox = 0;
  int32_t x = -c.pad_left;
  for (; ox < c.out_w && x < 0; ++ox, x += c.stride_w) {
  }
  c.left = ox;
  /* how far the pair's words reach past x: columns x .. x + 3, or x .. x + 4 */
  const int32_t reach = c.stride_w == 2 && c.k_w == 2 ? 3 : c.stride_w == 2 && c.k_w == 3 ? 4 : -1;
  for (; reach > 0 && ox + 1 < c.out_w && x + reach < c.in_w; ox += 2, x += 4) {
  }
  c.pairs = (ox - c.left) / 2;
  c.tail = reach == 3 && ox < c.out_w && x >= 2 && x + 1 < c.in_w;
  if (c.tail) {
    ++ox;
    x += 2;
  }
  const int32_t after_pairs = ox;
  for (; ox < c.out_w && x + 3 < c.in_w; ++ox, x += c.stride_w) {
  }
  c.single = ox - after_pairs;
  return c;
}

/* the maximum of a word's first k_w bytes (the word's bytes 0 .. 3 as column x .. x + 3) */
static inline uint32_t window_of_word(uint32_t keep, uint32_t fill, uint32_t v) {
  v = (v & keep) | fill;
  v = o2m_max_int8x4(v, v >> 8);
  return o2m_max_int8x4(v, v >> 16);
}

/* A window starting left of the input or ending near its right edge: the word nearest it,
 * shifted so byte 0 is column x, the columns outside the input as -128. Rows of fewer than
 * four bytes have no such word. Out of line: one or two per row, and inlined in every row
 * variant it would cost more flash than it saves instructions. */
static __attribute__((noinline)) int8_t edge_window_max(const int8_t *top, int32_t rows, int32_t x, int32_t in_w,
                                                        int32_t k_w, uint32_t keep, uint32_t fill) {
  if (in_w < 4 || x <= -k_w || x >= in_w) {
    return clipped_window_max(top, rows, in_w, x, k_w);
  }
  uint32_t v;
  if (x < 0) { /* -x is 1 to 3 as the window reaches column 0 */
    v = column_max(top, rows, in_w) << (8 * -x) | 0x80808080u >> (32 + 8 * x);
  } else { /* x + 3 >= in_w: the row's last word, its bytes from x down to byte 0 */
    const int32_t past = x - (in_w - 4); /* 1 to 3 */
    v = column_max(top + in_w - 4, rows, in_w) >> (8 * past) | 0x80808080u << (32 - 8 * past);
  }
  return (int8_t)window_of_word(keep, fill, v);
}

/* One output row whose windows cover `rows` input rows from `top`. Defined once with rows 2 and
 * 3 fixed (out of line, so GCC cannot merge them back into the general one) and once general,
 * so the common windows' row loops unroll. The plan is copied into locals: the int8 stores of
 * the output may alias anything in memory, and would force reloads of fields read through a
 * pointer. */
#define DEFINE_MAXPOOL_ROW(name, ROWS)                                                                 \
  static __attribute__((noinline)) void name(const maxpool_columns *plan, const int8_t *next_top,      \
                                             int32_t given_rows, int8_t *next_out, int32_t count,      \
                                             int32_t top_step) {                                       \
    const maxpool_columns c = *plan;                                                                   \
    const int32_t rows = (ROWS);                                                                       \
    const int32_t in_w = c.in_w, stride_w = c.stride_w;                                                \
    (void)given_rows;                                                                                  \
    for (int32_t n = 0; n < count; ++n, next_top += top_step, next_out += c.out_w) {                   \
      const int8_t *top = next_top;                                                                    \
      int8_t *out = next_out;                                                                          \
      int32_t x = -c.pad_left;                                                                         \
      for (int32_t i = 0; i < c.left; ++i, x += stride_w) {                                            \
        *out++ = edge_window_max(top, rows, x, in_w, c.k_w, c.keep, c.fill);                           \
      }                                                                                                \
      if (c.k_w == 2) {                                                                                \
        /* two windows per word: columns (0, 1) and (2, 3); four per pass of the first loop */         \
        int32_t i = 0;                                                                                 \
        for (; i + 1 < c.pairs; i += 2, x += 8, out += 4) {                                            \
          const uint32_t v0 = column_max(top + x, rows, in_w);                                         \
          const uint32_t v1 = column_max(top + x + 4, rows, in_w);                                     \
          const uint32_t pairs0 = o2m_max_int8x4(v0, v0 >> 8);                                         \
          const uint32_t pairs1 = o2m_max_int8x4(v1, v1 >> 8);                                         \
          out[0] = (int8_t)pairs0;                                                                     \
          out[1] = (int8_t)(pairs0 >> 16);                                                             \
          out[2] = (int8_t)pairs1;                                                                     \
          out[3] = (int8_t)(pairs1 >> 16);                                                             \
        }                                                                                              \
        for (; i < c.pairs; ++i, x += 4, out += 2) {                                                   \
          const uint32_t v = column_max(top + x, rows, in_w);                                          \
          const uint32_t pairs = o2m_max_int8x4(v, v >> 8);                                            \
          out[0] = (int8_t)pairs;                                                                      \
          out[1] = (int8_t)(pairs >> 16);                                                              \
        }                                                                                              \
        if (c.tail) {                                                                                  \
          const uint32_t v = column_max(top + x - 2, rows, in_w);                                      \
          *out++ = (int8_t)(o2m_max_int8x4(v, v >> 8) >> 16);                                          \
          x += 2;                                                                                      \
        }                                                                                              \
      } else {                                                                                         \
        /* two windows per pair of words at x and x + 1: columns (0, 1, 2) and (2, 3, 4) */            \
        for (int32_t i = 0; i < c.pairs; ++i, x += 4, out += 2) {                                      \
          const uint32_t v =                                                                           \
              o2m_max_int8x4(column_max(top + x, rows, in_w), column_max(top + x + 1, rows, in_w));    \
          const uint32_t triples = o2m_max_int8x4(v, v >> 8);                                          \
          out[0] = (int8_t)triples;                                                                    \
          out[1] = (int8_t)(triples >> 16);                                                            \
        }                                                                                              \
      }                                                                                                \
      for (int32_t i = 0; i < c.single; ++i, x += stride_w) {                                          \
        *out++ = (int8_t)window_of_word(c.keep, c.fill, column_max(top + x, rows, in_w));              \
      }                                                                                                \
      for (int32_t ox = c.left + 2 * c.pairs + c.tail + c.single; ox < c.out_w; ++ox, x += stride_w) { \
        *out++ = edge_window_max(top, rows, x, in_w, c.k_w, c.keep, c.fill);                           \
      }                                                                                                \
    }                                                                                                  \
  }

DEFINE_MAXPOOL_ROW(maxpool_row_2, 2)
DEFINE_MAXPOOL_ROW(maxpool_row_3, 3)
DEFINE_MAXPOOL_ROW(maxpool_row_n, given_rows)

/* The row runs with two and three window rows (MaxPool 2×2 and 3×3) take loops of their own. */
static inline void maxpool_rows_dsp(const void *plan, const int8_t *top, int32_t rows, int8_t *out, int32_t count) {
  const maxpool_columns *c = plan;
  if (rows == 2) {
    maxpool_row_2(c, top, rows, out, count, c->top_step);
  } else if (rows == 3) {
    maxpool_row_3(c, top, rows, out, count, c->top_step);
  } else {
    maxpool_row_n(c, top, rows, out, count, c->top_step);
  }
}

/* Not inlined: the portable loops beside it then keep their own frame (the compile-time stack
 * estimate follows call edges). */
static __attribute__((noinline)) int maxpool2d_i8_dsp(const o2m_pool3d_params *p, const int8_t *input,
                                                     int8_t *output) {
  if (p->in_size[0] != 1 || p->out_size[0] != 1 || p->kernel[0] != 1 || p->pads_begin[0] != 0 ||
      p->dilations[1] != 1 || p->dilations[2] != 1 || p->kernel[2] < 1 || p->kernel[2] > 4) {
    return 0;
  }
  const maxpool_columns c = plan_columns(p);
  maxpool_row_runs(p, input, output, &c, maxpool_rows_dsp);
  return 1;
}
#endif
#if O2M_KERNELS_MVE && O2M_KERNELS_DSP
#define MAXPOOL_FAST_i8(p, input, output) (maxpool2d_i8_mve(p, input, output) || maxpool2d_i8_dsp(p, input, output))
#elif O2M_KERNELS_MVE
#define MAXPOOL_FAST_i8(p, input, output) maxpool2d_i8_mve(p, input, output)
#elif O2M_KERNELS_DSP
#define MAXPOOL_FAST_i8(p, input, output) maxpool2d_i8_dsp(p, input, output)
#else
#define MAXPOOL_FAST_i8(p, input, output) 0
#endif
#define MAXPOOL_FAST_f32(p, input, output) 0
#define MAXPOOL_FAST_u8(p, input, output) 0

/* MaxPool from the type's lowest value, so NaN never wins; the first tap equal to it still counts
 * as found, so an index is reported for it. A window with no tap inside the input gives the
 * lowest value and index -1. */
#define DEFINE_MAXPOOL3D(suffix, ctype, lowest)                                                   \
  static void maxpool3d_##suffix(const o2m_pool3d_params *p, const ctype *input, ctype *output,  \
                                 int64_t *indices) {                                             \
    const int32_t in_volume = volume(p->in_size);                                                \
    const int32_t out_volume = volume(p->out_size);                                              \
    for (int32_t plane = 0; plane < p->batch_channels; ++plane) {                                \
      const ctype *in = input + plane * in_volume;                                               \
      for (int32_t o = 0; o < out_volume; ++o) {                                                 \
        pool_window w;                                                                           \
        find_window(p, o, &w);                                                                   \
        ctype best = (lowest);                                                                   \
        int32_t found = 0;                                                                       \
        int32_t best_at[3] = {0, 0, 0};                                                          \
        for (int32_t tz = w.first[0]; tz < w.last[0]; ++tz) {                                    \
          const int32_t z = w.origin[0] + tz * p->dilations[0];                                  \
          for (int32_t ty = w.first[1]; ty < w.last[1]; ++ty) {                                  \
            const int32_t y = w.origin[1] + ty * p->dilations[1];                                \
            for (int32_t tx = w.first[2]; tx < w.last[2]; ++tx) {                                \
              const int32_t x = w.origin[2] + tx * p->dilations[2];                              \
              const ctype value = in[(z * p->in_size[1] + y) * p->in_size[2] + x];               \
              if (value > best || (!found && value == best)) {                                   \
                best = value;                                                                    \
                found = 1;                                                                       \
                best_at[0] = z;                                                                  \
                best_at[1] = y;                                                                  \
                best_at[2] = x;                                                                  \
              }                                                                                  \
            }                                                                                    \
          }                                                                                      \
        }                                                                                        \
        output[plane * out_volume + o] = best;                                                   \
        if (indices != NULL) {                                                                   \
          indices[plane * out_volume + o] =                                                      \
              found ? flat_index(p, plane, best_at[0], best_at[1], best_at[2]) : -1;             \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
  }                                                                                              \
                                                                                                 \
  void o2m_maxpool3d_##suffix(const o2m_pool3d_params *p, const ctype *input, ctype *output) {   \
    if (!MAXPOOL_FAST_##suffix(p, input, output)) {                                              \
      maxpool3d_##suffix(p, input, output, NULL);                                                \
    }                                                                                            \
  }                                                                                              \
                                                                                                 \
  void o2m_maxpool3d_indices_##suffix(const o2m_pool3d_params *p, const ctype *input,           \
                                      ctype *output, int64_t *indices) {                         \
    maxpool3d_##suffix(p, input, output, indices);                                               \
  }

DEFINE_MAXPOOL3D(f32, float, -INFINITY)
DEFINE_MAXPOOL3D(i8, int8_t, -128)
DEFINE_MAXPOOL3D(u8, uint8_t, 0)

/* |x|^p, exact products for the usual p = 1 and 2. */
static float lp_power(float x, float p) {
  const float magnitude = o2m_fabsf(x);
  if (p == 1.0f) {
    return magnitude;
  }
  if (p == 2.0f) {
    return magnitude * magnitude;
  }
  return o2m_powf(magnitude, p);
}

static float lp_root(float sum, float p) {
  if (p == 1.0f) {
    return sum;
  }
  if (p == 2.0f) {
    return o2m_sqrtf(sum);
  }
  return o2m_powf(sum, 1.0f / p);
}

typedef enum { POOL_SUM, POOL_LP } pool_reduction;

/* The sum of the window's taps inside the input (of |x|^p for LpPool); *inside counts them. */
static float sum_window(const o2m_pool3d_params *p, const float *in, const pool_window *w,
                        pool_reduction reduction, int32_t *inside) {
  float sum = 0.0f;
  int32_t count = 0;
  for (int32_t tz = w->first[0]; tz < w->last[0]; ++tz) {
    const int32_t z = w->origin[0] + tz * p->dilations[0];
    for (int32_t ty = w->first[1]; ty < w->last[1]; ++ty) {
      const int32_t y = w->origin[1] + ty * p->dilations[1];
      const float *row = in + (z * p->in_size[1] + y) * p->in_size[2];
      for (int32_t tx = w->first[2]; tx < w->last[2]; ++tx) {
        const float value = row[w->origin[2] + tx * p->dilations[2]];
        sum += reduction == POOL_LP ? lp_power(value, p->p) : value;
        ++count;
      }
    }
  }
  *inside = count;
  return sum;
}

void o2m_avgpool3d_f32(const o2m_pool3d_params *p, const float *input, float *output) {
  const int32_t in_volume = volume(p->in_size);
  const int32_t out_volume = volume(p->out_size);
  for (int32_t plane = 0; plane < p->batch_channels; ++plane) {
    for (int32_t o = 0; o < out_volume; ++o) {
      pool_window w;
      int32_t inside;
      find_window(p, o, &w);
      const float sum = sum_window(p, input + plane * in_volume, &w, POOL_SUM, &inside);
      const int32_t divisor = p->count_include_pad ? w.padded_count : inside;
      /* A window entirely outside what counts has nothing to average: 0, not 0/0. */
      output[plane * out_volume + o] = divisor > 0 ? sum / (float)divisor : 0.0f;
    }
  }
}

void o2m_lppool3d_f32(const o2m_pool3d_params *p, const float *input, float *output) {
  const int32_t in_volume = volume(p->in_size);
  const int32_t out_volume = volume(p->out_size);
  for (int32_t plane = 0; plane < p->batch_channels; ++plane) {
    for (int32_t o = 0; o < out_volume; ++o) {
      pool_window w;
      int32_t inside;
      find_window(p, o, &w);
      const float sum = sum_window(p, input + plane * in_volume, &w, POOL_LP, &inside);
      output[plane * out_volume + o] = lp_root(sum, p->p);
    }
  }
}

/* GlobalMaxPool and GlobalLpPool: one value per contiguous plane of `spatial` values. */
void o2m_global_maxpool_f32(const o2m_global_pool_f32_params *p, const float *input, float *output) {
  for (int32_t plane = 0; plane < p->batch_channels; ++plane) {
    const float *in = input + plane * p->spatial;
    float best = -INFINITY;
    for (int32_t i = 0; i < p->spatial; ++i) {
      if (in[i] > best) {
        best = in[i];
      }
    }
    output[plane] = best;
  }
}

void o2m_global_lppool_f32(const o2m_global_pool_f32_params *p, const float *input, float *output) {
  for (int32_t plane = 0; plane < p->batch_channels; ++plane) {
    const float *in = input + plane * p->spatial;
    float sum = 0.0f;
    for (int32_t i = 0; i < p->spatial; ++i) {
      sum += lp_power(in[i], p->p);
    }
    output[plane] = lp_root(sum, p->p);
  }
}
