// Pre-quantized models (issue #4): QDQ models run in int8 on their own scales, and ONNX's
// integer operators (QLinearConv, QLinearMatMul, MatMulInteger, ConvInteger,
// DynamicQuantizeLinear) match ONNX Runtime. The reference throughout is ONNX Runtime on the
// same model file: int8 results within one quantization step of the output (ORT requantizes in
// float, our kernels in fixed point, TFLite's way), integer results exactly.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Compiled } from '../../compiler/compile.js';
import type { ConstTensor, DType } from '../../compiler/ir/graph.js';
import { importModel } from '../../compiler/onnx/import.js';
import { readTensorFile } from '../../compiler/tensor-files/index.js';
import { buildModel, type InitializerSpec, type NodeSpec } from '../helpers/onnx-builder.js';
import { evaluateNode } from '../helpers/op-cases.js';
import { runOrt } from '../helpers/ort.js';
import { compileAndBuild, runBuilt } from '../helpers/pipeline.js';
import { randomFloat32, randomInts } from '../helpers/random.js';

const EXAMPLE = join(import.meta.dirname, '../../examples/qdq');

const kernels = (compiled: Compiled) => compiled.manifest.layers.map((l) => l.kernel);

/** Runs the compiled model on the host and returns its outputs by name. */
async function runHost(dir: string, inputs: Record<string, ConstTensor>): Promise<Map<string, ConstTensor>> {
  const run = await runBuilt(dir, inputs, { host: true });
  if (run.exitCode !== 0) throw new Error(`run failed (exit ${run.exitCode}): ${run.stdout}${run.stderr}`);
  return run.outputs;
}

/** The largest |got - want| in units of `step`, and where. */
function stepsApart(got: ConstTensor, want: ConstTensor, step: number): { steps: number; at: number } {
  expect(got.shape).toEqual(want.shape);
  let worst = { steps: 0, at: -1 };
  for (let i = 0; i < want.data.length; i++) {
    const steps = Math.abs(Number(got.data[i]) - Number(want.data[i])) / step;
    if (steps > worst.steps) worst = { steps, at: i };
  }
  return worst;
}

function expectExact(got: ConstTensor, want: ConstTensor, label: string): void {
  expect(got.shape, label).toEqual(want.shape);
  for (let i = 0; i < want.data.length; i++) {
    if (Number(got.data[i]) !== Number(want.data[i])) expect.fail(`${label} element ${i}: got ${got.data[i]}, ONNX Runtime ${want.data[i]}`);
  }
}

const tensor = (name: string, dtype: DType, shape: number[], data: ConstTensor['data']): ConstTensor => ({ name, dtype, shape, data });

// ---- the example PyTorch made ------------------------------------------------------------------

describe('the PyTorch QDQ example (examples/qdq)', () => {
  // PyTorch's fc output: QuantizedLinear(scale=0.1287214159965515, zero_point=165), uint8.
  const OUTPUT_SCALE = 0.1287214159965515;

  it('compiles to int8 kernels and matches ONNX Runtime within one output step (scale 0.1287) on every sample', async () => {
    const modelPath = join(EXAMPLE, 'model.onnx');
    const { dir, compiled } = compileAndBuild(modelPath, { host: true, label: 'qdq-example' });
    expect(kernels(compiled)).toEqual([
      'o2m_quantize_linear_i8', 'o2m_conv2d_i8', 'o2m_maxpool3d_i8', 'o2m_conv2d_i8', 'o2m_maxpool3d_i8',
      'o2m_matmul_i8', 'o2m_dequantize_linear_i8',
    ]);
    // The output's int8 tensor carries PyTorch's scale and its zero point shifted from uint8.
    const gemm = compiled.graph.nodes.find((n) => n.opType === 'Gemm')!;
    const q = compiled.graph.quantization!.get(gemm.outputs[0])!;
    expect(Math.fround(q.scales[0])).toBe(Math.fround(OUTPUT_SCALE));
    expect(q.zeroPoints).toEqual([165 - 128]);
    // Per-channel weight scales reach the kernels.
    const conv = compiled.graph.nodes.find((n) => n.opType === 'Conv')!;
    const wq = compiled.graph.quantization!.get(conv.inputs[1])!;
    expect(wq.axis).toBe(0);
    expect(new Set(wq.scales).size).toBeGreaterThan(1);
    // The int32 bias PyTorch wrote (at input × weight scale) is used as it is.
    const exported = importModel(readFileSync(modelPath));
    const biasDq = exported.nodes.find((n) => n.opType === 'DequantizeLinear' && n.outputs[0] === '/conv1/DequantizeLinear_2_output_0')!;
    const biasNode = exported.nodes.find((n) => n.outputs[0] === biasDq.inputs[0])!;
    const exportedBias = biasNode.attributes.value;
    expect(exportedBias?.kind).toBe('tensor');
    const conv1 = compiled.graph.nodes.filter((n) => n.opType === 'Conv')[0];
    expect(Array.from(compiled.graph.initializers.get(conv1.inputs[2])!.data as Int32Array))
      .toEqual(Array.from((exportedBias as { value: ConstTensor }).value.data as Int32Array));

    const modelBytes = readFileSync(modelPath);
    const samples = readdirSync(join(EXAMPLE, 'inputs')).filter((f) => f.endsWith('.npy')).sort();
    const labels = JSON.parse(readFileSync(join(EXAMPLE, 'inputs', 'labels.json'), 'utf8')) as Record<string, number>;
    expect(samples.length).toBeGreaterThanOrEqual(3);
    for (const file of samples) {
      const input = { ...readTensorFile(join(EXAMPLE, 'inputs', file)), name: 'input' };
      const want = (await runOrt(modelBytes, { input })).logits;
      const got = (await runHost(dir, { input })).get('logits')!;
      const worst = stepsApart(got, want, OUTPUT_SCALE);
      expect(worst.steps, `${file}: element ${worst.at} is ${worst.steps} output steps from ONNX Runtime`).toBeLessThanOrEqual(1 + 1e-6);
      const argmax = (t: ConstTensor) => Array.from(t.data as Float32Array).reduce((best, v, i, a) => (v > a[best] ? i : best), 0);
      expect(argmax(got), `${file}: the digit`).toBe(labels[file]);
    }
  });
});

// ---- hand-built QDQ models ---------------------------------------------------------------------

interface QdqOptions {
  activations: 'uint8' | 'int8';
  /** Weight zero point of the convolution (0: symmetric, as the int8 kernel needs). */
  convWeightZeroPoint?: number;
  /** A different output scale for MaxPool than its input's. */
  poolRescale?: boolean;
}

const CONV_SCALES = [0.002, 0.03, 0.0005, 0.011]; // per output channel, far apart

/**
 * x → Q → DQ → Conv(DQ int8 weights per channel, DQ int32 bias) → Relu → Q → DQ → MaxPool → Q →
 * DQ → Flatten → Q → DQ → Gemm(DQ int8 weights per tensor, DQ int32 bias) → Q → DQ → y,
 * as ONNX Runtime's quantizer writes a small CNN.
 */
function qdqModel(o: QdqOptions): { model: Uint8Array; outputStep: number } {
  const act = o.activations;
  const shift = act === 'uint8' ? 128 : 0;
  const zp = (z: number) => [z + shift];
  const inits: InitializerSpec[] = [];
  const scalar = (name: string, v: number) => inits.push({ name, dtype: 'float32', shape: [], data: [v] });
  const zero = (name: string, v: number, dtype: DType = act) => inits.push({ name, dtype, shape: [], data: dtype === act ? zp(v) : [v] });
  const nodes: NodeSpec[] = [];
  const q = (x: string, y: string, s: string, z: string) => nodes.push({ op: 'QuantizeLinear', inputs: [x, s, z], outputs: [y] });
  const dq = (x: string, y: string, s: string, z: string, axis?: number) => nodes.push({ op: 'DequantizeLinear', inputs: [x, s, z], outputs: [y], ...(axis === undefined ? {} : { attrs: { axis } }) });

  const [sx, zx] = [0.02, -10];
  const [sc, zc] = [0.05, -128]; // after Relu: the zero point at the bottom
  const [sp, zp2] = o.poolRescale ? [0.07, -128] : [sc, zc];
  const [sy, zy] = [0.04, 7];
  scalar('sx', sx); zero('zx', zx);
  scalar('sc', sc); zero('zc', zc);
  scalar('sp', sp); zero('zp', zp2);
  scalar('sy', sy); zero('zy', zy);

  // Conv 3 → 4, 3×3, pads 1, stride 2, per-channel weights.
  const wConv = randomInts(4 * 3 * 9, 11, -127, 127);
  inits.push({ name: 'w1', dtype: 'int8', shape: [4, 3, 3, 3], data: wConv });
  inits.push({ name: 'w1_scale', dtype: 'float32', shape: [4], data: CONV_SCALES });
  inits.push({ name: 'w1_zp', dtype: 'int8', shape: [4], data: Array(4).fill(o.convWeightZeroPoint ?? 0) });
  inits.push({ name: 'b1', dtype: 'int32', shape: [4], data: randomInts(4, 12, -3000, 3000) });
  inits.push({ name: 'b1_scale', dtype: 'float32', shape: [4], data: CONV_SCALES.map((s) => Math.fround(sx * s)) });
  inits.push({ name: 'b1_zp', dtype: 'int32', shape: [4], data: [0, 0, 0, 0] });
  // Gemm 4·3·3 = 36 → 5, per-tensor weights, transB.
  inits.push({ name: 'w2', dtype: 'int8', shape: [5, 36], data: randomInts(5 * 36, 13, -127, 127) });
  scalar('w2_scale', 0.004);
  zero('w2_zp', 0, 'int8');
  inits.push({ name: 'b2', dtype: 'int32', shape: [5], data: randomInts(5, 14, -20000, 20000) });
  scalar('b2_scale', Math.fround(sp * 0.004));
  zero('b2_zp', 0, 'int32');

  q('x', 'xq', 'sx', 'zx'); dq('xq', 'xd', 'sx', 'zx');
  dq('w1', 'w1d', 'w1_scale', 'w1_zp', 0); dq('b1', 'b1d', 'b1_scale', 'b1_zp', 0);
  nodes.push({ op: 'Conv', inputs: ['xd', 'w1d', 'b1d'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1], strides: [2, 2] } });
  nodes.push({ op: 'Relu', inputs: ['c'], outputs: ['r'] });
  q('r', 'rq', 'sc', 'zc'); dq('rq', 'rd', 'sc', 'zc');
  nodes.push({ op: 'MaxPool', inputs: ['rd'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } });
  q('p', 'pq', 'sp', 'zp'); dq('pq', 'pd', 'sp', 'zp');
  nodes.push({ op: 'Flatten', inputs: ['pd'], outputs: ['f'] });
  q('f', 'fq', 'sp', 'zp'); dq('fq', 'fd', 'sp', 'zp');
  dq('w2', 'w2d', 'w2_scale', 'w2_zp'); dq('b2', 'b2d', 'b2_scale', 'b2_zp');
  nodes.push({ op: 'Gemm', inputs: ['fd', 'w2d', 'b2d'], outputs: ['g'], attrs: { transB: 1 } });
  q('g', 'gq', 'sy', 'zy'); dq('gq', 'y', 'sy', 'zy');
  const model = buildModel({
    inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3, 11, 11] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [2, 5] }],
    initializers: inits, nodes,
  });
  return { model, outputStep: sy };
}

/** Inputs 1.5× wider than x's quantized range, so the input border saturates. */
const qdqInput = (seed: number) => tensor('x', 'float32', [2, 3, 11, 11], randomFloat32(2 * 3 * 11 * 11, seed, -0.02 * 118 * 1.5, 0.02 * 137 * 1.5));

async function compareWithOrt(model: Uint8Array, label: string, step: number, seeds = [1, 2, 3]) {
  const { dir, compiled } = compileAndBuild(model, { host: true, label });
  for (const seed of seeds) {
    const x = qdqInput(seed);
    const want = (await runOrt(model, { x })).y;
    const got = (await runHost(dir, { x })).get('y')!;
    const worst = stepsApart(got, want, step);
    expect(worst.steps, `${label} seed ${seed}: element ${worst.at} is ${worst.steps} output steps (of ${step}) from ONNX Runtime`).toBeLessThanOrEqual(1 + 1e-6);
  }
  return compiled;
}

describe('QDQ patterns become int8 kernels', () => {
  for (const activations of ['uint8', 'int8'] as const) {
    it(`${activations} activations: Conv, MaxPool, Flatten and Gemm run in int8 on the model's scales, within one step of ONNX Runtime`, async () => {
      const { model, outputStep } = qdqModel({ activations });
      const compiled = await compareWithOrt(model, `qdq-${activations}`, outputStep);
      expect(kernels(compiled)).toEqual(['o2m_quantize_linear_i8', 'o2m_conv2d_i8', 'o2m_maxpool3d_i8', 'o2m_matmul_i8', 'o2m_dequantize_linear_i8']);
      const g = compiled.graph;
      const conv = g.nodes.find((n) => n.opType === 'Conv')!;
      // Per-channel weight scales, exactly the model's, with int8 values unchanged.
      expect(g.quantization!.get(conv.inputs[1])).toEqual({ scales: CONV_SCALES.map(Math.fround), zeroPoints: [0, 0, 0, 0], axis: 0 });
      expect(Array.from(g.initializers.get(conv.inputs[1])!.data as Int8Array)).toEqual(randomInts(4 * 3 * 9, 11, -127, 127));
      // The int32 bias is used as it is (its scale is input × weight).
      expect(Array.from(g.initializers.get(conv.inputs[2])!.data as Int32Array)).toEqual(randomInts(4, 12, -3000, 3000));
      // The activation's zero point, shifted from uint8 where it was uint8.
      expect(g.quantization!.get(conv.inputs[0])).toEqual({ scales: [Math.fround(0.02)], zeroPoints: [-10] });
      // The Relu fused into the Conv's clamp.
      expect(g.nodes.some((n) => n.opType === 'Relu')).toBe(false);
    });
  }

  it('per-channel scales are honoured: treating them as one scale would be far off', async () => {
    const { model, outputStep } = qdqModel({ activations: 'uint8' });
    const x = qdqInput(9);
    const want = (await runOrt(model, { x })).y;
    const { dir } = compileAndBuild(model, { host: true, label: 'qdq-per-channel' });
    const got = (await runHost(dir, { x })).get('y')!;
    expect(stepsApart(got, want, outputStep).steps).toBeLessThanOrEqual(1 + 1e-6);
    // Sanity of the check itself: a per-tensor reading of the weights moves outputs by many steps.
    const saved = [...CONV_SCALES];
    CONV_SCALES.fill(saved[0]);
    try {
      const wrong = (await runOrt(qdqModel({ activations: 'uint8' }).model, { x })).y;
      expect(stepsApart(wrong, want, outputStep).steps).toBeGreaterThan(3);
    } finally {
      saved.forEach((s, i) => { CONV_SCALES[i] = s; });
    }
  });

  it('a Conv with non-zero weight zero points stays float between the model\'s Q/DQ, still within one step', async () => {
    const { model, outputStep } = qdqModel({ activations: 'uint8', convWeightZeroPoint: 3 });
    const compiled = await compareWithOrt(model, 'qdq-asymmetric', outputStep);
    const k = kernels(compiled);
    expect(k).toContain('o2m_conv2d_f32');
    expect(k).toContain('o2m_matmul_i8'); // the rest still runs in int8
  });

  it('a MaxPool whose output scale differs from its input\'s stays float, still within one step', async () => {
    const { model, outputStep } = qdqModel({ activations: 'int8', poolRescale: true });
    const compiled = await compareWithOrt(model, 'qdq-pool-rescale', outputStep);
    const k = kernels(compiled);
    expect(k).toContain('o2m_conv2d_i8');
    expect(k).not.toContain('o2m_maxpool3d_i8');
    expect(k).toContain('o2m_matmul_i8');
  });

  it('MatMul with per-column int8 weights and a Sigmoid (a table) run in int8, uint8 borders, within one step of ORT', async () => {
    const wScales = [0.01, 0.04, 0.002, 0.02, 0.008];
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [3, 6] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [3, 5] }],
      initializers: [
        { name: 'sx', dtype: 'float32', shape: [], data: [0.03] }, { name: 'zx', dtype: 'uint8', shape: [], data: [140] },
        { name: 'w', dtype: 'int8', shape: [6, 5], data: randomInts(30, 71, -127, 127) },
        { name: 'ws', dtype: 'float32', shape: [5], data: wScales }, { name: 'wz', dtype: 'int8', shape: [5], data: [0, 0, 0, 0, 0] },
        { name: 'sm', dtype: 'float32', shape: [], data: [0.06] }, { name: 'zm', dtype: 'uint8', shape: [], data: [118] },
        { name: 'ss', dtype: 'float32', shape: [], data: [1 / 256] }, { name: 'zs', dtype: 'uint8', shape: [], data: [0] },
      ],
      nodes: [
        { op: 'QuantizeLinear', inputs: ['x', 'sx', 'zx'], outputs: ['xq'] },
        { op: 'DequantizeLinear', inputs: ['xq', 'sx', 'zx'], outputs: ['xd'] },
        { op: 'DequantizeLinear', inputs: ['w', 'ws', 'wz'], outputs: ['wd'], attrs: { axis: 1 } },
        { op: 'MatMul', inputs: ['xd', 'wd'], outputs: ['m'] },
        { op: 'QuantizeLinear', inputs: ['m', 'sm', 'zm'], outputs: ['mq'] },
        { op: 'DequantizeLinear', inputs: ['mq', 'sm', 'zm'], outputs: ['md'] },
        { op: 'Sigmoid', inputs: ['md'], outputs: ['s'] },
        { op: 'QuantizeLinear', inputs: ['s', 'ss', 'zs'], outputs: ['sq'] },
        { op: 'DequantizeLinear', inputs: ['sq', 'ss', 'zs'], outputs: ['y'] },
      ],
    });
    const { dir, compiled } = compileAndBuild(model, { host: true, label: 'qdq-matmul-sigmoid' });
    expect(kernels(compiled)).toEqual(['o2m_quantize_linear_i8', 'o2m_matmul_i8', 'o2m_lookup_i8', 'o2m_dequantize_linear_i8']);
    const mm = compiled.graph.nodes.find((n) => n.opType === 'MatMul')!;
    expect(compiled.graph.quantization!.get(mm.inputs[1])).toEqual({ scales: wScales.map(Math.fround), zeroPoints: [0, 0, 0, 0, 0], axis: 1 });
    for (const seed of [4, 5]) {
      const x = tensor('x', 'float32', [3, 6], randomFloat32(18, seed, -0.03 * 268 * 1.5, 0.03 * 115 * 1.5));
      const want = (await runOrt(model, { x })).y;
      const got = (await runHost(dir, { x })).get('y')!;
      expect(stepsApart(got, want, 1 / 256).steps, `seed ${seed}`).toBeLessThanOrEqual(1 + 1e-6);
    }
  });

  it('Add of two dequantized activations runs on the int8 Add kernel, within one step of ORT', async () => {
    const model = buildModel({
      inputs: [{ name: 'a', dtype: 'float32', shape: [2, 3, 4] }, { name: 'b', dtype: 'float32', shape: [2, 3, 4] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [2, 3, 4] }],
      initializers: [
        { name: 'sa', dtype: 'float32', shape: [], data: [0.02] }, { name: 'za', dtype: 'int8', shape: [], data: [-20] },
        { name: 'sb', dtype: 'float32', shape: [], data: [0.05] }, { name: 'zb', dtype: 'int8', shape: [], data: [30] },
        { name: 'sy', dtype: 'float32', shape: [], data: [0.045] }, { name: 'zy', dtype: 'int8', shape: [], data: [4] },
      ],
      nodes: [
        { op: 'QuantizeLinear', inputs: ['a', 'sa', 'za'], outputs: ['aq'] },
        { op: 'DequantizeLinear', inputs: ['aq', 'sa', 'za'], outputs: ['ad'] },
        { op: 'QuantizeLinear', inputs: ['b', 'sb', 'zb'], outputs: ['bq'] },
        { op: 'DequantizeLinear', inputs: ['bq', 'sb', 'zb'], outputs: ['bd'] },
        { op: 'Add', inputs: ['ad', 'bd'], outputs: ['s'] },
        { op: 'QuantizeLinear', inputs: ['s', 'sy', 'zy'], outputs: ['sq'] },
        { op: 'DequantizeLinear', inputs: ['sq', 'sy', 'zy'], outputs: ['y'] },
      ],
    });
    const { dir, compiled } = compileAndBuild(model, { host: true, label: 'qdq-add' });
    const k = kernels(compiled);
    expect(k.filter((n) => n.startsWith('o2m_quantize_linear') || n.startsWith('o2m_dequantize_linear'))).toHaveLength(3);
    expect(k.filter((n) => n.endsWith('_i8') && !n.includes('quantize_linear'))).toHaveLength(1);
    const a = tensor('a', 'float32', [2, 3, 4], randomFloat32(24, 81, -3, 3));
    const b = tensor('b', 'float32', [2, 3, 4], randomFloat32(24, 82, -8, 6));
    const want = (await runOrt(model, { a, b })).y;
    const got = (await runHost(dir, { a, b })).get('y')!;
    expect(stepsApart(got, want, 0.045).steps).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('shared values: a uint8 graph input read by two Convs, a Conv output quantized twice alike', async () => {
    const w = (seed: number) => randomInts(3 * 2 * 9, seed, -127, 127);
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'uint8', shape: [1, 2, 6, 6] }],
      outputs: [{ name: 'y1', dtype: 'float32' }, { name: 'y2', dtype: 'float32' }, { name: 'y3', dtype: 'float32' }],
      initializers: [
        { name: 'sx', dtype: 'float32', shape: [], data: [0.02] }, { name: 'zx', dtype: 'uint8', shape: [], data: [100] },
        { name: 'wa', dtype: 'int8', shape: [3, 2, 3, 3], data: w(91) }, { name: 'wb', dtype: 'int8', shape: [3, 2, 3, 3], data: w(92) },
        { name: 'ws', dtype: 'float32', shape: [3], data: [0.01, 0.003, 0.02] }, { name: 'wz', dtype: 'int8', shape: [3], data: [0, 0, 0] },
        { name: 'sy', dtype: 'float32', shape: [], data: [0.05] }, { name: 'zy', dtype: 'int8', shape: [], data: [-6] },
      ],
      nodes: [
        { op: 'DequantizeLinear', inputs: ['x', 'sx', 'zx'], outputs: ['xd'] },
        { op: 'DequantizeLinear', inputs: ['wa', 'ws', 'wz'], outputs: ['wad'], attrs: { axis: 0 } },
        { op: 'DequantizeLinear', inputs: ['wb', 'ws', 'wz'], outputs: ['wbd'], attrs: { axis: 0 } },
        { op: 'Conv', inputs: ['xd', 'wad'], outputs: ['ca'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'Conv', inputs: ['xd', 'wbd'], outputs: ['cb'] },
        { op: 'QuantizeLinear', inputs: ['ca', 'sy', 'zy'], outputs: ['ca1'] },
        { op: 'QuantizeLinear', inputs: ['ca', 'sy', 'zy'], outputs: ['ca2'] },
        { op: 'DequantizeLinear', inputs: ['ca1', 'sy', 'zy'], outputs: ['ca1d'] },
        { op: 'MaxPool', inputs: ['ca1d'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
        { op: 'QuantizeLinear', inputs: ['p', 'sy', 'zy'], outputs: ['pq'] },
        { op: 'DequantizeLinear', inputs: ['pq', 'sy', 'zy'], outputs: ['y1'] },
        { op: 'DequantizeLinear', inputs: ['ca2', 'sy', 'zy'], outputs: ['y2'] },
        { op: 'QuantizeLinear', inputs: ['cb', 'sy', 'zy'], outputs: ['cbq'] },
        { op: 'DequantizeLinear', inputs: ['cbq', 'sy', 'zy'], outputs: ['y3'] },
      ],
    });
    const { dir, compiled } = compileAndBuild(model, { host: true, label: 'qdq-shared' });
    const k = kernels(compiled);
    expect(k.filter((n) => n === 'o2m_conv2d_i8')).toHaveLength(2);
    expect(k).toContain('o2m_maxpool3d_i8');
    expect(k.filter((n) => n.startsWith('o2m_quantize_linear'))).toHaveLength(1); // the uint8 input, converted once
    const x = tensor('x', 'uint8', [1, 2, 6, 6], Uint8Array.from(randomInts(72, 93, 0, 255)));
    const want = await runOrt(model, { x });
    const got = await runHost(dir, { x });
    for (const y of ['y1', 'y2', 'y3']) expect(stepsApart(got.get(y)!, want[y], 0.05).steps, y).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('a model without Q/DQ nodes is untouched (no quantization)', () => {
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1, 4] }],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
    });
    const { compiled } = compileAndBuild(model, { host: true, label: 'qdq-none' });
    expect(compiled.graph.quantization).toBeUndefined();
  });
});

// ---- one-node integer operators against ONNX Runtime -----------------------------------------

async function oneNode(model: Uint8Array, inputs: Record<string, ConstTensor>, label: string) {
  const want = await runOrt(model, inputs);
  const { dir, compiled } = compileAndBuild(model, { host: true, label });
  const got = await runHost(dir, inputs);
  return { want, got, compiled };
}

describe('ONNX integer operators', () => {
  it('QLinearConv (uint8 input, int8 per-channel weights, bias, pads, stride, groups) runs on o2m_conv2d_i8 within one step of ORT', async () => {
    const [C, OC, G] = [4, 6, 2];
    const wScales = [0.01, 0.002, 0.03, 0.007, 0.015, 0.004];
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'uint8', shape: [1, C, 9, 8] }],
      outputs: [{ name: 'y', dtype: 'uint8', shape: [1, OC, 5, 4] }],
      initializers: [
        { name: 'xs', dtype: 'float32', shape: [], data: [0.05] },
        { name: 'xz', dtype: 'uint8', shape: [], data: [131] },
        { name: 'w', dtype: 'int8', shape: [OC, C / G, 3, 3], data: randomInts(OC * (C / G) * 9, 21, -127, 127) },
        { name: 'ws', dtype: 'float32', shape: [OC], data: wScales },
        { name: 'wz', dtype: 'int8', shape: [OC], data: Array(OC).fill(0) },
        { name: 'ys', dtype: 'float32', shape: [], data: [0.09] },
        { name: 'yz', dtype: 'uint8', shape: [], data: [120] },
        { name: 'b', dtype: 'int32', shape: [OC], data: randomInts(OC, 22, -2000, 2000) },
      ],
      nodes: [{ op: 'QLinearConv', inputs: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'], outputs: ['y'], attrs: { pads: [1, 1, 1, 1], strides: [2, 2], group: G } }],
    });
    const x = tensor('x', 'uint8', [1, C, 9, 8], Uint8Array.from(randomInts(C * 72, 23, 0, 255)));
    const { want, got, compiled } = await oneNode(model, { x }, 'qlinearconv');
    expect(kernels(compiled)).toContain('o2m_conv2d_i8');
    expect(stepsApart(got.get('y')!, want.y, 1).steps).toBeLessThanOrEqual(1);
    // The TypeScript reference (float requantisation, as ONNX defines it) against ORT.
    const [ref] = evaluateNode(model, [x, ...['xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'].map((n) => constantOf(model, n))]);
    expect(stepsApart(ref, want.y, 1).steps).toBeLessThanOrEqual(1);
  });

  it('QLinearMatMul (uint8 A, int8 B, both at run time) runs on o2m_matmul_i8 within one step of ORT', async () => {
    const model = buildModel({
      inputs: [{ name: 'a', dtype: 'uint8', shape: [2, 3, 7] }, { name: 'b', dtype: 'int8', shape: [7, 5] }],
      outputs: [{ name: 'y', dtype: 'uint8', shape: [2, 3, 5] }],
      initializers: [
        { name: 'as', dtype: 'float32', shape: [], data: [0.03] },
        { name: 'az', dtype: 'uint8', shape: [], data: [123] },
        { name: 'bs', dtype: 'float32', shape: [], data: [0.02] },
        { name: 'bz', dtype: 'int8', shape: [], data: [-9] },
        { name: 'ys', dtype: 'float32', shape: [], data: [0.05] },
        { name: 'yz', dtype: 'uint8', shape: [], data: [131] },
      ],
      nodes: [{ op: 'QLinearMatMul', inputs: ['a', 'as', 'az', 'b', 'bs', 'bz', 'ys', 'yz'], outputs: ['y'] }],
    });
    const a = tensor('a', 'uint8', [2, 3, 7], Uint8Array.from(randomInts(42, 31, 0, 255)));
    const b = tensor('b', 'int8', [7, 5], Int8Array.from(randomInts(35, 32, -128, 127)));
    const { want, got, compiled } = await oneNode(model, { a, b }, 'qlinearmatmul');
    expect(kernels(compiled)).toContain('o2m_matmul_i8');
    const worst = stepsApart(got.get('y')!, want.y, 1);
    expect(worst.steps, `element ${worst.at}`).toBeLessThanOrEqual(1);
    const [ref] = evaluateNode(model, [a, constantOf(model, 'as'), constantOf(model, 'az'), b, ...['bs', 'bz', 'ys', 'yz'].map((n) => constantOf(model, n))]);
    expect(stepsApart(ref, want.y, 1).steps).toBeLessThanOrEqual(1);
  });

  it('MatMulInteger (uint8 A with a zero point, int8 B with per-column zero points, batched) is exact', async () => {
    const model = buildModel({
      inputs: [{ name: 'a', dtype: 'uint8', shape: [3, 4, 9] }, { name: 'b', dtype: 'int8', shape: [9, 5] }],
      outputs: [{ name: 'y', dtype: 'int32', shape: [3, 4, 5] }],
      initializers: [
        { name: 'az', dtype: 'uint8', shape: [], data: [129] },
        { name: 'bz', dtype: 'int8', shape: [5], data: [0, -3, 7, 127, -128] },
      ],
      nodes: [{ op: 'MatMulInteger', inputs: ['a', 'b', 'az', 'bz'], outputs: ['y'] }],
    });
    const a = tensor('a', 'uint8', [3, 4, 9], Uint8Array.from(randomInts(108, 41, 0, 255)));
    const b = tensor('b', 'int8', [9, 5], Int8Array.from(randomInts(45, 42, -128, 127)));
    const { want, got, compiled } = await oneNode(model, { a, b }, 'matmulinteger');
    expect(kernels(compiled)).toEqual(['o2m_matmul_integer']);
    expectExact(got.get('y')!, want.y, 'MatMulInteger');
    const [ref] = evaluateNode(model, [a, b, constantOf(model, 'az'), constantOf(model, 'bz')]);
    expectExact(ref, want.y, 'MatMulInteger reference');
  });

  it('MatMulInteger without zero points (uint8 × uint8) is exact', async () => {
    const model = buildModel({
      inputs: [{ name: 'a', dtype: 'uint8', shape: [5, 6] }, { name: 'b', dtype: 'uint8', shape: [6, 3] }],
      outputs: [{ name: 'y', dtype: 'int32', shape: [5, 3] }],
      nodes: [{ op: 'MatMulInteger', inputs: ['a', 'b'], outputs: ['y'] }],
    });
    const a = tensor('a', 'uint8', [5, 6], Uint8Array.from(randomInts(30, 43, 0, 255)));
    const b = tensor('b', 'uint8', [6, 3], Uint8Array.from(randomInts(18, 44, 0, 255)));
    const { want, got } = await oneNode(model, { a, b }, 'matmulinteger-nozp');
    expectExact(got.get('y')!, want.y, 'MatMulInteger');
  });

  it('ConvInteger (uint8 input and weights with zero points, pads, strides, dilations) is exact', async () => {
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'uint8', shape: [2, 3, 8, 7] }],
      outputs: [{ name: 'y', dtype: 'int32' }],
      initializers: [
        { name: 'w', dtype: 'uint8', shape: [4, 3, 3, 2], data: randomInts(72, 51, 0, 255) },
        { name: 'xz', dtype: 'uint8', shape: [], data: [100] },
        { name: 'wz', dtype: 'uint8', shape: [], data: [131] },
      ],
      nodes: [{ op: 'ConvInteger', inputs: ['x', 'w', 'xz', 'wz'], outputs: ['y'], attrs: { pads: [1, 2, 1, 0], strides: [2, 1], dilations: [1, 2] } }],
    });
    const x = tensor('x', 'uint8', [2, 3, 8, 7], Uint8Array.from(randomInts(336, 52, 0, 255)));
    const { want, got, compiled } = await oneNode(model, { x }, 'convinteger');
    expect(kernels(compiled)).toEqual(['o2m_conv_integer']);
    expectExact(got.get('y')!, want.y, 'ConvInteger');
    const [ref] = evaluateNode(model, [x, constantOf(model, 'w'), constantOf(model, 'xz'), constantOf(model, 'wz')]);
    expectExact(ref, want.y, 'ConvInteger reference');
  });

  it('ConvInteger without zero points, 1-D, grouped, is exact', async () => {
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'uint8', shape: [1, 4, 10] }],
      outputs: [{ name: 'y', dtype: 'int32' }],
      initializers: [{ name: 'w', dtype: 'uint8', shape: [2, 2, 3], data: randomInts(12, 53, 0, 255) }],
      nodes: [{ op: 'ConvInteger', inputs: ['x', 'w'], outputs: ['y'], attrs: { group: 2, pads: [1, 1] } }],
    });
    const x = tensor('x', 'uint8', [1, 4, 10], Uint8Array.from(randomInts(40, 54, 0, 255)));
    const { want, got } = await oneNode(model, { x }, 'convinteger-1d');
    expectExact(got.get('y')!, want.y, 'ConvInteger 1-D');
  });

  for (const [label, data] of [
    ['mixed signs', randomFloat32(60, 61, -3, 5)],
    ['all positive', randomFloat32(60, 62, 0.5, 2)],
    ['all negative', randomFloat32(60, 63, -4, -1)],
    ['all zero', new Float32Array(60)],
  ] as const) {
    it(`DynamicQuantizeLinear (${label}) is exact: values, scale and zero point`, async () => {
      const model = buildModel({
        opset: 13,
        inputs: [{ name: 'x', dtype: 'float32', shape: [3, 4, 5] }],
        outputs: [{ name: 'y', dtype: 'uint8' }, { name: 'ys', dtype: 'float32' }, { name: 'yz', dtype: 'uint8' }],
        nodes: [{ op: 'DynamicQuantizeLinear', inputs: ['x'], outputs: ['y', 'ys', 'yz'] }],
      });
      const x = tensor('x', 'float32', [3, 4, 5], data);
      const { want, got, compiled } = await oneNode(model, { x }, 'dynamicquantize');
      expect(kernels(compiled)).toEqual(['o2m_dynamic_quantize_linear']);
      for (const name of ['y', 'ys', 'yz']) expectExact(got.get(name)!, want[name], `DynamicQuantizeLinear ${name}`);
      const ref = evaluateNode(model, [x]);
      ['y', 'ys', 'yz'].forEach((name, i) => expectExact(ref[i], want[name], `DynamicQuantizeLinear reference ${name}`));
    });
  }
});

/** An initializer of a test model, read back through the importer. */
function constantOf(model: Uint8Array, name: string): ConstTensor {
  return importModel(model).initializers.get(name)!;
}
