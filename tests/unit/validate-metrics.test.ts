// validate's figures on values whose answers are known by hand.
import { describe, expect, it } from 'vitest';
import { argmaxRows, errorFigures, outputMetrics } from '../../compiler/validate/metrics.js';

describe('validate metrics', () => {
  it('computes cosine, RMSE, mean/max absolute and L2 relative error', () => {
    const e = errorFigures([1, 2, 2], [1, 2, 4]); // difference [0, 0, -2]
    expect(e.rmse).toBeCloseTo(Math.sqrt(4 / 3), 12);
    expect(e.meanAbsError).toBeCloseTo(2 / 3, 12);
    expect(e.maxAbsError).toBe(2);
    expect(e.l2RelativeError).toBeCloseTo(2 / Math.sqrt(21), 12);
    expect(e.cosineSimilarity).toBeCloseTo(13 / (3 * Math.sqrt(21)), 12);
    expect(errorFigures([0, 0], [0, 0]).cosineSimilarity).toBe(1);
    expect(errorFigures([1, -1], [-1, 1]).cosineSimilarity).toBeCloseTo(-1, 12);
  });

  it('compares argmax row by row and scores labels on the first row', () => {
    expect(argmaxRows([0.1, 0.7, 0.2, 0.9, 0.05, 0.05], 3)).toEqual([1, 0]);
    const got = [[0.1, 0.9], [0.8, 0.2], [0.6, 0.4]];
    const want = [[0.2, 0.8], [0.3, 0.7], [0.9, 0.1]];
    const m = outputMetrics(got, want, 2, [1, 1, 1]);
    expect(m.top1Agreement).toBeCloseTo(2 / 3, 12);
    expect(m.accuracy).toBeCloseTo(1 / 3, 12);
    expect(m.referenceAccuracy).toBeCloseTo(2 / 3, 12);
  });
});
