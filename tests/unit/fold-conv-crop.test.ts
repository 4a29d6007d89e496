// A causal Conv1d as PyTorch exports it — pads [k−1, k−1], then a Slice keeping the first ℓ
// outputs — folds into one Conv with less padding: no Slice, no wider output. Each kept output
// is the same sum in the same order, so the folded model's outputs are the uncropped
// convolution's bits (and, depthwise, ONNX Runtime's).
import { describe, expect, it } from 'vitest';
import type { ConstTensor, Graph, Node } from '../../compiler/ir/graph.js';
import { importModel } from '../../compiler/onnx/import.js';
import { runPasses } from '../../compiler/passes/index.js';
import { buildModel, type NodeSpec } from '../helpers/onnx-builder.js';
import { runOrt } from '../helpers/ort.js';
import { compareClose, compileBuildRun } from '../helpers/pipeline.js';
import { floats } from '../helpers/op-cases.js';

const C = 4;
const L = 16;
const K = 5;
const x: ConstTensor = floats('x', [1, C, L], 21, 'float32', -2, 2);

interface ConvSpec {
  /** Output channels; groups = C makes it depthwise as EmbBERT's. */
  out: number;
  group: number;
  stride?: number;
}

const convOutLength = (stride: number) => Math.floor((L + 2 * (K - 1) - K) / stride) + 1;

interface CropSpec {
  starts: number[];
  ends: number[];
  axes: number[];
  steps?: number[];
}

/** x → Conv(pads [K−1, K−1]) → Slice(crop) → y; `extra` adds nodes and outputs around it. */
function causalConv(conv: ConvSpec, crop: CropSpec | undefined, extra: { nodes?: NodeSpec[]; outputs?: string[] } = {}): Uint8Array {
  const wShape = [conv.out, C / conv.group, K];
  const ints = (name: string, v: number[]) => ({ name, dtype: 'int64' as const, shape: [v.length], data: v.map(BigInt) });
  return buildModel({
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, C, L] }],
    outputs: [{ name: 'y', dtype: 'float32' }, ...(extra.outputs ?? []).map((name) => ({ name, dtype: 'float32' as const }))],
    initializers: [
      floats('w', wShape, 22, 'float32', -0.5, 0.5) as { name: string; dtype: 'float32'; shape: number[]; data: Float32Array },
      floats('b', [conv.out], 23, 'float32', -0.5, 0.5) as { name: string; dtype: 'float32'; shape: number[]; data: Float32Array },
      ...(crop ? [ints('starts', crop.starts), ints('ends', crop.ends), ints('axes', crop.axes), ...(crop.steps ? [ints('steps', crop.steps)] : [])] : []),
    ],
    nodes: [
      {
        op: 'Conv', inputs: ['x', 'w', 'b'], outputs: [crop ? 'c' : 'y'],
        attrs: { group: conv.group, kernel_shape: [K], pads: [K - 1, K - 1], strides: [conv.stride ?? 1] },
      },
      ...(crop ? [{ op: 'Slice', inputs: ['c', 'starts', 'ends', 'axes', ...(crop.steps ? ['steps'] : [])], outputs: ['y'] }] : []),
      ...(extra.nodes ?? []),
    ],
  });
}

const passes = (bytes: Uint8Array): Graph => runPasses(importModel(bytes, { file: 'm.onnx' }), { file: 'm.onnx', shapes: new Map() });
const onlyConv = (g: Graph): Node => {
  const convs = g.nodes.filter((n) => n.opType === 'Conv');
  expect(convs).toHaveLength(1);
  return convs[0];
};
const padsOf = (n: Node) => (n.attributes.pads?.kind === 'ints' ? n.attributes.pads.value : undefined);

/** Element [0, c, i] of a [1, channels, length] output as a number. */
const rowsOf = (t: ConstTensor, channels: number) => {
  const length = t.data.length / channels;
  return Array.from({ length: channels }, (_, c) => Array.from((t.data as Float32Array).subarray(c * length, (c + 1) * length)));
};

function firstBitDifference(got: number[][], want: number[][]): string | null {
  for (let c = 0; c < want.length; c++) {
    if (got[c].length !== want[c].length) return `channel ${c}: length ${got[c].length} != ${want[c].length}`;
    for (let i = 0; i < want[c].length; i++) if (!Object.is(got[c][i], want[c][i])) return `[${c}, ${i}]: got ${got[c][i]}, want ${want[c][i]}`;
  }
  return null;
}

const CASES: { name: string; conv: ConvSpec; crop: CropSpec; pads: number[]; kept: (full: number[]) => number[] }[] = [
  {
    name: 'depthwise, keep the first ℓ (the causal crop PyTorch writes)',
    conv: { out: C, group: C }, crop: { starts: [0], ends: [L], axes: [2], steps: [1] },
    pads: [K - 1, 0], kept: (full) => full.slice(0, L),
  },
  {
    name: 'dense, keep the first ℓ, the axis written as −1 and no steps input',
    conv: { out: 3, group: 1 }, crop: { starts: [0], ends: [L], axes: [-1] },
    pads: [K - 1, 0], kept: (full) => full.slice(0, L),
  },
  {
    name: 'depthwise, drop K−1 from the start (ends = INT64_MAX-like)',
    conv: { out: C, group: C }, crop: { starts: [K - 1], ends: [1 << 30], axes: [2] },
    pads: [0, K - 1], kept: (full) => full.slice(K - 1),
  },
  {
    name: 'depthwise with stride 2: one output dropped at each end takes 2 off each pad',
    conv: { out: C, group: C, stride: 2 }, crop: { starts: [1], ends: [convOutLength(2) - 1], axes: [2] },
    pads: [K - 3, K - 3], kept: (full) => full.slice(1, -1),
  },
];

describe('a Conv followed by a crop of its output folds into the Conv\'s padding', () => {
  for (const c of CASES) {
    it(`${c.name}: no Slice, pads [${c.pads}], the uncropped Conv's bits, ORT's result`, async () => {
      const bytes = causalConv(c.conv, c.crop);
      const g = passes(bytes);
      expect(g.nodes.map((n) => n.opType)).toEqual(['Conv']);
      expect(padsOf(onlyConv(g))).toEqual(c.pads);
      expect(onlyConv(g).outputs).toEqual(['y']);

      const folded = await compileBuildRun(bytes, { x }, { host: true, label: 'conv-crop-folded' });
      expect(folded.run.exitCode, folded.run.stderr).toBe(0);
      expect(folded.compiled.manifest.layers.map((l) => l.opType)).toEqual(['Conv']);
      // The same Conv uncropped, compiled by us, then cropped here: the folded sums are its sums.
      const whole = await compileBuildRun(causalConv(c.conv, undefined), { x }, { host: true, label: 'conv-crop-whole' });
      expect(whole.run.exitCode, whole.run.stderr).toBe(0);
      const got = rowsOf(folded.run.outputs.get('y')!, c.conv.out);
      expect(firstBitDifference(got, rowsOf(whole.run.outputs.get('y')!, c.conv.out).map(c.kept))).toBeNull();
      // ONNX Runtime sums a depthwise output's K products in order as we do, so its bits are
      // ours; a dense Conv's C·K products it sums in another order (MLAS's GEMM): apart by at
      // most C·K·eps·Σ|terms| ≈ 20 · 6e-8 · 10, which cancellation can make large beside a small output.
      const want = (await runOrt(bytes, { x })).y;
      if (c.conv.group === C) expect(firstBitDifference(got, rowsOf(want, c.conv.out))).toBeNull();
      else expect(compareClose(folded.run.outputs.get('y')!, want, 1e-6, 1e-5)).toBeNull();
    });
  }
});

describe('crops that stay a Slice', () => {
  const unfolded = (bytes: Uint8Array) => {
    const g = passes(bytes);
    expect(g.nodes.map((n) => n.opType)).toContain('Slice');
    expect(padsOf(onlyConv(g))).toEqual([K - 1, K - 1]);
  };

  it('when the uncropped output has another reader, or is a graph output, or the Slice steps by 2, or crops channels', async () => {
    const depthwise = { out: C, group: C };
    const keepFirst = { starts: [0], ends: [L], axes: [2] };
    const models = {
      otherReader: causalConv(depthwise, keepFirst, { nodes: [{ op: 'Relu', inputs: ['c'], outputs: ['r'] }], outputs: ['r'] }),
      graphOutput: causalConv(depthwise, keepFirst, { outputs: ['c'] }),
      sliceStep2: causalConv(depthwise, { starts: [0], ends: [L], axes: [2], steps: [2] }),
      channels: causalConv(depthwise, { starts: [0], ends: [2], axes: [1] }),
    };
    for (const [name, bytes] of Object.entries(models)) {
      unfolded(bytes);
      const { run } = await compileBuildRun(bytes, { x }, { host: true, label: `conv-crop-${name}` });
      expect(run.exitCode, `${name}: ${run.stderr}`).toBe(0);
      const want = await runOrt(bytes, { x });
      for (const [output, tensor] of Object.entries(want)) {
        const channels = tensor.shape[1];
        expect(firstBitDifference(rowsOf(run.outputs.get(output)!, channels), rowsOf(tensor, channels)), `${name}: ${output}`).toBeNull();
      }
    }
  });

  it('a reader of the Slice\'s own output besides the graph output does not stop the fold', () => {
    const bytes = causalConv({ out: C, group: C }, { starts: [0], ends: [L], axes: [2] }, { nodes: [{ op: 'Relu', inputs: ['y'], outputs: ['r'] }], outputs: ['r'] });
    const g = passes(bytes);
    expect(g.nodes.map((n) => n.opType)).not.toContain('Slice');
    expect(padsOf(onlyConv(g))).toEqual([K - 1, 0]);
  });
});
