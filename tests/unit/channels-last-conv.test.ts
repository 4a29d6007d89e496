// A depthwise Conv1d between two Transposes (as exporters write a convolution over a sequence)
// runs channels-last in int8: no transposed copy, the causal one over its own input, and the
// same bits as the Transpose → o2m_conv2d_i8 → Transpose it replaces.
import { describe, expect, it } from 'vitest';
import type { ConstTensor, Graph } from '../../compiler/ir/graph.js';
import { channelsLastConvFamily } from '../../compiler/ops/channels-last-conv.js';
import { buildModel, type NodeSpec } from '../helpers/onnx-builder.js';
import { calibration, compileInt8, runInt8, wideInput, type Int8Model } from '../helpers/int8.js';
import { floats } from '../helpers/op-cases.js';
import { runOrt } from '../helpers/ort.js';
import { compareClose, compileAndBuild, runBuilt } from '../helpers/pipeline.js';
import { randomFloat32 } from '../helpers/random.js';

interface ConvCase {
  label: string;
  length: number;
  channels: number;
  kernel: number;
  pads: [number, number];
  strides?: number;
  dilations?: number;
  bias?: boolean;
  /** Also read the channels-first Transpose's result elsewhere. */
  secondReader?: boolean;
  /** Leave out the SiLU: the Transpose back reads the Conv. */
  noActivation?: boolean;
}

/** x [1, L, C] → Transpose → depthwise Conv1d → SiLU (Sigmoid · Mul) → Transpose → y. */
function sequenceConvModel(c: ConvCase): Uint8Array {
  const { length: L, channels: C, kernel: K } = c;
  const stride = c.strides ?? 1;
  const dilation = c.dilations ?? 1;
  const outLength = Math.floor((L + c.pads[0] + c.pads[1] - dilation * (K - 1) - 1) / stride) + 1;
  const nodes: NodeSpec[] = [
    { op: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: { perm: [0, 2, 1] }, name: 'to_channels_first' },
    {
      op: 'Conv', inputs: c.bias === false ? ['t', 'w'] : ['t', 'w', 'b'], outputs: ['c'], name: 'conv',
      attrs: { group: C, kernel_shape: [K], pads: c.pads, strides: [stride], dilations: [dilation] },
    },
    ...(c.noActivation ? [] : [
      { op: 'Sigmoid', inputs: ['c'], outputs: ['s'] },
      { op: 'Mul', inputs: ['c', 's'], outputs: ['silu'] },
    ]),
    { op: 'Transpose', inputs: [c.noActivation ? 'c' : 'silu'], outputs: ['y'], attrs: { perm: [0, 2, 1] }, name: 'to_channels_last' },
  ];
  if (c.secondReader) nodes.push({ op: 'Transpose', inputs: ['t'], outputs: ['z'], attrs: { perm: [0, 2, 1] } });
  return buildModel({
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, L, C] }],
    outputs: [
      { name: 'y', dtype: 'float32', shape: [1, outLength, C] },
      ...(c.secondReader ? [{ name: 'z', dtype: 'float32' as const, shape: [1, L, C] }] : []),
    ],
    initializers: [
      { name: 'w', dtype: 'float32', shape: [C, 1, K], data: randomFloat32(C * K, 11, -0.6, 0.6) },
      { name: 'b', dtype: 'float32', shape: [C], data: randomFloat32(C, 12, -0.3, 0.3) },
    ],
    nodes,
  });
}

const opTypes = (graph: Graph) => graph.nodes.map((n) => n.opType);

async function compileBothWays(c: ConvCase): Promise<{ rewritten: Int8Model; original: Int8Model; same: boolean }> {
  const model = sequenceConvModel(c);
  const samples = calibration('x', [1, c.length, c.channels], -2, 2);
  const rewritten = compileInt8(model, samples, { label: `cl-${c.label}` });
  const original = compileInt8(model, samples, { label: `cf-${c.label}`, streamAttention: false });
  const x = wideInput('x', [1, c.length, c.channels], -2, 2);
  const [a, b] = [await runInt8(rewritten, { x }), await runInt8(original, { x })];
  const bytes = (m: Map<string, ConstTensor>) => Buffer.from((m.get('y')!.data as Float32Array).buffer);
  return { rewritten, original, same: bytes(a).equals(bytes(b)) };
}

/** Whether the planner put the channels-last conv's output over its input. */
function convInPlace(m: Int8Model): boolean {
  const conv = m.node('ChannelsLastConv');
  const offsets = m.compiled.plan.offsets;
  return offsets.get(conv.inputs[0]) === offsets.get(conv.outputs[0]);
}

describe('depthwise Conv1d channels-last in int8', () => {
  it('causal (pads [k-1, 0]): no Transpose left, written over its input, bit for bit the channels-first kernels', async () => {
    const { rewritten, original, same } = await compileBothWays({ label: 'causal', length: 37, channels: 7, kernel: 5, pads: [4, 0] });
    expect(opTypes(rewritten.graph)).not.toContain('Transpose');
    expect(opTypes(rewritten.graph)).toEqual(['QuantizeLinear', 'ChannelsLastConv', 'Int8Lookup', 'DequantizeLinear']);
    expect(opTypes(original.graph)).toContain('Conv');
    expect(convInPlace(rewritten)).toBe(true);
    // the values after the conv are [1, L, C] now, with the scales they had
    const lookup = rewritten.node('Int8Lookup');
    expect(rewritten.graph.values.get(lookup.inputs[0])!.shape).toEqual([1, 37, 7]);
    expect(rewritten.quant(lookup.inputs[0])).toEqual(original.quant(lookup.inputs[0]));
    expect(rewritten.quant(lookup.outputs[0])).toEqual(original.quant(original.node('Int8Lookup').outputs[0]));
    expect(same).toBe(true);
  });

  it('causal and dilated, no bias: in place and exact', async () => {
    const { rewritten, same } = await compileBothWays({ label: 'dilated', length: 29, channels: 5, kernel: 4, pads: [6, 0], dilations: 2, bias: false });
    expect(convInPlace(rewritten)).toBe(true);
    expect(same).toBe(true);
  });

  it('centred (pads [1, 2], as long as its input): exact, and not in place (it reads ahead)', async () => {
    const { rewritten, same } = await compileBothWays({ label: 'centred', length: 31, channels: 9, kernel: 4, pads: [1, 2] });
    expect(opTypes(rewritten.graph)).toContain('ChannelsLastConv');
    expect(convInPlace(rewritten)).toBe(false);
    expect(same).toBe(true);
  });

  it('strided (output shorter than the input): exact, not in place', async () => {
    const { rewritten, same } = await compileBothWays({ label: 'strided', length: 40, channels: 3, kernel: 3, pads: [2, 1], strides: 2 });
    expect(rewritten.graph.values.get(rewritten.node('ChannelsLastConv').outputs[0])!.shape).toEqual([1, 21, 3]);
    expect(convInPlace(rewritten)).toBe(false);
    expect(same).toBe(true);
  });

  it('leaves the Transposes and the Conv when the channels-first tensor has another reader', () => {
    const c: ConvCase = { label: 'shared', length: 16, channels: 5, kernel: 3, pads: [2, 0], secondReader: true };
    const m = compileInt8(sequenceConvModel(c), calibration('x', [1, 16, 5], -2, 2), { label: 'cl-shared' });
    expect(opTypes(m.graph)).not.toContain('ChannelsLastConv');
    expect(opTypes(m.graph)).toContain('Conv');
    expect(opTypes(m.graph).filter((t) => t === 'Transpose').length).toBeGreaterThanOrEqual(2);
  });
});

describe('depthwise Conv1d channels-last in float32', () => {
  const floatBits = (t: { data: unknown }) => Buffer.from((t.data as Float32Array).buffer);

  it('causal with SiLU: in place, the channels-first kernels\' bits, and ONNX Runtime\'s result', async () => {
    const c: ConvCase = { label: 'float-causal', length: 33, channels: 11, kernel: 6, pads: [5, 0] };
    const model = sequenceConvModel(c);
    const rewritten = compileAndBuild(model, { host: true, label: 'cl-float' });
    const original = compileAndBuild(model, { host: true, label: 'cf-float', streamAttention: false });
    const graph = rewritten.compiled.graph;
    expect(opTypes(graph)).toEqual(['ChannelsLastConv', 'Silu']);
    const conv = graph.nodes[0];
    expect(rewritten.compiled.plan.offsets.get(conv.outputs[0])).toBe(rewritten.compiled.plan.offsets.get(conv.inputs[0]));
    const x = floats('x', [1, c.length, c.channels], 5, 'float32', -2, 2);
    const [a, b] = [await runBuilt(rewritten.dir, { x }, { host: true }), await runBuilt(original.dir, { x }, { host: true })];
    expect(a.exitCode, a.stderr).toBe(0);
    expect(floatBits(a.outputs.get('y')!).equals(floatBits(b.outputs.get('y')!))).toBe(true);
    expect(compareClose(a.outputs.get('y')!, (await runOrt(model, { x })).y)).toBeNull();
  });

  it('strided and dilated, no activation: the reference (evaluate) equals the kernel bit for bit', async () => {
    const c: ConvCase = { label: 'float-strided', length: 26, channels: 5, kernel: 3, pads: [3, 2], strides: 3, dilations: 2, noActivation: true };
    const model = sequenceConvModel(c);
    const built = compileAndBuild(model, { host: true, label: 'cl-float-strided' });
    const graph = built.compiled.graph;
    expect(opTypes(graph)).toEqual(['ChannelsLastConv']);
    const conv = graph.nodes[0];
    const x = floats('x', [1, c.length, c.channels], 6, 'float32', -2, 2);
    const run = await runBuilt(built.dir, { x }, { host: true });
    expect(run.exitCode, run.stderr).toBe(0);
    const y = run.outputs.get('y')!;
    expect(compareClose(y, (await runOrt(model, { x })).y)).toBeNull();
    const [reference] = channelsLastConvFamily.evaluate!({
      node: conv,
      inputs: [x, graph.initializers.get('w'), graph.initializers.get('b')],
      inputTypes: conv.inputs.map((n) => ({ dtype: 'float32', shape: (graph.values.get(n) ?? graph.initializers.get(n))!.shape as number[] })),
      outputs: [{ dtype: 'float32', shape: y.shape }],
      opset: 1,
    });
    expect(floatBits(reference).equals(floatBits(y))).toBe(true);
  });
});
