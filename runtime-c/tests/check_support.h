/* Shared by the runtime's host checks: a counter of passed/failed checks and a deterministic
 * pseudo-random source, so runs are reproducible without seeding from the clock. */
#ifndef ONNX2MCU_TESTS_CHECK_SUPPORT_H
#define ONNX2MCU_TESTS_CHECK_SUPPORT_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>

static int checks_passed;
static int checks_failed;

static inline void check(int ok, const char *what) {
  if (ok) {
    ++checks_passed;
  } else {
    ++checks_failed;
    printf("FAIL: %s\n", what);
  }
}

/* Ends a check program with the summary line test runners recognise. */
static inline int check_summary(const char *program) {
  printf("%s: %d passed, %d failed\n", program, checks_passed, checks_failed);
  return checks_failed == 0 ? 0 : 1;
}

static uint32_t random_state = 0x12345678u;

/* Uniform in [-1, 1). */
static inline float random_float(void) {
  random_state = random_state * 1664525u + 1013904223u;
  return (float)((double)(random_state >> 8) / 8388608.0 - 1.0);
}

static inline void fill_random(float *values, int count) {
  for (int i = 0; i < count; ++i) {
    values[i] = random_float();
  }
}

/* Max over i of |got - want| / (1 + |want|): float kernels against a double reference. */
static inline double max_error(const float *got, const double *want, int count) {
  double worst = 0.0;
  for (int i = 0; i < count; ++i) {
    double error = fabs((double)got[i] - want[i]) / (1.0 + fabs(want[i]));
    if (!(error <= worst)) {
      worst = error; /* also catches NaN */
    }
  }
  return worst;
}

#endif
