/* onnx2mcu runtime: which kernel variants this build compiles.
 *
 * Every kernel's portable C body is its definition: it is what the host build runs and what the
 * fast variants must match bit for bit. A fast variant (Armv7E-M DSP SIMD, Helium MVE) sits
 * beside it and is chosen from the compiler's own feature macros, so the board's -mcpu flags
 * alone decide it: no per-board switch to keep in step. Defining O2M_PORTABLE_KERNELS
 * (`onnx2mcu build --portable-kernels`, i.e. EXTRA_CFLAGS=-DO2M_PORTABLE_KERNELS) turns every
 * fast variant off, so the same firmware can be measured against the portable baseline and
 * checked against it. Each is defined (as 1) only when on, so `#if` and `#ifdef` both read it. */
#ifndef ONNX2MCU_ARCH_H
#define ONNX2MCU_ARCH_H

#if defined(__ARM_FEATURE_DSP) && !defined(O2M_PORTABLE_KERNELS)
#define O2M_KERNELS_DSP 1
#endif

#if defined(__ARM_FEATURE_MVE) && !defined(O2M_PORTABLE_KERNELS)
#define O2M_KERNELS_MVE 1
#endif

/* A single-precision FPU on an Arm core (Cortex-M4F, M7, M33, M55): float-to-int conversions
 * with VCVTR, in the FPSCR's rounding mode, which onnx2mcu leaves at its reset value (round to
 * nearest, ties to even). */
#if defined(__ARM_FP) && (__ARM_FP & 4) && defined(__arm__) && !defined(O2M_PORTABLE_KERNELS)
#define O2M_KERNELS_FPU 1
#endif

#endif /* ONNX2MCU_ARCH_H */
