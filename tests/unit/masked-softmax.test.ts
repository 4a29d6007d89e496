// Attention's padding mask as PyTorch exports it — Equal(ids, 0) → Unsqueeze → Where(mask, fill,
// scores) → Softmax over the last axis — becomes one MaskedSoftmax kernel when the fill is far
// below any score: in float it gives ONNX Runtime's result for the node-by-node graph, in int8 a
// masked position is exactly 0 (the kernel skips it rather than quantizing the fill, which would
// take the scores' whole int8 range).
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { importModel } from '../../compiler/onnx/import.js';
import { runPasses } from '../../compiler/passes/index.js';
import { buildModel, type NodeSpec } from '../helpers/onnx-builder.js';
import { runOrt } from '../helpers/ort.js';
import { compareClose, compileBuildRun } from '../helpers/pipeline.js';
import { compileInt8, runInt8, type Int8Model } from '../helpers/int8.js';
import { floats } from '../helpers/op-cases.js';

const L = 12;
/** Token ids with padding at the end and one pad in the middle (position 5). */
const IDS = [2, 17, 9, 4, 33, 0, 8, 21, 0, 0, 0, 0];
const PADDED = IDS.map((id) => id === 0);

const idsTensor = (values: number[]): ConstTensor => ({ name: 'ids', dtype: 'int64', shape: [1, L], data: BigInt64Array.from(values.map(BigInt)) });
const scoresTensor = (seed: number): ConstTensor => floats('scores', [1, L, L], seed, 'float32', -4, 4);

/** Scores read from the input, the mask made from token ids the way torch.onnx writes it. */
function idsMaskModel(fill: number, fillAsConstantNode = true): Uint8Array {
  const fillTensor = { name: 'fill', dtype: 'float32' as const, shape: [], data: [fill] };
  const fillNode: NodeSpec[] = fillAsConstantNode ? [{ op: 'Constant', inputs: [], outputs: ['fill'], attrs: { value: { tensor: fillTensor } } }] : [];
  return buildModel({
    inputs: [{ name: 'ids', dtype: 'int64', shape: [1, L] }, { name: 'scores', dtype: 'float32', shape: [1, L, L] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: [
      { name: 'zero', dtype: 'int64', shape: [], data: [0n] },
      { name: 'axes', dtype: 'int64', shape: [1], data: [1n] },
      ...(fillAsConstantNode ? [] : [fillTensor]),
    ],
    nodes: [
      ...fillNode,
      { op: 'Equal', inputs: ['ids', 'zero'], outputs: ['pad'] },
      { op: 'Unsqueeze', inputs: ['pad', 'axes'], outputs: ['mask'] },
      { op: 'Where', inputs: ['mask', 'fill', 'scores'], outputs: ['masked'] },
      { op: 'Softmax', inputs: ['masked'], outputs: ['y'], attrs: { axis: -1 } },
    ],
  });
}

/** The mask as a bool graph input; `keepWhereTrue` writes Where(mask, scores, fill) (mask = keep). */
function boolMaskModel(fill: number, keepWhereTrue: boolean): Uint8Array {
  return buildModel({
    inputs: [{ name: 'mask', dtype: 'bool', shape: [1, 1, L] }, { name: 'scores', dtype: 'float32', shape: [1, L, L] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: [{ name: 'fill', dtype: 'float32', shape: [], data: [fill] }],
    nodes: [
      { op: 'Where', inputs: keepWhereTrue ? ['mask', 'scores', 'fill'] : ['mask', 'fill', 'scores'], outputs: ['masked'] },
      { op: 'Softmax', inputs: ['masked'], outputs: ['y'], attrs: { axis: -1 } },
    ],
  });
}

const compiledOps = (bytes: Uint8Array) =>
  runPasses(importModel(bytes, { file: 'm.onnx' }), { file: 'm.onnx', shapes: new Map() }).nodes.map((n) => n.opType);

/** Bit-level float comparison that names the first element that differs. */
function firstBitDifference(got: ConstTensor, want: ConstTensor): string | null {
  const [g, w] = [got.data as Float32Array, want.data as Float32Array];
  if (g.length !== w.length) return `length ${g.length} != ${w.length}`;
  for (let i = 0; i < w.length; i++) if (!Object.is(g[i], w[i])) return `element ${i}: got ${g[i]}, want ${w[i]}`;
  return null;
}

/*
 * Float tolerance: the kernel does Where's and Softmax's float operations in ONNX Runtime's
 * order, except that exp is the runtime's own (o2m_expf, within a few ulp of libm), so each
 * probability can differ from ORT's by a few float32 ulp: 1e-6 relative is ~8 ulp.
 */
const RTOL = 1e-6;
const ATOL = 1e-9;

describe('MaskedSoftmax fusion of a padding mask', () => {
  for (const [label, fill] of [['-1e4 (what PyTorch writes)', -1e4], ['-1e9 (a -inf-like fill)', -1e9]] as const) {
    it(`Equal(ids, 0) → Unsqueeze → Where(mask, ${label}, scores) → Softmax: one kernel, ORT's float result, masked weights exactly 0`, async () => {
      const bytes = idsMaskModel(fill);
      const ops = compiledOps(bytes);
      expect(ops).toContain('MaskedSoftmax');
      expect(ops).not.toContain('Where');
      expect(ops).not.toContain('Softmax');
      const feeds = { ids: idsTensor(IDS), scores: scoresTensor(3) };
      const want = (await runOrt(bytes, feeds)).y;
      const { run, compiled } = await compileBuildRun(bytes, feeds, { host: true, label: `masked-softmax-${fill}` });
      expect(compiled.manifest.layers.map((l) => l.opType)).toContain('MaskedSoftmax');
      expect(run.exitCode, run.stderr).toBe(0);
      const got = run.outputs.get('y')!;
      expect(compareClose(got, want, RTOL, ATOL)).toBeNull();
      const y = got.data as Float32Array;
      for (let row = 0; row < L; row++) {
        PADDED.forEach((padded, j) => { if (padded) expect(y[row * L + j], `row ${row} key ${j}`).toBe(0); });
      }
    });
  }

  it('a fill given as an initializer and a bool mask input, either polarity of Where, fuse and match ORT', async () => {
    const keep = Uint8Array.from(PADDED, (p) => (p ? 0 : 1));
    const pad = Uint8Array.from(PADDED, (p) => (p ? 1 : 0));
    expect(compiledOps(idsMaskModel(-1e4, false))).toContain('MaskedSoftmax');
    for (const keepWhereTrue of [false, true]) {
      const bytes = boolMaskModel(-1e4, keepWhereTrue);
      expect(compiledOps(bytes)).toEqual(['MaskedSoftmax']);
      const feeds = { mask: { name: 'mask', dtype: 'bool' as const, shape: [1, 1, L], data: keepWhereTrue ? keep : pad }, scores: scoresTensor(4) };
      const want = (await runOrt(bytes, feeds)).y;
      const { run } = await compileBuildRun(bytes, feeds, { host: true, label: `masked-softmax-bool-${keepWhereTrue}` });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(compareClose(run.outputs.get('y')!, want, RTOL, ATOL)).toBeNull();
    }
  });

  /*
   * A row with every key masked: the float kernel replaces every score by the fill, so the
   * maximum is the fill and each term exp(fill − fill) = 1: every weight is 1/ℓ, what ORT gives
   * for the unfused graph. With a fill of −inf both give NaN (−inf − −inf), the same as ORT.
   */
  it('a fully masked row (every id padding) is uniform, 1/ℓ, as ORT gives for the unfused graph; NaN with a −inf fill, as ORT', async () => {
    for (const fill of [-1e4, -1e9, -Infinity]) {
      const bytes = idsMaskModel(fill);
      expect(compiledOps(bytes)).toContain('MaskedSoftmax');
      const feeds = { ids: idsTensor(IDS.map(() => 0)), scores: scoresTensor(5) };
      const want = (await runOrt(bytes, feeds)).y;
      const { run } = await compileBuildRun(bytes, feeds, { host: true, label: `masked-softmax-all-${fill}` });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(firstBitDifference(run.outputs.get('y')!, want), `fill ${fill}`).toBeNull();
      const expected = fill === -Infinity ? (v: number) => Number.isNaN(v) : (v: number) => Math.abs(v - 1 / L) < 1e-7;
      expect(Array.from(want.data as Float32Array).every(expected), `fill ${fill}`).toBe(true);
    }
  });

  it('does not fuse a fill a score can come near (0, −1, −100): Where and Softmax stay and still match ORT', async () => {
    for (const fill of [0, -1, -100]) {
      const bytes = idsMaskModel(fill);
      const ops = compiledOps(bytes);
      expect(ops, `fill ${fill}`).not.toContain('MaskedSoftmax');
      expect(ops, `fill ${fill}`).toEqual(expect.arrayContaining(['Where', 'Softmax']));
    }
    const bytes = idsMaskModel(-1);
    const feeds = { ids: idsTensor(IDS), scores: scoresTensor(6) };
    const { run } = await compileBuildRun(bytes, feeds, { host: true, label: 'masked-softmax-unfused' });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(compareClose(run.outputs.get('y')!, (await runOrt(bytes, feeds)).y, RTOL, ATOL)).toBeNull();
  });
});

describe('MaskedSoftmax in int8', () => {
  const bytes = idsMaskModel(-1e4);
  const samples = [0, 1, 2, 3].map((i) => ({ ids: idsTensor(IDS), scores: scoresTensor(40 + i) }));
  let m: Int8Model;
  beforeAll(() => { m = compileInt8(bytes, samples, { label: 'masked-softmax-int8' }); });

  it('masked positions are exactly 0, the rest within 3/256 of ORT (output rounding and the scores\' quantization)', async () => {
    expect(m.node('MaskedSoftmax').inputs).toHaveLength(2);
    expect(m.graph.nodes.map((n) => n.opType)).not.toContain('Where');
    const feeds = { ids: idsTensor(IDS), scores: scoresTensor(7) };
    const got = (await runInt8(m, feeds)).get('y')!.data as Float32Array;
    const want = (await runOrt(bytes, feeds)).y.data as Float32Array;
    let worst = 0;
    for (let row = 0; row < L; row++) {
      for (let j = 0; j < L; j++) {
        const i = row * L + j;
        if (PADDED[j]) expect(got[i], `row ${row} key ${j}`).toBe(0);
        else worst = Math.max(worst, Math.abs(got[i] - want[i]));
      }
    }
    // Each score is off by up to half its step (8/255 / 2 ≈ 0.016), which moves a weight by up
    // to ~3 % of itself, and the output is rounded to 1/256 and the exp table to its Q format:
    // about 2/256 for the largest weights (1.9/256 measured); 3/256 leaves a margin, while
    // weight given to the 5 masked keys would shift the others by far more.
    expect(worst).toBeLessThan(3 / 256);
  });

  // The int8 kernel finds no unmasked maximum in such a row and gives every position the table's
  // exp(0): the uniform row, 1/ℓ rounded to the output's 1/256 grid.
  it('a fully masked row is uniform: the int8 level of 1/ℓ in every position, as ORT\'s unfused graph gives 1/ℓ', async () => {
    const feeds = { ids: idsTensor(IDS.map(() => 0)), scores: scoresTensor(8) };
    const got = (await runInt8(m, feeds)).get('y')!.data as Float32Array;
    const want = (await runOrt(bytes, feeds)).y.data as Float32Array;
    const nearestLevel = Math.round(256 / L) / 256; // TFLite's output scale 1/256, zero point −128
    for (let i = 0; i < got.length; i++) {
      expect(got[i], `element ${i}`).toBe(nearestLevel);
      expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(0.5 / 256);
    }
  });
});
