// Calibration runs the float model through the operators' reference implementations: on the
// MNIST example that interpreter must agree with ONNX Runtime, and the ranges it records must be
// the ranges the tensors take. Data sets load in the three layouts DESIGN.md names.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importModelFile } from '../../compiler/onnx/import.js';
import { runPasses } from '../../compiler/passes/index.js';
import { calibrate, runReference } from '../../compiler/quantize/calibrate.js';
import { loadDataset } from '../../compiler/tensor-files/dataset.js';
import { writeNpy } from '../../compiler/tensor-files/index.js';
import { compileError } from '../helpers/errors.js';
import { runOrt } from '../helpers/ort.js';
import { compareClose, scratchDir } from '../helpers/pipeline.js';

const example = join(import.meta.dirname, '..', '..', 'examples', 'mnist');
const modelPath = join(example, 'mnist.onnx');
const graph = runPasses(importModelFile(modelPath), { file: modelPath, shapes: new Map() });

describe('the reference interpreter', () => {
  it('gives ONNX Runtime\'s outputs on every MNIST sample', async () => {
    const model = readFileSync(modelPath);
    for (const sample of loadDataset(join(example, 'inputs'), graph.inputs)) {
      const want = (await runOrt(model, { input: sample.get('input')! })).probabilities;
      const got = runReference(graph, sample).get('probabilities')!;
      expect(compareClose(got, want)).toBeNull();
    }
  });
});

describe('calibration', () => {
  const samples = loadDataset(join(example, 'calibration.npy'), graph.inputs);

  it('records the range of every float tensor over the 100 calibration digits', () => {
    expect(samples.length).toBe(100);
    const ranges = calibrate(graph, samples);
    for (const name of graph.values.keys()) expect(ranges.has(name), name).toBe(true);
    const input = ranges.get('input')!;
    expect(input.min).toBeGreaterThanOrEqual(0);
    expect(input.max).toBeLessThanOrEqual(1);
    expect(input.max).toBeGreaterThan(0.9); // real digits have ink
    const probs = ranges.get('probabilities')!;
    expect(probs.min).toBeGreaterThanOrEqual(0);
    expect(probs.max).toBeLessThanOrEqual(1);
    // A ReLU output (fused into the first Conv) never goes below zero.
    expect(ranges.get(graph.nodes[0].outputs[0])!.min).toBeGreaterThanOrEqual(0);
  });

  it('with percentiles, stays inside the min/max range', () => {
    const few = samples.slice(0, 10);
    const minmax = calibrate(graph, few);
    const pct = calibrate(graph, few, 'percentile', 99.9);
    for (const [name, r] of pct) {
      expect(r.min, name).toBeGreaterThanOrEqual(minmax.get(name)!.min);
      expect(r.max, name).toBeLessThanOrEqual(minmax.get(name)!.max);
    }
  });
});

describe('data sets', () => {
  const inputs = [{ name: 'a', dtype: 'float32' as const, shape: [2] }, { name: 'b', dtype: 'float32' as const, shape: [3] }];
  const npy = (data: number[]) => writeNpy({ name: 't', dtype: 'float32', shape: [data.length], data: Float32Array.from(data) });

  it('read one folder per sample, in sorted order, for a model with several inputs', () => {
    const dir = scratchDir('dataset');
    for (const [folder, a] of [['s2', 2], ['s1', 1]] as const) {
      mkdirSync(join(dir, folder));
      writeFileSync(join(dir, folder, 'a.npy'), npy([a, a]));
      writeFileSync(join(dir, folder, 'b.npy'), npy([a, a, a]));
    }
    const samples = loadDataset(dir, inputs);
    expect(samples.map((s) => Array.from(s.get('a')!.data as Float32Array))).toEqual([[1, 1], [2, 2]]);
    expect(samples[1].get('b')!.shape).toEqual([3]);
  });

  it('name the file that does not fit, and refuse a layout that cannot feed several inputs', () => {
    const dir = scratchDir('dataset-bad');
    mkdirSync(join(dir, 's1'));
    writeFileSync(join(dir, 's1', 'a.npy'), npy([1, 2, 3]));
    writeFileSync(join(dir, 's1', 'b.npy'), npy([1, 2, 3]));
    expect(compileError(() => loadDataset(dir, inputs)).message).toMatch(/s1\/a\.npy.*input 'a'/);
    writeFileSync(join(dir, 'one.npy'), npy([1, 2]));
    expect(compileError(() => loadDataset(join(dir, 'one.npy'), inputs)).message).toMatch(/one input/);
  });
});
