/* onnx2mcu runtime: the contraction behind Einsum (and MatMul for element types other than
 * float32): for each output element, in row-major order, the sum over the summed axes (row-major)
 * of a[...] * b[...], or of a[...] alone with one operand. Operands are read through one stride
 * per axis, which expresses transposes, diagonals (strides added) and broadcasting (stride 0).
 *
 * Integers accumulate in the unsigned type of their width, so overflow wraps (as ONNX Runtime's
 * does) instead of being undefined behaviour. */
#include <stddef.h>

#include "onnx2mcu/kernels_f32.h"

/* An index over `rank` axes with the operands' offsets kept in step. */
typedef struct {
  int32_t index[O2M_MAX_DIMS];
  int32_t a_offset, b_offset;
} odometer;

static void odometer_reset(odometer *c, int32_t rank) {
  for (int32_t axis = 0; axis < rank; ++axis) {
    c->index[axis] = 0;
  }
  c->a_offset = 0;
  c->b_offset = 0;
}

/* Advances to the next index, innermost axis first. */
static void odometer_step(odometer *c, int32_t rank, const int32_t *shape, const int32_t *a_strides,
                          const int32_t *b_strides) {
  for (int32_t axis = rank - 1; axis >= 0; --axis) {
    c->a_offset += a_strides[axis];
    c->b_offset += b_strides[axis];
    if (++c->index[axis] < shape[axis]) {
      return;
    }
    c->a_offset -= a_strides[axis] * shape[axis];
    c->b_offset -= b_strides[axis] * shape[axis];
    c->index[axis] = 0;
  }
}

static int32_t count_of(const int32_t *shape, int32_t rank) {
  int32_t count = 1;
  for (int32_t axis = 0; axis < rank; ++axis) {
    count *= shape[axis];
  }
  return count;
}

#define DEFINE_EINSUM(suffix, ctype, acc_type)                                                      \
  void o2m_einsum_##suffix(const o2m_einsum_params *p, const ctype *a, const ctype *b, ctype *y) { \
    const int32_t out_count = count_of(p->out_shape, p->out_rank);                                 \
    const int32_t sum_count = count_of(p->sum_shape, p->sum_rank);                                 \
    odometer out, sum;                                                                             \
    odometer_reset(&out, p->out_rank);                                                             \
    for (int32_t o = 0; o < out_count; ++o) {                                                      \
      acc_type acc = 0;                                                                            \
      odometer_reset(&sum, p->sum_rank);                                                           \
      if (b != NULL) {                                                                             \
        for (int32_t s = 0; s < sum_count; ++s) {                                                  \
          acc += (acc_type)a[out.a_offset + sum.a_offset] * (acc_type)b[out.b_offset + sum.b_offset]; \
          odometer_step(&sum, p->sum_rank, p->sum_shape, p->a_sum_strides, p->b_sum_strides);      \
        }                                                                                          \
      } else {                                                                                     \
        for (int32_t s = 0; s < sum_count; ++s) {                                                  \
          acc += (acc_type)a[out.a_offset + sum.a_offset];                                         \
          odometer_step(&sum, p->sum_rank, p->sum_shape, p->a_sum_strides, p->b_sum_strides);      \
        }                                                                                          \
      }                                                                                            \
      y[o] = (ctype)acc;                                                                           \
      odometer_step(&out, p->out_rank, p->out_shape, p->a_out_strides, p->b_out_strides);          \
    }                                                                                              \
  }

DEFINE_EINSUM(f32, float, float)
DEFINE_EINSUM(f64, double, double)
DEFINE_EINSUM(i32, int32_t, uint32_t)
DEFINE_EINSUM(i64, int64_t, uint64_t)
DEFINE_EINSUM(u32, uint32_t, uint32_t)
DEFINE_EINSUM(u64, uint64_t, uint64_t)
