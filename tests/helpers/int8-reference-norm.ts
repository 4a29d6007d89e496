// Independent integer references for the int8 Softmax, LayerNormalization and RMSNormalization
// kernels (runtime-c/include/onnx2mcu/kernels_int8_norm.h states their formulas). Everything is
// computed in BigInt where the C uses 64-bit integers, the square root by Newton's iteration
// (the C goes digit by digit), and the tables and multipliers are derived here from the scales,
// not read from the compiler's output, so a slip on either side shows as a difference.
import { multiplyByQuantizedMultiplier, quantizeMultiplier, roundingDivideByPowerOfTwo } from '../../compiler/quantize/fixed-point.js';

const INT32_MAX = 2 ** 31 - 1;
const clampInt8 = (v: number) => Math.max(-128, Math.min(127, v));
/** C's round(): halves away from zero. */
const roundAway = (x: number) => Math.sign(x) * Math.floor(Math.abs(x) + 0.5);

// ---- Softmax ------------------------------------------------------------------------------------

/** The exp table's fraction bits: the largest P <= 30 with length * 2^P inside int32. */
export function softmaxBits(length: number): number {
  let bits = 30;
  while (bits > 0 && length * 2 ** bits > INT32_MAX) bits--;
  return bits;
}

/**
 * int8 softmax along `axis` of an [outer][axis][inner] view, output scale 1/256 and zero point
 * -128: e = round(exp(s * (x - max)) * 2^P), sum in int32, out = (e * floor(2^62 / sum) + 2^53) >> 54.
 */
export function softmaxInt8Reference(x: Int8Array, view: { outer: number; axis: number; inner: number }, inputScale: number): Int8Array {
  const bits = softmaxBits(view.axis);
  const exp = (distance: number) => BigInt(Math.round(Math.exp(-inputScale * distance) * 2 ** bits));
  const out = new Int8Array(x.length);
  for (let o = 0; o < view.outer; o++) {
    for (let i = 0; i < view.inner; i++) {
      const indices = Array.from({ length: view.axis }, (_, j) => (o * view.axis + j) * view.inner + i);
      const max = Math.max(...indices.map((at) => x[at]));
      const terms = indices.map((at) => exp(max - x[at]));
      const sum = terms.reduce((a, b) => a + b, 0n);
      if (sum > BigInt(INT32_MAX)) throw new Error('reference: softmax sum leaves int32');
      const reciprocal = (1n << 62n) / sum;
      indices.forEach((at, j) => {
        const level = Number((terms[j] * reciprocal + (1n << 53n)) >> 54n);
        out[at] = Math.min(127, level - 128);
      });
    }
  }
  return out;
}

// ---- LayerNormalization and RMSNormalization ------------------------------------------------------

/** floor(sqrt(n)) by Newton's iteration from above. */
export function isqrtNewton(n: bigint): bigint {
  if (n < 0n) throw new Error('reference: square root of a negative number');
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2)); // >= sqrt(n)
  for (;;) {
    const next = (x + n / x) >> 1n;
    if (next >= x) return x;
    x = next;
  }
}

/** x / 2^shift, halves away from zero. */
function roundShift(x: bigint, shift: number): bigint {
  const half = 1n << BigInt(shift - 1);
  return x >= 0n ? (x + half) >> BigInt(shift) : -((-x + half) >> BigInt(shift));
}

export interface NormInt8Case {
  mode: 'layer' | 'rms';
  /** int8 input levels, rows of `size` contiguous values. */
  x: Int8Array;
  size: number;
  input: { scale: number; zeroPoint: number };
  output: { scale: number; zeroPoint: number };
  /** gamma and beta per element of a row, real values (beta undefined: none). */
  gamma: ArrayLike<number>;
  beta?: ArrayLike<number>;
  epsilon: number;
}

/**
 * The integer LayerNorm / RMSNorm: exact row statistics in squared levels, W = size^2 (var + eps)
 * or size (mean square + eps), R = isqrt(W 4^k) with W 4^k in [2^60, 2^62), n = d * floor(2^61 / R)
 * in Q(bits), then gamma / s_out (x sqrt(size) for RMS) as a TFLite multiplier into Q8 output
 * units, beta in Q8, one final rounding.
 */
export function normInt8Reference(c: NormInt8Case): Int8Array {
  const { size } = c;
  const layer = c.mode === 'layer';
  let bits = 30;
  if (layer) while (2 ** (30 - bits) < Math.sqrt(size)) bits--; // sqrt(size) <= 2^(30 - bits)
  const epsilonLevels = (layer ? size * size : size) * Math.fround(c.epsilon) / c.input.scale ** 2;
  const epsilon = epsilonLevels >= 2 ** 61 ? 1n << 61n : BigInt(roundAway(epsilonLevels));
  const multipliers = Array.from({ length: size }, (_, i) => {
    const real = c.gamma[i] * (layer ? 1 : Math.sqrt(size)) / c.output.scale / 2 ** (bits - 8);
    const q = quantizeMultiplier(Math.abs(real));
    return { multiplier: c.gamma[i] < 0 ? -q.multiplier : q.multiplier, shift: q.shift };
  });
  const biases = Array.from({ length: size }, (_, i) => (c.beta ? roundAway(c.beta[i] * 256 / c.output.scale) : 0));

  const out = new Int8Array(c.x.length);
  for (let row = 0; row * size < c.x.length; row++) {
    const levels = Array.from(c.x.subarray(row * size, (row + 1) * size), BigInt);
    const n = BigInt(size);
    const sum = levels.reduce((a, b) => a + b, 0n);
    let numerators: bigint[];
    let w: bigint;
    if (layer) {
      numerators = levels.map((q) => n * q - sum);
      w = numerators.reduce((a, d) => a + d * d, 0n) / n + epsilon; // sum((n q - sum)^2) = n (n sum q^2 - sum^2)
    } else {
      numerators = levels.map((q) => q - BigInt(c.input.zeroPoint));
      w = numerators.reduce((a, d) => a + d * d, 0n) + epsilon;
    }
    let k = 0;
    if (w > 0n) while (w << BigInt(2 * (k + 1)) < 1n << 62n) k++;
    const root = w === 0n ? 0n : isqrtNewton(w << BigInt(2 * k));
    const inv = root === 0n ? 0n : (1n << 61n) / root;
    numerators.forEach((d, i) => {
      const normalised = Number(roundShift(d * inv, 61 - k - bits));
      let acc = multiplyByQuantizedMultiplier(normalised, multipliers[i]) + biases[i];
      acc = Math.max(-INT32_MAX, Math.min(INT32_MAX, acc));
      out[row * size + i] = clampInt8(roundingDivideByPowerOfTwo(acc, 8) + c.output.zeroPoint);
    });
  }
  return out;
}
