// Independent int8 references for the element-wise, pooling and mean kernels, written from the
// TFLite reference kernels (tensorflow/lite/kernels/internal/reference/integer_ops/add.h, mul.h,
// pooling.h, mean.h and the int8 -> int8 Requantize of quantize.cc). Loops index every element
// from its coordinates (division and remainder), never with the kernels' odometers and strides,
// so a shared walking bug cannot hide.
import {
  multiplyByQuantizedMultiplier, quantizeMultiplier, roundingDivideByPowerOfTwo, roundingDoublingHighMul,
} from '../../compiler/quantize/fixed-point.js';

export interface Q {
  scale: number;
  zeroPoint: number;
}

const saturate = (v: number, lo = -128, hi = 127) => Math.max(lo, Math.min(hi, v));
const product = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Coordinates of row-major index `i` of `shape`. */
function coordinates(i: number, shape: number[]): number[] {
  const out = Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    out[axis] = i % shape[axis];
    i = Math.floor(i / shape[axis]);
  }
  return out;
}

/** The element of an operand of `shape` that numpy broadcasting pairs with output coordinates `at`. */
function broadcastIndex(at: number[], shape: number[]): number {
  const offset = at.length - shape.length;
  let index = 0;
  for (let axis = 0; axis < shape.length; axis++) {
    index = index * shape[axis] + (shape[axis] === 1 ? 0 : at[axis + offset]);
  }
  return index;
}

/** numpy's broadcast shape. */
export function broadcastShape(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    return x === 1 ? y : x;
  });
}

/** TFLite's MultiplyByQuantizedMultiplierSmallerThanOneExp: the shift is a right shift only. */
function multiplySmallerThanOne(x: number, real: number): number {
  const { multiplier, shift } = quantizeMultiplier(real);
  if (shift > 0) throw new Error(`reference: multiplier ${real} is not below one`);
  return roundingDivideByPowerOfTwo(roundingDoublingHighMul(x, multiplier), -shift);
}

/** TFLite int8 Add (subtract: Sub) with broadcasting; clamp is the fused activation's level range. */
export function addReference(
  a: ArrayLike<number>, aShape: number[], aQ: Q, b: ArrayLike<number>, bShape: number[], bQ: Q, outQ: Q,
  subtract = false, clamp: [number, number] = [-128, 127],
): Int8Array {
  const leftShift = 20;
  const twiceMax = 2 * Math.max(aQ.scale, bQ.scale);
  const aReal = aQ.scale / twiceMax;
  const bReal = bQ.scale / twiceMax;
  const outReal = twiceMax / ((1 << leftShift) * outQ.scale);
  const outShape = broadcastShape(aShape, bShape);
  return Int8Array.from({ length: product(outShape) }, (_, i) => {
    const at = coordinates(i, outShape);
    const x = (a[broadcastIndex(at, aShape)] - aQ.zeroPoint) * (1 << leftShift);
    const y = (b[broadcastIndex(at, bShape)] - bQ.zeroPoint) * (1 << leftShift);
    const sx = multiplySmallerThanOne(x, aReal);
    const sy = multiplySmallerThanOne(y, bReal);
    const raw = subtract ? sx - sy : sx + sy;
    return saturate(multiplySmallerThanOne(raw, outReal) + outQ.zeroPoint, ...clamp);
  });
}

/** TFLite int8 Mul with broadcasting. */
export function mulReference(
  a: ArrayLike<number>, aShape: number[], aQ: Q, b: ArrayLike<number>, bShape: number[], bQ: Q, outQ: Q,
  clamp: [number, number] = [-128, 127],
): Int8Array {
  const outShape = broadcastShape(aShape, bShape);
  const q = quantizeMultiplier(aQ.scale * bQ.scale / outQ.scale);
  return Int8Array.from({ length: product(outShape) }, (_, i) => {
    const at = coordinates(i, outShape);
    const prod = (a[broadcastIndex(at, aShape)] - aQ.zeroPoint) * (b[broadcastIndex(at, bShape)] - bQ.zeroPoint);
    return saturate(multiplyByQuantizedMultiplier(prod, q) + outQ.zeroPoint, ...clamp);
  });
}

/** TFLite's int8 -> int8 Requantize of each element. */
export function requantizeReference(x: ArrayLike<number>, inQ: Q, outQ: Q): Int8Array {
  const q = quantizeMultiplier(inQ.scale / outQ.scale);
  return Int8Array.from(x, (v) => saturate(multiplyByQuantizedMultiplier(v - inQ.zeroPoint, q) + outQ.zeroPoint));
}

/** Concatenation of row-major tensors along `axis`. */
export function concatLevels(parts: { data: ArrayLike<number>; shape: number[] }[], axis: number): number[] {
  const outer = product(parts[0].shape.slice(0, axis));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const row = product(p.shape.slice(axis));
      for (let i = 0; i < row; i++) out.push(p.data[o * row + i]);
    }
  }
  return out;
}

/** TFLite's rounded division: halves away from zero, in C's truncating integer division. */
const roundedDivide = (sum: number, count: number) =>
  Math.trunc(sum > 0 ? (sum + Math.trunc(count / 2)) / count : (sum - Math.trunc(count / 2)) / count);

export interface PoolGeometry {
  kernel: [number, number];
  strides: [number, number];
  padsBegin: [number, number];
  padsEnd: [number, number];
  countIncludePad: boolean;
}

/**
 * int8 AveragePool over NCHW at the input's scale. Each tap is tested on its own: inside the
 * input it adds its level, inside the padding (with count_include_pad) the zero point, beyond
 * the padding (ceil_mode's extra windows) nothing.
 */
export function avgPoolReference(x: ArrayLike<number>, [n, c, h, w]: number[], [oh, ow]: number[], g: PoolGeometry, zeroPoint: number): Int8Array {
  const out = new Int8Array(n * c * oh * ow);
  out.forEach((_, i) => {
    const [plane, y, xo] = [Math.floor(i / (oh * ow)), Math.floor(i / ow) % oh, i % ow];
    let sum = 0;
    let count = 0;
    for (let ky = 0; ky < g.kernel[0]; ky++) {
      for (let kx = 0; kx < g.kernel[1]; kx++) {
        const iy = y * g.strides[0] - g.padsBegin[0] + ky;
        const ix = xo * g.strides[1] - g.padsBegin[1] + kx;
        const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
        const inPadding = iy >= -g.padsBegin[0] && iy < h + g.padsEnd[0] && ix >= -g.padsBegin[1] && ix < w + g.padsEnd[1];
        if (inside) {
          sum += x[(plane * h + iy) * w + ix];
          count++;
        } else if (inPadding && g.countIncludePad) {
          sum += zeroPoint;
          count++;
        }
      }
    }
    out[i] = count === 0 ? zeroPoint : saturate(roundedDivide(sum, count));
  });
  return out;
}

/** int8 GlobalAveragePool: the rounded mean of each plane's levels. */
export function globalAvgPoolReference(x: ArrayLike<number>, planes: number, spatial: number): Int8Array {
  return Int8Array.from({ length: planes }, (_, p) => {
    let sum = 0;
    for (let i = 0; i < spatial; i++) sum += x[p * spatial + i];
    return saturate(roundedDivide(sum, spatial));
  });
}

/** TFLite int8 Mean over `axes`: Σ(x - zp_in) × s_in / (s_out × count) + zp_out, in fixed point. */
export function reduceMeanReference(x: ArrayLike<number>, shape: number[], axes: number[], inQ: Q, outQ: Q): Int8Array {
  const reduced = new Set(axes.map((a) => (a < 0 ? a + shape.length : a)));
  const keptShape = shape.map((d, i) => (reduced.has(i) ? 1 : d));
  const count = product(shape.filter((_, i) => reduced.has(i)));
  const sums = new Array<number>(product(keptShape)).fill(0);
  for (let i = 0; i < product(shape); i++) {
    const at = coordinates(i, shape).map((v, axis) => (reduced.has(axis) ? 0 : v));
    const k = at.reduce((acc, v, axis) => acc * keptShape[axis] + v, 0);
    sums[k] += x[i] - inQ.zeroPoint;
  }
  const q = quantizeMultiplier(inQ.scale / (outQ.scale * count));
  return Int8Array.from(sums, (s) => saturate(multiplyByQuantizedMultiplier(s, q) + outQ.zeroPoint));
}
