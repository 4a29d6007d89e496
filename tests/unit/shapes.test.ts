// Shape inference: each operator's rule, checked against shapes worked out by hand from the
// ONNX specification, and the passes that rewrite the graph.
import { describe, expect, it } from 'vitest';
import { CompileError, type Graph } from '../../compiler/ir/graph.js';
import { importModel } from '../../compiler/onnx/import.js';
import { runPasses } from '../../compiler/passes/index.js';
import { buildModel, type ModelSpec, type NodeSpec } from '../helpers/onnx-builder.js';

function passes(spec: ModelSpec, shapes = new Map<string, number[]>()): Graph {
  return runPasses(importModel(buildModel(spec), { file: 't.onnx' }), { file: 't.onnx', shapes });
}

function shapeOf(node: NodeSpec, inputs: Record<string, (number | string)[]>, opts: { opset?: number; initializers?: ModelSpec['initializers'] } = {}) {
  const g = passes({
    opset: opts.opset,
    inputs: Object.entries(inputs).map(([name, shape]) => ({ name, dtype: 'float32', shape })),
    outputs: [{ name: node.outputs[0], dtype: 'float32' }],
    initializers: opts.initializers,
    nodes: [node],
  });
  return g.values.get(node.outputs[0])!.shape;
}

const zeros = (name: string, shape: number[]) => ({ name, dtype: 'float32' as const, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

describe('shape inference', () => {
  it('Conv: pads, strides, dilations, groups, auto_pad and 1-D', () => {
    expect(shapeOf({ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { pads: [1, 1, 1, 1] } }, { x: [1, 3, 28, 28] }, { initializers: [zeros('w', [8, 3, 3, 3])] })).toEqual([1, 8, 28, 28]);
    // (32 + 0 + 1 - 2*(5-1) - 1) / 3 + 1 = 9, (20 + 2 + 2 - 4 - 1)/3 + 1 = 7
    expect(shapeOf({ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { strides: [3, 3], dilations: [2, 1], pads: [0, 2, 1, 2], group: 2 } }, { x: [2, 4, 32, 20] }, { initializers: [zeros('w', [6, 2, 5, 5])] })).toEqual([2, 6, 9, 7]);
    expect(shapeOf({ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] } }, { x: [1, 1, 7, 8] }, { initializers: [zeros('w', [1, 1, 3, 3])] })).toEqual([1, 1, 4, 4]);
    expect(shapeOf({ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { group: 16, pads: [31, 31] } }, { x: [1, 16, 64] }, { initializers: [zeros('w', [16, 1, 32])] })).toEqual([1, 16, 95]);
  });

  it('Conv refuses channels that do not divide into groups, naming the node', () => {
    expect(() => shapeOf({ op: 'Conv', name: 'bad_conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { group: 2 } }, { x: [1, 3, 8, 8] }, { initializers: [zeros('w', [4, 1, 3, 3])] }))
      .toThrow(/bad_conv.*groups/);
  });

  it('pools: ceil_mode drops a window that would start in the padding', () => {
    expect(shapeOf({ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }, { x: [1, 8, 28, 28] })).toEqual([1, 8, 14, 14]);
    expect(shapeOf({ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 } }, { x: [1, 1, 6, 6] })).toEqual([1, 1, 3, 3]);
    // ceil((5 + 1 - 2) / 2) + 1 = 3, but the third window would start at 4 >= 5 + 0? no: 4 < 5, kept
    expect(shapeOf({ op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1], ceil_mode: 1 } }, { x: [1, 1, 5, 5] })).toEqual([1, 1, 3, 3]);
    expect(shapeOf({ op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }, { x: [2, 7, 5, 3] })).toEqual([2, 7, 1, 1]);
  });

  it('Gemm, MatMul and broadcasting', () => {
    expect(shapeOf({ op: 'Gemm', inputs: ['a', 'b'], outputs: ['y'], attrs: { transA: 1, transB: 1 } }, { a: [5, 3], b: [4, 5] })).toEqual([3, 4]);
    expect(shapeOf({ op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }, { a: [2, 1, 3, 4], b: [5, 4, 6] })).toEqual([2, 5, 3, 6]);
    expect(shapeOf({ op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }, { a: [4], b: [4] })).toEqual([]);
    expect(shapeOf({ op: 'Add', inputs: ['a', 'b'], outputs: ['y'] }, { a: [3, 1, 5], b: [4, 1] })).toEqual([3, 4, 5]);
    expect(() => shapeOf({ op: 'Mul', inputs: ['a', 'b'], outputs: ['y'] }, { a: [3, 2], b: [3] })).toThrow(/do not broadcast/);
  });

  it('Reshape (0, -1, allowzero) and Flatten', () => {
    const shape = (data: number[]) => [{ name: 's', dtype: 'int64' as const, shape: [data.length], data }];
    expect(shapeOf({ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'] }, { x: [2, 3, 4] }, { initializers: shape([0, -1]) })).toEqual([2, 12]);
    expect(shapeOf({ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'] }, { x: [2, 3, 4] }, { initializers: shape([-1, 2, 2]) })).toEqual([6, 2, 2]);
    expect(() => shapeOf({ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'] }, { x: [2, 3, 4] }, { initializers: shape([5, -1]) })).toThrow(/cannot reshape/);
    expect(shapeOf({ op: 'Flatten', inputs: ['x'], outputs: ['y'], attrs: { axis: 0 } }, { x: [2, 3, 4] })).toEqual([1, 24]);
    expect(shapeOf({ op: 'Flatten', inputs: ['x'], outputs: ['y'], attrs: { axis: -1 } }, { x: [2, 3, 4] })).toEqual([6, 4]);
  });

  it('binds symbolic dimensions from --shape and refuses unbound ones', () => {
    const spec: ModelSpec = { inputs: [{ name: 'x', dtype: 'float32', shape: ['n', 4] }], outputs: [{ name: 'y', dtype: 'float32' }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] };
    expect(passes(spec, new Map([['x', [3, 4]]])).values.get('y')!.shape).toEqual([3, 4]);
    expect(() => passes(spec)).toThrow(CompileError);
    expect(() => passes(spec)).toThrow(/'x'.*--shape x=1x4/);
    expect(() => passes(spec, new Map([['x', [3, 5]]]))).toThrow(/does not match/);
  });
});

describe('graph passes', () => {
  const bn = [zeros('w', [2, 1, 3, 3]), { name: 'g', dtype: 'float32' as const, shape: [2], data: [2, 3] }, { name: 'b', dtype: 'float32' as const, shape: [2], data: [1, 1] }, { name: 'm', dtype: 'float32' as const, shape: [2], data: [0, 0] }, { name: 'v', dtype: 'float32' as const, shape: [2], data: [1, 1] }];
  const convBnRelu: ModelSpec = {
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 1, 5, 5] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: bn,
    nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] },
      { op: 'BatchNormalization', inputs: ['c', 'g', 'b', 'm', 'v'], outputs: ['n'] },
      { op: 'Relu', inputs: ['n'], outputs: ['y'] },
    ],
  };

  it('folds BatchNormalization into the Conv before it and fuses the Relu after it', () => {
    const g = passes(convBnRelu);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Conv']);
    expect(g.nodes[0].outputs).toEqual(['y']);
    expect(g.nodes[0].attributes['onnx2mcu.activation']).toEqual({ kind: 'floats', value: [0, Infinity] });
    // bias = (0 - mean) * gamma / sqrt(var + eps) + beta = 1 for both channels
    const bias = g.initializers.get(g.nodes[0].inputs[2])!.data as Float32Array;
    expect(Array.from(bias)).toEqual([1, 1]);
    expect(g.initializers.has('g')).toBe(false);
  });

  it('keeps the Conv output when something else reads it', () => {
    const g = passes({ ...convBnRelu, outputs: [{ name: 'y', dtype: 'float32' }, { name: 'c', dtype: 'float32' }] });
    expect(g.nodes.map((n) => n.opType)).toEqual(['Conv', 'BatchNormalization', 'Relu']);
  });

  it('turns Constant nodes into initializers and drops dead nodes', () => {
    const g = passes({
      inputs: [{ name: 'x', dtype: 'float32', shape: [2, 6] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['shape'], attrs: { value_ints: [3, 4] } },
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] },
        { op: 'Relu', inputs: ['x'], outputs: ['unused'] },
      ],
    });
    expect(g.nodes.map((n) => n.opType)).toEqual(['Reshape']);
    expect(g.values.get('y')!.shape).toEqual([3, 4]);
  });
});
