// Calibration: run the float model on real samples with every operator's reference
// implementation and record the range each tensor takes — the input of int8 quantisation.
import { CompileError, type ConstTensor, type Graph } from '../ir/graph.js';
import { findOp } from '../ops/registry.js';

export type CalibrationMethod = 'minmax' | 'percentile';

export interface TensorRange {
  min: number;
  max: number;
}

/**
 * Runs the graph once on `inputs` through each op's `evaluate`, calling `observe` with every
 * value it computes. Returns every value (inputs, constants and results) by name.
 */
export function runReference(
  graph: Graph, inputs: Map<string, ConstTensor>, observe?: (name: string, t: ConstTensor) => void,
): Map<string, ConstTensor> {
  const values = new Map<string, ConstTensor>(graph.initializers);
  for (const input of graph.inputs) {
    const t = inputs.get(input.name);
    if (!t) throw new CompileError(`calibration sample has no value for input '${input.name}'`);
    values.set(input.name, { ...t, name: input.name, shape: input.shape as number[] });
    observe?.(input.name, t);
  }
  for (const node of graph.nodes) {
    const op = findOp(node);
    if (!op?.evaluate) {
      throw new CompileError(`node '${node.name}' (${node.opType}) has no reference implementation, so the model cannot be calibrated`, 2,
        { node: node.name, opType: node.opType });
    }
    const nodeInputs = node.inputs.map((n) => (n === '' ? undefined : values.get(n)));
    const inputTypes = nodeInputs.map((t) => (t ? { dtype: t.dtype, shape: t.shape } : undefined));
    const outputs = node.outputs.map((n) => {
      const v = graph.values.get(n);
      return { dtype: v?.dtype ?? 'float32', shape: (v?.shape ?? []) as number[] };
    });
    const results = op.evaluate({ node, inputs: nodeInputs, inputTypes, outputs, opset: graph.opsets[node.domain] ?? 1 });
    node.outputs.forEach((name, i) => {
      if (name === '' || !results[i]) return;
      values.set(name, { ...results[i], name });
      observe?.(name, results[i]);
    });
  }
  return values;
}

/** The value at a fraction of the sorted magnitudes' way (for the percentile method). */
function percentileOf(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(fraction * (sorted.length - 1))))];
}

/**
 * The range of every float tensor over the samples: min/max, or the `percentile` of the values
 * at each end (which ignores rare outliers that would waste int8 levels).
 */
export function calibrate(
  graph: Graph, samples: Map<string, ConstTensor>[], method: CalibrationMethod = 'minmax', percentile = 99.99,
): Map<string, TensorRange> {
  if (samples.length === 0) throw new CompileError('calibration needs at least one sample');
  const seen = new Map<string, number[]>();
  const ranges = new Map<string, TensorRange>();
  for (const sample of samples) {
    runReference(graph, sample, (name, t) => {
      if (t.dtype !== 'float32' || graph.initializers.has(name)) return;
      const data = t.data as Float32Array;
      if (method === 'percentile') {
        const list = seen.get(name) ?? [];
        for (let i = 0; i < data.length; i++) list.push(data[i]);
        seen.set(name, list);
        return;
      }
      const r = ranges.get(name) ?? { min: Infinity, max: -Infinity };
      for (let i = 0; i < data.length; i++) {
        if (data[i] < r.min) r.min = data[i];
        if (data[i] > r.max) r.max = data[i];
      }
      ranges.set(name, r);
    });
  }
  if (method === 'percentile') {
    const tail = 1 - percentile / 100;
    for (const [name, list] of seen) {
      const sorted = Float64Array.from(list).sort();
      ranges.set(name, { min: percentileOf(sorted, tail), max: percentileOf(sorted, 1 - tail) });
    }
  }
  return ranges;
}
