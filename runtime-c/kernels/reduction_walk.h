/* onnx2mcu runtime (internal to kernels/): stepping through the positions of an
 * o2m_reduction_walk. An odometer over a list of axes (sizes and element strides, outermost
 * first) turns "the next position" into "the next input offset" without any division. */
#ifndef ONNX2MCU_KERNELS_REDUCTION_WALK_H
#define ONNX2MCU_KERNELS_REDUCTION_WALK_H

#include <stdint.h>

#include "onnx2mcu/dims.h"

typedef struct {
  int32_t index[O2M_MAX_DIMS];
  int32_t offset;
} o2m_odometer;

static inline void o2m_odometer_reset(o2m_odometer *o) {
  for (int32_t axis = 0; axis < O2M_MAX_DIMS; ++axis) {
    o->index[axis] = 0;
  }
  o->offset = 0;
}

/* Moves to the next position (innermost axis fastest) and updates the offset; after the last
 * position it wraps back to offset 0. */
static inline void o2m_odometer_next(o2m_odometer *o, int32_t rank, const int32_t *shape,
                                     const int32_t *strides) {
  for (int32_t axis = rank - 1; axis >= 0; --axis) {
    ++o->index[axis];
    o->offset += strides[axis];
    if (o->index[axis] < shape[axis]) {
      return;
    }
    o->offset -= strides[axis] * shape[axis];
    o->index[axis] = 0;
  }
}

#endif
