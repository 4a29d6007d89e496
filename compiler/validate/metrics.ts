// The accuracy figures validate reports for each output, as ST's `stedgeai validate` names them:
// how far the compiled model's values are from the reference's, over every sample at once.

export interface OutputMetrics {
  /** Samples whose argmax (over the last axis, row by row) equals the reference's, as a fraction. */
  top1Agreement: number;
  /** Fraction of samples whose argmax equals the label (when labels were given). */
  accuracy?: number;
  /** The same for the reference model, on the same samples. */
  referenceAccuracy?: number;
  cosineSimilarity: number;
  rmse: number;
  meanAbsError: number;
  maxAbsError: number;
  /** ||got − reference||₂ / ||reference||₂. */
  l2RelativeError: number;
}

/** Index of the largest value of each row of `length` values. */
export function argmaxRows(values: ArrayLike<number>, length: number): number[] {
  const rows: number[] = [];
  for (let start = 0; start + length <= values.length; start += length) {
    let best = start;
    for (let i = start + 1; i < start + length; i++) if (values[i] > values[best]) best = i;
    rows.push(best - start);
  }
  return rows;
}

/** Error figures between two equally long value sequences. */
export function errorFigures(got: ArrayLike<number>, want: ArrayLike<number>) {
  let dot = 0;
  let gotNorm = 0;
  let wantNorm = 0;
  let squared = 0;
  let absolute = 0;
  let maxAbs = 0;
  for (let i = 0; i < want.length; i++) {
    const d = got[i] - want[i];
    dot += got[i] * want[i];
    gotNorm += got[i] * got[i];
    wantNorm += want[i] * want[i];
    squared += d * d;
    absolute += Math.abs(d);
    maxAbs = Math.max(maxAbs, Math.abs(d));
  }
  const n = Math.max(1, want.length);
  const bothZero = gotNorm === 0 && wantNorm === 0;
  return {
    cosineSimilarity: bothZero ? 1 : dot / (Math.sqrt(gotNorm) * Math.sqrt(wantNorm) || 1),
    rmse: Math.sqrt(squared / n),
    meanAbsError: absolute / n,
    maxAbsError: maxAbs,
    l2RelativeError: wantNorm === 0 ? Math.sqrt(squared) : Math.sqrt(squared / wantNorm),
  };
}

/**
 * Metrics of one output over all samples: `got[k]` and `want[k]` are sample k's values, whose
 * last axis has `rowLength` entries (the classes, for a classifier).
 */
export function outputMetrics(got: ArrayLike<number>[], want: ArrayLike<number>[], rowLength: number, labels?: number[]): OutputMetrics {
  const flatGot = got.flatMap((g) => Array.from(g));
  const flatWant = want.flatMap((w) => Array.from(w));
  const gotTop = got.map((g) => argmaxRows(g, rowLength));
  const wantTop = want.map((w) => argmaxRows(w, rowLength));
  let agree = 0;
  let rows = 0;
  gotTop.forEach((g, k) => g.forEach((c, r) => { rows++; if (c === wantTop[k][r]) agree++; }));
  const metrics: OutputMetrics = { top1Agreement: rows ? agree / rows : 1, ...errorFigures(flatGot, flatWant) };
  if (labels) {
    const hits = (tops: number[][]) => tops.reduce((s, t, k) => s + (t[0] === labels[k] ? 1 : 0), 0) / Math.max(1, tops.length);
    metrics.accuracy = hits(gotTop);
    metrics.referenceAccuracy = hits(wantTop);
  }
  return metrics;
}
