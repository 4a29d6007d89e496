// Attention below LOAD: MatMul(Q, Kᵀ) → scale → mask → Softmax → MatMul(·, V) runs one query
// row at a time, so a 256 × 256 score matrix never exists, and the results are the unfused
// computation's bit for bit, in float and in int8.
import { describe, expect, it } from 'vitest';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { buildModel } from '../helpers/onnx-builder.js';
import { runOrt } from '../helpers/ort.js';
import { compareClose, compileAndBuild, runBuilt } from '../helpers/pipeline.js';
import { floats } from '../helpers/op-cases.js';
import { ATTENTION, attentionModel } from '../helpers/attention-model.js';

const { L, D } = ATTENTION;

const x: ConstTensor = floats('x', [1, L, D], 9, 'float32', -2, 2);
const SCORE_BYTES = L * L * 4;

describe('attention one query row at a time', () => {
  const model = attentionModel();

  it('in float: the arena stays below one score matrix, and the outputs equal the unfused kernels\' bit for bit', async () => {
    const streamed = compileAndBuild(model, { host: true, label: 'attn-rows' });
    const whole = compileAndBuild(model, { host: true, label: 'attn-whole', streamAttention: false });
    expect(streamed.compiled.graph.nodes.map((n) => n.opType)).toContain('StreamedRows');
    expect(whole.compiled.graph.nodes.map((n) => n.opType)).not.toContain('StreamedRows');
    const inputs = L * D * 4;
    expect(streamed.compiled.plan.arenaBytes).toBeLessThan(SCORE_BYTES + inputs);
    expect(whole.compiled.plan.arenaBytes).toBeGreaterThanOrEqual(SCORE_BYTES + inputs);
    const [a, b] = [await runBuilt(streamed.dir, { x }, { host: true }), await runBuilt(whole.dir, { x }, { host: true })];
    expect(a.exitCode, a.stderr).toBe(0);
    const got = a.outputs.get('y')!.data as Float32Array;
    expect(Buffer.from(got.buffer).equals(Buffer.from((b.outputs.get('y')!.data as Float32Array).buffer))).toBe(true);
    expect(compareClose(a.outputs.get('y')!, (await runOrt(model, { x })).y)).toBeNull();
    // the memory report shows the saving: LOAD itself is below the score matrix
    expect(streamed.compiled.manifest.memory.lower_bound_bytes).toBeLessThan(SCORE_BYTES);
  });
});

describe('attention rows in int8', () => {
  it('equal the unfused int8 kernels exactly, with the same scales', async () => {
    const { compileInt8, runInt8 } = await import('../helpers/int8.js');
    const model = attentionModel();
    const samples = [0, 1, 2].map((i) => ({ x: floats('x', [1, L, D], 20 + i, 'float32', -2, 2) }));
    const streamed = compileInt8(model, samples, { label: 'attn-int8-rows' });
    const whole = compileInt8(model, samples, { label: 'attn-int8-whole', streamAttention: false });
    expect(streamed.graph.nodes.map((n) => n.opType)).toContain('StreamedRows');
    expect(streamed.compiled.plan.arenaBytes).toBeLessThan(L * L + L * D * 4);
    const [a, b] = [await runInt8(streamed, { x }), await runInt8(whole, { x })];
    const got = a.get('y')!.data as Float32Array;
    expect(Buffer.from(got.buffer).equals(Buffer.from((b.get('y')!.data as Float32Array).buffer))).toBe(true);
    // and the int8 model is still a good approximation of the float one
    const want = (await runOrt(model, { x })).y.data as Float32Array;
    let err = 0;
    let norm = 0;
    got.forEach((v, i) => { err += (v - want[i]) ** 2; norm += want[i] ** 2; });
    expect(Math.sqrt(err / norm)).toBeLessThan(0.1);
  });
});

describe('which chains stream', () => {
  it('takes a Div scale, no mask, and opset 11\'s Softmax on the last axis; leaves a scores tensor read elsewhere', async () => {
    const { importModel } = await import('../../compiler/onnx/import.js');
    const { runPasses } = await import('../../compiler/passes/index.js');
    const { streamAttention } = await import('../../compiler/passes/stream-attention.js');
    const build = (extraOutput: boolean, opset: number) => buildModel({
      opset,
      inputs: [{ name: 'q', dtype: 'float32', shape: [2, 8, 4] }, { name: 'kt', dtype: 'float32', shape: [2, 4, 8] }, { name: 'v', dtype: 'float32', shape: [2, 8, 4] }],
      outputs: [{ name: 'o', dtype: 'float32' }, ...(extraOutput ? [{ name: 's', dtype: 'float32' as const }] : [])],
      initializers: [{ name: 'root', dtype: 'float32', shape: [], data: [2] }],
      nodes: [
        { op: 'MatMul', inputs: ['q', 'kt'], outputs: ['s'] },
        { op: 'Div', inputs: ['s', 'root'], outputs: ['d'] },
        { op: 'Softmax', inputs: ['d'], outputs: ['p'], attrs: { axis: 2 } },
        { op: 'MatMul', inputs: ['p', 'v'], outputs: ['o'] },
      ],
    });
    const fused = (bytes: Uint8Array) => streamAttention(runPasses(importModel(bytes, { file: 'm.onnx' }), { file: 'm.onnx', shapes: new Map() })).nodes.map((n) => n.opType);
    expect(fused(build(false, 11))).toEqual(['StreamedRows']);
    expect(fused(build(true, 13))).toEqual(['MatMul', 'Div', 'Softmax', 'MatMul']);
    const bytes = build(false, 13);
    const inputs = {
      q: floats('q', [2, 8, 4], 1), kt: floats('kt', [2, 4, 8], 2), v: floats('v', [2, 8, 4], 3),
    };
    const { dir } = compileAndBuild(bytes, { host: true, label: 'attn-small' });
    const run = await runBuilt(dir, inputs, { host: true });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(compareClose(run.outputs.get('o')!, (await runOrt(bytes, inputs)).o)).toBeNull();
  });
});
