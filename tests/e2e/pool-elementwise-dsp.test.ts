// The Cortex-M4 DSP variants of int8 MaxPool (runtime-c/kernels/pool3d.c: SSUB8 + SEL on words of
// four columns), Add/Sub/Mul (binary_i8.c: contiguous rows with SMMULR requantisation) and
// AveragePool/GlobalAveragePool (pool_i8.c: USADA8 sums) against their definitions, bit for bit:
// 2×2 and 3×3 windows with stride 2, padding on every side, ceil_mode, widths 1, 5, 7, 13 and 14 so
// rows end in partial words and edge windows, a MaxPool and an AveragePool that take the portable
// loops (dilation, five columns), same-shape and broadcast (portable) operands, a fused ReLU, zero
// points at both ends of int8, and inputs drawn past their calibration range so outputs saturate.
// It runs on the host (portable), on mps2-an386 (DSP) and on that firmware built with
// -DO2M_PORTABLE_KERNELS, then the same on mps3-an547 (Cortex-M55: the Helium variants in the same
// files, 16 elements or windows per vector), with cases at their edges: rows of 32, 33 and 15
// elements, both operands at one scale, a clamped Mul, pools whose rows hold more than 16 windows
// (a whole block, a block and a tail, a gathered stride of 3, five columns, 2×2 at stride 1), a
// divisor of 1, global pools of 32, 33, 15 and 400 levels per plane, fused Clips whose bounds
// clamp inside int8 (the ReLU cases' bounds are all of int8: calibration puts their zero point at
// -128), and a tensor added to itself (both operands at one scale).
import { describe, expect, it } from 'vitest';
import { compileInt8 } from '../helpers/int8.js';
import { activationBounds, casesModel, expectFastEqualsPortable, inputZeroPoint, sampleCases, type FastCase } from '../helpers/fast-kernels.js';

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

// Edges of the Helium variants (mps3-an547), after the cases above so that their seeds stay.
const MAXPOOLS_16: FastCase[] = [
  // 2×2/2, width 40: 20 windows, one gathered block of 16 and a predicated tail of 4.
  { id: 'mp2w40', x: [1, 2, 6, 40], range: [-1, 1], nodes: pool('MaxPool', { kernel_shape: [2, 2], strides: [2, 2] }) },
  // 3×3 stride 1 padded, width 37: 35 inner windows (two blocks of 16 and 3) between two edge windows.
  { id: 'mp3s1w37', x: [1, 2, 5, 37], range: [0, 2], nodes: pool('MaxPool', { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] }) },
  // 3×3/2 padded, width 67: exactly 32 inner windows, no tail.
  { id: 'mp3w67', x: [1, 1, 7, 67], range: [-2, 0], nodes: pool('MaxPool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }) },
  // 2×5 stride 3, width 50: a window of five columns (the loop over any k_w), gathers 3 apart.
  { id: 'mp25s3', x: [1, 2, 4, 50], range: [-1, 2], nodes: pool('MaxPool', { kernel_shape: [2, 5], strides: [1, 3] }) },
];

const ELEMENTWISE_16: FastCase[] = [
  // 32 elements (two blocks, no tail), 33 (a tail of one), 15 (only the tail).
  { id: 'add32', x: [2, 16], range: [-1, 2], z: { shape: [2, 16], range: [-0.5, 0.5] }, nodes: binary('Add') },
  { id: 'sub33', x: [1, 33], range: [0, 1], z: { shape: [1, 33], range: [-2, 2] }, nodes: binary('Sub') },
  // Both operands at one scale: both shifts 0.
  { id: 'add15', x: [3, 5], range: [-1, 1], z: { shape: [3, 5], range: [-1, 1] }, nodes: binary('Add') },
  { id: 'mul48', x: [3, 16], range: [-1, 2], z: { shape: [3, 16], range: [-3, 1] }, nodes: binary('Mul') },
  // Mul then ReLU (the clamp) over 17 elements.
  { id: 'mulrelu17', x: [1, 17], range: [-2, 2], z: { shape: [1, 17], range: [-1, 1] }, nodes: binary('Mul', true) },
];

const AVERAGES_16: FastCase[] = [
  // 2×2/2, width 40: 20 inner windows, five gathered blocks of four.
  { id: 'ap2w40', x: [1, 2, 6, 40], range: [-1, 1], nodes: pool('AveragePool', { kernel_shape: [2, 2], strides: [2, 2] }) },
  // 3×3 stride 1 counting the padding, width 19: 17 inner windows (four blocks and one).
  { id: 'ap3s1w19', x: [1, 2, 5, 19], range: [0, 2], nodes: pool('AveragePool', { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], count_include_pad: 1 }) },
  // 1×1 stride 2: divisor 1.
  { id: 'ap1', x: [1, 2, 5, 11], range: [-2, 1], nodes: pool('AveragePool', { kernel_shape: [1, 1], strides: [2, 2] }) },
  // GlobalAveragePool: 32, 33, 15 and 400 levels per plane.
  { id: 'gap32', x: [1, 3, 4, 8], range: [-1, 1], nodes: pool('GlobalAveragePool', {}) },
  { id: 'gap33', x: [1, 2, 3, 11], range: [0, 2], nodes: pool('GlobalAveragePool', {}) },
  { id: 'gap15', x: [1, 4, 3, 5], range: [-2, 1], nodes: pool('GlobalAveragePool', {}) },
  { id: 'gap400', x: [1, 2, 20, 20], range: [-1, 1], nodes: pool('GlobalAveragePool', {}) },
];

// Stride-1 windows of the unrolled Helium variants: 2×2 MaxPool and AveragePool over rows of 34
// and 20 windows, and 1×1 (divisor 1) at stride 1 along rows.
const STRIDE1_16: FastCase[] = [
  { id: 'mp2s1', x: [1, 2, 4, 35], range: [-1, 1], nodes: pool('MaxPool', { kernel_shape: [2, 2], strides: [1, 1] }) },
  { id: 'ap2s1', x: [1, 2, 4, 21], range: [0, 1], nodes: pool('AveragePool', { kernel_shape: [2, 2], strides: [1, 1] }) },
  { id: 'ap1s1', x: [1, 2, 5, 11], range: [-1, 1], nodes: pool('AveragePool', { kernel_shape: [1, 1], strides: [2, 1] }) },
];

// Clamps inside int8 (a fused Clip whose bounds lie inside the output's range, which calibration
// widens to hold 0: act_min above -128, act_max below 127) and one tensor added to itself (both
// operands at exactly one scale, both shifts 0).
const clipped = (op: string, lo: number, hi: number) => (x: string, y: string, _w: string, _b: string, z: string) => {
  const bound = (name: string, value: number) =>
    ({ op: 'Constant', inputs: [], outputs: [name], attrs: { value: { tensor: { dtype: 'float32' as const, shape: [], data: [value] } } } });
  return [{ op, name: `${y}_op`, inputs: [x, z], outputs: [`${y}_pre`] }, bound(`${y}_lo`, lo), bound(`${y}_hi`, hi),
    { op: 'Clip', inputs: [`${y}_pre`, `${y}_lo`, `${y}_hi`], outputs: [y] }];
};
const CLAMPS_16: FastCase[] = [
  { id: 'addclip', x: [1, 37], range: [-1, 2], z: { shape: [1, 37], range: [-1, 1] }, nodes: clipped('Add', 0.25, 1.5) },
  { id: 'mulclip', x: [2, 20], range: [-2, 2], z: { shape: [2, 20], range: [0, 1] }, nodes: clipped('Mul', -1, -0.25) },
  { id: 'addself', x: [1, 19], range: [-2, 1], nodes: (x, y) => [{ op: 'Add', inputs: [x, x], outputs: [y] }] },
  // The same clamps with the other operand at the larger scale, and with one scale twice.
  { id: 'subclip', x: [1, 21], range: [0, 1], z: { shape: [1, 21], range: [-2, 2] }, nodes: clipped('Sub', -1.5, -0.25) },
  { id: 'addselfclip', x: [1, 35], range: [-1, 1], nodes: (x, y, w, b) => clipped('Add', 0.3, 1)(x, y, w, b, x) },
];

// Windows of 17 and 18 columns: AveragePool's edge windows with more than 16 columns inside
// (summed one by one), and a MaxPool wider than Helium's gate (the definition's loops).
const WIDE_16: FastCase[] = [
  { id: 'ap18', x: [1, 2, 3, 40], range: [-1, 1], nodes: pool('AveragePool', { kernel_shape: [1, 18], strides: [1, 4], pads: [0, 1, 0, 1] }) },
  { id: 'mp17', x: [1, 2, 3, 40], range: [0, 1], nodes: pool('MaxPool', { kernel_shape: [1, 17], strides: [1, 4], pads: [0, 16, 0, 16] }) },
];

// 2×2 at stride 1 padded left and right: Helium's 2×2 rows with their edge windows (the
// unpadded 2×2 cases above take the variant without them).
const PADDED_16: FastCase[] = [
  { id: 'mp2s1pad', x: [1, 2, 3, 20], range: [-1, 2], nodes: pool('MaxPool', { kernel_shape: [2, 2], strides: [1, 1], pads: [0, 1, 0, 1] }) },
];

const CASES = [...MAXPOOLS, ...ELEMENTWISE, ...AVERAGES, ...MAXPOOLS_16, ...ELEMENTWISE_16, ...AVERAGES_16, ...STRIDE1_16,
  ...CLAMPS_16, ...WIDE_16, ...PADDED_16];

/** Compiles CASES for `board` and checks its fast and portable firmware against the host. */
async function expectBoardEqualsPortable(board: string, label: string) {
  const calibration = [0, 1, 2, 3].map((i) => sampleCases(CASES, 3000 + 77 * i, 1));
  const m = compileInt8(casesModel(CASES), calibration, { board, label });
  expect(inputZeroPoint(m, 'x_mp2')).toBe(-128);
  expect(inputZeroPoint(m, 'x_mp3')).toBe(127);
  expect(inputZeroPoint(m, 'x_sub')).toBe(127);
  expect(inputZeroPoint(m, 'z_sub')).toBe(-128);
  // Each case reaches the kernel it is written for (the ReLU fused into its Add or Mul).
  const kernels = m.compiled.manifest.layers.map((l) => l.kernel).filter((k) => !/quantize_linear/.test(k));
  const count = (kernel: string) => kernels.filter((k) => k === kernel).length;
  expect(count('o2m_maxpool3d_i8')).toBe(MAXPOOLS.length + MAXPOOLS_16.length + 1 + 1 + 1);
  expect(count('o2m_add_i8')).toBe(4 + 3 + 4);
  expect(count('o2m_mul_i8')).toBe(1 + 2 + 1);
  expect(count('o2m_avgpool2d_i8')).toBe(4 + 3 + 2 + 1);
  expect(count('o2m_global_avgpool_i8')).toBe(2 + 4);
  expect(kernels).toHaveLength(CASES.length);
  // The clipped cases clamp inside int8.
  expect(activationBounds(m, 'y_addclip_op')[0]).toBeGreaterThan(-128);
  expect(activationBounds(m, 'y_mulclip_op')[1]).toBeLessThan(127);
  expect(activationBounds(m, 'y_subclip_op')[1]).toBeLessThan(127);
  expect(activationBounds(m, 'y_addselfclip_op')[0]).toBeGreaterThan(-128);

  const counts = await expectFastEqualsPortable(m, CASES, sampleCases(CASES, 17, 1.5));
  expect(counts.fast).toBeLessThan(counts.portable);
}

describe('int8 MaxPool, Add/Sub/Mul and AveragePool on a DSP core and on Helium', () => {
  it('give the portable kernels\' bits on mps2-an386, built fast and built portable, for every shape and offset', async () => {
    await expectBoardEqualsPortable('mps2-an386', 'pool-elementwise-dsp');
  }, 300_000);

  it('give the portable kernels\' bits on mps3-an547 (Helium), built fast and built portable, for every shape and offset', async () => {
    await expectBoardEqualsPortable('mps3-an547', 'pool-elementwise-mve');
  }, 300_000);
});
