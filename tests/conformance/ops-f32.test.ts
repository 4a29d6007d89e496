// Every float32 operator, one node at a time: a model written in the test, compiled, built with
// -Werror for the host, run, and compared with ONNX Runtime (rtol 1e-3, atol 1e-5).
import { describe, expect, it } from 'vitest';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { buildModel, type ModelSpec, type NodeSpec } from '../helpers/onnx-builder.js';
import { runOrt } from '../helpers/ort.js';
import { compareClose, compileBuildRun } from '../helpers/pipeline.js';
import { randomFloat32 } from '../helpers/random.js';

interface OpCase {
  name: string;
  inputs: Record<string, number[]>;
  output: string;
  nodes: NodeSpec[];
  weights?: Record<string, number[]>;
  constants?: ModelSpec['initializers'];
  opset?: number;
  /** Kernel calls the compiled model must make (views and fused nodes make none). */
  kernels?: number;
}

const product = (s: number[]) => s.reduce((a, b) => a * b, 1);

function tensor(name: string, shape: number[], seed: number): ConstTensor {
  return { name, dtype: 'float32', shape, data: randomFloat32(product(shape), seed) };
}

const conv = (attrs: NodeSpec['attrs'], inputs = ['x', 'w', 'b']): NodeSpec[] => [{ op: 'Conv', inputs, outputs: ['y'], attrs }];

const CASES: OpCase[] = [
  { name: 'Conv 3x3 pad 1 with bias', inputs: { x: [1, 3, 8, 8] }, weights: { w: [4, 3, 3, 3], b: [4] }, output: 'y', nodes: conv({ kernel_shape: [3, 3], pads: [1, 1, 1, 1] }) },
  { name: 'Conv stride 2 no bias', inputs: { x: [2, 2, 9, 7] }, weights: { w: [3, 2, 3, 2] }, output: 'y', nodes: conv({ strides: [2, 2] }, ['x', 'w']) },
  { name: 'Conv asymmetric pads, dilation 2, groups 2', inputs: { x: [1, 4, 10, 10] }, weights: { w: [6, 2, 3, 3], b: [6] }, output: 'y', nodes: conv({ group: 2, dilations: [2, 2], pads: [0, 1, 2, 3] }) },
  { name: 'Conv depthwise (groups = channels)', inputs: { x: [1, 5, 7, 7] }, weights: { w: [5, 1, 3, 3], b: [5] }, output: 'y', nodes: conv({ group: 5, pads: [1, 1, 1, 1], strides: [2, 1] }) },
  { name: 'Conv auto_pad SAME_UPPER', inputs: { x: [1, 2, 6, 5] }, weights: { w: [3, 2, 4, 4] }, output: 'y', nodes: conv({ auto_pad: 'SAME_UPPER', strides: [2, 2] }, ['x', 'w']) },
  { name: 'Conv 1-D', inputs: { x: [1, 3, 20] }, weights: { w: [4, 3, 5], b: [4] }, output: 'y', nodes: conv({ pads: [2, 2], strides: [2] }) },
  { name: 'Relu', inputs: { x: [2, 3, 4] }, output: 'y', nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] },
  { name: 'Clip with min and max inputs (opset 13)', inputs: { x: [3, 7] }, output: 'y', constants: [{ name: 'lo', dtype: 'float32', shape: [], data: [-0.25] }, { name: 'hi', dtype: 'float32', shape: [], data: [0.5] }], nodes: [{ op: 'Clip', inputs: ['x', 'lo', 'hi'], outputs: ['y'] }] },
  { name: 'Clip with attributes (opset 6)', opset: 6, inputs: { x: [10] }, output: 'y', nodes: [{ op: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { min: -0.5, max: 0.25 } }] },
  { name: 'MaxPool 2x2 stride 2', inputs: { x: [1, 3, 8, 8] }, output: 'y', nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }] },
  { name: 'MaxPool 3x3 pads, ceil_mode', inputs: { x: [1, 2, 9, 10] }, output: 'y', nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 } }] },
  { name: 'AveragePool pads, count_include_pad 0', inputs: { x: [1, 2, 7, 7] }, output: 'y', nodes: [{ op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }] },
  { name: 'AveragePool pads, count_include_pad 1', inputs: { x: [1, 2, 7, 7] }, output: 'y', nodes: [{ op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 } }] },
  { name: 'AveragePool ceil_mode', inputs: { x: [1, 1, 6, 6] }, output: 'y', nodes: [{ op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 } }] },
  { name: 'GlobalAveragePool', inputs: { x: [2, 3, 5, 4] }, output: 'y', nodes: [{ op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }] },
  { name: 'Gemm transB with bias vector', inputs: { a: [3, 6] }, weights: { w: [4, 6], c: [4] }, output: 'y', nodes: [{ op: 'Gemm', inputs: ['a', 'w', 'c'], outputs: ['y'], attrs: { transB: 1 } }] },
  { name: 'Gemm transA, alpha, beta, column bias', inputs: { a: [5, 3], b: [5, 4] }, weights: { c: [3, 1] }, output: 'y', nodes: [{ op: 'Gemm', inputs: ['a', 'b', 'c'], outputs: ['y'], attrs: { transA: 1, alpha: 0.5, beta: 2.5 } }] },
  { name: 'Gemm without C', inputs: { a: [2, 7] }, weights: { w: [7, 3] }, output: 'y', nodes: [{ op: 'Gemm', inputs: ['a', 'w'], outputs: ['y'] }] },
  { name: 'MatMul 2-D', inputs: { a: [4, 6], b: [6, 5] }, output: 'y', nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }] },
  { name: 'MatMul batched by a constant matrix', inputs: { a: [2, 3, 8] }, weights: { w: [8, 4] }, output: 'y', nodes: [{ op: 'MatMul', inputs: ['a', 'w'], outputs: ['y'] }] },
  { name: 'MatMul broadcast batch axes', inputs: { a: [2, 1, 3, 4], b: [1, 5, 4, 6] }, output: 'y', nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }] },
  { name: 'MatMul 1-D operand', inputs: { a: [6], b: [3, 6, 2] }, output: 'y', nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }] },
  { name: 'Add same shape', inputs: { a: [2, 3, 4], b: [2, 3, 4] }, output: 'y', nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['y'] }] },
  { name: 'Add broadcast a vector', inputs: { a: [2, 3, 4] }, weights: { b: [4] }, output: 'y', nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['y'] }] },
  { name: 'Add broadcast both ways', inputs: { a: [3, 1, 5], b: [1, 4, 1] }, output: 'y', nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['y'] }] },
  { name: 'Mul per-channel', inputs: { a: [1, 3, 4, 4] }, weights: { s: [1, 3, 1, 1] }, output: 'y', nodes: [{ op: 'Mul', inputs: ['a', 's'], outputs: ['y'] }] },
  { name: 'Mul by a scalar', inputs: { a: [7, 2] }, weights: { s: [] }, output: 'y', nodes: [{ op: 'Mul', inputs: ['s', 'a'], outputs: ['y'] }] },
  { name: 'Flatten axis 1', inputs: { x: [2, 3, 4] }, output: 'y', kernels: 0, nodes: [{ op: 'Flatten', inputs: ['x'], outputs: ['y'] }] },
  { name: 'Flatten axis 2 between kernels', inputs: { x: [2, 3, 4, 5] }, output: 'z', kernels: 2, nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'Flatten', inputs: ['r'], outputs: ['y'], attrs: { axis: 2 } }, { op: 'Softmax', inputs: ['y'], outputs: ['z'] }] },
  { name: 'Reshape with 0 and -1', inputs: { x: [2, 3, 4] }, output: 'z', kernels: 2, constants: [{ name: 'shape', dtype: 'int64', shape: [3], data: [0, -1, 2] }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'Reshape', inputs: ['r', 'shape'], outputs: ['y'] }, { op: 'Softmax', inputs: ['y'], outputs: ['z'] }] },
  { name: 'Softmax last axis (opset 13)', inputs: { x: [2, 3, 10] }, output: 'y', nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'] }] },
  { name: 'Softmax middle axis (opset 13)', inputs: { x: [2, 5, 3] }, output: 'y', nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1 } }] },
  { name: 'Softmax coerced to 2-D (opset 11)', opset: 11, inputs: { x: [2, 3, 4] }, output: 'y', nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1 } }] },
  { name: 'BatchNormalization alone', inputs: { x: [2, 3, 4, 4] }, output: 'y', constants: [{ name: 'g', dtype: 'float32', shape: [3], data: [0.5, 1.5, -1] }, { name: 'beta', dtype: 'float32', shape: [3], data: [0.1, -0.2, 0.3] }, { name: 'mean', dtype: 'float32', shape: [3], data: [0.05, -0.1, 0.2] }, { name: 'var', dtype: 'float32', shape: [3], data: [0.9, 0.3, 2.0] }], nodes: [{ op: 'BatchNormalization', inputs: ['x', 'g', 'beta', 'mean', 'var'], outputs: ['y'], attrs: { epsilon: 1e-3 } }] },
  { name: 'Conv + BatchNormalization folded into one kernel', kernels: 1, inputs: { x: [1, 2, 6, 6] }, weights: { w: [3, 2, 3, 3], b: [3] }, output: 'y', constants: [{ name: 'g', dtype: 'float32', shape: [3], data: [0.5, 1.5, -1] }, { name: 'beta', dtype: 'float32', shape: [3], data: [0.1, -0.2, 0.3] }, { name: 'mean', dtype: 'float32', shape: [3], data: [0.05, -0.1, 0.2] }, { name: 'var', dtype: 'float32', shape: [3], data: [0.9, 0.3, 2.0] }], nodes: [{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } }, { op: 'BatchNormalization', inputs: ['c', 'g', 'beta', 'mean', 'var'], outputs: ['y'] }] },
  { name: 'Gemm + Relu fused into one kernel', kernels: 1, inputs: { a: [2, 5] }, weights: { w: [5, 3], c: [3] }, output: 'y', nodes: [{ op: 'Gemm', inputs: ['a', 'w', 'c'], outputs: ['g'] }, { op: 'Relu', inputs: ['g'], outputs: ['y'] }] },
];

describe('float32 operators against ONNX Runtime (host build)', () => {
  CASES.forEach((c, caseIndex) => {
    it(c.name, async () => {
      const inputs = Object.fromEntries(Object.entries(c.inputs).map(([name, shape], i) => [name, tensor(name, shape, 1000 * caseIndex + i)]));
      const initializers = [
        ...Object.entries(c.weights ?? {}).map(([name, shape], i) => ({ name, dtype: 'float32' as const, shape, data: randomFloat32(product(shape), 7000 + 31 * caseIndex + i) })),
        ...(c.constants ?? []),
      ];
      const model = buildModel({
        opset: c.opset ?? 13,
        inputs: Object.entries(c.inputs).map(([name, shape]) => ({ name, dtype: 'float32', shape })),
        outputs: [{ name: c.output, dtype: 'float32' }],
        initializers,
        nodes: c.nodes,
      });
      const want = (await runOrt(model, inputs))[c.output];
      const { run, compiled } = await compileBuildRun(model, inputs, { host: true, label: c.name });
      expect(run.exitCode, run.stderr).toBe(0);
      const got = run.outputs.get(c.output)!;
      expect(got).toBeDefined();
      expect(compareClose(got, want)).toBeNull();
      if (c.kernels !== undefined) expect(compiled.lowered.steps.length).toBe(c.kernels);
    });
  });
});
