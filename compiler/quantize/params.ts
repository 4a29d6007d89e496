// Scales and zero points in TFLite's int8 scheme (DESIGN.md §4): activations asymmetric per
// tensor over [-128, 127] with zero exactly representable, weights symmetric per output channel
// over [-127, 127], biases int32 with scale = input scale x weight scale.

export const INT8_MIN = -128;
export const INT8_MAX = 127;

export interface QuantParams {
  scale: number;
  zeroPoint: number;
}

/** C's round(): halves away from zero (Math.round sends -2.5 to -2, C to -3). */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * Asymmetric int8 parameters for values seen in [min, max]: the range is widened to hold 0
 * (padding and ReLU produce exact zeros), and the zero point is nudged to an integer from the
 * end of the range whose rounding error is smaller, as TFLite's converter does.
 */
export function activationParams(min: number, max: number): QuantParams {
  const rmin = Math.min(min, 0);
  const rmax = Math.max(max, 0);
  if (rmax === rmin) return { scale: 1, zeroPoint: 0 };
  const scale = (rmax - rmin) / (INT8_MAX - INT8_MIN);
  const fromMin = INT8_MIN - rmin / scale;
  const fromMax = INT8_MAX - rmax / scale;
  const errorMin = Math.abs(INT8_MIN) + Math.abs(rmin / scale);
  const errorMax = Math.abs(INT8_MAX) + Math.abs(rmax / scale);
  const initial = errorMin < errorMax ? fromMin : fromMax;
  return { scale, zeroPoint: clamp(roundHalfAwayFromZero(initial), INT8_MIN, INT8_MAX) };
}

export function quantizeValue(real: number, p: QuantParams, lo = INT8_MIN, hi = INT8_MAX): number {
  return clamp(roundHalfAwayFromZero(real / p.scale) + p.zeroPoint, lo, hi);
}

/**
 * Symmetric per-channel int8 weights along `axis` of `shape`: channel c gets scale
 * max|w| / 127 over its slice (1 for an all-zero channel) and values in [-127, 127].
 * Scales are float32 values, as the model file would store them.
 */
export function quantizeWeightsPerChannel(weights: Float32Array, shape: number[], axis = 0): { data: Int8Array; scales: Float32Array } {
  const channels = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => Math.floor(i / inner) % channels;
  const maxAbs = new Float64Array(channels);
  weights.forEach((w, i) => { maxAbs[channelOf(i)] = Math.max(maxAbs[channelOf(i)], Math.abs(w)); });
  const scales = Float32Array.from(maxAbs, (m) => (m === 0 ? 1 : m / INT8_MAX));
  const data = Int8Array.from(weights, (w, i) => quantizeValue(w, { scale: scales[channelOf(i)], zeroPoint: 0 }, -INT8_MAX, INT8_MAX));
  return { data, scales };
}

/** int32 biases with scale inputScale x weightScale[c], so they add straight into the accumulator. */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): Int32Array {
  const out = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    out[c] = clamp(roundHalfAwayFromZero(bias[c] / (inputScale * weightScales[c])), -(2 ** 31), 2 ** 31 - 1);
  }
  return out;
}
