// Shared by the fast-kernel tests (tests/e2e/*-dsp.test.ts): many small int8 layers side by side
// in one model, each with its own input `x_<id>` and output `y_<id>`, run on the host (always the
// portable kernels), on a DSP core as built, and on the same firmware built with
// -DO2M_PORTABLE_KERNELS. Every output must agree bit for bit, and must not be degenerate.
import { expect } from 'vitest';
import { buildModel as buildFirmware } from '../../compiler/build/index.js';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { runModel } from '../../compiler/run/index.js';
import { levelsOf, type Int8Model, type Sample } from './int8.js';
import { buildModel, type NodeSpec } from './onnx-builder.js';
import { floats } from './op-cases.js';

export interface FastCase {
  /** The case's input and output are `x_<id>` and `y_<id>`; a second input is `z_<id>`. */
  id: string;
  x: number[];
  /** Calibration range of x: [0, hi] gives zero point -128, [lo, 0] gives 127. */
  range: [number, number];
  nodes(x: string, y: string, w: string, b: string, z: string): NodeSpec[];
  weight?: number[];
  bias?: number;
  /** A second activation (per-tensor B) and its calibration range. */
  z?: { shape: number[]; range: [number, number] };
}

/** What follows a convolution in a case: a fused Relu, or Clip(lo, hi). */
export type After = 'Relu' | [number, number];

/** A case's nodes: Conv `name` (attrs as given, with or without its bias), then `after` if any. */
export const convThen = (name: string, attrs: Record<string, number | number[]>, opts: { bias?: boolean; after?: After } = {}) =>
  (x: string, y: string, w: string, b: string): NodeSpec[] => {
    const inputs = opts.bias === false ? [x, w] : [x, w, b];
    const conv = (out: string): NodeSpec => ({ op: 'Conv', name, inputs, outputs: [out], attrs });
    if (opts.after === 'Relu') return [conv(`${y}_pre`), { op: 'Relu', inputs: [`${y}_pre`], outputs: [y] }];
    if (opts.after) {
      const [lo, hi] = opts.after;
      const bound = (name: string, value: number): NodeSpec =>
        ({ op: 'Constant', inputs: [], outputs: [name], attrs: { value: { tensor: { dtype: 'float32', shape: [], data: [value] } } } });
      return [conv(`${y}_pre`), bound(`${y}_lo`, lo), bound(`${y}_hi`, hi),
        { op: 'Clip', inputs: [`${y}_pre`, `${y}_lo`, `${y}_hi`], outputs: [y] }];
    }
    return [conv(y)];
  };

/** A compiled int8 node's [act_min, act_max]. */
export function activationBounds(m: Int8Model, node: string): number[] {
  const call = m.compiled.lowered.steps.find((s) => s.node === node)!;
  return [call.params.act_min, call.params.act_max].map((v) => (v as { int: number }).int);
}

/** A compiled node's int32 constant argument `index` (e.g. a Conv's shifts, argument 4). */
export function int32Argument(m: Int8Model, node: string, index: number): Int32Array {
  const step = m.compiled.lowered.steps.find((s) => s.node === node);
  const arg = step?.args[index];
  if (arg?.kind !== 'weight') throw new Error(`${node} has no constant argument ${index}`);
  return m.compiled.lowered.weights.find((w) => w.symbol === arg.symbol)!.tensor.data as Int32Array;
}

/** The cases as one float model, weights and biases drawn from fixed seeds. */
export function casesModel(cases: FastCase[]): Uint8Array {
  const inputs = cases.flatMap((c) => [
    { name: `x_${c.id}`, dtype: 'float32' as const, shape: c.x },
    ...(c.z ? [{ name: `z_${c.id}`, dtype: 'float32' as const, shape: c.z.shape }] : []),
  ]);
  const initializers = cases.flatMap((c, i) => [
    ...(c.weight ? [floats(`w_${c.id}`, c.weight, 200 + i, 'float32', -0.8, 0.8)] : []),
    ...(c.bias ? [floats(`b_${c.id}`, [c.bias], 300 + i, 'float32', -0.5, 0.5)] : []),
  ]).map((t) => ({ ...t, data: t.data as Float32Array }));
  return buildModel({
    inputs,
    outputs: cases.map((c) => ({ name: `y_${c.id}`, dtype: 'float32' as const })),
    initializers,
    nodes: cases.flatMap((c) => c.nodes(`x_${c.id}`, `y_${c.id}`, `w_${c.id}`, `b_${c.id}`, `z_${c.id}`)),
  });
}

/** Draws every input in its range stretched by `widen` about its middle (1.5: the border saturates). */
export function sampleCases(cases: FastCase[], seed: number, widen: number): Sample {
  const drawn = (name: string, shape: number[], [lo, hi]: [number, number], s: number): [string, ConstTensor] => {
    const [mid, half] = [(lo + hi) / 2, (widen * (hi - lo)) / 2];
    return [name, floats(name, shape, s, 'float32', mid - half, mid + half)];
  };
  return Object.fromEntries(cases.flatMap((c, i) => [
    drawn(`x_${c.id}`, c.x, c.range, seed + 10 * i),
    ...(c.z ? [drawn(`z_${c.id}`, c.z.shape, c.z.range, seed + 10 * i + 5)] : []),
  ]));
}

/** The zero point the border QuantizeLinear gives a model input. */
export function inputZeroPoint(m: Int8Model, input: string): number {
  const border = m.graph.nodes.find((n) => n.opType === 'QuantizeLinear' && n.inputs[0] === input)!;
  return m.quant(border.outputs[0]).zeroPoints[0];
}

/**
 * The compiled model's run on the host (always the portable kernels), on the board's firmware as
 * built (the fast variants its core selects) and on that firmware built with
 * -DO2M_PORTABLE_KERNELS; each must exit 0. The host executable must already be built.
 */
export async function runHostFastPortable(dir: string, inputs: Map<string, ConstTensor>, timeoutSeconds = 120) {
  const run = async (host: boolean) => {
    const r = await runModel(dir, { host, inputs, timeoutSeconds });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    return r;
  };
  const host = await run(true);
  buildFirmware(dir, {});
  const fast = await run(false);
  buildFirmware(dir, { extraCflags: '-DO2M_PORTABLE_KERNELS' });
  const portable = await run(false);
  return { host, fast, portable };
}

/**
 * Runs the compiled cases on the host, on the board's firmware as built (fast kernels) and built
 * portable, and checks every output's bits agree, that each output takes several levels, and that
 * at least `minSaturated` cases (all of fewer) saturate. Returns both firmware's instruction counts.
 */
export async function expectFastEqualsPortable(m: Int8Model, cases: FastCase[], inputs: Sample, minSaturated = 3) {
  const { host, fast, portable } = await runHostFastPortable(m.dir, new Map(Object.entries(inputs)));

  const differing = (firmware: Map<string, ConstTensor>) => cases.map((c) => `y_${c.id}`).filter((name) => {
    const bits = (o: Map<string, ConstTensor>) => Buffer.from((o.get(name)!.data as Float32Array).buffer);
    return !bits(firmware).equals(bits(host.outputs));
  });
  expect(differing(fast.outputs), 'outputs where the fast firmware differs from the host').toEqual([]);
  expect(differing(portable.outputs), 'outputs where the portable firmware differs from the host').toEqual([]);
  for (const c of cases) {
    const name = `y_${c.id}`;
    // Not a degenerate output: several levels.
    const values = host.outputs.get(name)!.data as Float32Array;
    expect(new Set(values).size, name).toBeGreaterThan(Math.min(3, values.length - 1));
  }
  // Some outputs saturate: the int8 level behind the border's DequantizeLinear reaches -128 or 127.
  const saturated = cases.filter((c) => {
    const border = m.graph.nodes.find((n) => n.opType === 'DequantizeLinear' && n.outputs[0] === `y_${c.id}`)!;
    const levels = levelsOf(host.outputs.get(`y_${c.id}`)!, m.quant(border.inputs[0]));
    return levels.some((l) => l === -128 || l === 127);
  });
  expect(saturated.length).toBeGreaterThanOrEqual(Math.min(minSaturated, cases.length));
  return { fast: fast.instructions, portable: portable.instructions };
}
