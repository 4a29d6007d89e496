/* onnx2mcu runtime: kernels that move, fill or convert elements without arithmetic on them.
 *
 * Pure data movement is byte-generic: `element_size` (1, 2, 4 or 8 bytes) says how wide an
 * element is, so one kernel serves every dtype. Strides and offsets count elements, not bytes.
 * The compiler merges axes that stay contiguous before it fills the shape tables, so up to
 * O2M_MAX_DIMS axes reach the kernels.
 */
#ifndef ONNX2MCU_KERNELS_MOVEMENT_H
#define ONNX2MCU_KERNELS_MOVEMENT_H

#include <stdint.h>

#include "onnx2mcu/dims.h"

/* Strided copy: for every index (i_0 .. i_{rank-1}) of `shape`,
 *   output[out_offset + sum(i_k * out_strides[k])] = input[in_offset + sum(i_k * in_strides[k])].
 * Input strides may be 0 (Expand) or negative (Slice with negative steps); output strides
 * address a slot of a larger tensor (Concat) or the dense output (everything else).
 * Transpose, Slice, Expand, Concat, Split, DepthToSpace and SpaceToDepth are all this walk. */
typedef struct {
  int32_t element_size;
  int32_t rank; /* 1 .. O2M_MAX_DIMS */
  int32_t shape[O2M_MAX_DIMS];
  int32_t in_strides[O2M_MAX_DIMS];
  int32_t out_strides[O2M_MAX_DIMS];
  int32_t in_offset;
  int32_t out_offset;
} o2m_copy_strided_params;

void o2m_copy_strided(const o2m_copy_strided_params *p, const void *input, void *output);

/* Pad (and Tile, as wrap padding): output[o] = input[source(o)] along every axis, where
 * source(o) = o - pads_begin[k] inside the input and, outside it, by mode:
 *   CONSTANT: the element *constant_value (one element of the tensor's type);
 *   EDGE:     the nearest edge element;
 *   REFLECT:  the mirror image without repeating the edge (numpy 'reflect');
 *   WRAP:     the input repeated periodically (Tile, ONNX opset-19 'wrap').
 * pads_begin may be negative (the output starts inside the input: cropping). */
typedef enum {
  O2M_PAD_CONSTANT = 0,
  O2M_PAD_REFLECT = 1,
  O2M_PAD_EDGE = 2,
  O2M_PAD_WRAP = 3
} o2m_pad_mode;

typedef struct {
  int32_t element_size;
  int32_t mode; /* o2m_pad_mode */
  int32_t rank; /* 1 .. O2M_MAX_DIMS */
  int32_t in_shape[O2M_MAX_DIMS];
  int32_t out_shape[O2M_MAX_DIMS];
  int32_t pads_begin[O2M_MAX_DIMS];
} o2m_pad_params;

/* constant_value is read only in CONSTANT mode (may be NULL otherwise). */
void o2m_pad(const o2m_pad_params *p, const void *input, const void *constant_value, void *output);

/* ConstantOfShape: `count` copies of the element *value. */
typedef struct {
  int32_t element_size;
  int32_t count;
} o2m_fill_params;

void o2m_fill(const o2m_fill_params *p, const void *value, void *output);

/* EyeLike: a rows x cols matrix of zeros with *one on the diagonal column = row + k.
 * Zero is all-zero bytes in every element type, so only `one` is passed. */
typedef struct {
  int32_t element_size;
  int32_t rows, cols;
  int32_t k;
} o2m_eye_params;

void o2m_eye(const o2m_eye_params *p, const void *one, void *output);

/* Trilu on `batches` matrices of rows x cols: keeps element (i, j) where j - i >= k (upper)
 * or j - i <= k (lower), and zeroes the rest. Output may equal input. */
typedef struct {
  int32_t element_size;
  int32_t batches, rows, cols;
  int32_t k;
  int32_t upper;
} o2m_trilu_params;

void o2m_trilu(const o2m_trilu_params *p, const void *input, void *output);

/* Range: output[0] = *start, output[i] = output[i - 1] + *delta for i < count, in the element
 * type (the accumulation ONNX Runtime does, which rounds differently from start + i * delta). */
typedef struct {
  int32_t count;
} o2m_range_params;

void o2m_range_f32(const o2m_range_params *p, const float *start, const float *delta, float *output);
void o2m_range_f64(const o2m_range_params *p, const double *start, const double *delta, double *output);
void o2m_range_i16(const o2m_range_params *p, const int16_t *start, const int16_t *delta, int16_t *output);
void o2m_range_i32(const o2m_range_params *p, const int32_t *start, const int32_t *delta, int32_t *output);
void o2m_range_i64(const o2m_range_params *p, const int64_t *start, const int64_t *delta, int64_t *output);

/* Cast between every pair of element types: o2m_cast_<from>_<to>, with the suffixes
 * f32 f64 i8 i16 i32 i64 u8 u16 u32 u64 and b (bool, one byte 0 or 1).
 *   float -> integer truncates toward zero and saturates to the target's range; NaN gives 0
 *                    (ONNX leaves out-of-range values undefined; saturating keeps the host and
 *                    every Cortex-M bit-identical and free of undefined behaviour);
 *   integer -> narrower integer keeps the low bits (two's complement wrap, as numpy);
 *   anything -> bool is (x != 0), so NaN is true; bool -> anything is 0 or 1;
 *   float64 -> float32 and wide integer -> float round to nearest, ties to even.
 * Output may equal input when both types have the same size. */
typedef struct {
  int32_t count;
} o2m_cast_params;

#define O2M_CAST_TYPES(X, FROM_SUFFIX, FROM_TYPE) \
  X(FROM_SUFFIX, FROM_TYPE, f32, float)           \
  X(FROM_SUFFIX, FROM_TYPE, f64, double)          \
  X(FROM_SUFFIX, FROM_TYPE, i8, int8_t)           \
  X(FROM_SUFFIX, FROM_TYPE, i16, int16_t)         \
  X(FROM_SUFFIX, FROM_TYPE, i32, int32_t)         \
  X(FROM_SUFFIX, FROM_TYPE, i64, int64_t)         \
  X(FROM_SUFFIX, FROM_TYPE, u8, uint8_t)          \
  X(FROM_SUFFIX, FROM_TYPE, u16, uint16_t)        \
  X(FROM_SUFFIX, FROM_TYPE, u32, uint32_t)        \
  X(FROM_SUFFIX, FROM_TYPE, u64, uint64_t)        \
  X(FROM_SUFFIX, FROM_TYPE, b, uint8_t)

/* X(from_suffix, from_type, to_suffix, to_type) for all 121 pairs. */
#define O2M_CAST_PAIRS(X)                \
  O2M_CAST_TYPES(X, f32, float)          \
  O2M_CAST_TYPES(X, f64, double)         \
  O2M_CAST_TYPES(X, i8, int8_t)          \
  O2M_CAST_TYPES(X, i16, int16_t)        \
  O2M_CAST_TYPES(X, i32, int32_t)        \
  O2M_CAST_TYPES(X, i64, int64_t)        \
  O2M_CAST_TYPES(X, u8, uint8_t)         \
  O2M_CAST_TYPES(X, u16, uint16_t)       \
  O2M_CAST_TYPES(X, u32, uint32_t)       \
  O2M_CAST_TYPES(X, u64, uint64_t)       \
  O2M_CAST_TYPES(X, b, uint8_t)

#define O2M_DECLARE_CAST(FROM_SUFFIX, FROM_TYPE, TO_SUFFIX, TO_TYPE) \
  void o2m_cast_##FROM_SUFFIX##_##TO_SUFFIX(const o2m_cast_params *p, const FROM_TYPE *input, TO_TYPE *output);

O2M_CAST_PAIRS(O2M_DECLARE_CAST)

#undef O2M_DECLARE_CAST

#endif
