/* onnx2mcu runtime: ConstantOfShape (fill) and EyeLike (eye). */
#include "onnx2mcu/kernels_movement.h"

#include "element_copy.h"

void o2m_fill(const o2m_fill_params *p, const void *value, void *output) {
  const uint8_t *element = (const uint8_t *)value;
  uint8_t *target = (uint8_t *)output;
  for (int32_t i = 0; i < p->count; ++i) {
    o2m_copy_element(target + i * p->element_size, element, p->element_size);
  }
}

void o2m_eye(const o2m_eye_params *p, const void *one, void *output) {
  const int32_t size = p->element_size;
  uint8_t *target = (uint8_t *)output;
  for (int32_t row = 0; row < p->rows; ++row) {
    uint8_t *out_row = target + row * p->cols * size;
    for (int32_t col = 0; col < p->cols; ++col) {
      o2m_zero_element(out_row + col * size, size);
    }
    /* row + k cannot overflow: |k| is clamped to the matrix size by the compiler. */
    const int32_t diagonal = row + p->k;
    if (diagonal >= 0 && diagonal < p->cols) {
      o2m_copy_element(out_row + diagonal * size, (const uint8_t *)one, size);
    }
  }
}
