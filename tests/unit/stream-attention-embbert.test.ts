// One EmbBERT layer's attention branch in int8, as torch.onnx writes it: a query projection
// only (keys and values are h itself, so Kᵀ is a Transpose of h), a Div by √d, the padding mask
// as Where(mask, −1e4, scores), Softmax, · h, the output Linear, and the residual. Streamed one
// query row at a time it must give the unstreamed int8 graph's outputs bit for bit, read h
// through strides instead of a transposed copy (MatMulTransposedB), write its result over an
// input it has finished with, and need a smaller arena.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConstTensor, Graph, Node } from '../../compiler/ir/graph.js';
import { buildModel } from '../helpers/onnx-builder.js';
import { compileInt8, runInt8, type Int8Model } from '../helpers/int8.js';
import { floats } from '../helpers/op-cases.js';

const L = 64;
const D = 16;

function layerModel(): Uint8Array {
  const matrix = (name: string, seed: number) => floats(name, [D, D], seed, 'float32', -0.4, 0.4) as ConstTensor & { data: Float32Array };
  const vector = (name: string, seed: number, lo: number, hi: number) => floats(name, [D], seed, 'float32', lo, hi) as ConstTensor & { data: Float32Array };
  const scalar = (name: string, v: number) => ({ name, dtype: 'float32' as const, shape: [], data: [v] });
  return buildModel({
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, L, D] }, { name: 'input_ids', dtype: 'int64', shape: [1, L] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: [
      matrix('wq', 31), vector('bq', 32, -0.1, 0.1), matrix('wo', 33), vector('bo', 34, -0.1, 0.1), vector('gain', 35, 0.5, 1.5),
      scalar('root_d', Math.sqrt(D)), scalar('fill', -1e4), scalar('lambda', 0.75),
      { name: 'zero', dtype: 'int64', shape: [], data: [0n] },
      { name: 'axis1', dtype: 'int64', shape: [1], data: [1n] },
    ],
    nodes: [
      { op: 'Equal', inputs: ['input_ids', 'zero'], outputs: ['pad'] },
      { op: 'Unsqueeze', inputs: ['pad', 'axis1'], outputs: ['mask'] },
      // The layer's pre-norm reduced to its gain: what matters is that h is a tensor of its own.
      { op: 'Mul', inputs: ['x', 'gain'], outputs: ['h'] },
      { op: 'MatMul', inputs: ['h', 'wq'], outputs: ['q_product'] },
      { op: 'Add', inputs: ['bq', 'q_product'], outputs: ['q'] },
      { op: 'Transpose', inputs: ['h'], outputs: ['h_t'], attrs: { perm: [0, 2, 1] } },
      { op: 'MatMul', inputs: ['q', 'h_t'], outputs: ['scores'] },
      { op: 'Div', inputs: ['scores', 'root_d'], outputs: ['scaled'] },
      { op: 'Where', inputs: ['mask', 'fill', 'scaled'], outputs: ['masked'] },
      { op: 'Softmax', inputs: ['masked'], outputs: ['weights'], attrs: { axis: -1 } },
      { op: 'MatMul', inputs: ['weights', 'h'], outputs: ['context'] },
      { op: 'MatMul', inputs: ['context', 'wo'], outputs: ['o_product'] },
      { op: 'Add', inputs: ['bo', 'o_product'], outputs: ['attention'] },
      { op: 'Mul', inputs: ['attention', 'lambda'], outputs: ['branch'] },
      { op: 'Add', inputs: ['x', 'branch'], outputs: ['y'] },
    ],
  });
}

/** Token ids: `length` real tokens, then padding (0). */
const ids = (length: number, seed: number): ConstTensor => ({
  name: 'input_ids', dtype: 'int64', shape: [1, L],
  data: BigInt64Array.from({ length: L }, (_, i) => BigInt(i < length ? 1 + ((i * 7919 + seed * 104729) % 2000) : 0)),
});
const sample = (seed: number, length: number) => ({ x: floats('x', [1, L, D], seed, 'float32', -2, 2), input_ids: ids(length, seed) });

const streamedNodes = (g: Graph): Node[] => g.nodes.filter((n) => n.opType === 'StreamedRows');
const bodyOps = (n: Node): string[] => (n.attributes.body?.kind === 'graph' ? n.attributes.body.value.nodes.map((b) => b.opType) : []);

describe('an EmbBERT attention layer streamed in int8', () => {
  const model = layerModel();
  const calibration = [0, 1, 2, 3].map((i) => sample(50 + i, [L, 40, 17, 63][i]));
  let streamed: Int8Model;
  let whole: Int8Model;
  beforeAll(() => {
    streamed = compileInt8(model, calibration, { label: 'embbert-attn-rows' });
    whole = compileInt8(model, calibration, { label: 'embbert-attn-whole', streamAttention: false });
  });

  it('drops the Kᵀ Transpose for MatMulTransposedB inside the streamed rows; the unstreamed graph keeps it', () => {
    const top = streamed.graph.nodes.map((n) => n.opType);
    expect(top).not.toContain('Transpose');
    expect(top).not.toContain('Where');
    const attention = streamedNodes(streamed.graph).filter((n) => bodyOps(n).includes('MatMulTransposedB'));
    expect(attention).toHaveLength(1);
    expect(bodyOps(attention[0])).toContain('MaskedSoftmax');
    expect(bodyOps(attention[0])).not.toContain('Transpose');
    expect(streamed.compiled.manifest.layers.map((l) => l.opType)).not.toContain('Transpose');
    // The output Linear (square wo, bias bo) runs row by row too, in the attention's rows or its own.
    const readsWo = (n: Node) => n.inputs.some((i) => i.split('::')[0] === 'wo');
    expect(streamed.graph.nodes.filter((n) => n.opType !== 'StreamedRows' && readsWo(n))).toEqual([]);
    expect(streamedNodes(streamed.graph).some((n) => n.attributes.body?.kind === 'graph' && n.attributes.body.value.nodes.some(readsWo))).toBe(true);

    const wholeOps = whole.graph.nodes.map((n) => n.opType);
    expect(wholeOps).toContain('Transpose');
    expect(wholeOps).toContain('MaskedSoftmax');
    expect(wholeOps).not.toContain('StreamedRows');
    expect(wholeOps).not.toContain('MatMulTransposedB');
  });

  it('gives the unstreamed graph\'s host outputs bit for bit, padded, unpadded and all padding', async () => {
    for (const [seed, length] of [[1, 23], [2, L], [3, 1], [4, 0]]) {
      const inputs = sample(seed, length);
      const [a, b] = [(await runInt8(streamed, inputs)).get('y')!, (await runInt8(whole, inputs)).get('y')!];
      const [got, want] = [a.data as Float32Array, b.data as Float32Array];
      expect(got.length).toBe(L * D);
      expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength)), `${length} tokens`).toBe(true);
    }
  });

  it('writes the attention\'s result over an input it has finished with, and the arena is smaller than unstreamed', () => {
    const tensors = streamed.compiled.manifest.memory.tensors;
    const offsetOf = (name: string) => tensors.find((t) => t.name === name)?.offset;
    const attention = streamedNodes(streamed.graph).find((n) => bodyOps(n).includes('MatMulTransposedB'))!;
    const output = offsetOf(attention.outputs[0]);
    expect(output).toBeDefined();
    const shared = attention.inputs.filter((i) => offsetOf(i) === output);
    expect(shared.length, `inputs of ${attention.name}: ${attention.inputs.map((i) => `${i}@${offsetOf(i)}`).join(', ')}; output @${output}`).toBeGreaterThan(0);
    // The whole score matrix (ℓ² int8 bytes) is what streaming saves at least, minus a few rows of scratch.
    expect(streamed.compiled.plan.arenaBytes).toBeLessThan(whole.compiled.plan.arenaBytes);
    expect(whole.compiled.plan.arenaBytes - streamed.compiled.plan.arenaBytes).toBeGreaterThanOrEqual(L * L - 4 * L * 4);
  });
});
