// int8 Softmax, LayerNormalization and RMSNormalization: integer statistics inside, int8 in and
// out. Each case compiles a float model with --quantize int8, runs it on the host and checks
// (1) bit-exact equality with the integer reference of tests/helpers/int8-reference-norm.ts on
// inputs wider than the calibration range (saturating), and (2) that the int8 result stays
// within 2 output steps of ONNX Runtime's float result on a calibration sample.
import { describe, expect, it } from 'vitest';
import type { ConstTensor, Quantization } from '../../compiler/ir/graph.js';
import { buildModel, type ModelSpec } from '../helpers/onnx-builder.js';
import { floats, product } from '../helpers/op-cases.js';
import { runOrt } from '../helpers/ort.js';
import {
  calibration, compileInt8, firstDifference, levelsOf, quantizeLinear, runInt8, wideInput, type Int8Model, type Sample,
} from '../helpers/int8.js';
import { normInt8Reference, softmaxInt8Reference } from '../helpers/int8-reference-norm.js';


const perTensor = (q: Quantization) => ({ scale: q.scales[0], zeroPoint: q.zeroPoints[0] });

/** The largest |got - want| in output steps. */
function worstSteps(got: ConstTensor, want: ConstTensor, scale: number): number {
  const g = got.data as Float32Array;
  const w = want.data as Float32Array;
  expect(g.length).toBe(w.length);
  let worst = 0;
  for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - w[i]) / scale);
  return worst;
}

/** Runs the int8 model and ONNX Runtime on an input inside the calibration range (the first sample). */
async function accuracy(m: Int8Model, model: Uint8Array, sample: Sample, output: string): Promise<number> {
  const got = (await runInt8(m, sample)).get('y')!;
  const want = (await runOrt(model, sample)).y;
  return worstSteps(got, want, m.quant(output).scales[0]);
}

// ---- Softmax ----------------------------------------------------------------------------------

interface SoftmaxCase {
  name: string;
  shape: number[];
  opset: number;
  axis?: number;
  range: [number, number];
}

const SOFTMAX_CASES: SoftmaxCase[] = [
  { name: 'last axis, rows of 7', shape: [3, 7], opset: 13, range: [-3, 2] },
  { name: 'middle axis (opset 13), strided rows of 5', shape: [2, 5, 3], opset: 13, axis: 1, range: [-0.2, 4] },
  { name: 'opset 11 coerces to 2-D at axis 1: rows of 12', shape: [2, 3, 4], opset: 11, axis: 1, range: [-3, -0.5] },
  { name: 'rows of 1', shape: [5, 1], opset: 13, range: [-1, 1] },
  { name: 'rows of 129, wide range', shape: [2, 129], opset: 13, range: [-8, 8] },
  { name: 'first axis (opset 13), negative axis attribute', shape: [6, 2, 2], opset: 13, axis: -3, range: [-2, 0.5] },
];

/** [outer][axis][inner] as ONNX defines the op at each opset, worked out here on its own. */
function softmaxRows(shape: number[], opset: number, axisAttr: number | undefined) {
  const rank = shape.length;
  const axis = ((axisAttr ?? (opset < 13 ? 1 : -1)) + rank) % rank;
  const before = product(shape.slice(0, axis));
  if (opset < 13) return { outer: before, axis: product(shape.slice(axis)), inner: 1 };
  return { outer: before, axis: shape[axis], inner: product(shape.slice(axis + 1)) };
}

describe('int8 Softmax', () => {
  for (const c of SOFTMAX_CASES) {
    it(c.name, async () => {
      const spec: ModelSpec = {
        opset: c.opset,
        inputs: [{ name: 'x', dtype: 'float32', shape: c.shape }],
        outputs: [{ name: 'y', dtype: 'float32' }],
        nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: c.axis === undefined ? {} : { axis: c.axis } }],
      };
      const model = buildModel(spec);
      const samples = calibration('x', c.shape, ...c.range);
      const m = compileInt8(model, samples, { label: `softmax-${c.name}` });
      const softmax = m.node('Softmax');
      expect(m.quant(softmax.outputs[0])).toEqual({ scales: [1 / 256], zeroPoints: [-128] });

      const x = wideInput('x', c.shape, ...c.range);
      const got = (await runInt8(m, { x })).get('y')!;
      const inQ = m.quant(softmax.inputs[0]);
      const xq = quantizeLinear(x.data as Float32Array, inQ);
      const want = softmaxInt8Reference(xq, softmaxRows(c.shape, c.opset, c.axis), inQ.scales[0]);
      const levels = levelsOf(got, m.quant(softmax.outputs[0]));
      expect(firstDifference(levels, want)).toBeNull();

      expect(await accuracy(m, model, samples[0], softmax.outputs[0])).toBeLessThanOrEqual(2);
    });
  }

  it('a row whose maximum dominates saturates at 127, the others at -128', async () => {
    const shape = [2, 9];
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape }], outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'] }],
    });
    const m = compileInt8(model, calibration('x', shape, -10, 10), { label: 'softmax-saturate' });
    const data = new Float32Array(18).fill(-10);
    data[3] = 10;
    data.fill(0.5, 9);
    const x: ConstTensor = { name: 'x', dtype: 'float32', shape, data };
    const levels = levelsOf((await runInt8(m, { x })).get('y')!, m.quant(m.node('Softmax').outputs[0]));
    expect(Array.from(levels.subarray(0, 9))).toEqual([-128, -128, -128, 127, -128, -128, -128, -128, -128]);
    // nine equal values: 256 / 9 = 28.44 -> level 28 - 128
    expect(Array.from(levels.subarray(9))).toEqual(Array(9).fill(-100));
  });

  it('LogSoftmax stays float, and says so', () => {
    const shape = [2, 5];
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape }], outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [{ op: 'LogSoftmax', inputs: ['x'], outputs: ['y'] }],
    });
    const m = compileInt8(model, calibration('x', shape, -1, 1), { label: 'logsoftmax-float' });
    expect(m.compiled.manifest.quantization?.floatNodes).toEqual([expect.objectContaining({ opType: 'LogSoftmax', reason: 'LogSoftmax has no int8 kernel' })]);
  });
});

// ---- LayerNormalization and RMSNormalization ------------------------------------------------------

/** gamma and beta per element of a row, from the int8 weight and int32 bias the quantize pass made. */
function affinePerElement(m: Int8Model, gammaName: string | undefined, biasName: string | undefined, normalized: number[]) {
  const size = product(normalized);
  if (!gammaName) return { gamma: Array(size).fill(1), beta: undefined };
  const g = m.constant(gammaName);
  const gq = m.quant(gammaName);
  const axis = gq.axis ?? 0;
  const gShape = g.shape;
  // coordinates of element i in the normalized shape, broadcast onto gamma's (right-aligned) shape
  const channelOf = (i: number) => {
    const coords: number[] = [];
    let rest = i;
    for (let a = normalized.length - 1; a >= 0; a--) { coords.unshift(rest % normalized[a]); rest = Math.floor(rest / normalized[a]); }
    const own = coords.slice(normalized.length - gShape.length).map((v, a) => (gShape[a] === 1 ? 0 : v));
    let flat = 0;
    own.forEach((v, a) => { flat = flat * gShape[a] + v; });
    return { flat, channel: own[axis] };
  };
  const gamma = Array.from({ length: size }, (_, i) => {
    const { flat, channel } = channelOf(i);
    return (g.data as Int8Array)[flat] * gq.scales[channel];
  });
  if (!biasName) return { gamma, beta: undefined };
  const b = m.constant(biasName).data as Int32Array;
  const bq = m.quant(biasName);
  const beta = Array.from({ length: size }, (_, i) => {
    const { channel } = channelOf(i);
    return b[channel] * bq.scales[channel];
  });
  return { gamma, beta };
}

interface NormCase {
  name: string;
  opType: 'LayerNormalization' | 'RMSNormalization';
  spec: ModelSpec;
  shape: number[];
  normalized: number[];
  epsilon: number;
  range: [number, number];
}

const vector = (name: string, shape: number[], seed: number, lo: number, hi: number) => {
  const t = floats(name, shape, seed, 'float32', lo, hi);
  return { name, dtype: 'float32' as const, shape, data: t.data as Float32Array };
};
const scalar = (name: string, v: number) => ({ name, dtype: 'float32' as const, shape: [], data: [v] });
const io = (shape: number[]) => ({ inputs: [{ name: 'x', dtype: 'float32' as const, shape }], outputs: [{ name: 'y', dtype: 'float32' as const }] });

/** LayerNorm as PyTorch exports it before opset 17; the fusion pass makes one LayerNormalization of it. */
function decomposedLayerNorm(shape: number[], eps: number, gamma: ReturnType<typeof vector>, beta: ReturnType<typeof vector>): ModelSpec {
  return {
    ...io(shape), opset: 13,
    initializers: [scalar('two', 2), scalar('eps', eps), gamma, beta],
    nodes: [
      { op: 'ReduceMean', inputs: ['x'], outputs: ['mean'], attrs: { axes: [-1], keepdims: 1 } },
      { op: 'Sub', inputs: ['x', 'mean'], outputs: ['d'] },
      { op: 'Pow', inputs: ['d', 'two'], outputs: ['sq'] },
      { op: 'ReduceMean', inputs: ['sq'], outputs: ['var'], attrs: { axes: [-1], keepdims: 1 } },
      { op: 'Add', inputs: ['var', 'eps'], outputs: ['vare'] },
      { op: 'Sqrt', inputs: ['vare'], outputs: ['std'] },
      { op: 'Div', inputs: ['d', 'std'], outputs: ['n'] },
      { op: 'Mul', inputs: ['n', gamma.name], outputs: ['s'] },
      { op: 'Add', inputs: ['s', beta.name], outputs: ['y'] },
    ],
  };
}

/** RMSNorm as PyTorch exports it: Pow, ReduceMean, Add, Sqrt, Div[, Mul]. */
function decomposedRmsNorm(shape: number[], eps: number, gamma?: ReturnType<typeof vector>): ModelSpec {
  return {
    ...io(shape), opset: 13,
    ...(gamma ? {} : { outputs: [{ name: 'n', dtype: 'float32' as const }] }),
    initializers: [scalar('two', 2), scalar('eps', eps), ...(gamma ? [gamma] : [])],
    nodes: [
      { op: 'Pow', inputs: ['x', 'two'], outputs: ['sq'] },
      { op: 'ReduceMean', inputs: ['sq'], outputs: ['ms'], attrs: { axes: [-1], keepdims: 1 } },
      { op: 'Add', inputs: ['ms', 'eps'], outputs: ['mse'] },
      { op: 'Sqrt', inputs: ['mse'], outputs: ['rms'] },
      { op: 'Div', inputs: ['x', 'rms'], outputs: ['n'] },
      ...(gamma ? [{ op: 'Mul', inputs: ['n', gamma.name], outputs: ['y'] }] : []),
    ],
  };
}

const NORM_CASES: NormCase[] = [
  {
    name: 'LayerNormalization (opset 17) over the last axis, negative zero point',
    opType: 'LayerNormalization', shape: [3, 4, 10], normalized: [10], epsilon: 1e-5, range: [-0.2, 4],
    spec: {
      ...io([3, 4, 10]), opset: 17,
      initializers: [vector('gamma', [10], 21, -1.5, 1.5), vector('beta', [10], 22, -0.5, 0.5)],
      nodes: [{ op: 'LayerNormalization', inputs: ['x', 'gamma', 'beta'], outputs: ['y'], attrs: { axis: -1 } }],
    },
  },
  {
    name: 'LayerNormalization (opset 17) over two axes, Scale and B varying along the first, large epsilon',
    opType: 'LayerNormalization', shape: [2, 4, 6], normalized: [4, 6], epsilon: 0.05, range: [-3, -0.5],
    spec: {
      ...io([2, 4, 6]), opset: 17,
      initializers: [vector('gamma', [4, 1], 23, 0.5, 2), vector('beta', [4, 1], 24, -1, 1)],
      nodes: [{ op: 'LayerNormalization', inputs: ['x', 'gamma', 'beta'], outputs: ['y'], attrs: { axis: 1, epsilon: { float: 0.05 } } }],
    },
  },
  {
    name: 'LayerNormalization (opset 17) without B, rows of 129',
    opType: 'LayerNormalization', shape: [3, 129], normalized: [129], epsilon: 1e-5, range: [-1, 1],
    spec: {
      ...io([3, 129]), opset: 17,
      initializers: [vector('gamma', [129], 25, -1, 1)],
      nodes: [{ op: 'LayerNormalization', inputs: ['x', 'gamma'], outputs: ['y'] }],
    },
  },
  {
    name: 'LayerNormalization (opset 17) over rows of 1: the output is B',
    opType: 'LayerNormalization', shape: [5, 1], normalized: [1], epsilon: 1e-5, range: [-2, 1],
    spec: {
      ...io([5, 1]), opset: 17,
      initializers: [vector('gamma', [1], 30, 0.5, 1.5), vector('beta', [1], 31, 0.2, 0.7)],
      nodes: [{ op: 'LayerNormalization', inputs: ['x', 'gamma', 'beta'], outputs: ['y'] }],
    },
  },
  {
    name: 'LayerNorm decomposed as PyTorch exports it, fused, negative gamma',
    opType: 'LayerNormalization', shape: [2, 5, 16], normalized: [16], epsilon: 1e-5, range: [-3, 3],
    spec: decomposedLayerNorm([2, 5, 16], 1e-5, vector('gamma', [16], 26, -2, 2), vector('beta', [16], 27, -1, 1)),
  },
  {
    name: 'RMSNorm decomposed, fused, gamma, negative zero point',
    opType: 'RMSNormalization', shape: [2, 5, 16], normalized: [16], epsilon: 1e-6, range: [-0.2, 4],
    spec: decomposedRmsNorm([2, 5, 16], 1e-6, vector('gamma', [16], 28, 0.2, 1.8)),
  },
  {
    name: 'RMSNorm decomposed, fused, no gamma, rows of 7, zero point 127',
    opType: 'RMSNormalization', shape: [3, 7], normalized: [7], epsilon: 1e-6, range: [-3, -0.5],
    spec: decomposedRmsNorm([3, 7], 1e-6),
  },
];

describe('int8 LayerNormalization and RMSNormalization', () => {
  for (const c of NORM_CASES) {
    it(c.name, async () => {
      const model = buildModel(c.spec);
      const output = c.spec.outputs[0].name;
      const samples = calibration('x', c.shape, ...c.range);
      const m = compileInt8(model, samples, { label: `norm-${c.name}` });
      const node = m.node(c.opType);
      expect(m.compiled.manifest.quantization?.floatNodes).toEqual([]);
      expect(m.graph.nodes.map((n) => n.opType)).toEqual(['QuantizeLinear', c.opType, 'DequantizeLinear']);

      const { gamma, beta } = affinePerElement(m, node.inputs[1] || undefined, node.inputs[2] || undefined, c.normalized);
      // wide input, and a first row spiked where gamma is largest, so that output leaves the calibrated range
      const x = wideInput('x', c.shape, ...c.range);
      const size = product(c.normalized);
      const xd = x.data as Float32Array;
      const spike = gamma.reduce((best, g, i) => (Math.abs(g) > Math.abs(gamma[best]) ? i : best), 0);
      if (size > 1) for (let i = 0; i < size; i++) xd[i] = i === spike ? c.range[1] : c.range[0];
      const got = (await runInt8(m, { x })).get(output)!;
      const inQ = m.quant(node.inputs[0]);
      const outQ = m.quant(node.outputs[0]);
      const want = normInt8Reference({
        mode: c.opType === 'LayerNormalization' ? 'layer' : 'rms',
        x: quantizeLinear(xd, inQ), size,
        input: perTensor(inQ), output: perTensor(outQ),
        gamma, beta, epsilon: c.epsilon,
      });
      const levels = levelsOf(got, outQ);
      expect(firstDifference(levels, want)).toBeNull();
      if (size > 1) expect(levels.some((v) => v === -128 || v === 127)).toBe(true);

      const got0 = (await runInt8(m, samples[0])).get(output)!;
      const want0 = (await runOrt(model, samples[0]))[output];
      expect(worstSteps(got0, want0, outQ.scales[0])).toBeLessThanOrEqual(2);
    });
  }

  it('LayerNormalization whose Mean output is read stays float', () => {
    const shape = [2, 8];
    const model = buildModel({
      ...io(shape), opset: 17,
      outputs: [{ name: 'y', dtype: 'float32' }, { name: 'mean', dtype: 'float32' }],
      initializers: [vector('gamma', [8], 29, 0.5, 1.5)],
      nodes: [{ op: 'LayerNormalization', inputs: ['x', 'gamma'], outputs: ['y', 'mean'] }],
    });
    const m = compileInt8(model, calibration('x', shape, -1, 1), { label: 'layernorm-mean-float' });
    expect(m.compiled.manifest.quantization?.floatNodes).toEqual([
      expect.objectContaining({ opType: 'LayerNormalization', reason: 'its Mean and InvStdDev outputs have no int8 kernel' }),
    ]);
  });
});
