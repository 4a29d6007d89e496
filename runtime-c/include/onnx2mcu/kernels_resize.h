/* onnx2mcu runtime: resize kernels. */
#ifndef ONNX2MCU_KERNELS_RESIZE_H
#define ONNX2MCU_KERNELS_RESIZE_H

#include <stdint.h>

#endif
