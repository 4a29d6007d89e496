/* onnx2mcu runtime: decimal and float text without a C library, on top of o2m_print. */
#include <stdint.h>

#include "onnx2mcu/platform.h"

void o2m_print_u64(uint64_t value) {
  char text[21];
  int position = 20;
  text[position] = '\0';
  do {
    text[--position] = (char)('0' + (int)(value % 10u));
    value /= 10u;
  } while (value != 0);
  o2m_print(&text[position]);
}

void o2m_print_i64(int64_t value) {
  if (value < 0) {
    o2m_print("-");
    /* Negate in unsigned arithmetic: -INT64_MIN does not fit in int64_t. */
    o2m_print_u64(0u - (uint64_t)value);
  } else {
    o2m_print_u64((uint64_t)value);
  }
}

void o2m_print_i32(int32_t value) {
  o2m_print_i64(value);
}

/* value * 10^k. 10^k for 0 <= k <= 22 is exact in double, so most floats are scaled with a
 * single rounding; the extremes of the float range take one or two more. */
static double scale_by_power_of_ten(double value, int k) {
  static const double exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  for (; k > 22; k -= 22) {
    value *= exact[22];
  }
  for (; k < -22; k += 22) {
    value /= exact[22];
  }
  return k >= 0 ? value * exact[k] : value / exact[-k];
}

/* The 9 significant digits of `magnitude` as if it were written as d.dddddddd x 10^exponent,
 * rounded half to even like printf. */
static uint64_t nine_digits(double magnitude, int exponent) {
  const double scaled = scale_by_power_of_ten(magnitude, 8 - exponent);
  uint64_t digits = (uint64_t)scaled; /* < 10^10: the exponent is never off by more than one */
  const double fraction = scaled - (double)digits;
  if (fraction > 0.5 || (fraction == 0.5 && (digits & 1u) != 0)) {
    ++digits;
  }
  return digits;
}

void o2m_print_f32(float value) {
  if (value != value) {
    o2m_print("nan");
    return;
  }
  if (value < 0.0f || (value == 0.0f && 1.0f / value < 0.0f)) {
    o2m_print("-");
  }
  const double magnitude = value < 0.0f ? -(double)value : (double)value;
  if (magnitude > 3.5e38) {
    o2m_print("inf");
    return;
  }

  /* Decimal exponent: log10(2) ~ 0.30103 applied to the binary exponent gives it within one,
   * and the digit count then settles it. */
  int exponent = 0;
  uint64_t digits = 0;
  if (magnitude != 0.0) {
    int binary_exponent = 0;
    for (double m = magnitude; m >= 2.0; m /= 2.0) {
      ++binary_exponent;
    }
    for (double m = magnitude; m < 1.0; m *= 2.0) {
      --binary_exponent;
    }
    exponent = (binary_exponent * 30103) / 100000 - (binary_exponent < 0 ? 1 : 0);
    digits = nine_digits(magnitude, exponent);
    while (digits >= 1000000000u) {
      ++exponent;
      digits = nine_digits(magnitude, exponent);
    }
    while (digits < 100000000u) {
      --exponent;
      digits = nine_digits(magnitude, exponent);
    }
  }

  char text[16];
  char mantissa[9];
  for (int i = 8; i >= 0; --i) {
    mantissa[i] = (char)('0' + (int)(digits % 10u));
    digits /= 10u;
  }
  int position = 0;
  text[position++] = mantissa[0];
  text[position++] = '.';
  for (int i = 1; i < 9; ++i) {
    text[position++] = mantissa[i];
  }
  text[position++] = 'e';
  text[position++] = exponent < 0 ? '-' : '+';
  const int exponent_magnitude = exponent < 0 ? -exponent : exponent;
  text[position++] = (char)('0' + exponent_magnitude / 10);
  text[position++] = (char)('0' + exponent_magnitude % 10);
  text[position] = '\0';
  o2m_print(text);
}
