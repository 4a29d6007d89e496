// The Cortex-M4 DSP variant of o2m_matmul_i8 (runtime-c/kernels/matmul_i8.c) against its
// definition, bit for bit: one int8 model holds many products — odd K (1, 3, 5, 17, 255), odd N,
// one row and several, per-channel weights and per-tensor activations, zero points at both ends
// of int8, bias or none, saturating outputs, batches; B by columns (weights, Kᵀ), B by rows (an
// activation, V) and A read through a stride (the portable loops) — and runs on the host (always
// portable), on mps2-an386 (DSP) and on the same firmware built with -DO2M_PORTABLE_KERNELS.
// Every output must agree exactly.
import { describe, expect, it } from 'vitest';
import { buildModel as buildFirmware } from '../../compiler/build/index.js';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { runModel } from '../../compiler/run/index.js';
import { compileInt8, levelsOf, type Sample } from '../helpers/int8.js';
import { buildModel, type NodeSpec } from '../helpers/onnx-builder.js';
import { floats } from '../helpers/op-cases.js';

interface Case {
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

const CASES: Case[] = [
  // Gemm transB = 1 (PyTorch Linear): B is [N][K] as given.
  { id: 'k1', x: [1, 1], range: [0, 3], weight: [5, 1], bias: 5, nodes: (x, y, w, b) => [{ op: 'Gemm', inputs: [x, w, b], outputs: [y], attrs: { transB: 1 } }] },
  // Gemm transB = 0: the compiler stores the constant B transposed.
  { id: 'k3', x: [2, 3], range: [-3, 0], weight: [3, 7], nodes: (x, y, w) => [{ op: 'Gemm', inputs: [x, w], outputs: [y] }] },
  { id: 'k5', x: [3, 5], range: [-1, 2], weight: [5, 9], nodes: (x, y, w) => [{ op: 'MatMul', inputs: [x, w], outputs: [y] }] },
  { id: 'k17relu', x: [1, 17], range: [-1, 1], weight: [3, 17], bias: 3, nodes: (x, y, w, b) => [
    { op: 'Gemm', inputs: [x, w, b], outputs: [`${y}_pre`], attrs: { transB: 1 } },
    { op: 'Relu', inputs: [`${y}_pre`], outputs: [y] },
  ] },
  { id: 'k255', x: [2, 255], range: [0.5, 4], weight: [13, 255], bias: 13, nodes: (x, y, w, b) => [{ op: 'Gemm', inputs: [x, w, b], outputs: [y], attrs: { transB: 1 } }] },
  // Batches over one constant B (a transformer's Linear on [batch, rows, K]).
  { id: 'batched', x: [2, 3, 8], range: [-2, 1], weight: [8, 4], nodes: (x, y, w) => [{ op: 'MatMul', inputs: [x, w], outputs: [y] }] },
  // One column: B per tensor.
  { id: 'n1', x: [2, 9], range: [-1, 3], weight: [9, 1], nodes: (x, y, w) => [{ op: 'MatMul', inputs: [x, w], outputs: [y] }] },
  // Aᵀ: A read through a stride along K, the portable loops.
  { id: 'transA', x: [6, 4], range: [-1, 1], weight: [5, 6], bias: 5, nodes: (x, y, w, b) => [{ op: 'Gemm', inputs: [x, w, b], outputs: [y], attrs: { transA: 1, transB: 1 } }] },
  // Two activations, B [K][N] read by rows: per tensor, B's offset non-zero.
  { id: 'activations', x: [4, 6], range: [0, 2], z: { shape: [6, 5], range: [-2, 0] }, nodes: (x, y, _w, _b, z) => [{ op: 'MatMul', inputs: [x, z], outputs: [y] }] },
  // Attention: Q · Kᵀ streamed row by row reads K [N][K] through strides with no copy (B by
  // columns, both offsets non-zero, K 5, N 7); weights · V reads V by rows (K 7, odd).
  { id: 'attention', x: [1, 7, 5], range: [0, 2], z: { shape: [1, 7, 5], range: [-2, 1] }, nodes: (x, y, _w, _b, z) => [
    { op: 'Transpose', inputs: [z], outputs: [`${z}_t`], attrs: { perm: [0, 2, 1] } },
    { op: 'MatMul', inputs: [x, `${z}_t`], outputs: [`${y}_scores`] },
    { op: 'Softmax', inputs: [`${y}_scores`], outputs: [`${y}_weights`], attrs: { axis: -1 } },
    { op: 'MatMul', inputs: [`${y}_weights`, z], outputs: [y] },
  ] },
];

function productsModel(): Uint8Array {
  const inputs = CASES.flatMap((c) => [
    { name: `x_${c.id}`, dtype: 'float32' as const, shape: c.x },
    ...(c.z ? [{ name: `z_${c.id}`, dtype: 'float32' as const, shape: c.z.shape }] : []),
  ]);
  const initializers = CASES.flatMap((c, i) => [
    ...(c.weight ? [{ ...floats(`w_${c.id}`, c.weight, 200 + i, 'float32', -0.8, 0.8), data: floats(`w_${c.id}`, c.weight, 200 + i, 'float32', -0.8, 0.8).data as Float32Array }] : []),
    ...(c.bias ? [{ ...floats(`b_${c.id}`, [c.bias], 300 + i, 'float32', -0.5, 0.5), data: floats(`b_${c.id}`, [c.bias], 300 + i, 'float32', -0.5, 0.5).data as Float32Array }] : []),
  ]);
  return buildModel({
    inputs,
    outputs: CASES.map((c) => ({ name: `y_${c.id}`, dtype: 'float32' as const })),
    initializers,
    nodes: CASES.flatMap((c) => c.nodes(`x_${c.id}`, `y_${c.id}`, `w_${c.id}`, `b_${c.id}`, `z_${c.id}`)),
  });
}

/** Draws every input in [lo, hi] stretched by `widen` about its middle (1.5: the border saturates). */
function sample(seed: number, widen: number): Sample {
  const drawn = (name: string, shape: number[], [lo, hi]: [number, number], s: number): [string, ConstTensor] => {
    const [mid, half] = [(lo + hi) / 2, (widen * (hi - lo)) / 2];
    return [name, floats(name, shape, s, 'float32', mid - half, mid + half)];
  };
  return Object.fromEntries(CASES.flatMap((c, i) => [
    drawn(`x_${c.id}`, c.x, c.range, seed + 10 * i),
    ...(c.z ? [drawn(`z_${c.id}`, c.z.shape, c.z.range, seed + 10 * i + 5)] : []),
  ]));
}

async function outputsOf(dir: string, inputs: Sample, host: boolean) {
  const run = await runModel(dir, { host, inputs: new Map(Object.entries(inputs)), timeoutSeconds: 120 });
  expect(run.exitCode, run.stdout + run.stderr).toBe(0);
  return { outputs: run.outputs, instructions: run.instructions };
}

describe('o2m_matmul_i8 on a DSP core', () => {
  it('gives the portable kernel\'s bits on mps2-an386, built fast and built portable, for every shape, offset and layout', async () => {
    const calibration = [0, 1, 2, 3].map((i) => sample(1000 + 77 * i, 1));
    const m = compileInt8(productsModel(), calibration, { board: 'mps2-an386', label: 'matmul-dsp' });
    // The cases reach the kernel with the offsets they were drawn for.
    const zeroPoint = (input: string) => {
      const border = m.graph.nodes.find((n) => n.opType === 'QuantizeLinear' && n.inputs[0] === input)!;
      return m.quant(border.outputs[0]).zeroPoints[0];
    };
    expect(zeroPoint('x_k1')).toBe(-128);
    expect(zeroPoint('x_k3')).toBe(127);
    expect(m.graph.nodes.map((n) => n.opType)).toContain('StreamedRows');

    const inputs = sample(7, 1.5);
    const host = await outputsOf(m.dir, inputs, true);
    buildFirmware(m.dir, {});
    const fast = await outputsOf(m.dir, inputs, false);
    buildFirmware(m.dir, { extraCflags: '-DO2M_PORTABLE_KERNELS' });
    const portable = await outputsOf(m.dir, inputs, false);

    for (const c of CASES) {
      const name = `y_${c.id}`;
      const bits = (o: Map<string, ConstTensor>) => Buffer.from((o.get(name)!.data as Float32Array).buffer);
      expect(bits(fast.outputs).equals(bits(host.outputs)), `${name}: DSP firmware vs host`).toBe(true);
      expect(bits(portable.outputs).equals(bits(host.outputs)), `${name}: portable firmware vs host`).toBe(true);
      // Not a degenerate output: several levels, and the widened inputs reach the output's clamp.
      const values = host.outputs.get(name)!.data as Float32Array;
      expect(new Set(values).size, name).toBeGreaterThan(Math.min(3, values.length - 1));
    }
    // Some outputs saturate: the int8 level behind the border's DequantizeLinear reaches -128 or 127.
    const saturated = CASES.filter((c) => {
      const border = m.graph.nodes.find((n) => n.opType === 'DequantizeLinear' && n.outputs[0] === `y_${c.id}`)!;
      const levels = levelsOf(host.outputs.get(`y_${c.id}`)!, m.quant(border.inputs[0]));
      return levels.some((l) => l === -128 || l === 127);
    });
    expect(saturated.length).toBeGreaterThan(2);
    // The DSP variant ran: the same firmware runs fewer instructions with it than without.
    expect(fast.instructions).toBeLessThan(portable.instructions);
  }, 300_000);
});
