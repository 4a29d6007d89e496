/* o2m_expf against the host's double exp rounded to float, over a sweep of every 101st float
 * bit pattern (both signs, all exponents) plus the edges: at most 2 ulp anywhere, exact
 * special values. */
#include <stdint.h>
#include <string.h>

#include "check_support.h"
#include "onnx2mcu/math_f32.h"

/* Position of a float on the number line in units of ulp (monotonic across zero). */
static int64_t float_order(float value) {
  int32_t bits;
  memcpy(&bits, &value, sizeof bits);
  return bits < 0 ? -(int64_t)(bits & 0x7FFFFFFF) : (int64_t)bits;
}

static float float_from_bits(uint32_t bits) {
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

static int64_t ulp_distance(float got, float want) {
  const int64_t distance = float_order(got) - float_order(want);
  return distance < 0 ? -distance : distance;
}

int main(void) {
  int64_t worst_ulp = 0;
  float worst_x = 0.0f;
  int nan_mismatches = 0;
  for (uint64_t bits = 0; bits <= 0xFFFFFFFFu; bits += 101u) {
    const float x = float_from_bits((uint32_t)bits);
    const float got = o2m_expf(x);
    const float want = (float)exp((double)x);
    if (isnan(want) || isnan(got)) {
      nan_mismatches += isnan(want) != isnan(got);
      continue;
    }
    const int64_t ulp = ulp_distance(got, want);
    if (ulp > worst_ulp) {
      worst_ulp = ulp;
      worst_x = x;
    }
  }
  printf("o2m_expf: worst error %lld ulp at x = %.9g\n", (long long)worst_ulp, (double)worst_x);
  check(worst_ulp <= 2, "o2m_expf within 2 ulp over the sweep");
  check(nan_mismatches == 0, "o2m_expf returns NaN exactly for NaN");

  /* Edges: the last finite result, the first overflow, the subnormal range, the last nonzero. */
  static const float edges[] = {88.7228317f, 88.7228394f, -87.3365479f, -87.3365555f, -100.0f,
                                -103.972076f, -103.972084f, -103.97209f, 1e-10f, -1e-10f, 0.5f, -0.5f};
  for (size_t i = 0; i < sizeof edges / sizeof edges[0]; ++i) {
    const float got = o2m_expf(edges[i]);
    const float want = (float)exp((double)edges[i]);
    check(ulp_distance(got, want) <= 1, "o2m_expf at an edge of its range");
  }
  check(o2m_expf(INFINITY) == INFINITY, "o2m_expf(+inf) = +inf");
  check(o2m_expf(-INFINITY) == 0.0f, "o2m_expf(-inf) = 0");
  check(o2m_expf(0.0f) == 1.0f && o2m_expf(-0.0f) == 1.0f, "o2m_expf(+-0) = 1");
  check(isnan(o2m_expf(NAN)), "o2m_expf(NaN) = NaN");
  check(o2m_expf(1000.0f) == INFINITY && o2m_expf(-1000.0f) == 0.0f, "o2m_expf saturates");
  return check_summary("check_expf");
}
