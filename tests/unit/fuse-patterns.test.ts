// Normalisations, GELU and SiLU as PyTorch exports them before opset 17 become one kernel each, and
// the fused kernel gives what ONNX Runtime gives for the node-by-node graph.
import { describe, expect, it } from 'vitest';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { importModel } from '../../compiler/onnx/import.js';
import { runPasses } from '../../compiler/passes/index.js';
import { buildModel, type ModelSpec } from '../helpers/onnx-builder.js';
import { runOrt } from '../helpers/ort.js';
import { compareClose, compileBuildRun } from '../helpers/pipeline.js';
import { randomFloat32 } from '../helpers/random.js';

const D = 16;
const x: ConstTensor = { name: 'x', dtype: 'float32', shape: [2, 5, D], data: randomFloat32(2 * 5 * D, 11, -3, 3) };
const scalarF = (name: string, v: number) => ({ name, dtype: 'float32' as const, shape: [], data: [v] });
const vector = (name: string, seed: number) => ({ name, dtype: 'float32' as const, shape: [D], data: randomFloat32(D, seed) });
const io = { inputs: [{ name: 'x', dtype: 'float32' as const, shape: [2, 5, D] }], outputs: [{ name: 'y', dtype: 'float32' as const }], opset: 13 };

const RMSNORM: ModelSpec = {
  ...io,
  initializers: [scalarF('two', 2), scalarF('eps', 1e-6), vector('gamma', 12)],
  nodes: [
    { op: 'Pow', inputs: ['x', 'two'], outputs: ['sq'] },
    { op: 'ReduceMean', inputs: ['sq'], outputs: ['ms'], attrs: { axes: [-1], keepdims: 1 } },
    { op: 'Add', inputs: ['ms', 'eps'], outputs: ['mse'] },
    { op: 'Sqrt', inputs: ['mse'], outputs: ['rms'] },
    { op: 'Div', inputs: ['x', 'rms'], outputs: ['n'] },
    { op: 'Mul', inputs: ['n', 'gamma'], outputs: ['y'] },
  ],
};

const LAYERNORM: ModelSpec = {
  ...io,
  initializers: [scalarF('two', 2), scalarF('eps', 1e-5), vector('gamma', 13), vector('beta', 14)],
  nodes: [
    { op: 'ReduceMean', inputs: ['x'], outputs: ['mean'], attrs: { axes: [-1], keepdims: 1 } },
    { op: 'Sub', inputs: ['x', 'mean'], outputs: ['d'] },
    { op: 'Pow', inputs: ['d', 'two'], outputs: ['sq'] },
    { op: 'ReduceMean', inputs: ['sq'], outputs: ['var'], attrs: { axes: [-1], keepdims: 1 } },
    { op: 'Add', inputs: ['var', 'eps'], outputs: ['vare'] },
    { op: 'Sqrt', inputs: ['vare'], outputs: ['std'] },
    { op: 'Div', inputs: ['d', 'std'], outputs: ['n'] },
    { op: 'Mul', inputs: ['n', 'gamma'], outputs: ['s'] },
    { op: 'Add', inputs: ['s', 'beta'], outputs: ['y'] },
  ],
};

const GELU: ModelSpec = {
  ...io,
  initializers: [scalarF('sqrt2', Math.SQRT2), scalarF('one', 1), scalarF('half', 0.5)],
  nodes: [
    { op: 'Div', inputs: ['x', 'sqrt2'], outputs: ['a'] },
    { op: 'Erf', inputs: ['a'], outputs: ['e'] },
    { op: 'Add', inputs: ['e', 'one'], outputs: ['c'] },
    { op: 'Mul', inputs: ['x', 'c'], outputs: ['p'] },
    { op: 'Mul', inputs: ['p', 'half'], outputs: ['y'] },
  ],
};

const SILU: ModelSpec = {
  ...io,
  nodes: [
    { op: 'Sigmoid', inputs: ['x'], outputs: ['s'] },
    { op: 'Mul', inputs: ['s', 'x'], outputs: ['y'] },
  ],
};

describe('pattern fusion', () => {
  for (const [name, spec, fused] of [['RMSNorm', RMSNORM, 'RMSNormalization'], ['LayerNorm', LAYERNORM, 'LayerNormalization'], ['GELU', GELU, 'Gelu'], ['SiLU', SILU, 'Silu']] as const) {
    it(`${name} as PyTorch exports it becomes one ${fused} kernel that matches ONNX Runtime`, async () => {
      const bytes = buildModel(spec);
      const g = runPasses(importModel(bytes, { file: 'm.onnx' }), { file: 'm.onnx', shapes: new Map() });
      expect(g.nodes.map((n) => `${n.domain}.${n.opType}`)).toEqual([`onnx2mcu.${fused}`]);
      const want = (await runOrt(bytes, { x })).y;
      const { run, compiled } = await compileBuildRun(bytes, { x }, { host: true, label: name });
      expect(compiled.lowered.steps.length).toBe(1);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(compareClose(run.outputs.get('y')!, want)).toBeNull();
    });
  }

  it('leaves the nodes alone when an intermediate is read elsewhere', () => {
    const bytes = buildModel({ ...RMSNORM, outputs: [...RMSNORM.outputs, { name: 'rms', dtype: 'float32' }] });
    const g = runPasses(importModel(bytes, { file: 'm.onnx' }), { file: 'm.onnx', shapes: new Map() });
    expect(g.nodes.some((n) => n.opType === 'RMSNormalization')).toBe(false);
  });
});
