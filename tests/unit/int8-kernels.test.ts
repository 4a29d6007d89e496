// The int8 kernels against independent TypeScript integer references (TFLite's formulas), bit
// for bit: a float one-node model is compiled with --quantize int8 on random calibration data,
// run on the host on inputs wider than the calibration range (so inputs and accumulators
// saturate), and the int8 levels it produced are recomputed here from the quantized weights,
// scales and zero points the compiler chose.
import { describe, expect, it } from 'vitest';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { buildModel, type AttrSpec } from '../helpers/onnx-builder.js';
import { floats, product } from '../helpers/op-cases.js';
import {
  calibration, compileInt8, firstDifference, levelsOf, perTensorOf, quantizeLinear, runInt8, wideInput,
} from '../helpers/int8.js';
import { conv2dReference, matmulReference, tableReference, transpose2d } from '../helpers/int8-reference.js';

/** Calibration samples in [lo, hi]; the test input spans 1.5× that, so the border saturates. */

const perTensor = perTensorOf;

interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  attrs: Record<string, AttrSpec>;
  bias?: boolean;
  relu?: boolean;
  range: [number, number];
}

const CONV_CASES: ConvCase[] = [
  { name: 'general 3x3, pads 1, bias', x: [1, 3, 9, 7], w: [5, 3, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true, range: [-1, 2] },
  { name: '1x1 pointwise, fused Relu', x: [1, 8, 5, 5], w: [6, 8, 1, 1], attrs: {}, bias: true, relu: true, range: [0, 3] },
  { name: 'depthwise 3x3, stride 2, asymmetric pads', x: [1, 6, 11, 10], w: [6, 1, 3, 3], attrs: { group: 6, strides: [2, 2], pads: [1, 0, 2, 1] }, bias: true, range: [-0.2, 4] },
  { name: 'grouped, dilated, no bias, batch 2', x: [2, 4, 8, 8], w: [6, 2, 2, 3], attrs: { group: 2, dilations: [2, 1], pads: [1, 1, 0, 2] }, range: [-3, -0.5] },
  { name: '1-D, kernel 5, stride 3, odd length', x: [1, 3, 17], w: [4, 3, 5], attrs: { strides: [3], pads: [2, 1] }, bias: true, range: [-1, 1] },
];

describe('int8 Conv against the TFLite reference formula', () => {
  for (const c of CONV_CASES) {
    it(c.name, async () => {
      const oneD = c.x.length === 3;
      const nodes = [{ op: 'Conv', inputs: ['x', 'w', ...(c.bias ? ['b'] : [])], outputs: [c.relu ? 'c' : 'y'], attrs: c.attrs }];
      if (c.relu) nodes.push({ op: 'Relu', inputs: ['c'], outputs: ['y'], attrs: {} });
      const w = floats('w', c.w, 2, 'float32', -0.5, 0.5);
      const b = floats('b', [c.w[0]], 3, 'float32', -0.3, 0.3);
      const model = buildModel({
        inputs: [{ name: 'x', dtype: 'float32', shape: c.x }],
        outputs: [{ name: 'y', dtype: 'float32' }],
        initializers: [w, ...(c.bias ? [b] : [])].map((t) => ({ ...t, data: t.data as Float32Array })),
        nodes,
      });
      const m = compileInt8(model, calibration('x', c.x, ...c.range), { label: `conv-${c.name}` });
      const x = wideInput('x', c.x, ...c.range);
      const got = (await runInt8(m, { x })).get('y')!;

      const conv = m.node('Conv');
      const xq = quantizeLinear(x.data as Float32Array, m.quant(conv.inputs[0]));
      const wq = m.constant(conv.inputs[1]);
      const inQ = perTensor(m, conv.inputs[0]);
      const outQ = perTensor(m, conv.outputs[0]);
      const wScales = m.quant(conv.inputs[1]).scales;
      expect(wScales).toHaveLength(c.w[0]);
      const pads = (c.attrs.pads as number[] | undefined) ?? [0, 0, 0, 0];
      const geometry = {
        strides: (oneD ? [1, ...((c.attrs.strides as number[]) ?? [1])] : (c.attrs.strides as number[]) ?? [1, 1]) as [number, number],
        pads: (oneD ? [0, pads[0]] : [pads[0], pads[1]]) as [number, number],
        dilations: (oneD ? [1, 1] : (c.attrs.dilations as number[]) ?? [1, 1]) as [number, number],
        group: (c.attrs.group as number) ?? 1,
      };
      const xShape = oneD ? [c.x[0], c.x[1], 1, c.x[2]] : c.x;
      const wShape = oneD ? [c.w[0], c.w[1], 1, c.w[2]] : c.w;
      const outShape = got.shape.slice(2);
      const clamp: [number, number] = c.relu ? [Math.max(-128, outQ.zeroPoint), 127] : [-128, 127];
      const want = conv2dReference(
        xq, xShape, inQ.zeroPoint, wq.data as Int8Array, wShape,
        c.bias ? m.constant(conv.inputs[2]).data as Int32Array : undefined,
        wScales.map((s) => inQ.scale * s / outQ.scale), outQ.zeroPoint,
        oneD ? [1, outShape[0]] : outShape, geometry, clamp,
      );
      const levels = levelsOf(got, m.quant(conv.outputs[0]));
      expect(firstDifference(levels, want)).toBeNull();
      // inputs beyond the calibrated range drive some outputs to the clamp
      expect(levels.some((v) => v === clamp[0] || v === clamp[1])).toBe(true);
    });
  }
});

describe('int8 Gemm and MatMul against the TFLite reference formula', () => {
  it('Gemm transB = 1 (PyTorch Linear), bias, fused Relu', async () => {
    const [M, K, N] = [3, 37, 11];
    const w = floats('w', [N, K], 5, 'float32', -0.4, 0.4);
    const b = floats('b', [N], 6, 'float32', -1, 1);
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [M, K] }], outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [w, b].map((t) => ({ ...t, data: t.data as Float32Array })),
      nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['g'], attrs: { transB: 1 } }, { op: 'Relu', inputs: ['g'], outputs: ['y'] }],
    });
    const m = compileInt8(model, calibration('x', [M, K], -1, 1), { label: 'gemm-transB' });
    const x = wideInput('x', [M, K], -1, 1);
    const got = (await runInt8(m, { x })).get('y')!;
    const g = m.node('Gemm');
    const [inQ, outQ] = [perTensor(m, g.inputs[0]), perTensor(m, g.outputs[0])];
    const wq = m.constant(g.inputs[1]).data as Int8Array;
    const wScales = m.quant(g.inputs[1]).scales;
    expect(m.quant(g.inputs[1]).axis).toBe(0);
    const want = matmulReference(
      quantizeLinear(x.data as Float32Array, m.quant(g.inputs[0])), inQ.zeroPoint, transpose2d(wq, N, K), 0, M, K, N,
      m.constant(g.inputs[2]).data as Int32Array, wScales.map((s) => inQ.scale * s / outQ.scale), outQ.zeroPoint,
      [Math.max(-128, outQ.zeroPoint), 127],
    );
    expect(firstDifference(levelsOf(got, m.quant(g.outputs[0])), want)).toBeNull();
  });

  it('Gemm transB = 0 with alpha, beta and a [1, N] bias', async () => {
    const [M, K, N] = [2, 9, 13];
    const w = floats('w', [K, N], 8, 'float32', -1, 1);
    const b = floats('b', [1, N], 9, 'float32', -1, 1);
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [M, K] }], outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [w, b].map((t) => ({ ...t, data: t.data as Float32Array })),
      nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { alpha: { float: 0.5 }, beta: { float: 2 } } }],
    });
    const m = compileInt8(model, calibration('x', [M, K], -2, 2), { label: 'gemm-alpha' });
    const x = wideInput('x', [M, K], -2, 2);
    const got = (await runInt8(m, { x })).get('y')!;
    const g = m.node('Gemm');
    const [inQ, outQ] = [perTensor(m, g.inputs[0]), perTensor(m, g.outputs[0])];
    const wScales = m.quant(g.inputs[1]).scales;
    expect(m.quant(g.inputs[1]).axis).toBe(1);
    // beta went into the int32 bias: check it against the float bias directly
    const bias = m.constant(g.inputs[2]).data as Int32Array;
    (b.data as Float32Array).forEach((v, n) => expect(Math.abs(bias[n] * inQ.scale * wScales[n] - 2 * v)).toBeLessThanOrEqual(inQ.scale * wScales[n]));
    const want = matmulReference(
      quantizeLinear(x.data as Float32Array, m.quant(g.inputs[0])), inQ.zeroPoint, m.constant(g.inputs[1]).data as Int8Array, 0, M, K, N,
      bias, wScales.map((s) => 0.5 * inQ.scale * s / outQ.scale), outQ.zeroPoint,
    );
    expect(firstDifference(levelsOf(got, m.quant(g.outputs[0])), want)).toBeNull();
  });

  it('MatMul of two activations with broadcast batches (attention scores), per-tensor', async () => {
    const aShape = [2, 3, 5, 16];
    const bShape = [3, 16, 7];
    const model = buildModel({
      inputs: [{ name: 'a', dtype: 'float32', shape: aShape }, { name: 'b', dtype: 'float32', shape: bShape }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }],
    });
    const samples = calibration('a', aShape, -1, 1).map((s, i) => ({ ...s, b: floats('b', bShape, 50 + i, 'float32', -0.5, 2) }));
    const m = compileInt8(model, samples, { label: 'matmul-batched' });
    const a = wideInput('a', aShape, -1, 1);
    const b = wideInput('b', bShape, -0.5, 2, 8);
    const got = (await runInt8(m, { a, b })).get('y')!;
    const mm = m.node('MatMul');
    const [aQ, bQ, outQ] = [perTensor(m, mm.inputs[0]), perTensor(m, mm.inputs[1]), perTensor(m, mm.outputs[0])];
    const aq = quantizeLinear(a.data as Float32Array, m.quant(mm.inputs[0]));
    const bq = quantizeLinear(b.data as Float32Array, m.quant(mm.inputs[1]));
    const [M, K, N] = [5, 16, 7];
    const want: number[] = [];
    for (let i = 0; i < 2; i++) {
      for (let h = 0; h < 3; h++) {
        const aSlice = aq.subarray(((i * 3) + h) * M * K, ((i * 3) + h + 1) * M * K);
        const bSlice = bq.subarray(h * K * N, (h + 1) * K * N);
        want.push(...matmulReference(aSlice, aQ.zeroPoint, bSlice, bQ.zeroPoint, M, K, N, undefined, [aQ.scale * bQ.scale / outQ.scale], outQ.zeroPoint));
      }
    }
    expect(firstDifference(levelsOf(got, m.quant(mm.outputs[0])), want)).toBeNull();
  });

  it('MatMul with a constant B is a per-column weight', async () => {
    const [M, K, N] = [4, 24, 9];
    const w = floats('w', [K, N], 11, 'float32', -0.3, 0.3);
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [M, K] }], outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [{ ...w, data: w.data as Float32Array }],
      nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
    });
    const m = compileInt8(model, calibration('x', [M, K], 0, 6), { label: 'matmul-weight' });
    const x = wideInput('x', [M, K], 0, 6);
    const got = (await runInt8(m, { x })).get('y')!;
    const mm = m.node('MatMul');
    const [inQ, outQ] = [perTensor(m, mm.inputs[0]), perTensor(m, mm.outputs[0])];
    expect(inQ.zeroPoint).toBe(-128);
    const wScales = m.quant(mm.inputs[1]).scales;
    expect(wScales).toHaveLength(N);
    const want = matmulReference(
      quantizeLinear(x.data as Float32Array, m.quant(mm.inputs[0])), inQ.zeroPoint, m.constant(mm.inputs[1]).data as Int8Array, 0, M, K, N,
      undefined, wScales.map((s) => inQ.scale * s / outQ.scale), outQ.zeroPoint,
    );
    expect(firstDifference(levelsOf(got, m.quant(mm.outputs[0])), want)).toBeNull();
  });
});

describe('element-wise functions as 256-entry tables', () => {
  const erf = (x: number) => {
    // Abramowitz-Stegun 7.1.26 is too coarse here; integrate the series instead
    let sum = 0;
    let term = x;
    for (let n = 0; n < 60; n++) {
      sum += term / (2 * n + 1);
      term *= (-x * x) / (n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  };
  const FUNCTIONS: { op: string; attrs?: Record<string, AttrSpec>; f: (x: number) => number; range: [number, number] }[] = [
    { op: 'Sigmoid', f: (x) => 1 / (1 + Math.exp(-x)), range: [-6, 6] },
    { op: 'Tanh', f: Math.tanh, range: [-3, 3] },
    { op: 'HardSigmoid', attrs: { alpha: 0.2, beta: 0.5 }, f: (x) => Math.max(0, Math.min(1, 0.2 * x + 0.5)), range: [-4, 4] },
    { op: 'HardSwish', f: (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)), range: [-5, 5] },
    { op: 'LeakyRelu', attrs: { alpha: 0.1 }, f: (x) => (x < 0 ? 0.1 * x : x), range: [-2, 5] },
    { op: 'Exp', f: Math.exp, range: [-4, 1] },
    { op: 'Erf', f: erf, range: [-2, 2] },
  ];
  it('SiLU as PyTorch exports it (Sigmoid, Mul) becomes one table', async () => {
    const shape = [1, 4, 9];
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape }], outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [{ op: 'Sigmoid', inputs: ['x'], outputs: ['s'] }, { op: 'Mul', inputs: ['x', 's'], outputs: ['y'] }],
    });
    const m = compileInt8(model, calibration('x', shape, -5, 5), { label: 'table-silu' });
    const x = wideInput('x', shape, -5, 5);
    const got = (await runInt8(m, { x })).get('y')!;
    expect(m.graph.nodes.map((n) => n.opType)).toEqual(['QuantizeLinear', 'Int8Lookup', 'DequantizeLinear']);
    const lookup = m.node('Int8Lookup');
    const table = m.constant(lookup.inputs[1]).data as Int8Array;
    const xq = quantizeLinear(x.data as Float32Array, m.quant(lookup.inputs[0]));
    expect(firstDifference(levelsOf(got, m.quant(lookup.outputs[0])), Array.from(xq, (q) => table[q + 128]))).toBeNull();
    const want = tableReference((v) => v / (1 + Math.exp(-v)), perTensor(m, lookup.inputs[0]), perTensor(m, lookup.outputs[0]));
    table.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1));
  });

  for (const fn of FUNCTIONS) {
    it(`${fn.op}: the kernel reads the table, and the table is the function within one level`, async () => {
      const shape = [2, 3, 7];
      const model = buildModel({
        opset: 14,
        inputs: [{ name: 'x', dtype: 'float32', shape }], outputs: [{ name: 'y', dtype: 'float32' }],
        nodes: [{ op: fn.op, inputs: ['x'], outputs: ['y'], attrs: fn.attrs }],
      });
      const m = compileInt8(model, calibration('x', shape, ...fn.range), { label: `table-${fn.op}` });
      const x = wideInput('x', shape, ...fn.range);
      const got = (await runInt8(m, { x })).get('y')!;
      const lookup = m.node('Int8Lookup');
      const table = m.constant(lookup.inputs[1]).data as Int8Array;
      const xq = quantizeLinear(x.data as Float32Array, m.quant(lookup.inputs[0]));
      expect(firstDifference(levelsOf(got, m.quant(lookup.outputs[0])), Array.from(xq, (q) => table[q + 128]))).toBeNull();
      const want = tableReference(fn.f, perTensor(m, lookup.inputs[0]), perTensor(m, lookup.outputs[0]));
      table.forEach((v, i) => expect(Math.abs(v - want[i]), `${fn.op} level ${i - 128}`).toBeLessThanOrEqual(1));
      expect(product(got.shape)).toBe(product(shape));
    });
  }
});

describe('the quantize pass', () => {
  it('gives a constant shared by two readers that need different scales one int8 copy each', async () => {
    // Two Pads share constant_value 0.5; each pads at its own input's scale.
    const shape = [1, 2, 3, 3];
    const model = buildModel({
      inputs: [{ name: 'a', dtype: 'float32', shape }, { name: 'b', dtype: 'float32', shape }],
      outputs: [{ name: 'ya', dtype: 'float32' }, { name: 'yb', dtype: 'float32' }],
      initializers: [
        { name: 'pads', dtype: 'int64', shape: [8], data: [0, 0, 1, 1, 0, 0, 1, 1] },
        { name: 'half', dtype: 'float32', shape: [], data: [0.5] },
      ],
      nodes: [
        { op: 'Pad', inputs: ['a', 'pads', 'half'], outputs: ['ya'] },
        { op: 'Pad', inputs: ['b', 'pads', 'half'], outputs: ['yb'] },
      ],
    });
    const samples = calibration('a', shape, -1, 1).map((s, i) => ({ ...s, b: floats('b', shape, 60 + i, 'float32', -8, 8) }));
    const m = compileInt8(model, samples, { label: 'shared-constant' });
    const outputs = await runInt8(m, { a: floats('a', shape, 1, 'float32', -1, 1), b: floats('b', shape, 2, 'float32', -8, 8) });
    for (const name of ['ya', 'yb']) {
      const padded = outputs.get(name)!.data as Float32Array;
      const step = m.quant(m.graph.nodes.find((n) => n.outputs[0] === `${name}::int8`)!.inputs[0]).scales[0];
      expect(Math.abs(padded[0] - 0.5), name).toBeLessThanOrEqual(step / 2 + 1e-7); // a corner is padding
    }
  });
});
