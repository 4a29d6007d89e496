/* onnx2mcu runtime: movement kernels. */
#ifndef ONNX2MCU_KERNELS_MOVEMENT_H
#define ONNX2MCU_KERNELS_MOVEMENT_H

#include <stdint.h>

#endif
