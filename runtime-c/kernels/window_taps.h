/* onnx2mcu runtime (internal to kernels/): which taps of a sliding window land inside the input.
 * Convolutions and pools compute the range once per output row and column, so their innermost
 * loops need no bounds checks and padding is never materialised. */
#ifndef ONNX2MCU_KERNELS_WINDOW_TAPS_H
#define ONNX2MCU_KERNELS_WINDOW_TAPS_H

#include <stdint.h>

/* Kernel taps t in [0, taps) with 0 <= origin + t * dilation < extent form [*first, *last). */
static inline void o2m_valid_taps(int32_t origin, int32_t dilation, int32_t taps, int32_t extent,
                                  int32_t *first, int32_t *last) {
  int32_t begin = 0;
  int32_t end = taps;
  if (origin < 0) {
    begin = (-origin + dilation - 1) / dilation;
  }
  if (origin + (taps - 1) * dilation >= extent) {
    /* the last tap t with origin + t * dilation <= extent - 1 */
    end = extent - origin > 0 ? (extent - 1 - origin) / dilation + 1 : 0;
  }
  if (end < begin) {
    end = begin;
  }
  *first = begin;
  *last = end;
}

/* How many taps origin + t * dilation, t in [0, taps), fall inside [low, high): an average
 * pool's divisor, over the input (low 0) or over the padded input. */
static inline int32_t o2m_taps_inside(int32_t origin, int32_t dilation, int32_t taps, int32_t low, int32_t high) {
  if (dilation == 1) { /* consecutive taps: the overlap of [origin, origin + taps) and [low, high) */
    const int32_t first = origin > low ? origin : low;
    const int32_t last = origin + taps < high ? origin + taps : high;
    return last > first ? last - first : 0;
  }
  int32_t count = 0;
  for (int32_t t = 0; t < taps; ++t) {
    const int32_t position = origin + t * dilation;
    if (position >= low && position < high) {
      ++count;
    }
  }
  return count;
}

/* The outputs o in [0, outputs) whose windows lie wholly inside [0, extent) along this axis: the
 * window's first tap at o * stride - pad (pad >= 0) and its last `reach` further on ((taps - 1) *
 * dilation). They form [*first, *end), first <= end, computed once so that a loop over them needs
 * no bounds check. */
static inline void o2m_inside_outputs(int32_t outputs, int32_t stride, int32_t pad, int32_t reach, int32_t extent,
                                      int32_t *first, int32_t *end) {
  int32_t begin = (pad + stride - 1) / stride;
  begin = begin < outputs ? begin : outputs;
  const int32_t room = extent - 1 - reach + pad; /* o * stride <= room */
  int32_t stop = room >= 0 ? room / stride + 1 : 0;
  stop = stop < outputs ? stop : outputs;
  *first = begin;
  *end = stop > begin ? stop : begin;
}

/* Whether every tap origin + t * dilation, t in [0, taps), lies inside [0, extent): a window
 * whose taps need no bounds check along this axis. */
static inline int o2m_window_inside(int32_t origin, int32_t dilation, int32_t taps, int32_t extent) {
  return origin >= 0 && origin + (taps - 1) * dilation < extent;
}

#endif
