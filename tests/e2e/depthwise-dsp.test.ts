// The fast variants of the depthwise o2m_conv2d_i8 (runtime-c/kernels/conv2d_depthwise_i8.c:
// a small plane's padded rows held whole in arena scratch, a big one's too where the plan has the
// room under the arena's peak, else in a ring of three slots with two mirrored; on the Cortex-M4 SMLAD on two outputs per word, asm rows at both strides, a
// channel the fast rows cannot take exactly in either; on the Cortex-M55 Helium rows of sixteen
// outputs in four vectors) against its
// definition, bit for bit: 3×3 stride 1 on odd sizes, width 1 and 2, odd channel counts, stride 2
// with symmetric and MobileNet's [0, 0, 1, 1] padding, mixed strides, no padding, a fused ReLU,
// Clip(0, 6) and clips that clamp inside int8, zero points at both ends of int8, no bias, batch 2
// and saturating outputs; 5×5,
// dilated and 1-D depthwise convolutions get no scratch and keep the portable loops. It runs on the
// host (portable), on mps2-an386 (DSP) and mps3-an547 (Helium), and on their firmware built with
// -DO2M_PORTABLE_KERNELS.
import { describe, expect, it } from 'vitest';
import { compileInt8 } from '../helpers/int8.js';
import {
  activationBounds, casesModel, convThen, int32Argument, expectFastEqualsPortable, inputZeroPoint, sampleCases, type After, type FastCase,
} from '../helpers/fast-kernels.js';

interface DepthwiseCase extends FastCase {
  /** Whether the DSP kernel takes it (and so it gets scratch). */
  fast: boolean;
}

const dw = (id: string, x: number[], k: number[], range: [number, number], attrs: Record<string, number | number[]>,
  fast: boolean, opts: { bias?: boolean; after?: After } = {}): DepthwiseCase => ({
  id, x, range, fast, weight: [x[1], 1, ...k], ...(opts.bias === false ? {} : { bias: x[1] }),
  nodes: convThen(`dw_${id}`, { group: x[1], ...attrs }, opts),
});

const CASES: DepthwiseCase[] = [
  // 3×3, pad 1, stride 1 on 7×9, three channels: an odd output width (a lone last output).
  dw('s1', [1, 3, 7, 9], [3, 3], [0, 2], { pads: [1, 1, 1, 1] }, true),
  // Width 1 and width 2 (one lone output; one pair), five channels, zero point 127, no bias.
  dw('w1', [1, 5, 6, 1], [3, 3], [-2, 0], { pads: [1, 1, 1, 1] }, true, { bias: false }),
  dw('w2', [1, 5, 4, 2], [3, 3], [-1, 1], { pads: [1, 1, 1, 1] }, true),
  // No padding: the windows never leave the input.
  dw('valid', [1, 3, 6, 8], [3, 3], [-1, 2], {}, true),
  // MobileNet's stride 2: symmetric padding on odd and even sizes, and pads [0, 0, 1, 1] (SAME_UPPER).
  dw('s2', [1, 7, 9, 11], [3, 3], [-1, 1], { strides: [2, 2], pads: [1, 1, 1, 1] }, true, { after: 'Relu' }),
  dw('s2upper', [1, 4, 10, 8], [3, 3], [0, 3], { strides: [2, 2], pads: [0, 0, 1, 1] }, true, { after: [0, 6] }),
  // Strides 2 × 1 and 1 × 2, asymmetric padding.
  dw('s21', [1, 3, 9, 7], [3, 3], [-2, 1], { strides: [2, 1], pads: [1, 0, 0, 1] }, true),
  dw('s12', [1, 3, 5, 10], [3, 3], [-1, 1], { strides: [1, 2], pads: [0, 1, 1, 0] }, true, { after: 'Relu' }),
  // Clips whose bound is not the output range's end (which must reach 0): act_min above -128 at
  // stride 1, act_max below 127 at stride 2, so the clamp is not SSAT's alone.
  dw('s1clip', [1, 4, 6, 9], [3, 3], [-1, 1], { pads: [1, 1, 1, 1] }, true, { after: [0.25, 6] }),
  dw('s2clip', [1, 4, 9, 9], [3, 3], [-1, 1], { strides: [2, 2], pads: [1, 1, 1, 1] }, true, { after: [-6, -0.25] }),
  // Batch 2, wide inputs: outputs saturate.
  dw('batch', [2, 6, 5, 6], [3, 3], [-1, 1], { pads: [1, 1, 1, 1] }, true),
  // A plane whose padded rows take more than 1,024 bytes, held whole: the arena has the room at
  // its step anyway (the ring's cases, alone in their models, below).
  dw('grown', [1, 3, 40, 37], [3, 3], [-1, 1], { pads: [1, 1, 1, 1] }, true),
  // A small plane, held whole, whose channels take the exact rows (a left shift).
  dw('narrow', [1, 4, 14, 14], [3, 3], [-1, 1], { pads: [1, 1, 1, 1] }, true, { after: [0, 0.01] }),
  // 5×5, dilated 3×3 and 1-D kernels: the portable loops.
  dw('k5', [1, 3, 8, 7], [5, 5], [-1, 1], { pads: [2, 2, 2, 2] }, false),
  dw('dilated', [1, 3, 8, 9], [3, 3], [-1, 1], { pads: [2, 2, 2, 2], dilations: [2, 2] }, false),
  dw('conv1d', [1, 4, 11], [3], [-1, 1], { pads: [1, 1] }, false),
  // Rows of exactly two and one groups of Helium's sixteen outputs (no partial group), at both strides.
  dw('wide32', [1, 2, 5, 32], [3, 3], [-1, 1], { pads: [1, 1, 1, 1] }, true),
  dw('wide16s2', [1, 3, 6, 32], [3, 3], [0, 2], { strides: [2, 2], pads: [0, 0, 1, 1] }, true),
];

// Planes too big to hold whole, in models with no room to spare: the depthwise step must be the
// arena's peak, above the float input's QuantizeLinear and the float output's DequantizeLinear,
// so each case widens a one-channel input by Concat and shrinks by its own strides. The ring of
// three rows, at stride_w 1 (stride_h 5, rows skipped between windows) with an output range so
// narrow that the requantisation shifts left (every channel takes the exact rows), and at stride 2.
const ringCase = (id: string, x: number[], channels: number, attrs: Record<string, number | number[]>, opts: { after?: After } = {}): DepthwiseCase => ({
  id, x, range: [-1, 1], fast: true, weight: [channels, 1, 3, 3], bias: channels,
  nodes: (input, y, w, b) => [
    { op: 'Concat', inputs: Array<string>(channels).fill(input), outputs: [`${y}_wide`], attrs: { axis: 1 } },
    ...convThen(`dw_${id}`, { group: channels, ...attrs }, opts)(`${y}_wide`, y, w, b),
  ],
});
const RING_CASES: DepthwiseCase[] = [
  ringCase('ring1', [1, 1, 40, 37], 6, { pads: [1, 1, 1, 1], strides: [5, 1] }, { after: [0, 0.01] }),
  ringCase('ring2', [1, 1, 41, 38], 8, { strides: [2, 2] }),
];

// Helium's rows may read 32 bytes past the last padded row (HELIUM_DEPTHWISE_OVERREAD in compiler/ops/conv.ts).
const BOARDS: [string, number][] = [['mps2-an386', 0], ['mps3-an547', 32]];

describe.each(BOARDS)('depthwise o2m_conv2d_i8 on a fast core: %s', (board, overread) => {
  it('gives the portable kernel\'s bits, built fast and built portable, for every shape and offset', async () => {
    const calibration = [0, 1, 2, 3].map((i) => sampleCases(CASES, 4000 + 77 * i, 1));
    const m = compileInt8(casesModel(CASES), calibration, { board, label: `depthwise-dsp-${board}` });
    expect(inputZeroPoint(m, 'x_s1')).toBe(-128);
    expect(inputZeroPoint(m, 'x_w1')).toBe(127);
    // The two clips clamp inside int8 (the other activations' bounds are the output range's ends).
    const clamp = (id: string) => activationBounds(m, `dw_${id}`);
    expect(clamp('s1clip')[0]).toBeGreaterThan(-128);
    expect(clamp('s2clip')[1]).toBeLessThan(127);
    const convs = m.graph.nodes.filter((n) => n.opType === 'Conv');
    expect(convs).toHaveLength(CASES.length);
    // The DSP kernel's shapes get scratch in the arena; the others stay portable with none.
    const scratch = m.compiled.plan.buffers.filter((b) => b.name.endsWith('#scratch')).map((b) => b.name).sort();
    expect(scratch).toEqual(CASES.filter((c) => c.fast).map((c) => `dw_${c.id}#scratch`).sort());

    // Held whole: R = (out_h - 1) · stride_h + 3 padded rows; else a ring of three slots and the
    // mirrors of two. A row: (4 - pad_left % 4) % 4 + max(stride_w · (out_w - 1) + 4, pad_left +
    // in_w) bytes, rounded up to words (kernels_int8.h), and on Helium the overread; the plan
    // rounds buffers up to 16 bytes.
    const scratchBytes = (id: string) => m.compiled.plan.buffers.find((b) => b.name === `dw_${id}#scratch`)!.bytes;
    const planned = (bytes: number) => Math.ceil((bytes + overread) / 16) * 16;
    const wholePlane = (id: string) => (m.compiled.lowered.steps.find((s) => s.node === `dw_${id}`)!.params.whole_plane as { int: number }).int;
    expect(scratchBytes('grown')).toBe(planned(42 * 44)); // 3 + max(36 + 4, 1 + 37) = 43 → 44; R = 42 rows: 1,848 > 1,024, granted
    expect(wholePlane('grown')).toBe(1);
    expect(scratchBytes('narrow')).toBe(planned(16 * 20)); // 3 + max(13 + 4, 15) = 20; R = 16 rows: 320
    expect(wholePlane('narrow')).toBe(1);
    expect(int32Argument(m, 'dw_narrow', 4).every((shift) => shift >= 0)).toBe(true);

    const counts = await expectFastEqualsPortable(m, CASES, sampleCases(CASES, 13, 1.5));
    expect(counts.fast).toBeLessThan(counts.portable);
  }, 300_000);

  it.each([
    // 3 + max(36 + 4, 1 + 37) = 43 → 44; R = 7 · 5 + 3 = 38 rows: 1,672 > 1,024; 5 · 44 = 220
    ['ring1', 220],
    // 0 + max(2 · 17 + 4, 38) = 40; R = 19 · 2 + 3 = 41 rows: 1,640; 5 · 40 = 200
    ['ring2', 200],
  ] as const)('keeps %s in a ring of rows where the plan has no room, with the same bits', async (id, ringBytes) => {
    const cases = RING_CASES.filter((c) => c.id === id);
    const calibration = [0, 1, 2, 3].map((i) => sampleCases(cases, 4000 + 77 * i, 1));
    const m = compileInt8(casesModel(cases), calibration, { board, label: `depthwise-ring-${id}-${board}` });
    const scratch = m.compiled.plan.buffers.find((b) => b.name === `dw_${id}#scratch`)!.bytes;
    expect(scratch).toBe(Math.ceil((ringBytes + overread) / 16) * 16);
    expect((m.compiled.lowered.steps.find((s) => s.node === `dw_${id}`)!.params.whole_plane as { int: number }).int).toBe(0);
    if (id === 'ring1') expect(int32Argument(m, 'dw_ring1', 4).every((shift) => shift >= 0)).toBe(true);
    await expectFastEqualsPortable(m, cases, sampleCases(cases, 13, 1.5), 1);
  }, 300_000);
});
