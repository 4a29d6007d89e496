/* onnx2mcu runtime: Resize and Upsample.
 *
 * The compiler does all the coordinate arithmetic (transformation mode, rounding, cubic
 * coefficients, crop) once, at compile time: for every axis it writes, per output coordinate,
 * the source indices and (for linear and cubic) their weights into constant tables. The kernels
 * are plain loops over those tables, with no float rounding function at run time.
 *
 * Along an axis whose table offset is -1 (or whose taps are 0) the output coordinate is the
 * input coordinate. A source index of -1 marks an output coordinate outside the crop of
 * tf_crop_and_resize: the output element there is the extrapolation value. */
#ifndef ONNX2MCU_KERNELS_RESIZE_H
#define ONNX2MCU_KERNELS_RESIZE_H

#include <stdint.h>
#include "onnx2mcu/dims.h"

/* Nearest neighbour, for every element type: each output element is a copy of one input
 * element. The innermost output position copies block_elems consecutive elements of
 * elem_size bytes (the trailing axes that are not resized, merged). `fill` is one element,
 * the extrapolation value. */
typedef struct {
  int32_t rank;
  int32_t elem_size;
  int32_t block_elems;
  int32_t in_shape[O2M_MAX_DIMS];
  int32_t out_shape[O2M_MAX_DIMS];
  int32_t table_offset[O2M_MAX_DIMS]; /* first entry of the axis in `indices`, -1: not resized */
} o2m_resize_nearest_params;

void o2m_resize_nearest(const o2m_resize_nearest_params *p, const void *input, const int32_t *indices,
                        const void *fill, void *output);

/* Linear and cubic (n-linear, n-cubic) for float32: each output element is the sum, over the
 * product of its axes' taps, of an input element times the product of the taps' weights. */
typedef struct {
  int32_t rank;
  int32_t in_shape[O2M_MAX_DIMS];
  int32_t out_shape[O2M_MAX_DIMS];
  int32_t taps[O2M_MAX_DIMS];         /* source elements per output coordinate; 0: not resized */
  int32_t table_offset[O2M_MAX_DIMS]; /* first entry of the axis in `indices` and `weights` */
  float extrapolation_value;
} o2m_resize_f32_params;

void o2m_resize_f32(const o2m_resize_f32_params *p, const float *input, const int32_t *indices,
                    const float *weights, float *output);

#endif
