/* onnx2mcu runtime (internal to kernels/): the row walk of the broadcasting element-wise kernels.
 *
 * The output is a sequence of rows along its innermost axis. Each operand starts every row at an
 * offset that an odometer over the outer axes advances by the operand's strides (0 on the axes
 * it broadcasts along), so no element index is ever divided back into coordinates. Inside a row
 * an operand moves by its innermost stride: 1, or 0 when it repeats one value along the row. */
#ifndef ONNX2MCU_KERNELS_BINARY_BROADCAST_H
#define ONNX2MCU_KERNELS_BINARY_BROADCAST_H

#include <stdint.h>

#include "onnx2mcu/dims.h"

typedef struct {
  int32_t rows;   /* 0 for an empty output */
  int32_t length; /* elements per row */
  int32_t outer;  /* axes the odometer walks: all but the innermost */
  int32_t index[O2M_MAX_DIMS];
} o2m_row_walk;

/* A rank-0 output is one row of one element. */
static inline void o2m_row_walk_init(o2m_row_walk *w, int32_t count, int32_t rank, const int32_t *shape) {
  w->length = rank > 0 ? shape[rank - 1] : 1;
  w->rows = (count > 0 && w->length > 0) ? count / w->length : 0;
  w->outer = rank > 0 ? rank - 1 : 0;
  for (int32_t axis = 0; axis < O2M_MAX_DIMS; ++axis) {
    w->index[axis] = 0;
  }
}

/* An operand's step inside a row. */
static inline int32_t o2m_row_step(int32_t rank, const int32_t *strides) {
  return rank > 0 ? strides[rank - 1] : 0;
}

/* Moves every operand's offset to the start of the next row. */
static inline void o2m_row_walk_next(o2m_row_walk *w, const int32_t *shape, int32_t operands,
                                     const int32_t *const *strides, int32_t *offsets) {
  for (int32_t axis = w->outer - 1; axis >= 0; --axis) {
    ++w->index[axis];
    for (int32_t k = 0; k < operands; ++k) {
      offsets[k] += strides[k][axis];
    }
    if (w->index[axis] < shape[axis]) {
      return;
    }
    for (int32_t k = 0; k < operands; ++k) {
      offsets[k] -= strides[k][axis] * shape[axis];
    }
    w->index[axis] = 0;
  }
}

/* The loop every two-operand kernel runs: row_fn(p, a_row, a_step, b_row, b_step, out_row, length)
 * once per output row. `p` has count, rank, out_shape and the two stride tables named here. */
#define O2M_FOR_EACH_ROW_2(p, a, a_strides, b, b_strides, output, row_fn)                            \
  do {                                                                                            \
    const int32_t *const walk_strides_[2] = {(p)->a_strides, (p)->b_strides};                     \
    int32_t walk_offsets_[2] = {0, 0};                                                            \
    const int32_t a_step_ = o2m_row_step((p)->rank, (p)->a_strides);                              \
    const int32_t b_step_ = o2m_row_step((p)->rank, (p)->b_strides);                              \
    o2m_row_walk walk_;                                                                           \
    o2m_row_walk_init(&walk_, (p)->count, (p)->rank, (p)->out_shape);                             \
    for (int32_t row_ = 0; row_ < walk_.rows; ++row_) {                                           \
      row_fn((p), (a) + walk_offsets_[0], a_step_, (b) + walk_offsets_[1], b_step_,               \
          (output) + row_ * walk_.length, walk_.length);                                          \
      o2m_row_walk_next(&walk_, (p)->out_shape, 2, walk_strides_, walk_offsets_);                 \
    }                                                                                             \
  } while (0)

/* Min and Max of floats as numpy and ONNX Runtime define them: NaN if either operand is NaN (a
 * comparison alone would pick one operand or the other depending on the order). x + y is that
 * NaN, with its payload. */
static inline float o2m_min_f32(float x, float y) {
  return (x != x || y != y) ? x + y : (y < x ? y : x);
}

static inline float o2m_max_f32(float x, float y) {
  return (x != x || y != y) ? x + y : (y > x ? y : x);
}

static inline double o2m_min_f64(double x, double y) {
  return (x != x || y != y) ? x + y : (y < x ? y : x);
}

static inline double o2m_max_f64(double x, double y) {
  return (x != x || y != y) ? x + y : (y > x ? y : x);
}

#endif
