/* onnx2mcu runtime: every kernel family, for generated model.c files.
 * One header per family; each declares plain parameter structs and the functions over them. */
#ifndef ONNX2MCU_KERNELS_H
#define ONNX2MCU_KERNELS_H

#include "onnx2mcu/kernels_copy.h"
#include "onnx2mcu/kernels_elementwise.h"
#include "onnx2mcu/kernels_f32.h"
#include "onnx2mcu/kernels_fused.h"
#include "onnx2mcu/kernels_gather.h"
#include "onnx2mcu/kernels_int8.h"
#include "onnx2mcu/kernels_int8_norm.h"
#include "onnx2mcu/kernels_integer.h"
#include "onnx2mcu/kernels_int8_elementwise.h"
#include "onnx2mcu/kernels_movement.h"
#include "onnx2mcu/kernels_reduce.h"
#include "onnx2mcu/kernels_resize.h"

#endif
