/* onnx2mcu runtime: TopK along the middle axis of [outer][axis][inner], for every numeric type.
 *
 * Each row is scanned once in index order while the outputs hold the best k seen so far, best
 * first (an insertion sort bounded by k). Only a strictly better value moves ahead of another,
 * so equal values keep the lower index first, as ONNX specifies. indices may be NULL (a model
 * that only wants the values). */
#include "onnx2mcu/kernels_reduce.h"

#define DEFINE_TOPK(SUFFIX, T)                                                                   \
  void o2m_topk_##SUFFIX(const o2m_topk_params *p, const T *input, T *values, int64_t *indices) { \
    const int32_t inner_count = p->inner;                                                        \
    if (p->k <= 0) {                                                                             \
      return;                                                                                    \
    }                                                                                            \
    for (int32_t outer = 0; outer < p->outer; ++outer) {                                         \
      for (int32_t inner = 0; inner < inner_count; ++inner) {                                    \
        const T *row = input + (int64_t)outer * p->axis * inner_count + inner;                   \
        T *best = values + (int64_t)outer * p->k * inner_count + inner;                          \
        int64_t *where = indices ? indices + (int64_t)outer * p->k * inner_count + inner : indices; \
        int32_t kept = 0;                                                                        \
        for (int32_t i = 0; i < p->axis; ++i) {                                                  \
          const T x = row[i * inner_count];                                                      \
          if (kept == p->k) {                                                                    \
            const T worst = best[(kept - 1) * inner_count];                                      \
            if (!(p->largest ? x > worst : x < worst)) {                                         \
              continue;                                                                          \
            }                                                                                    \
          } else {                                                                               \
            ++kept;                                                                              \
          }                                                                                      \
          /* Shift worse entries down one slot (dropping the last if the list was full). */     \
          int32_t slot = kept - 1;                                                               \
          while (slot > 0) {                                                                     \
            const T ahead = best[(slot - 1) * inner_count];                                      \
            if (!(p->largest ? x > ahead : x < ahead)) {                                         \
              break;                                                                             \
            }                                                                                    \
            best[slot * inner_count] = ahead;                                                    \
            if (indices) {                                                                       \
              where[slot * inner_count] = where[(slot - 1) * inner_count];                       \
            }                                                                                    \
            --slot;                                                                              \
          }                                                                                      \
          best[slot * inner_count] = x;                                                          \
          if (indices) {                                                                         \
            where[slot * inner_count] = i;                                                       \
          }                                                                                      \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
  }

DEFINE_TOPK(f32, float)
DEFINE_TOPK(f64, double)
DEFINE_TOPK(i8, int8_t)
DEFINE_TOPK(i16, int16_t)
DEFINE_TOPK(i32, int32_t)
DEFINE_TOPK(i64, int64_t)
DEFINE_TOPK(u8, uint8_t)
DEFINE_TOPK(u16, uint16_t)
DEFINE_TOPK(u32, uint32_t)
DEFINE_TOPK(u64, uint64_t)
