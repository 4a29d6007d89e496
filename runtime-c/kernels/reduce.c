/* onnx2mcu runtime: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
 * ReduceLogSum, ReduceLogSumExp and ReduceSumSquare for every numeric type, stamped out from
 * reduce_typed.h. Float sums accumulate in their own type, sequentially, so the result is the
 * same on every target; integer sums and products accumulate in 64 bits.
 *
 * float64 has no libm of its own in the runtime: ReduceL2, ReduceLogSum and ReduceLogSumExp on
 * doubles take their square root, logarithm and exponential in float precision. */
#include "onnx2mcu/kernels_reduce.h"
#include "onnx2mcu/math_f32.h"

#include "reduction_walk.h"

#define SIGNED_ABS(x) ((x) < 0 ? -(REDUCE_ACC)(x) : (REDUCE_ACC)(x))
#define UNSIGNED_ABS(x) ((REDUCE_ACC)(x))

#define REDUCE_T float
#define REDUCE_ACC float
#define REDUCE_SUFFIX f32
#define REDUCE_LOWEST (-INFINITY)
#define REDUCE_HIGHEST INFINITY
#define REDUCE_ABS SIGNED_ABS
#define REDUCE_HAS_MATH 1
#define REDUCE_SQRT(x) o2m_sqrtf(x)
#define REDUCE_LOG(x) o2m_logf(x)
#define REDUCE_EXP(x) o2m_expf(x)
#include "reduce_typed.h"
#undef REDUCE_SQRT
#undef REDUCE_LOG
#undef REDUCE_EXP

#define REDUCE_T double
#define REDUCE_ACC double
#define REDUCE_SUFFIX f64
#define REDUCE_LOWEST (-(double)INFINITY)
#define REDUCE_HIGHEST ((double)INFINITY)
#define REDUCE_SQRT(x) ((double)o2m_sqrtf((float)(x)))
#define REDUCE_LOG(x) ((double)o2m_logf((float)(x)))
#define REDUCE_EXP(x) ((double)o2m_expf((float)(x)))
#include "reduce_typed.h"
#undef REDUCE_HAS_MATH
#undef REDUCE_SQRT
#undef REDUCE_LOG
#undef REDUCE_EXP

#define REDUCE_HAS_MATH 0

#define REDUCE_T int8_t
#define REDUCE_ACC int64_t
#define REDUCE_SUFFIX i8
#define REDUCE_LOWEST INT8_MIN
#define REDUCE_HIGHEST INT8_MAX
#include "reduce_typed.h"

#define REDUCE_T int16_t
#define REDUCE_ACC int64_t
#define REDUCE_SUFFIX i16
#define REDUCE_LOWEST INT16_MIN
#define REDUCE_HIGHEST INT16_MAX
#include "reduce_typed.h"

#define REDUCE_T int32_t
#define REDUCE_ACC int64_t
#define REDUCE_SUFFIX i32
#define REDUCE_LOWEST INT32_MIN
#define REDUCE_HIGHEST INT32_MAX
#include "reduce_typed.h"

#define REDUCE_T int64_t
#define REDUCE_ACC int64_t
#define REDUCE_SUFFIX i64
#define REDUCE_LOWEST INT64_MIN
#define REDUCE_HIGHEST INT64_MAX
#include "reduce_typed.h"

#undef REDUCE_ABS
#define REDUCE_ABS UNSIGNED_ABS

#define REDUCE_T uint8_t
#define REDUCE_ACC uint64_t
#define REDUCE_SUFFIX u8
#define REDUCE_LOWEST 0
#define REDUCE_HIGHEST UINT8_MAX
#include "reduce_typed.h"

#define REDUCE_T uint16_t
#define REDUCE_ACC uint64_t
#define REDUCE_SUFFIX u16
#define REDUCE_LOWEST 0
#define REDUCE_HIGHEST UINT16_MAX
#include "reduce_typed.h"

#define REDUCE_T uint32_t
#define REDUCE_ACC uint64_t
#define REDUCE_SUFFIX u32
#define REDUCE_LOWEST 0
#define REDUCE_HIGHEST UINT32_MAX
#include "reduce_typed.h"

#define REDUCE_T uint64_t
#define REDUCE_ACC uint64_t
#define REDUCE_SUFFIX u64
#define REDUCE_LOWEST 0
#define REDUCE_HIGHEST UINT64_MAX
#include "reduce_typed.h"
