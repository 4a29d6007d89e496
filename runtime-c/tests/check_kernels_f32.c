/* Each float kernel against a naive double-precision reading of the ONNX definition, on shapes
 * that exercise padding, strides, dilation, groups, transposes and broadcasting. */
#include <stdlib.h>
#include <string.h>

#include "check_support.h"
#include "onnx2mcu/kernels.h"
#include "onnx2mcu/math_f32.h"

#define TOLERANCE 1e-5

static float *new_floats(int count) {
  float *values = calloc((size_t)(count > 0 ? count : 1), sizeof(float));
  if (values == NULL) {
    abort();
  }
  return values;
}

static double *new_doubles(int count) {
  double *values = calloc((size_t)(count > 0 ? count : 1), sizeof(double));
  if (values == NULL) {
    abort();
  }
  return values;
}

static double clamp_double(double value, double low, double high) {
  return value < low ? low : value > high ? high : value;
}

/* ---- Conv ---------------------------------------------------------------------------- */

static void check_conv(const o2m_conv2d_f32_params *p, int with_bias, const char *what) {
  const int in_count = p->batch * p->in_c * p->in_h * p->in_w;
  const int group_in = p->in_c / p->groups;
  const int w_count = p->out_c * group_in * p->k_h * p->k_w;
  const int out_count = p->batch * p->out_c * p->out_h * p->out_w;
  float *input = new_floats(in_count);
  float *weights = new_floats(w_count);
  float *bias = new_floats(p->out_c);
  float *output = new_floats(out_count);
  double *want = new_doubles(out_count);
  fill_random(input, in_count);
  fill_random(weights, w_count);
  fill_random(bias, p->out_c);

  for (int n = 0; n < p->batch; ++n) {
    for (int oc = 0; oc < p->out_c; ++oc) {
      const int g = oc / (p->out_c / p->groups);
      for (int oy = 0; oy < p->out_h; ++oy) {
        for (int ox = 0; ox < p->out_w; ++ox) {
          double sum = with_bias ? bias[oc] : 0.0;
          for (int ic = 0; ic < group_in; ++ic) {
            for (int ky = 0; ky < p->k_h; ++ky) {
              for (int kx = 0; kx < p->k_w; ++kx) {
                const int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                const int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                  continue; /* zero padding */
                }
                const int channel = g * group_in + ic;
                sum += (double)input[((n * p->in_c + channel) * p->in_h + iy) * p->in_w + ix] *
                       weights[((oc * group_in + ic) * p->k_h + ky) * p->k_w + kx];
              }
            }
          }
          want[((n * p->out_c + oc) * p->out_h + oy) * p->out_w + ox] = clamp_double(sum, p->act_min, p->act_max);
        }
      }
    }
  }
  o2m_conv2d_f32(p, input, weights, with_bias ? bias : NULL, output);
  check(max_error(output, want, out_count) < TOLERANCE, what);
  free(input);
  free(weights);
  free(bias);
  free(output);
  free(want);
}

static void check_convs(void) {
  /* batch, in_c, in_h, in_w, out_c, out_h, out_w, k_h, k_w, stride_h, stride_w, pad_top, pad_left,
   * dil_h, dil_w, groups, act_min, act_max */
  const o2m_conv2d_f32_params same_3x3 = {1, 3, 7, 6, 4, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, -INFINITY, INFINITY};
  check_conv(&same_3x3, 1, "conv 3x3 same padding");
  /* in 9x8, k 3x2, stride 2x3, pads top 2 left 1 bottom 0 right 2: out_h = (9+2-3)/2+1 = 5,
   * out_w = (8+3-2)/3+1 = 4 */
  const o2m_conv2d_f32_params strided = {2, 2, 9, 8, 3, 5, 4, 3, 2, 2, 3, 2, 1, 1, 1, 1, 0.0f, INFINITY};
  check_conv(&strided, 1, "conv strided, asymmetric padding, batch 2, relu");
  const o2m_conv2d_f32_params dilated = {1, 2, 10, 10, 2, 6, 10, 3, 3, 1, 1, 0, 2, 2, 2, 1, -0.5f, 0.5f};
  check_conv(&dilated, 0, "conv dilated, no bias, clip");
  const o2m_conv2d_f32_params depthwise = {1, 4, 6, 6, 8, 3, 3, 3, 3, 2, 2, 1, 1, 1, 1, 4, -INFINITY, INFINITY};
  check_conv(&depthwise, 1, "conv depthwise with multiplier 2, stride 2");
  const o2m_conv2d_f32_params grouped = {1, 6, 5, 5, 4, 5, 5, 1, 1, 1, 1, 0, 0, 1, 1, 2, -INFINITY, INFINITY};
  check_conv(&grouped, 1, "conv 1x1 in 2 groups");
  const o2m_conv2d_f32_params big_pad = {1, 1, 2, 2, 1, 5, 5, 3, 3, 1, 1, 3, 3, 1, 1, 1, -INFINITY, INFINITY};
  check_conv(&big_pad, 1, "conv with padding larger than the kernel reach");
}

/* ---- Pooling ------------------------------------------------------------------------- */

static void check_pool(const o2m_pool2d_f32_params *p, int is_max, const char *what) {
  const int in_count = p->batch_channels * p->in_h * p->in_w;
  const int out_count = p->batch_channels * p->out_h * p->out_w;
  float *input = new_floats(in_count);
  float *output = new_floats(out_count);
  double *want = new_doubles(out_count);
  fill_random(input, in_count);
  for (int c = 0; c < p->batch_channels; ++c) {
    for (int oy = 0; oy < p->out_h; ++oy) {
      for (int ox = 0; ox < p->out_w; ++ox) {
        double best = -INFINITY;
        double sum = 0.0;
        int counted = 0;
        for (int ky = 0; ky < p->k_h; ++ky) {
          for (int kx = 0; kx < p->k_w; ++kx) {
            const int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
            const int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
            const int inside = iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w;
            const int inside_padded = iy >= -p->pad_top && iy < p->in_h + p->pad_bottom && ix >= -p->pad_left &&
                                      ix < p->in_w + p->pad_right;
            if (inside) {
              const double value = input[(c * p->in_h + iy) * p->in_w + ix];
              best = value > best ? value : best;
              sum += value;
            }
            counted += p->count_include_pad ? inside_padded : inside;
          }
        }
        want[(c * p->out_h + oy) * p->out_w + ox] = is_max ? best : (counted > 0 ? sum / counted : 0.0);
      }
    }
  }
  if (is_max) {
    o2m_maxpool2d_f32(p, input, output);
  } else {
    o2m_avgpool2d_f32(p, input, output);
  }
  check(max_error(output, want, out_count) < TOLERANCE, what);
  free(input);
  free(output);
  free(want);
}

static void check_pools(void) {
  /* batch_channels, in_h, in_w, out_h, out_w, k_h, k_w, stride_h, stride_w,
   * pad_top, pad_left, pad_bottom, pad_right, dil_h, dil_w, count_include_pad */
  const o2m_pool2d_f32_params plain = {3, 8, 8, 4, 4, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 0};
  check_pool(&plain, 1, "maxpool 2x2 stride 2");
  check_pool(&plain, 0, "avgpool 2x2 stride 2");
  const o2m_pool2d_f32_params padded = {2, 7, 5, 4, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0};
  check_pool(&padded, 1, "maxpool 3x3 stride 2 padded (pads are -inf)");
  check_pool(&padded, 0, "avgpool padded, padding not counted");
  o2m_pool2d_f32_params padded_counted = padded;
  padded_counted.count_include_pad = 1;
  check_pool(&padded_counted, 0, "avgpool padded, padding counted");
  /* ceil_mode: in 6, k 3, stride 2, pad 1/1 gives floor 3, ceil 4 outputs; the last window
   * reaches past the padding and those taps must not count even with count_include_pad. */
  const o2m_pool2d_f32_params ceil_mode = {1, 6, 6, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1};
  check_pool(&ceil_mode, 0, "avgpool ceil_mode window past the padding");
  check_pool(&ceil_mode, 1, "maxpool ceil_mode window past the padding");
  const o2m_pool2d_f32_params dilated = {1, 9, 9, 5, 5, 2, 2, 2, 2, 1, 1, 0, 0, 2, 2, 0};
  check_pool(&dilated, 1, "maxpool dilated");
  check_pool(&dilated, 0, "avgpool dilated");

  float input[2 * 5];
  float output[2];
  fill_random(input, 10);
  const o2m_global_avgpool_f32_params global = {2, 5};
  o2m_global_avgpool_f32(&global, input, output);
  double want[2] = {0.0, 0.0};
  for (int i = 0; i < 10; ++i) {
    want[i / 5] += input[i] / 5.0;
  }
  check(max_error(output, want, 2) < TOLERANCE, "global average pool");
}

/* ---- Gemm and MatMul ----------------------------------------------------------------- */

static void check_gemm(int trans_a, int trans_b, int c_kind, const char *what) {
  enum { M = 5, N = 7, K = 6 };
  float a[M * K], b[K * N], c[M * N], y[M * N];
  double want[M * N];
  fill_random(a, M * K);
  fill_random(b, K * N);
  fill_random(c, M * N);
  /* c_kind: 0 none, 1 scalar, 2 row [N], 3 column [M][1], 4 full [M][N] */
  static const int stride_m[] = {0, 0, 0, 1, N};
  static const int stride_n[] = {0, 0, 1, 0, 1};
  const o2m_gemm_f32_params p = {M, N, K, trans_a, trans_b, 0.75f, -1.5f, stride_m[c_kind], stride_n[c_kind],
                                 -0.8f, 2.0f};
  for (int m = 0; m < M; ++m) {
    for (int n = 0; n < N; ++n) {
      double sum = 0.0;
      for (int k = 0; k < K; ++k) {
        const double a_value = trans_a ? a[k * M + m] : a[m * K + k];
        const double b_value = trans_b ? b[n * K + k] : b[k * N + n];
        sum += a_value * b_value;
      }
      double value = 0.75 * sum;
      if (c_kind != 0) {
        value += -1.5 * c[m * stride_m[c_kind] + n * stride_n[c_kind]];
      }
      want[m * N + n] = clamp_double(value, -0.8, 2.0);
    }
  }
  o2m_gemm_f32(&p, a, b, c_kind != 0 ? c : NULL, y);
  check(max_error(y, want, M * N) < TOLERANCE, what);
}

static void check_gemms(void) {
  check_gemm(0, 0, 0, "gemm, no C");
  check_gemm(0, 1, 1, "gemm transB, scalar C");
  check_gemm(1, 0, 2, "gemm transA, row C");
  check_gemm(1, 1, 3, "gemm transA transB, column C");
  check_gemm(0, 1, 4, "gemm transB, full C");
}

static void check_matmul(void) {
  /* A [2][1][3][4] x B [3][4][5] -> Y [2][3][3][5]: A broadcasts over axis 1, B over axis 0. */
  enum { M = 3, K = 4, N = 5 };
  float a[2 * 1 * M * K], b[3 * K * N], y[2 * 3 * M * N];
  double want[2 * 3 * M * N];
  fill_random(a, 2 * M * K);
  fill_random(b, 3 * K * N);
  const o2m_matmul_f32_params p = {M, N, K, 2, {2, 3}, {M * K, 0}, {0, K * N}};
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      for (int m = 0; m < M; ++m) {
        for (int n = 0; n < N; ++n) {
          double sum = 0.0;
          for (int k = 0; k < K; ++k) {
            sum += (double)a[(i * M + m) * K + k] * b[(j * K + k) * N + n];
          }
          want[((i * 3 + j) * M + m) * N + n] = sum;
        }
      }
    }
  }
  o2m_matmul_f32(&p, a, b, y);
  check(max_error(y, want, 2 * 3 * M * N) < TOLERANCE, "matmul with broadcast batch axes");

  const o2m_matmul_f32_params plain = {M, N, K, 0, {0}, {0}, {0}};
  o2m_matmul_f32(&plain, a, b, y);
  check(max_error(y, want, M * N) < TOLERANCE, "matmul without batch axes");
}

/* ---- Element-wise -------------------------------------------------------------------- */

static double apply_binary(int op, double a, double b) {
  switch (op) {
    case O2M_BINARY_ADD:
      return a + b;
    case O2M_BINARY_SUB:
      return a - b;
    case O2M_BINARY_MUL:
      return a * b;
    default:
      return a / b;
  }
}

static void check_binaries(void) {
  /* out [2][3][4][5]; A is [2][1][4][1], B is [3][1][5] (right-aligned to [1][3][1][5]). */
  enum { D0 = 2, D1 = 3, D2 = 4, D3 = 5, COUNT = D0 * D1 * D2 * D3 };
  float a[D0 * D2], b[D1 * D3], y[COUNT];
  double want[COUNT];
  fill_random(a, D0 * D2);
  fill_random(b, D1 * D3);
  for (int i = 0; i < D1 * D3; ++i) {
    b[i] = b[i] < 0.0f ? b[i] - 0.1f : b[i] + 0.1f; /* keep Div away from 0 */
  }
  static const char *names[] = {"add with broadcast", "sub with broadcast", "mul with broadcast",
                                "div with broadcast"};
  for (int op = O2M_BINARY_ADD; op <= O2M_BINARY_DIV; ++op) {
    const o2m_binary_f32_params p = {op,         COUNT,           4,     {D0, D1, D2, D3}, {D2, 0, 1, 0},
                                     {0, D3, 0, 1}, -INFINITY, INFINITY};
    for (int i0 = 0; i0 < D0; ++i0) {
      for (int i1 = 0; i1 < D1; ++i1) {
        for (int i2 = 0; i2 < D2; ++i2) {
          for (int i3 = 0; i3 < D3; ++i3) {
            want[((i0 * D1 + i1) * D2 + i2) * D3 + i3] = apply_binary(op, a[i0 * D2 + i2], b[i1 * D3 + i3]);
          }
        }
      }
    }
    o2m_binary_f32(&p, a, b, y);
    check(max_error(y, want, COUNT) < TOLERANCE, names[op]);
  }

  /* In place, same shapes, with a fused Relu; and a rank-0 (scalar) operation. */
  float x[6] = {-1.0f, 2.0f, -3.0f, 4.0f, 0.5f, -0.25f};
  const float z[6] = {0.5f, -3.0f, 1.0f, 1.0f, 0.0f, 0.0f};
  const o2m_binary_f32_params same = {O2M_BINARY_ADD, 6, 1, {6}, {1}, {1}, 0.0f, INFINITY};
  o2m_binary_f32(&same, x, z, x);
  const double in_place_want[6] = {0.0, 0.0, 0.0, 5.0, 0.5, 0.0};
  check(max_error(x, in_place_want, 6) == 0.0, "add in place with relu");
  const float s = 3.0f, t = 4.0f;
  float r = 0.0f;
  const o2m_binary_f32_params scalar = {O2M_BINARY_MUL, 1, 0, {0}, {0}, {0}, -INFINITY, INFINITY};
  o2m_binary_f32(&scalar, &s, &t, &r);
  check(r == 12.0f, "rank-0 multiply");
}

static void check_clamp_softmax_affine(void) {
  float values[5] = {-2.0f, -0.5f, 0.0f, 0.5f, 7.0f};
  const o2m_clamp_f32_params relu6 = {5, 0.0f, 6.0f};
  o2m_clamp_f32(&relu6, values, values);
  const double clamped[5] = {0.0, 0.0, 0.0, 0.5, 6.0};
  check(max_error(values, clamped, 5) == 0.0, "clamp in place");
  float nan_value = NAN;
  const o2m_clamp_f32_params relu6_one = {1, 0.0f, 6.0f};
  o2m_clamp_f32(&relu6_one, &nan_value, &nan_value);
  check(isnan(nan_value), "clamp keeps NaN");

  /* Softmax over axis 1 of [2][4][3], large logits to prove the max is subtracted. */
  enum { OUTER = 2, AXIS = 4, INNER = 3, COUNT = OUTER * AXIS * INNER };
  float logits[COUNT], probabilities[COUNT];
  double want[COUNT];
  fill_random(logits, COUNT);
  for (int i = 0; i < COUNT; ++i) {
    logits[i] = logits[i] * 50.0f + 60.0f;
  }
  for (int o = 0; o < OUTER; ++o) {
    for (int in = 0; in < INNER; ++in) {
      double maximum = -INFINITY, sum = 0.0;
      for (int a = 0; a < AXIS; ++a) {
        const double v = logits[(o * AXIS + a) * INNER + in];
        maximum = v > maximum ? v : maximum;
      }
      for (int a = 0; a < AXIS; ++a) {
        sum += exp(logits[(o * AXIS + a) * INNER + in] - maximum);
      }
      for (int a = 0; a < AXIS; ++a) {
        want[(o * AXIS + a) * INNER + in] = exp(logits[(o * AXIS + a) * INNER + in] - maximum) / sum;
      }
    }
  }
  const o2m_softmax_f32_params softmax = {OUTER, AXIS, INNER};
  o2m_softmax_f32(&softmax, logits, probabilities);
  check(max_error(probabilities, want, COUNT) < TOLERANCE, "softmax over a middle axis, large logits");
  o2m_softmax_f32(&softmax, logits, logits);
  check(memcmp(logits, probabilities, sizeof logits) == 0, "softmax in place gives the same bits");

  /* Affine over [2][3][4]. */
  float x[24], y[24];
  const float scale[3] = {2.0f, -1.0f, 0.5f};
  const float shift[3] = {0.25f, 0.0f, -1.0f};
  double affine_want[24];
  fill_random(x, 24);
  for (int i = 0; i < 24; ++i) {
    const int channel = (i / 4) % 3;
    affine_want[i] = (double)x[i] * scale[channel] + shift[channel];
  }
  const o2m_channel_affine_f32_params affine = {2, 3, 4};
  o2m_channel_affine_f32(&affine, x, scale, shift, y);
  check(max_error(y, affine_want, 24) < TOLERANCE, "per-channel affine");
}

int main(void) {
  check_convs();
  check_pools();
  check_gemms();
  check_matmul();
  check_binaries();
  check_clamp_softmax_affine();
  return check_summary("check_kernels_f32");
}
