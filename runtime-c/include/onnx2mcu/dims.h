/* onnx2mcu runtime: the most axes a kernel's shape and stride tables hold. The compiler merges
 * contiguous axes before it fills them, so real models stay well inside this. */
#ifndef ONNX2MCU_DIMS_H
#define ONNX2MCU_DIMS_H

#define O2M_MAX_DIMS 6

#endif
