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
    maxpool3d_##suffix(p, input, output, NULL);                                                  \
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
