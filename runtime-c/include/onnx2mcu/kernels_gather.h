/* onnx2mcu runtime: gather kernels. */
#ifndef ONNX2MCU_KERNELS_GATHER_H
#define ONNX2MCU_KERNELS_GATHER_H

#include <stdint.h>

#endif
