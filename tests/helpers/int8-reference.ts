// Independent int8 references for the kernel tests, written from the TFLite reference kernels'
// formulas (tensorflow/lite/kernels/internal/reference/integer_ops): accumulate
// (input - input_zero_point) × weight in int32 with the int32 bias, rescale by the real
// multiplier input_scale × weight_scale / output_scale through TFLite's fixed-point
// MultiplyByQuantizedMultiplier, add the output zero point, clamp. Loops check bounds per tap
// rather than precomputing tap ranges as the C does, so a shared indexing bug cannot hide.
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../../compiler/quantize/fixed-point.js';

export function requantize(acc: number, realMultiplier: number, outputZeroPoint: number, lo = -128, hi = 127): number {
  const v = multiplyByQuantizedMultiplier(acc, quantizeMultiplier(realMultiplier)) + outputZeroPoint;
  return Math.max(lo, Math.min(hi, v));
}

export interface ConvGeometry {
  strides: [number, number];
  /** top, left (bottom and right only shrink the output, which the output shape gives). */
  pads: [number, number];
  dilations: [number, number];
  group: number;
}

/** NCHW int8 convolution, per-channel multipliers. */
export function conv2dReference(
  x: Int8Array, [n, c, h, w]: number[], inputZeroPoint: number,
  weights: Int8Array, [oc, icPerGroup, kh, kw]: number[],
  bias: Int32Array | undefined, multipliers: number[], outputZeroPoint: number,
  [oh, ow]: number[], g: ConvGeometry, clamp: [number, number] = [-128, 127],
): Int8Array {
  const out = new Int8Array(n * oc * oh * ow);
  const ocPerGroup = oc / g.group;
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < oc; o++) {
      const group = Math.floor(o / ocPerGroup);
      for (let y = 0; y < oh; y++) {
        for (let xo = 0; xo < ow; xo++) {
          let acc = 0;
          for (let i = 0; i < icPerGroup; i++) {
            const ic = group * icPerGroup + i;
            for (let ky = 0; ky < kh; ky++) {
              for (let kx = 0; kx < kw; kx++) {
                const iy = y * g.strides[0] - g.pads[0] + ky * g.dilations[0];
                const ix = xo * g.strides[1] - g.pads[1] + kx * g.dilations[1];
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                const xv = x[((b * c + ic) * h + iy) * w + ix];
                const wv = weights[((o * icPerGroup + i) * kh + ky) * kw + kx];
                acc += (xv - inputZeroPoint) * wv;
              }
            }
          }
          if (bias) acc += bias[o];
          out[((b * oc + o) * oh + y) * ow + xo] = requantize(acc, multipliers[o], outputZeroPoint, ...clamp);
        }
      }
    }
  }
  return out;
}

/**
 * Y = A × B for row-major A [M, K] and B [K, N] (after any transposition the caller did),
 * zero points subtracted, bias per column, multipliers per column (or one).
 */
export function matmulReference(
  a: ArrayLike<number>, aZeroPoint: number, b: ArrayLike<number>, bZeroPoint: number,
  M: number, K: number, N: number,
  bias: ArrayLike<number> | undefined, multipliers: number[], outputZeroPoint: number, clamp: [number, number] = [-128, 127],
): Int8Array {
  const out = new Int8Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let acc = bias ? bias[n] : 0;
      for (let k = 0; k < K; k++) acc += (a[m * K + k] - aZeroPoint) * (b[k * N + n] - bZeroPoint);
      out[m * N + n] = requantize(acc, multipliers.length === 1 ? multipliers[0] : multipliers[n], outputZeroPoint, ...clamp);
    }
  }
  return out;
}

/** Row-major transpose of a [rows, cols] matrix. */
export function transpose2d<T extends ArrayLike<number>>(m: T, rows: number, cols: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) out.push(m[r * cols + c]);
  return out;
}

/** A 256-entry table of `f` from the input's levels to the output's, as TFLite's LUT kernels build it. */
export function tableReference(f: (x: number) => number, input: { scale: number; zeroPoint: number }, output: { scale: number; zeroPoint: number }): Int8Array {
  return Int8Array.from({ length: 256 }, (_, i) => {
    const real = f(input.scale * (i - 128 - input.zeroPoint));
    const q = Math.round(real / output.scale) + output.zeroPoint;
    return Number.isNaN(q) ? 0 : Math.max(-128, Math.min(127, q));
  });
}
