/* onnx2mcu runtime: Where, output = cond ? x : y with three-way numpy broadcasting. It moves
 * elements without looking at them, so one kernel serves every element type. */
#include "onnx2mcu/kernels_elementwise.h"

#include "binary_broadcast.h"

void o2m_where(const o2m_where_params *p, const uint8_t *cond, const void *x, const void *y, void *output) {
  const uint8_t *const x_bytes = (const uint8_t *)x;
  const uint8_t *const y_bytes = (const uint8_t *)y;
  uint8_t *const out_bytes = (uint8_t *)output;
  const int32_t size = p->element_size;
  const int32_t *const strides[3] = {p->cond_strides, p->x_strides, p->y_strides};
  int32_t offsets[3] = {0, 0, 0};
  const int32_t cond_step = o2m_row_step(p->rank, p->cond_strides);
  const int32_t x_step = o2m_row_step(p->rank, p->x_strides);
  const int32_t y_step = o2m_row_step(p->rank, p->y_strides);
  o2m_row_walk walk;
  o2m_row_walk_init(&walk, p->count, p->rank, p->out_shape);
  for (int32_t row = 0; row < walk.rows; ++row) {
    uint8_t *out = out_bytes + (row * walk.length) * size;
    for (int32_t i = 0; i < walk.length; ++i) {
      const uint8_t *from = cond[offsets[0] + i * cond_step] != 0
                                ? x_bytes + (offsets[1] + i * x_step) * size
                                : y_bytes + (offsets[2] + i * y_step) * size;
      for (int32_t k = 0; k < size; ++k) {
        out[i * size + k] = from[k];
      }
    }
    o2m_row_walk_next(&walk, p->out_shape, 3, strides, offsets);
  }
}
