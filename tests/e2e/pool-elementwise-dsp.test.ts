// The Cortex-M4 DSP variants of int8 MaxPool (runtime-c/kernels/pool3d.c: SSUB8 + SEL on words of
// four columns), Add/Sub/Mul (binary_i8.c: contiguous rows with SMMULR requantisation) and
// AveragePool/GlobalAveragePool (pool_i8.c: USADA8 sums) against their definitions, bit for bit:
// 2×2 and 3×3 windows with stride 2, padding on every side, ceil_mode, widths 1, 5, 7, 13 and 14 so
// rows end in partial words and edge windows, a MaxPool and an AveragePool that take the portable
// loops (dilation, five columns), same-shape and broadcast (portable) operands, a fused ReLU, zero
// points at both ends of int8, and inputs drawn past their calibration range so outputs saturate.
// It runs on the host (portable), on mps2-an386 (DSP) and on that firmware built with
// -DO2M_PORTABLE_KERNELS.
import { describe, expect, it } from 'vitest';
import { compileInt8 } from '../helpers/int8.js';
import { casesModel, expectFastEqualsPortable, inputZeroPoint, sampleCases, type FastCase } from '../helpers/fast-kernels.js';

type Attrs = Record<string, number | number[]>;
const pool = (op: string, attrs: Attrs) => (x: string, y: string) => [{ op, inputs: [x], outputs: [y], attrs }];
const binary = (op: string, relu = false) => (x: string, y: string, _w: string, _b: string, z: string) => relu
  ? [{ op, inputs: [x, z], outputs: [`${y}_pre`] }, { op: 'Relu', inputs: [`${y}_pre`], outputs: [y] }]
  : [{ op, inputs: [x, z], outputs: [y] }];

const MAXPOOLS: FastCase[] = [
  // MNIST's 2×2/2, width 13 with a padded right column and bottom row: pairs, then an edge window.
  { id: 'mp2', x: [1, 3, 8, 13], range: [0, 3], nodes: pool('MaxPool', { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1] }) },
  // MNIST's second pool: width 14, seven windows, the last one the upper half of the word before it.
  { id: 'mp2w14', x: [1, 2, 6, 14], range: [-2, 1], nodes: pool('MaxPool', { kernel_shape: [2, 2], strides: [2, 2] }) },
  // 3×3/2 padded on every side, width 7: a left edge window, a pair of words, a right edge window.
  { id: 'mp3', x: [1, 2, 9, 7], range: [-3, 0], nodes: pool('MaxPool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }) },
  // 3×3/2, width 13, asymmetric padding and ceil_mode: the last window hangs past the input.
  { id: 'mp3w13', x: [2, 2, 6, 13], range: [-1, 2], nodes: pool('MaxPool', { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 1, 1, 0], ceil_mode: 1 }) },
  // Width 5, 2×2/2 padded left and top: rows too short for many words.
  { id: 'mp2w5', x: [1, 3, 7, 5], range: [-2, 2], nodes: pool('MaxPool', { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 0, 0] }) },
  // Width 1 (a column): no word fits, every window byte by byte.
  { id: 'mpw1', x: [1, 2, 9, 1], range: [0, 2], nodes: pool('MaxPool', { kernel_shape: [3, 1], strides: [2, 1], pads: [1, 0, 1, 0] }) },
  // Stride 1, 2×4 windows: one window per word.
  { id: 'mp24s1', x: [1, 2, 5, 9], range: [-1, 1], nodes: pool('MaxPool', { kernel_shape: [2, 4], strides: [1, 1], pads: [0, 2, 1, 1] }) },
  // Dilation 2: the portable loops.
  { id: 'mpdil', x: [1, 2, 9, 9], range: [-1, 1], nodes: pool('MaxPool', { kernel_shape: [2, 2], strides: [2, 2], dilations: [2, 2] }) },
];

const ELEMENTWISE: FastCase[] = [
  // Both operands activations of one shape: one contiguous row.
  { id: 'add', x: [1, 4, 5, 7], range: [0, 2], z: { shape: [1, 4, 5, 7], range: [-1, 3] }, nodes: binary('Add') },
  // A per-channel operand broadcast along rows: the portable row function.
  { id: 'addbc', x: [1, 4, 5, 7], range: [-1, 1], z: { shape: [1, 4, 1, 1], range: [-2, 0.5] }, nodes: binary('Add') },
  // Sub with zero points 127 and -128 and scales far apart.
  { id: 'sub', x: [2, 3, 9], range: [-3, 0], z: { shape: [2, 3, 9], range: [0, 0.25] }, nodes: binary('Sub') },
  { id: 'mul', x: [1, 3, 5, 5], range: [-2, 1], z: { shape: [1, 3, 5, 5], range: [0, 3] }, nodes: binary('Mul') },
  // Add then ReLU: the clamp at the output's zero point.
  { id: 'addrelu', x: [1, 2, 31], range: [-2, 2], z: { shape: [1, 2, 31], range: [-1, 0] }, nodes: binary('Add', true) },
];

const AVERAGES: FastCase[] = [
  // 3×3/2 padded on every side, padding not counted, width 9.
  { id: 'ap3', x: [1, 3, 7, 9], range: [0, 2], nodes: pool('AveragePool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }) },
  // The same counting the padding (its zero point 127), strides 1 × 2, width 13.
  { id: 'ap3pad', x: [1, 2, 6, 13], range: [-2, 0], nodes: pool('AveragePool', { kernel_shape: [3, 3], strides: [1, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }) },
  // 2×2/2, width 7, the last column and row in the padding, counted.
  { id: 'ap2', x: [1, 3, 8, 7], range: [-1, 1], nodes: pool('AveragePool', { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1], count_include_pad: 1 }) },
  // Five columns: the portable loops.
  { id: 'ap5', x: [1, 2, 6, 11], range: [-1, 2], nodes: pool('AveragePool', { kernel_shape: [3, 5], strides: [1, 2], pads: [1, 2, 1, 2] }) },
  // GlobalAveragePool: 42 and 9 levels per plane (words of eight, four, and a tail).
  { id: 'gap', x: [1, 5, 6, 7], range: [-1, 2], nodes: pool('GlobalAveragePool', {}) },
  { id: 'gap9', x: [2, 3, 3, 3], range: [0, 1], nodes: pool('GlobalAveragePool', {}) },
];

const CASES = [...MAXPOOLS, ...ELEMENTWISE, ...AVERAGES];

describe('int8 MaxPool, Add/Sub/Mul and AveragePool on a DSP core', () => {
  it('give the portable kernels\' bits on mps2-an386, built fast and built portable, for every shape and offset', async () => {
    const calibration = [0, 1, 2, 3].map((i) => sampleCases(CASES, 3000 + 77 * i, 1));
    const m = compileInt8(casesModel(CASES), calibration, { board: 'mps2-an386', label: 'pool-elementwise-dsp' });
    expect(inputZeroPoint(m, 'x_mp2')).toBe(-128);
    expect(inputZeroPoint(m, 'x_mp3')).toBe(127);
    expect(inputZeroPoint(m, 'x_sub')).toBe(127);
    expect(inputZeroPoint(m, 'z_sub')).toBe(-128);
    // Each case reaches the kernel it is written for (the ReLU fused into its Add).
    const kernels = m.compiled.manifest.layers.map((l) => l.kernel).filter((k) => !/quantize_linear/.test(k));
    const count = (kernel: string) => kernels.filter((k) => k === kernel).length;
    expect(count('o2m_maxpool3d_i8')).toBe(MAXPOOLS.length);
    expect(count('o2m_add_i8')).toBe(4);
    expect(count('o2m_mul_i8')).toBe(1);
    expect(count('o2m_avgpool2d_i8')).toBe(4);
    expect(count('o2m_global_avgpool_i8')).toBe(2);
    expect(kernels).toHaveLength(CASES.length);

    const counts = await expectFastEqualsPortable(m, CASES, sampleCases(CASES, 17, 1.5));
    expect(counts.fast).toBeLessThan(counts.portable);
  }, 300_000);
});
