/* The fast kernels' requantisation (o2m_requantize_i8_fast) against its definition
 * (o2m_requantize_i8) on every kind of input the compiler can hand it: multipliers at both ends
 * of [2^30, 2^31) and zero, every shift in [-31, 30], accumulators at the int32 limits and around
 * each rounding threshold, and the fused-activation clamps. */
#include <stdint.h>

#include "check_support.h"
#include "../kernels/requantize_i8.h"

static uint32_t next_word(void) {
  random_state = random_state * 1664525u + 1013904223u;
  return random_state;
}

/* Cases where the definition itself overflows int32 adding the zero point (a rescaled value
 * within 128 of the int32 limits: only a left shift of a huge accumulator gets there) are not
 * compared: C leaves them undefined in both. */
static int agree(int32_t acc, int32_t multiplier, int32_t shift, int32_t offset, int32_t lo, int32_t hi) {
  const int32_t rescaled = o2m_multiply_by_quantized_multiplier(acc, multiplier, shift);
  if (rescaled > INT32_MAX - 128 || rescaled < INT32_MIN + 128) {
    return 1;
  }
  return o2m_requantize_i8_fast(acc, multiplier, shift, offset, lo, hi) ==
         o2m_requantize_i8(acc, multiplier, shift, offset, lo, hi);
}

int main(void) {
  static const int32_t multipliers[] = {0, 1 << 30, (1 << 30) + 1, 1518500250, 2147483646, INT32_MAX};
  static const int32_t offsets[] = {-128, -1, 0, 5, 127};
  int wrong = 0;
  int tried = 0;
  for (int32_t shift = -31; shift <= 30; ++shift) {
    for (unsigned m = 0; m < sizeof multipliers / sizeof multipliers[0]; ++m) {
      for (unsigned o = 0; o < sizeof offsets / sizeof offsets[0]; ++o) {
        /* the int32 limits, small values, and values next to a rounding threshold of this shift */
        int32_t special[16] = {INT32_MIN, INT32_MIN + 1, INT32_MAX, INT32_MAX - 1, 0, 1, -1, 2, -2};
        int count = 9;
        if (shift <= 0 && shift > -31) {
          const int32_t half = (int32_t)(1u << (-shift - 1 < 0 ? 0 : -shift - 1));
          special[count++] = half;
          special[count++] = -half;
          special[count++] = half + 1;
          special[count++] = -half - 1;
        }
        for (int i = 0; i < count + 200; ++i) {
          int32_t acc;
          if (i < count) {
            acc = special[i];
          } else {
            /* random magnitudes of every size, both signs */
            acc = (int32_t)(next_word() >> (next_word() % 32u));
            acc = (next_word() & 1u) ? acc : (int32_t)(0u - (uint32_t)acc);
          }
          const int32_t lo = (i % 3 == 0) ? offsets[o] : -128; /* a fused ReLU clamps at the zero point */
          ++tried;
          wrong += !agree(acc, multipliers[m], shift, offsets[o], lo, 127);
        }
      }
    }
  }
  /* random Q31 multipliers against random accumulators and right shifts (ties come from the
   * sweep above: with multiplier INT32_MAX the high product of a small accumulator is itself) */
  for (int i = 0; i < 100000; ++i) {
    const int32_t multiplier = (int32_t)((1u << 30) | (next_word() >> 2));
    const int32_t acc = (int32_t)next_word() >> (next_word() % 24u);
    const int32_t shift = -(int32_t)(next_word() % 32u);
    ++tried;
    wrong += !agree(acc, multiplier, shift, 0, -128, 127);
  }
  char what[96];
  snprintf(what, sizeof what, "o2m_requantize_i8_fast equals o2m_requantize_i8 (%d of %d differ)", wrong, tried);
  check(wrong == 0, what);
  check(tried > 300000, "the sweep covers shifts, multipliers, offsets and accumulators");
  return check_summary("check_requantize");
}
