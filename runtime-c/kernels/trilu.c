/* onnx2mcu runtime: Trilu, the upper or lower triangle of each matrix of a batch. */
#include "onnx2mcu/kernels_movement.h"

#include "element_copy.h"

void o2m_trilu(const o2m_trilu_params *p, const void *input, void *output) {
  const int32_t size = p->element_size;
  const uint8_t *source = (const uint8_t *)input;
  uint8_t *target = (uint8_t *)output;
  int32_t offset = 0;
  for (int32_t batch = 0; batch < p->batches; ++batch) {
    for (int32_t row = 0; row < p->rows; ++row) {
      for (int32_t col = 0; col < p->cols; ++col, ++offset) {
        /* The diagonal offset of (row, col); |k| is clamped to the matrix size by the compiler. */
        const int32_t diagonal = col - row;
        const int32_t keep = p->upper ? diagonal >= p->k : diagonal <= p->k;
        if (keep) {
          o2m_copy_element(target + offset * size, source + offset * size, size);
        } else {
          o2m_zero_element(target + offset * size, size);
        }
      }
    }
  }
}
