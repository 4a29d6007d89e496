// The fast variants of o2m_conv2d_i8 against its definition, bit for bit: the Cortex-M4 DSP one
// (runtime-c/kernels/conv2d_i8.c: int16 patches in arena scratch, SMLAD on two pixels × two
// output channels, weights interleaved by four) on mps2-an386, and the Cortex-M55 Helium one
// (runtime-c/kernels/conv2d_i8_mve.c: int8 patches of four pixels by two channels, VMLADAVA,
// weights interleaved by 16) on mps3-an547. Taps not a multiple of four (27, 5, 6), exactly
// four, fewer than Helium's 16 and a multiple of it (288), 16-tap block counts 1 to 5 and 18,
// odd output channels and pixel counts one to three past a multiple of four, padding on every
// side and asymmetric, strides, dilation, groups, a 1-D convolution, a fused ReLU, clips
// that clamp inside int8, a requantisation that shifts left (the DSP kernel hands it to the
// definition's loops), zero points at both ends of int8, no bias, many taps with saturating
// outputs, and an input whose tap offsets leave 16 bits (Helium's scalar gather); the depthwise
// case takes its own kernel (depthwise-dsp.test.ts). It runs on the host (portable), on each
// board as built and on that firmware built with -DO2M_PORTABLE_KERNELS.
import { describe, expect, it } from 'vitest';
import { compileInt8 } from '../helpers/int8.js';
import {
  activationBounds, casesModel, convThen, expectFastEqualsPortable, inputZeroPoint, int32Argument, sampleCases, type After, type FastCase,
} from '../helpers/fast-kernels.js';

// Each case's Conv is conv_<id>.
const conv = (id: string, attrs: Record<string, number | number[]>, opts: { bias?: boolean; after?: After } = {}) =>
  convThen(`conv_${id}`, attrs, opts);

const CASES: FastCase[] = [
  // 3×3, pad 1, 3 → 5 channels on 7×9: K 27 (a tail of 3), odd channels, 63 pixels.
  { id: 'k27', x: [1, 3, 7, 9], range: [0, 3], weight: [5, 3, 3, 3], bias: 5, nodes: conv('k27', { pads: [1, 1, 1, 1] }) },
  // Pointwise 8 → 16 (the bench's 1×1), zero point 127, no bias.
  { id: 'pointwise', x: [1, 8, 6, 5], range: [-3, 0], weight: [16, 8, 1, 1], nodes: conv('pointwise', {}, { bias: false }) },
  // Stride 2, asymmetric padding, a 3×2 kernel dilated by 2: windows leave the input on each side.
  { id: 'strided', x: [1, 2, 9, 8], range: [-1, 2], weight: [3, 2, 3, 2], bias: 3,
    nodes: conv('strided', { strides: [2, 2], pads: [0, 1, 2, 0], dilations: [2, 2] }) },
  // Two groups of 3 → 2 channels, batch 2.
  { id: 'groups', x: [2, 6, 5, 5], range: [-2, 1], weight: [4, 3, 2, 2], bias: 4, nodes: conv('groups', { group: 2, pads: [1, 0, 0, 1] }) },
  // 1-D, kernel 5, pad 2, a fused ReLU (the clamp at the output's zero point).
  { id: 'conv1d', x: [1, 4, 11], range: [-1, 1], weight: [7, 4, 5], bias: 7, nodes: conv('conv1d', { pads: [2, 2] }, { after: 'Relu' }) },
  // One input channel, 2×2: exactly one group of four taps, no tail; one output channel.
  { id: 'k4', x: [1, 1, 6, 6], range: [0.5, 4], weight: [1, 1, 2, 2], bias: 1, nodes: conv('k4', {}) },
  // Many taps (32 · 3 · 3 = 288) and wide inputs: sums far past int16, outputs saturate.
  { id: 'k288', x: [1, 32, 5, 4], range: [-1, 1], weight: [6, 32, 3, 3], bias: 6, nodes: conv('k288', { pads: [1, 1, 1, 1] }) },
  // 17 channels of 64×64: the last channel starts past 2^16 bytes into the input, too far for
  // Helium's 16-bit gather offsets. K 17 (a block and a tail of 1), stride 8, 64 pixels.
  { id: 'far', x: [1, 17, 64, 64], range: [-1, 1], weight: [3, 17, 1, 1], bias: 3, nodes: conv('far', { strides: [8, 8] }) },
  // Clips that clamp inside int8 (act_min above -128; act_max below 127, with odd channels and a
  // partial group of taps), so the DSP loop clamps with SSUB8/SEL after SSAT.
  { id: 'clipmin', x: [1, 8, 5, 6], range: [-1, 1], weight: [6, 8, 1, 1], bias: 6, nodes: conv('clipmin', {}, { after: [0.25, 6] }) },
  { id: 'clipmax', x: [1, 3, 6, 5], range: [0, 2], weight: [5, 3, 3, 3], bias: 5,
    nodes: conv('clipmax', { pads: [1, 1, 1, 1] }, { after: [-6, -0.25] }) },
  // An output range so narrow (a few per cent of the outputs fall inside it) that the
  // requantisation shifts left: the DSP kernel's form does not cover it, and the layer runs the
  // definition's loops.
  { id: 'leftshift', x: [1, 8, 32, 32], range: [-1, 1], weight: [4, 8, 1, 1], bias: 4, nodes: conv('leftshift', {}, { after: [0, 0.01] }) },
  // Depthwise 3×3: conv2d_depthwise_i8.c's kernel (o2m_conv2d_depthwise_i8).
  { id: 'depthwise', x: [1, 4, 6, 7], range: [0, 2], weight: [4, 1, 3, 3], bias: 4, nodes: conv('depthwise', { group: 4, pads: [1, 1, 1, 1] }) },
  // Two groups of three output channels each: the paired order pads each group's odd channel
  // with a row of zeros; K 18 (a partial group of two taps).
  { id: 'groupsodd', x: [1, 4, 5, 6], range: [-1, 1], weight: [6, 2, 3, 3], bias: 6, nodes: conv('groupsodd', { group: 2, pads: [1, 1, 1, 1] }) },
  // Helium's block loop takes four blocks of 16 taps per pass, entered at the last (B - 1) % 4
  // after the first block: K 40 (B 3), 63 (B 4, odd channels) and 72 (B 5, one whole pass).
  { id: 'k40', x: [1, 10, 5, 6], range: [-1, 1], weight: [4, 10, 2, 2], bias: 4, nodes: conv('k40', { pads: [1, 0, 1, 0] }) },
  { id: 'k63', x: [1, 7, 6, 5], range: [0, 2], weight: [3, 7, 3, 3], bias: 3, nodes: conv('k63', { pads: [1, 1, 1, 1] }) },
  { id: 'k72', x: [1, 8, 7, 6], range: [-2, 1], weight: [4, 8, 3, 3], bias: 4, nodes: conv('k72', { pads: [1, 1, 1, 1], strides: [2, 1] }) },
];

const BOARDS = ['mps2-an386', 'mps3-an547'];

describe.each(BOARDS)('o2m_conv2d_i8 on a fast core: %s', (board) => {
  it('gives the portable kernel\'s bits, built fast and built portable, for every shape and offset', async () => {
    const calibration = [0, 1, 2, 3].map((i) => sampleCases(CASES, 2000 + 77 * i, 1));
    const m = compileInt8(casesModel(CASES), calibration, { board, label: `conv-dsp-${board}` });
    expect(inputZeroPoint(m, 'x_k27')).toBe(-128);
    expect(inputZeroPoint(m, 'x_pointwise')).toBe(127);
    // Every case is an int8 convolution, and each gets scratch in the arena (the depthwise 3×3 its ring of rows).
    const convs = m.graph.nodes.filter((n) => n.opType === 'Conv');
    expect(convs).toHaveLength(CASES.length);
    const scratch = m.compiled.plan.buffers.filter((b) => b.name.endsWith('#scratch'));
    expect(scratch.map((b) => b.name).sort()).toHaveLength(CASES.length);

    // The M4's DSP kernel reads the weights interleaved by 4 (kernels_int8.h), the M55's Helium
    // one by 16; a depthwise Conv's are plain everywhere.
    for (const c of CASES) {
      const interleave = m.compiled.lowered.steps.find((s) => s.node === `conv_${c.id}`)!.params.weights_interleave;
      expect(interleave, c.id).toEqual({ int: c.id === 'depthwise' ? 0 : board === 'mps2-an386' ? 4 : 16 });
    }
    // The DSP kernel requantises right shifts of 1 to 21 itself: every case but leftshift.
    for (const c of CASES.filter((c) => c.id !== 'depthwise')) {
      const shifts = [...int32Argument(m, `conv_${c.id}`, 4)];
      if (c.id === 'leftshift') expect(Math.max(...shifts)).toBeGreaterThanOrEqual(0);
      else expect(shifts.filter((shift) => shift > -1 || shift < -21)).toEqual([]);
    }
    const clamp = (id: string) => activationBounds(m, `conv_${id}`);
    expect(clamp('clipmin')[0]).toBeGreaterThan(-128);
    expect(clamp('clipmax')[1]).toBeLessThan(127);

    const counts = await expectFastEqualsPortable(m, CASES, sampleCases(CASES, 11, 1.5));
    expect(counts.fast).toBeLessThan(counts.portable);
  }, 300_000);
});
