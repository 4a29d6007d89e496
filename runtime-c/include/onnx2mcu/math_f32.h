/* onnx2mcu runtime: the few float functions kernels need, written here because bare-metal
 * builds have no libm (and no <math.h>), and because host and target must give bit-identical
 * results, which a vendor libm does not promise.
 *
 * Also provides INFINITY and NAN, which generated code uses for unbounded activation ranges.
 * They are spelled exactly as glibc's <math.h> spells them, so that a hosted file including
 * both headers, in either order, sees an identical (hence silent) redefinition.
 */
#ifndef ONNX2MCU_MATH_F32_H
#define ONNX2MCU_MATH_F32_H

#ifndef INFINITY
#define INFINITY (__builtin_inff ())
#endif
#ifndef NAN
#define NAN (__builtin_nanf (""))
#endif

/* e^x for every float x, within 2 ulp of the correctly rounded result (measured by
 * runtime-c/tests against the host libm). Overflows to +inf above 88.72284, underflows
 * through the subnormals to +0 below -103.97208, returns NaN for NaN. */
float o2m_expf(float x);

#endif
