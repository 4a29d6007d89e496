// int8 scales and zero points against what the TFLite scheme promises: zero exactly
// representable, the calibrated range covered, rounding as C rounds, weights symmetric per channel.
import { describe, expect, it } from 'vitest';
import {
  activationParams, quantizeBias, quantizeValue, quantizeWeightsPerChannel, roundHalfAwayFromZero,
} from '../../compiler/quantize/params.js';
import { mulberry32, randomFloat32 } from '../helpers/random.js';

describe('activation parameters', () => {
  const random = mulberry32(3);
  const ranges: [number, number][] = [[-1, 1], [0, 6], [-3.2, 0.1], [0.5, 2], [-7, -2], [-1e-3, 4e-3], [0, 0]];
  for (let i = 0; i < 200; i++) {
    const a = (random() - 0.5) * 20;
    ranges.push([a, a + random() * 10]);
  }

  it('represent zero exactly and cover the calibrated range, for 207 ranges', () => {
    for (const [min, max] of ranges) {
      const p = activationParams(min, max);
      expect(Number.isInteger(p.zeroPoint) && p.zeroPoint >= -128 && p.zeroPoint <= 127, `[${min}, ${max}]`).toBe(true);
      expect(p.scale * (quantizeValue(0, p) - p.zeroPoint)).toBe(0);
      // The ends of the range dequantise to within one step of where they were.
      for (const v of [Math.min(min, 0), Math.max(max, 0)]) {
        expect(Math.abs(p.scale * (quantizeValue(v, p) - p.zeroPoint) - v), `${v} in [${min}, ${max}]`).toBeLessThanOrEqual(p.scale * 1.0000001);
      }
    }
  });

  it('use the whole int8 range for a range that holds zero', () => {
    const p = activationParams(0, 6);
    expect(p.zeroPoint).toBe(-128);
    expect(p.scale).toBeCloseTo(6 / 255, 12);
    expect(activationParams(-1, 1).zeroPoint).toBe(-1); // the ideal zero point -0.5 rounds away from zero
  });
});

describe('rounding', () => {
  it('sends halves away from zero, as C round() does', () => {
    expect([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.49, 0.49].map(roundHalfAwayFromZero)).toEqual([-3, -2, -1, 1, 2, 3, -0, 0]);
  });
});

describe('per-channel weights and biases', () => {
  it('are symmetric, hit ±127 on each non-zero channel, and stay within half a step', () => {
    const channels = 6;
    const w = randomFloat32(channels * 27, 5, -2, 2);
    w.fill(0, 4 * 27, 5 * 27); // an all-zero channel
    const { data, scales } = quantizeWeightsPerChannel(w, [channels, w.length / channels]);
    for (let c = 0; c < channels; c++) {
      const row = Array.from(data.subarray(c * 27, (c + 1) * 27));
      if (c === 4) {
        expect(scales[c]).toBe(1);
        expect(row.every((q) => q === 0)).toBe(true);
        continue;
      }
      expect(Math.max(...row.map(Math.abs))).toBe(127);
      expect(Math.min(...row)).toBeGreaterThanOrEqual(-127);
      row.forEach((q, i) => expect(Math.abs(q * scales[c] - w[c * 27 + i])).toBeLessThanOrEqual(scales[c] / 2 + 1e-7));
    }
    const bias = quantizeBias(Float32Array.of(0.5, -0.25), 0.02, Float32Array.of(0.01, 0.004));
    expect(Array.from(bias)).toEqual([2500, -3125]);
  });

  it('quantize along any axis: a [K, N] MatMul weight per column', () => {
    const [K, N] = [5, 3];
    // column n holds values up to n + 1 in magnitude
    const w = Float32Array.from({ length: K * N }, (_, i) => ((i % N) + 1) * (((i * 7) % 11) / 10 - 0.5) * 2);
    const { data, scales } = quantizeWeightsPerChannel(w, [K, N], 1);
    expect(scales).toHaveLength(N);
    for (let n = 0; n < N; n++) {
      let maxAbs = 0;
      for (let k = 0; k < K; k++) maxAbs = Math.max(maxAbs, Math.abs(w[k * N + n]));
      expect(scales[n]).toBe(Math.fround(maxAbs / 127));
      const column = Array.from({ length: K }, (_, k) => data[k * N + n]);
      expect(Math.max(...column.map(Math.abs))).toBe(127);
    }
  });
});
