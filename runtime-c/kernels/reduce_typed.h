/* onnx2mcu runtime (internal to kernels/reduce.c): the reduction kernel for one element type.
 *
 * reduce.c includes this file once per type after defining:
 *   REDUCE_T         the element type
 *   REDUCE_ACC       the type sums and products accumulate in (float, double, int64_t, uint64_t)
 *   REDUCE_SUFFIX    the dtype suffix of the function name (f32, i64 ...)
 *   REDUCE_LOWEST    the identity of the maximum (-inf, or the type's minimum)
 *   REDUCE_HIGHEST   the identity of the minimum
 * (this file undefines those five at its end), and, for a run of similar types,
 *   REDUCE_ABS(x)    |x| as REDUCE_ACC (unsigned types: x itself)
 *   REDUCE_HAS_MATH  1 for float types, which also get L2, LogSum and LogSumExp through
 *                    REDUCE_SQRT, REDUCE_LOG and REDUCE_EXP. Each operator gets its own loop so that the switch runs once
 * per output element, not once per input element.
 */
#define REDUCE_CAT_(name, suffix) name##_##suffix
#define REDUCE_CAT(name, suffix) REDUCE_CAT_(name, suffix)
#define REDUCE_NAME(name) REDUCE_CAT(name, REDUCE_SUFFIX)

/* One output element: every reduced position under `base`. */
static REDUCE_T REDUCE_NAME(reduce_one)(int32_t op, const o2m_reduction_walk *w, const REDUCE_T *base) {
  const int32_t count = w->reduced_count;
  const int32_t rank = w->reduced_rank;
  const int32_t *shape = w->reduced_shape;
  const int32_t *strides = w->reduced_strides;
  o2m_odometer at;
  o2m_odometer_reset(&at);
  switch (op) {
    case O2M_REDUCE_MAX: {
      REDUCE_T best = REDUCE_LOWEST;
      for (int32_t i = 0; i < count; ++i) {
        if (base[at.offset] > best) {
          best = base[at.offset];
        }
        o2m_odometer_next(&at, rank, shape, strides);
      }
      return best;
    }
    case O2M_REDUCE_MIN: {
      REDUCE_T best = REDUCE_HIGHEST;
      for (int32_t i = 0; i < count; ++i) {
        if (base[at.offset] < best) {
          best = base[at.offset];
        }
        o2m_odometer_next(&at, rank, shape, strides);
      }
      return best;
    }
    case O2M_REDUCE_PROD: {
      REDUCE_ACC product = 1;
      for (int32_t i = 0; i < count; ++i) {
        product *= (REDUCE_ACC)base[at.offset];
        o2m_odometer_next(&at, rank, shape, strides);
      }
      return (REDUCE_T)product;
    }
    case O2M_REDUCE_L1: {
      REDUCE_ACC sum = 0;
      for (int32_t i = 0; i < count; ++i) {
        sum += REDUCE_ABS(base[at.offset]);
        o2m_odometer_next(&at, rank, shape, strides);
      }
      return (REDUCE_T)sum;
    }
    case O2M_REDUCE_SUM_SQUARE: {
      REDUCE_ACC sum = 0;
      for (int32_t i = 0; i < count; ++i) {
        const REDUCE_ACC x = (REDUCE_ACC)base[at.offset];
        sum += x * x;
        o2m_odometer_next(&at, rank, shape, strides);
      }
      return (REDUCE_T)sum;
    }
#if REDUCE_HAS_MATH
    case O2M_REDUCE_L2: {
      REDUCE_ACC sum = 0;
      for (int32_t i = 0; i < count; ++i) {
        const REDUCE_ACC x = (REDUCE_ACC)base[at.offset];
        sum += x * x;
        o2m_odometer_next(&at, rank, shape, strides);
      }
      return (REDUCE_T)REDUCE_SQRT(sum);
    }
    case O2M_REDUCE_LOG_SUM: {
      REDUCE_ACC sum = 0;
      for (int32_t i = 0; i < count; ++i) {
        sum += (REDUCE_ACC)base[at.offset];
        o2m_odometer_next(&at, rank, shape, strides);
      }
      return (REDUCE_T)REDUCE_LOG(sum);
    }
    case O2M_REDUCE_LOG_SUM_EXP: {
      /* log(sum(e^x)) = max + log(sum(e^(x - max))): no exponent overflows. */
      REDUCE_T maximum = REDUCE_LOWEST;
      for (int32_t i = 0; i < count; ++i) {
        if (base[at.offset] > maximum) {
          maximum = base[at.offset];
        }
        o2m_odometer_next(&at, rank, shape, strides);
      }
      if (maximum == REDUCE_LOWEST || maximum == -REDUCE_LOWEST) {
        return maximum; /* all -inf (or empty): -inf; any +inf: +inf */
      }
      REDUCE_ACC sum = 0;
      for (int32_t i = 0; i < count; ++i) {
        sum += (REDUCE_ACC)REDUCE_EXP(base[at.offset] - maximum);
        o2m_odometer_next(&at, rank, shape, strides);
      }
      return (REDUCE_T)(maximum + REDUCE_LOG(sum));
    }
#endif
    case O2M_REDUCE_MEAN:
    case O2M_REDUCE_SUM:
    default: {
      REDUCE_ACC sum = 0;
      for (int32_t i = 0; i < count; ++i) {
        sum += (REDUCE_ACC)base[at.offset];
        o2m_odometer_next(&at, rank, shape, strides);
      }
      if (op == O2M_REDUCE_MEAN) {
        /* An empty float mean is 0/0 = NaN; an integer one must not divide at all. */
        return count > 0 || REDUCE_HAS_MATH ? (REDUCE_T)(sum / (REDUCE_ACC)count) : (REDUCE_T)0;
      }
      return (REDUCE_T)sum;
    }
  }
}

void REDUCE_NAME(o2m_reduce)(const o2m_reduce_params *p, const REDUCE_T *input, REDUCE_T *output) {
  const o2m_reduction_walk *w = &p->walk;
  o2m_odometer kept;
  o2m_odometer_reset(&kept);
  for (int32_t k = 0; k < w->kept_count; ++k) {
    output[k] = REDUCE_NAME(reduce_one)(p->op, w, input + kept.offset);
    o2m_odometer_next(&kept, w->kept_rank, w->kept_shape, w->kept_strides);
  }
}

#undef REDUCE_NAME
#undef REDUCE_CAT
#undef REDUCE_CAT_
#undef REDUCE_T
#undef REDUCE_ACC
#undef REDUCE_SUFFIX
#undef REDUCE_LOWEST
#undef REDUCE_HIGHEST
