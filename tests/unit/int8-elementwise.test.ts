// int8 element-wise arithmetic (Add, Sub, Mul with broadcasting), Concat with rescaling, data
// movement (Pad, Transpose, Slice, Split, Gather, DepthToSpace, SpaceToDepth, Tile, Expand),
// AveragePool, GlobalAveragePool and ReduceMean, bit for bit: a float one-node model is
// compiled with --quantize int8 on random calibration data, run on the host on inputs wider
// than the calibration range (so the border saturates), and the int8 levels are recomputed
// here from TFLite's reference formulas (tests/helpers/int8-reference-elementwise.ts) or, for
// pure data movement, from ONNX Runtime's float output quantized with the input's scale.
import { describe, expect, it } from 'vitest';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { buildModel, type AttrSpec, type InitializerSpec, type NodeSpec } from '../helpers/onnx-builder.js';
import { floats, ints, product } from '../helpers/op-cases.js';
import { runOrt } from '../helpers/ort.js';
import {
  compileInt8, firstDifference, levelsOf, perTensorOf, quantizeLinear, runInt8, wideInput as wideInputOf, type Int8Model, type Sample,
} from '../helpers/int8.js';
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../../compiler/quantize/fixed-point.js';
import { matmulReference } from '../helpers/int8-reference.js';
import {
  addReference, avgPoolReference, concatLevels, globalAvgPoolReference, mulReference, reduceMeanReference,
  requantizeReference, type PoolGeometry,
} from '../helpers/int8-reference-elementwise.js';

interface InputSpec {
  name: string;
  shape: number[];
  range: [number, number];
}

/** Calibration samples with every input in its range; the test inputs span 1.5× that. */
function calibration(inputs: InputSpec[], count = 4): Sample[] {
  return Array.from({ length: count }, (_, i) => Object.fromEntries(inputs.map((s, k) =>
    [s.name, floats(s.name, s.shape, 100 + 10 * k + i, 'float32', ...s.range)])));
}

const wideInput = (s: InputSpec, seed: number): ConstTensor => wideInputOf(s.name, s.shape, ...s.range, seed);

const perTensor = perTensorOf;

const init = (t: ConstTensor): InitializerSpec => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: t.data as Float32Array });

/** The kernel the compiled model calls for a node. */
function kernelsOf(m: Int8Model, node: string): string[] {
  return m.compiled.lowered.steps.filter((s) => s.node === node).map((s) => s.kernel);
}

function expectInt8Everywhere(m: Int8Model): void {
  expect(m.compiled.manifest.quantization?.floatNodes ?? []).toEqual([]);
}

// ---- Add, Sub, Mul ------------------------------------------------------------------------

interface BinaryCase {
  name: string;
  op: 'Add' | 'Sub' | 'Mul';
  a: InputSpec;
  b: InputSpec;
  /** B is an initializer (a bias or a scale) rather than a second input. */
  constantB?: boolean;
  relu?: boolean;
}

const spec = (name: string, shape: number[], range: [number, number]): InputSpec => ({ name, shape, range });

const BINARY_CASES: BinaryCase[] = [
  { name: 'Add, same shapes, negative zero points', op: 'Add', a: spec('a', [2, 3, 5], [-0.2, 4]), b: spec('b', [2, 3, 5], [-3, -0.5]) },
  { name: 'Add, a scalar constant', op: 'Add', a: spec('a', [3, 7], [-1, 2]), b: spec('b', [], [0.3, 0.5]), constantB: true },
  { name: 'Add, a row', op: 'Add', a: spec('a', [4, 7], [-1, 1]), b: spec('b', [7], [-0.2, 4]) },
  { name: 'Add, a column', op: 'Add', a: spec('a', [5, 6], [-2, 2]), b: spec('b', [5, 1], [0, 1]) },
  { name: 'Add, rank 4 with size-1 axes on both sides', op: 'Add', a: spec('a', [2, 1, 4, 3], [-1, 3]), b: spec('b', [1, 3, 1, 3], [-2, 0.5]) },
  { name: 'Add, rank 6 that cannot merge', op: 'Add', a: spec('a', [2, 1, 3, 1, 2, 3], [-1, 1]), b: spec('b', [1, 2, 1, 2, 1, 3], [-1, 1]) },
  { name: 'Add of a constant bias, fused Relu', op: 'Add', a: spec('a', [3, 8], [-2, 2]), b: spec('b', [8], [-0.5, 0.5]), constantB: true, relu: true },
  { name: 'Sub, broadcast B, negative zero points', op: 'Sub', a: spec('a', [2, 3, 4], [-3, -0.5]), b: spec('b', [3, 1], [-1, 1]) },
  { name: 'Sub, broadcast A', op: 'Sub', a: spec('a', [1, 5], [-0.2, 4]), b: spec('b', [4, 5], [-1, 2]) },
  { name: 'Sub, fused Relu', op: 'Sub', a: spec('a', [6, 5], [-1, 1]), b: spec('b', [6, 5], [-1, 1]), relu: true },
  { name: 'Mul, same shapes', op: 'Mul', a: spec('a', [3, 11], [-1, 2]), b: spec('b', [3, 11], [-0.2, 4]) },
  { name: 'Mul by a per-channel constant scale', op: 'Mul', a: spec('a', [2, 4, 3, 3], [-1, 1]), b: spec('b', [1, 4, 1, 1], [0.5, 2]), constantB: true },
  { name: 'Mul by a scalar input, negative zero points', op: 'Mul', a: spec('a', [4, 5], [-3, -0.5]), b: spec('b', [1], [-3, -0.5]) },
  { name: 'Mul, rank 4 broadcast, fused Relu', op: 'Mul', a: spec('a', [2, 3, 1, 5], [-1, 1]), b: spec('b', [3, 4, 1], [-2, 2]), relu: true },
];

describe('int8 Add, Sub and Mul against the TFLite reference formulas', () => {
  for (const c of BINARY_CASES) {
    it(c.name, async () => {
      const bConst = floats('b', c.b.shape, 3, 'float32', ...c.b.range);
      const nodes: NodeSpec[] = [{ op: c.op, inputs: ['a', 'b'], outputs: [c.relu ? 'r' : 'y'] }];
      if (c.relu) nodes.push({ op: 'Relu', inputs: ['r'], outputs: ['y'] });
      const inputs = c.constantB ? [c.a] : [c.a, c.b];
      const model = buildModel({
        inputs: inputs.map((s) => ({ name: s.name, dtype: 'float32', shape: s.shape })),
        outputs: [{ name: 'y', dtype: 'float32' }],
        initializers: c.constantB ? [init(bConst)] : [],
        nodes,
      });
      const m = compileInt8(model, calibration(inputs), { label: `binary-${c.name}` });
      expectInt8Everywhere(m);
      const feeds = Object.fromEntries(inputs.map((s, k) => [s.name, wideInput(s, 7 + k)]));
      const got = (await runInt8(m, feeds)).get('y')!;

      const node = m.node(c.op);
      expect(kernelsOf(m, node.name)).toEqual([c.op === 'Mul' ? 'o2m_mul_i8' : 'o2m_add_i8']);
      const aQ = perTensor(m, node.inputs[0]);
      const bQ = perTensor(m, node.inputs[1]);
      const outQ = perTensor(m, node.outputs[0]);
      const aq = quantizeLinear(feeds.a.data as Float32Array, m.quant(node.inputs[0]));
      const bq = c.constantB ? m.constant(node.inputs[1]).data as Int8Array : quantizeLinear(feeds.b.data as Float32Array, m.quant(node.inputs[1]));
      if (c.constantB) {
        // the constant kept its own per-tensor scale, and its levels are its values
        expect(m.quant(node.inputs[1]).scales).toHaveLength(1);
        (bConst.data as Float32Array).forEach((v, i) => expect(Math.abs((bq[i] - bQ.zeroPoint) * bQ.scale - v)).toBeLessThanOrEqual(bQ.scale / 2 + 1e-7));
      }
      const clamp: [number, number] = c.relu ? [Math.max(-128, outQ.zeroPoint), 127] : [-128, 127];
      const want = c.op === 'Mul'
        ? mulReference(aq, c.a.shape, aQ, bq, c.b.shape, bQ, outQ, clamp)
        : addReference(aq, c.a.shape, aQ, bq, c.b.shape, bQ, outQ, c.op === 'Sub', clamp);
      const levels = levelsOf(got, m.quant(node.outputs[0]));
      expect(got.shape).toEqual(m.graph.values.get(node.outputs[0])!.shape);
      expect(firstDifference(levels, want)).toBeNull();
      // inputs beyond the calibrated range drive some outputs to the clamp
      expect(levels.some((v) => v === clamp[0] || v === clamp[1])).toBe(true);
    });
  }

  it('a bias added after MatMul: the constant gets its own per-tensor scale', async () => {
    const [M, K, N] = [3, 10, 6];
    const w = floats('w', [K, N], 81, 'float32', -0.4, 0.4);
    const bias = floats('bias', [N], 82, 'float32', -1, 0.6);
    const x = spec('x', [M, K], [-0.2, 4]);
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [M, K] }], outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [init(w), init(bias)],
      nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['h'] }, { op: 'Add', inputs: ['h', 'bias'], outputs: ['y'] }],
    });
    const m = compileInt8(model, calibration([x]), { label: 'binary-matmul-bias' });
    expectInt8Everywhere(m);
    const input = wideInput(x, 83);
    const got = (await runInt8(m, { x: input })).get('y')!;
    const mm = m.node('MatMul');
    const add = m.node('Add');
    expect(add.inputs[0]).toBe(mm.outputs[0]);
    const [inQ, hQ] = [perTensor(m, mm.inputs[0]), perTensor(m, mm.outputs[0])];
    const wScales = m.quant(mm.inputs[1]).scales;
    const h = matmulReference(
      quantizeLinear(input.data as Float32Array, m.quant(mm.inputs[0])), inQ.zeroPoint, m.constant(mm.inputs[1]).data as Int8Array, 0, M, K, N,
      undefined, wScales.map((sw) => inQ.scale * sw / hQ.scale), hQ.zeroPoint,
    );
    const bQ = perTensor(m, add.inputs[1]);
    expect(m.quant(add.inputs[1]).scales).toHaveLength(1);
    const want = addReference(h, [M, N], hQ, m.constant(add.inputs[1]).data as Int8Array, [N], bQ, perTensor(m, add.outputs[0]));
    expect(firstDifference(levelsOf(got, m.quant(add.outputs[0])), want)).toBeNull();
  });

  it('Div of two activations, or by a negative constant, stays float between a dequantize and a quantize', async () => {
    const a = spec('a', [3, 4], [-1, 1]);
    const b = spec('b', [3, 4], [1, 2]);
    const c = floats('c', [], 0, 'float32', -2, -2);
    const model = buildModel({
      inputs: [a, b].map((s) => ({ name: s.name, dtype: 'float32', shape: s.shape })),
      outputs: [{ name: 'y', dtype: 'float32' }, { name: 'z', dtype: 'float32' }],
      initializers: [init(c)],
      nodes: [{ op: 'Div', inputs: ['a', 'b'], outputs: ['y'] }, { op: 'Div', inputs: ['a', 'c'], outputs: ['z'] }],
    });
    const m = compileInt8(model, calibration([a, b]), { label: 'binary-div' });
    expect(m.compiled.manifest.quantization?.floatNodes.map((f) => f.opType)).toEqual(['Div', 'Div']);
  });

  for (const c of [
    { name: 'Div by a scalar constant, negative zero point', x: spec('x', [2, 3, 5], [-0.2, 4]), divisor: 2.5, shape: [] as number[] },
    { name: 'Div by a [1, 1] constant, fused Relu', x: spec('x', [4, 6], [-1, 1]), divisor: 0.125, shape: [1, 1], relu: true },
  ]) {
    it(c.name, async () => {
      const divisor = floats('d', c.shape, 0, 'float32', c.divisor, c.divisor);
      const nodes: NodeSpec[] = [{ op: 'Div', inputs: ['x', 'd'], outputs: [c.relu ? 'r' : 'y'] }];
      if (c.relu) nodes.push({ op: 'Relu', inputs: ['r'], outputs: ['y'] });
      const model = buildModel({
        inputs: [{ name: 'x', dtype: 'float32', shape: c.x.shape }], outputs: [{ name: 'y', dtype: 'float32' }],
        initializers: [init(divisor)], nodes,
      });
      const m = compileInt8(model, calibration([c.x]), { label: `binary-${c.name}` });
      expectInt8Everywhere(m);
      const x = wideInput(c.x, 9);
      const got = (await runInt8(m, { x })).get('y')!;
      const node = m.node('Div');
      expect(kernelsOf(m, node.name)).toEqual(['o2m_requantize_copy_i8']);
      const [xQ, dQ, outQ] = [perTensor(m, node.inputs[0]), perTensor(m, node.inputs[1]), perTensor(m, node.outputs[0])];
      // the divisor, a single level at the end of its range [0, c], comes back to float32 precision
      const level = (m.constant(node.inputs[1]).data as Int8Array)[0];
      const recovered = (level - dQ.zeroPoint) * dQ.scale;
      expect(Math.abs(recovered - c.divisor)).toBeLessThanOrEqual(c.divisor * 2 ** -22);
      const clamp: [number, number] = c.relu ? [Math.max(-128, outQ.zeroPoint), 127] : [-128, 127];
      const q = quantizeMultiplier(xQ.scale / (recovered * outQ.scale));
      const xq = quantizeLinear(x.data as Float32Array, m.quant(node.inputs[0]));
      const want = Array.from(xq, (v) => Math.max(clamp[0], Math.min(clamp[1], multiplyByQuantizedMultiplier(v - xQ.zeroPoint, q) + outQ.zeroPoint)));
      const levels = levelsOf(got, m.quant(node.outputs[0]));
      expect(firstDifference(levels, want)).toBeNull();
      // and it is the float division, to within a level, wherever neither side saturates
      const float = (await runOrt(model, { x })).y.data as Float32Array;
      float.forEach((v, i) => {
        if (levels[i] > clamp[0] && levels[i] < clamp[1] && xq[i] > -128 && xq[i] < 127) {
          expect(Math.abs((levels[i] - outQ.zeroPoint) * outQ.scale - v)).toBeLessThanOrEqual(outQ.scale + xQ.scale / c.divisor / 2);
        }
      });
    });
  }
});

// ---- Concat ------------------------------------------------------------------------------

describe('int8 Concat rescales the inputs whose scale differs from the output', () => {
  it('three inputs along axis 1: one copied, one and a constant rescaled', async () => {
    // x holds the extremes of everything concatenated, so the output takes x's scale exactly.
    const x = spec('x', [2, 3, 4], [-2, 3]);
    const y = spec('y', [2, 2, 4], [-0.5, 1]);
    const z = floats('z', [2, 1, 4], 5, 'float32', -1, 0.8);
    const model = buildModel({
      inputs: [x, y].map((s) => ({ name: s.name, dtype: 'float32', shape: s.shape })),
      outputs: [{ name: 'c', dtype: 'float32' }],
      initializers: [init(z)],
      nodes: [{ op: 'Concat', inputs: ['x', 'y', 'z'], outputs: ['c'], attrs: { axis: 1 } }],
    });
    const m = compileInt8(model, calibration([x, y]), { label: 'concat-3' });
    expectInt8Everywhere(m);
    const feeds = { x: wideInput(x, 11), y: wideInput(y, 12) };
    const got = (await runInt8(m, feeds)).get('c')!;
    const node = m.node('Concat');
    const outQ = perTensor(m, node.outputs[0]);
    expect(perTensor(m, node.inputs[0])).toEqual(outQ);
    expect(kernelsOf(m, node.name)).toEqual(['o2m_copy_strided', 'o2m_requantize_copy_i8', 'o2m_requantize_copy_i8']);
    const xq = quantizeLinear(feeds.x.data as Float32Array, m.quant(node.inputs[0]));
    const yq = requantizeReference(quantizeLinear(feeds.y.data as Float32Array, m.quant(node.inputs[1])), perTensor(m, node.inputs[1]), outQ);
    const zq = requantizeReference(m.constant(node.inputs[2]).data as Int8Array, perTensor(m, node.inputs[2]), outQ);
    const want = concatLevels([{ data: xq, shape: x.shape }, { data: yq, shape: y.shape }, { data: zq, shape: z.shape }], 1);
    expect(firstDifference(levelsOf(got, m.quant(node.outputs[0])), want)).toBeNull();
  });

  it('two inputs along the last axis, negative zero points, both rescaled', async () => {
    const x = spec('x', [3, 2, 5], [-3, -0.5]);
    const y = spec('y', [3, 2, 3], [-0.2, 4]);
    const model = buildModel({
      inputs: [x, y].map((s) => ({ name: s.name, dtype: 'float32', shape: s.shape })),
      outputs: [{ name: 'c', dtype: 'float32' }],
      nodes: [{ op: 'Concat', inputs: ['x', 'y'], outputs: ['c'], attrs: { axis: -1 } }],
    });
    const m = compileInt8(model, calibration([x, y]), { label: 'concat-last' });
    const feeds = { x: wideInput(x, 13), y: wideInput(y, 14) };
    const got = (await runInt8(m, feeds)).get('c')!;
    const node = m.node('Concat');
    const outQ = perTensor(m, node.outputs[0]);
    expect(kernelsOf(m, node.name)).toEqual(['o2m_requantize_copy_i8', 'o2m_requantize_copy_i8']);
    const parts = [x, y].map((s, i) => ({
      data: requantizeReference(quantizeLinear(feeds[s.name as 'x' | 'y'].data as Float32Array, m.quant(node.inputs[i])), perTensor(m, node.inputs[i]), outQ),
      shape: s.shape,
    }));
    const levels = levelsOf(got, m.quant(node.outputs[0]));
    expect(firstDifference(levels, concatLevels(parts, 2))).toBeNull();
    expect(levels.some((v) => v === -128) && levels.some((v) => v === 127)).toBe(true);
  });
});

// ---- data movement: the input's scale, levels moved unchanged -----------------------------

interface MoveCase {
  name: string;
  op: string;
  x: InputSpec;
  attrs?: Record<string, AttrSpec>;
  /** Further inputs as initializers (int64 indices, pads, starts ...). */
  constants?: ConstTensor[];
  outputs?: number;
  opset?: number;
  /** The first input is this constant rather than the graph input x (an embedding table). */
  table?: ConstTensor;
  /** Kernels the node must run on. */
  kernel?: string;
}

const i64 = (name: string, shape: number[], values: number[]) => ints(name, 'int64', shape, values);

const MOVE_CASES: MoveCase[] = [
  { name: 'Transpose rank 4', op: 'Transpose', x: spec('x', [2, 3, 4, 5], [-0.2, 4]), attrs: { perm: [0, 2, 3, 1] } },
  {
    name: 'Slice with a negative step', op: 'Slice', x: spec('x', [4, 6, 5], [-3, -0.5]),
    constants: [i64('starts', [2], [1, -1]), i64('ends', [2], [4, -6]), i64('axes', [2], [0, 2]), i64('steps', [2], [1, -2])],
  },
  { name: 'Split into uneven parts', op: 'Split', x: spec('x', [2, 7, 3], [-1, 2]), attrs: { axis: 1 }, constants: [i64('split', [2], [2, 5])], outputs: 2 },
  { name: 'Gather along axis 1 with constant indices', op: 'Gather', x: spec('x', [3, 5, 4], [-0.2, 4]), attrs: { axis: 1 }, constants: [i64('idx', [2, 2], [4, 0, -1, 2])] },
  { name: 'GatherElements', op: 'GatherElements', x: spec('x', [3, 4], [-1, 1]), attrs: { axis: 1 }, constants: [i64('idx', [3, 2], [3, 0, 1, 1, 2, -4])] },
  { name: 'GatherND', op: 'GatherND', x: spec('x', [3, 4, 2], [-1, 1]), constants: [i64('idx', [2, 2], [2, 1, 0, 3])] },
  { name: 'DepthToSpace DCR', op: 'DepthToSpace', x: spec('x', [1, 8, 2, 3], [-1, 2]), attrs: { blocksize: 2 } },
  { name: 'DepthToSpace CRD', op: 'DepthToSpace', x: spec('x', [2, 4, 3, 2], [-1, 2]), attrs: { blocksize: 2, mode: 'CRD' } },
  { name: 'SpaceToDepth', op: 'SpaceToDepth', x: spec('x', [1, 2, 4, 6], [-3, -0.5]), attrs: { blocksize: 2 } },
  { name: 'Tile', op: 'Tile', x: spec('x', [2, 3], [-1, 1]), constants: [i64('repeats', [2], [2, 3])] },
  { name: 'Expand', op: 'Expand', x: spec('x', [3, 1], [-1, 1]), constants: [i64('shape', [3], [2, 3, 4])] },
  { name: 'Pad, constant 0 at a negative zero point', op: 'Pad', x: spec('x', [1, 2, 3, 4], [-0.2, 4]), constants: [i64('pads', [8], [0, 0, 1, 2, 0, 1, 0, 1])] },
  {
    name: 'Pad, a constant_value of 0.7', op: 'Pad', x: spec('x', [2, 3, 4], [-1, 2]),
    constants: [i64('pads', [6], [0, 1, 2, 1, 0, 1]), floats('value', [], 0, 'float32', 0.7, 0.7)],
  },
  { name: 'Pad-2, value attribute -0.3', op: 'Pad', x: spec('x', [3, 5], [-1, 1]), opset: 10, attrs: { pads: [1, 2, 0, 1], value: -0.3 } },
  { name: 'Pad, reflect', op: 'Pad', x: spec('x', [2, 5, 4], [-1, 1]), attrs: { mode: 'reflect' }, constants: [i64('pads', [6], [0, 2, 1, 0, 1, 3])] },
  { name: 'Pad, edge', op: 'Pad', x: spec('x', [2, 5, 4], [-1, 1]), attrs: { mode: 'edge' }, constants: [i64('pads', [6], [1, 0, 2, 0, 3, 1])] },
  { name: 'ReduceMax keeps the scale', op: 'ReduceMax', x: spec('x', [3, 4, 5], [-0.2, 4]), attrs: { axes: [0, 2], keepdims: 0 } },
  { name: 'ReduceMin keeps the scale', op: 'ReduceMin', x: spec('x', [3, 4, 5], [-3, -0.5]), attrs: { axes: [1] } },
];

describe('int8 data movement keeps the input scale and moves levels unchanged', () => {
  for (const c of MOVE_CASES) {
    it(c.name, async () => {
      const constants = c.constants ?? [];
      const outputs = Array.from({ length: c.outputs ?? 1 }, (_, i) => `y${i}`);
      const model = buildModel({
        opset: c.opset ?? 13,
        inputs: [{ name: 'x', dtype: 'float32', shape: c.x.shape }],
        outputs: outputs.map((name) => ({ name, dtype: 'float32' })),
        initializers: constants.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: t.data as Float32Array })),
        nodes: [{ op: c.op, inputs: ['x', ...constants.map((t) => t.name)], outputs, attrs: c.attrs }],
      });
      const m = compileInt8(model, calibration([c.x]), { label: `move-${c.name}` });
      expectInt8Everywhere(m);
      const x = wideInput(c.x, 21);
      const got = await runInt8(m, { x });
      const want = await runOrt(model, { x });
      const node = m.node(c.op);
      const inQ = m.quant(node.inputs[0]);
      outputs.forEach((name, i) => {
        expect(m.quant(node.outputs[i])).toEqual(inQ);
        const levels = levelsOf(got.get(name)!, inQ);
        expect(got.get(name)!.shape).toEqual(want[name].shape);
        expect(firstDifference(levels, quantizeLinear(want[name].data as Float32Array, inQ))).toBeNull();
      });
      if (c.op === 'Pad' && c.attrs?.mode === undefined) {
        // the padded corner holds the constant, quantized at the input's scale
        const value = c.constants?.[1] ? (c.constants[1].data as Float32Array)[0] : ((c.attrs?.value as number | undefined) ?? 0);
        const { scale, zeroPoint } = perTensor(m, node.inputs[0]);
        const level = Math.max(-128, Math.min(127, Math.sign(value / scale) * Math.round(Math.abs(value / scale)) + zeroPoint));
        expect(levelsOf(got.get('y0')!, inQ)[0]).toBe(level);
        if (value === 0) expect(level).toBe(zeroPoint);
        if (value === 0) expect(zeroPoint).not.toBe(0);
      }
    });
  }

  it('Gather from a constant embedding table shares the table\'s scale', async () => {
    const table = floats('table', [10, 6], 31, 'float32', -0.8, 1.5);
    const ids = i64('ids', [2, 3], [0, 9, 4, 4, -1, 7]);
    const model = buildModel({
      inputs: [{ name: 'ids', dtype: 'int64', shape: [2, 3] }],
      outputs: [{ name: 'e', dtype: 'float32' }],
      initializers: [init(table)],
      nodes: [{ op: 'Gather', inputs: ['table', 'ids'], outputs: ['e'], attrs: { axis: 0 } }],
    });
    const m = compileInt8(model, [{ ids }, { ids: i64('ids', [2, 3], [1, 2, 3, 5, 6, 8]) }], { label: 'gather-table' });
    expectInt8Everywhere(m);
    const got = (await runInt8(m, { ids })).get('e')!;
    const node = m.node('Gather');
    const tableQ = m.quant(node.inputs[0]);
    expect(tableQ.scales).toHaveLength(1);
    expect(m.quant(node.outputs[0])).toEqual(tableQ);
    const levels = m.constant(node.inputs[0]).data as Int8Array;
    const want: number[] = [];
    for (const id of [0, 9, 4, 4, 9, 7]) for (let j = 0; j < 6; j++) want.push(levels[id * 6 + j]);
    expect(firstDifference(levelsOf(got, tableQ), want)).toBeNull();
    // and the table's levels are its values
    const { scale, zeroPoint } = perTensor(m, node.inputs[0]);
    (table.data as Float32Array).forEach((v, i) => expect(Math.abs((levels[i] - zeroPoint) * scale - v)).toBeLessThanOrEqual(scale / 2 + 1e-7));
  });
});

// ---- AveragePool, GlobalAveragePool, ReduceMean ------------------------------------------

interface PoolCase {
  name: string;
  x: InputSpec;
  kernel: number[];
  strides?: number[];
  pads?: number[];
  countIncludePad?: boolean;
  ceilMode?: boolean;
}

const POOL_CASES: PoolCase[] = [
  { name: '3x3, stride 2, pads 1, padding not counted', x: spec('x', [1, 3, 7, 9], [-0.2, 4]), kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
  { name: '3x3, stride 2, pads 1, count_include_pad', x: spec('x', [1, 3, 7, 9], [-0.2, 4]), kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], countIncludePad: true },
  { name: 'ceil_mode, asymmetric pads, count_include_pad, negative levels', x: spec('x', [2, 2, 6, 7], [-3, -0.5]), kernel: [2, 3], strides: [2, 2], pads: [0, 1, 1, 0], countIncludePad: true, ceilMode: true },
  { name: 'ceil_mode, padding not counted', x: spec('x', [1, 2, 5, 8], [-1, 1]), kernel: [3, 2], strides: [2, 3], pads: [1, 0, 0, 1], ceilMode: true },
  { name: '1-D, kernel 4, stride 3', x: spec('x', [2, 3, 13], [-1, 2]), kernel: [4], strides: [3], pads: [2, 1] },
];

describe('int8 AveragePool and GlobalAveragePool against TFLite\'s rounded mean', () => {
  for (const c of POOL_CASES) {
    it(c.name, async () => {
      const attrs: Record<string, AttrSpec> = { kernel_shape: c.kernel };
      if (c.strides) attrs.strides = c.strides;
      if (c.pads) attrs.pads = c.pads;
      if (c.countIncludePad) attrs.count_include_pad = 1;
      if (c.ceilMode) attrs.ceil_mode = 1;
      const model = buildModel({
        inputs: [{ name: 'x', dtype: 'float32', shape: c.x.shape }],
        outputs: [{ name: 'y', dtype: 'float32' }],
        nodes: [{ op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs }],
      });
      const m = compileInt8(model, calibration([c.x]), { label: `avgpool-${c.name}` });
      expectInt8Everywhere(m);
      const x = wideInput(c.x, 41);
      const got = (await runInt8(m, { x })).get('y')!;
      const node = m.node('AveragePool');
      expect(kernelsOf(m, node.name)).toEqual(['o2m_avgpool2d_i8']);
      const q = m.quant(node.inputs[0]);
      expect(m.quant(node.outputs[0])).toEqual(q);
      const oneD = c.kernel.length === 1;
      const two = (v: number[] | undefined, fill: number): [number, number] => (oneD ? [fill, (v ?? [fill])[0]] : ((v as [number, number]) ?? [fill, fill]));
      const pads = c.pads ?? Array(2 * c.kernel.length).fill(0);
      const half = c.kernel.length;
      const geometry: PoolGeometry = {
        kernel: two(c.kernel, 1),
        strides: two(c.strides, 1),
        padsBegin: two(pads.slice(0, half), 0),
        padsEnd: two(pads.slice(half), 0),
        countIncludePad: c.countIncludePad ?? false,
      };
      const shape = oneD ? [c.x.shape[0], c.x.shape[1], 1, c.x.shape[2]] : c.x.shape;
      const outSpatial = oneD ? [1, got.shape[2]] : got.shape.slice(2);
      const want = avgPoolReference(quantizeLinear(x.data as Float32Array, q), shape, outSpatial, geometry, q.zeroPoints[0]);
      expect(firstDifference(levelsOf(got, q), want)).toBeNull();
      // the float model agrees to within a level or so (ORT is the float reference)
      const float = (await runOrt(model, { x })).y;
      expect(got.shape).toEqual(float.shape);
    });
  }

  it('GlobalAveragePool, negative levels', async () => {
    const x = spec('x', [2, 5, 4, 3], [-3, -0.5]);
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: x.shape }], outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [{ op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }],
    });
    const m = compileInt8(model, calibration([x]), { label: 'global-avgpool' });
    expectInt8Everywhere(m);
    const input = wideInput(x, 43);
    const got = (await runInt8(m, { x: input })).get('y')!;
    const node = m.node('GlobalAveragePool');
    expect(kernelsOf(m, node.name)).toEqual(['o2m_global_avgpool_i8']);
    const q = m.quant(node.inputs[0]);
    expect(m.quant(node.outputs[0])).toEqual(q);
    const want = globalAvgPoolReference(quantizeLinear(input.data as Float32Array, q), 10, 12);
    expect(firstDifference(levelsOf(got, q), want)).toBeNull();
    expect(got.shape).toEqual([2, 5, 1, 1]);
  });
});

interface MeanCase {
  name: string;
  x: InputSpec;
  axes?: number[];
  keepdims: number;
}

const MEAN_CASES: MeanCase[] = [
  { name: 'axes 1 and 3, keepdims', x: spec('x', [2, 3, 4, 5], [-0.2, 4]), axes: [1, 3], keepdims: 1 },
  { name: 'the last axis, no keepdims, negative zero point', x: spec('x', [3, 4, 7], [-3, -0.5]), axes: [-1], keepdims: 0 },
  { name: 'every axis', x: spec('x', [2, 3, 4], [-1, 2]), keepdims: 0 },
  { name: 'outer and inner axes, keepdims', x: spec('x', [3, 2, 5], [-1, 1]), axes: [0, 2], keepdims: 1 },
];

describe('int8 ReduceMean against TFLite\'s Mean', () => {
  for (const c of MEAN_CASES) {
    it(c.name, async () => {
      const attrs: Record<string, AttrSpec> = { keepdims: c.keepdims };
      if (c.axes) attrs.axes = c.axes;
      const model = buildModel({
        inputs: [{ name: 'x', dtype: 'float32', shape: c.x.shape }], outputs: [{ name: 'y', dtype: 'float32' }],
        nodes: [{ op: 'ReduceMean', inputs: ['x'], outputs: ['y'], attrs }],
      });
      const m = compileInt8(model, calibration([c.x]), { label: `mean-${c.name}` });
      expectInt8Everywhere(m);
      const x = wideInput(c.x, 51);
      const got = (await runInt8(m, { x })).get('y')!;
      const node = m.node('ReduceMean');
      expect(kernelsOf(m, node.name)).toEqual(['o2m_reduce_mean_i8']);
      const inQ = perTensor(m, node.inputs[0]);
      const outQ = perTensor(m, node.outputs[0]);
      const axes = c.axes ?? c.x.shape.map((_, i) => i);
      const want = reduceMeanReference(quantizeLinear(x.data as Float32Array, m.quant(node.inputs[0])), c.x.shape, axes, inQ, outQ);
      const levels = levelsOf(got, m.quant(node.outputs[0]));
      expect(firstDifference(levels, want)).toBeNull();
      const float = (await runOrt(model, { x })).y;
      expect(got.shape).toEqual(float.shape);
    });
  }
});

// ---- a small model chaining them ----------------------------------------------------------

describe('a quantized chain of element-wise, movement and pooling ops', () => {
  it('matches the float model within a few quantization steps', async () => {
    const x = spec('x', [1, 4, 6, 6], [-1, 2]);
    const y = spec('y', [1, 2, 6, 6], [-0.5, 1.5]);
    const bias = floats('bias', [1, 4, 1, 1], 61, 'float32', -0.5, 0.5);
    const scale = floats('scale', [1, 6, 1, 1], 62, 'float32', 0.5, 1.5);
    const table = floats('table', [8, 9], 63, 'float32', -1, 1);
    const ids = i64('ids', [2], [3, 6]);
    const row = floats('row', [9], 64, 'float32', -0.3, 0.3);
    const model = buildModel({
      inputs: [
        { name: 'x', dtype: 'float32', shape: x.shape }, { name: 'y', dtype: 'float32', shape: y.shape },
        { name: 'ids', dtype: 'int64', shape: [2] },
      ],
      outputs: [{ name: 'm', dtype: 'float32' }, { name: 'g', dtype: 'float32' }, { name: 'r', dtype: 'float32' }, { name: 'e', dtype: 'float32' }],
      initializers: [init(bias), init(scale), init(table), init(row)],
      nodes: [
        { op: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: { perm: [0, 1, 3, 2] } },
        { op: 'Add', inputs: ['t', 'bias'], outputs: ['a'] },
        { op: 'Relu', inputs: ['a'], outputs: ['ar'] },
        { op: 'Concat', inputs: ['ar', 'y'], outputs: ['c'], attrs: { axis: 1 } },
        { op: 'AveragePool', inputs: ['c'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
        { op: 'Mul', inputs: ['p', 'scale'], outputs: ['m'] },
        { op: 'GlobalAveragePool', inputs: ['p'], outputs: ['g'] },
        { op: 'ReduceMean', inputs: ['m'], outputs: ['r'], attrs: { axes: [2, 3], keepdims: 1 } },
        { op: 'Gather', inputs: ['table', 'ids'], outputs: ['gt'], attrs: { axis: 0 } },
        { op: 'Sub', inputs: ['gt', 'row'], outputs: ['e'] },
      ],
    });
    // The test input is among the calibration samples: a value beyond the calibrated range
    // would saturate, which is not the error this test measures.
    const feeds = { x: floats('x', x.shape, 71, 'float32', -1, 2), y: floats('y', y.shape, 72, 'float32', -0.5, 1.5), ids };
    const samples = [...calibration([x, y]).map((s, i) => ({ ...s, ids: i64('ids', [2], [i, 7 - i]) })), feeds];
    const m = compileInt8(model, samples, { label: 'chain' });
    expectInt8Everywhere(m);
    const got = await runInt8(m, feeds);
    const want = await runOrt(model, feeds);
    for (const name of ['m', 'g', 'r', 'e']) {
      const producer = m.graph.nodes.find((n) => n.outputs.includes(`${name}::int8`))!;
      const step = m.quant(producer.outputs[0]).scales[0];
      const g = got.get(name)!.data as Float32Array;
      const w = want[name].data as Float32Array;
      expect(got.get(name)!.shape).toEqual(want[name].shape);
      let worst = 0;
      w.forEach((v, i) => { worst = Math.max(worst, Math.abs(g[i] - v)); });
      expect(worst, `${name}: worst error ${worst} at a step of ${step}`).toBeLessThanOrEqual(3 * step);
      expect(product(got.get(name)!.shape)).toBe(w.length);
    }
  });
});
