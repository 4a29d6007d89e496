// The fast variants of o2m_matmul_i8 against its definition, bit for bit: the Cortex-M4 DSP one
// (runtime-c/kernels/matmul_i8.c) on mps2-an386 and the Cortex-M55 Helium one
// (runtime-c/kernels/matmul_i8_mve.c) on mps3-an547. One int8 model holds many products — odd K
// (1, 3, 5, 17, 255), K a multiple of Helium's 16 (16, 48) and not (20, 40), odd N and N past a
// multiple of four, one row and several, per-channel weights and per-tensor activations, zero
// points at both ends of int8, bias or none, a clip inside int8, saturating outputs, batches; B by columns (weights,
// Kᵀ), B by rows (an activation, V) and A read through a stride (the portable loops) — and runs on
// the host (always portable), on each board as built and on the same firmware built with
// -DO2M_PORTABLE_KERNELS. Every output must agree exactly.
import { describe, expect, it } from 'vitest';
import { compileInt8 } from '../helpers/int8.js';
import {
  activationBounds, casesModel, expectFastEqualsPortable, inputZeroPoint, int32Argument, sampleCases, type FastCase,
} from '../helpers/fast-kernels.js';
import type { NodeSpec } from '../helpers/onnx-builder.js';

const CASES: FastCase[] = [
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
  // Helium's 16-byte blocks (mps3-an547): K 16 and 48 exactly (no tail) with N 4 and 6 (two
  // columns past the last four), K 40 (two blocks and a tail of 8) with N 8 and a bias.
  { id: 'k16', x: [2, 16], range: [-1, 2], weight: [4, 16], nodes: (x, y, w) => [{ op: 'Gemm', inputs: [x, w], outputs: [y], attrs: { transB: 1 } }] },
  { id: 'k48', x: [1, 48], range: [0, 3], weight: [48, 6], nodes: (x, y, w) => [{ op: 'MatMul', inputs: [x, w], outputs: [y] }] },
  { id: 'k40', x: [3, 40], range: [-2, 2], weight: [8, 40], bias: 8, nodes: (x, y, w, b) => [{ op: 'Gemm', inputs: [x, w, b], outputs: [y], attrs: { transB: 1 } }] },
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
  { id: 'attention', x: [1, 7, 5], range: [0, 2], z: { shape: [1, 7, 5], range: [-2, 1] }, nodes: (x, y, _w, _b, z): NodeSpec[] => [
    { op: 'Transpose', inputs: [z], outputs: [`${z}_t`], attrs: { perm: [0, 2, 1] } },
    { op: 'MatMul', inputs: [x, `${z}_t`], outputs: [`${y}_scores`] },
    { op: 'Softmax', inputs: [`${y}_scores`], outputs: [`${y}_weights`], attrs: { axis: -1 } },
    { op: 'MatMul', inputs: [`${y}_weights`, z], outputs: [y] },
  ] },
  // The same with K 20 (a block and a tail) and N 6 for Q · Kᵀ: both offsets over whole blocks.
  { id: 'attention20', x: [1, 3, 20], range: [0, 2], z: { shape: [1, 6, 20], range: [-2, 1] }, nodes: (x, y, _w, _b, z): NodeSpec[] => [
    { op: 'Transpose', inputs: [z], outputs: [`${z}_t`], attrs: { perm: [0, 2, 1] } },
    { op: 'MatMul', inputs: [x, `${z}_t`], outputs: [`${y}_scores`] },
    { op: 'Softmax', inputs: [`${y}_scores`], outputs: [`${y}_weights`], attrs: { axis: -1 } },
    { op: 'MatMul', inputs: [`${y}_weights`, z], outputs: [y] },
  ] },
  // A Clip inside int8 (act_min above -128) on whole groups of four k: the DSP quad loop clamps
  // its four bytes with SSUB8/SEL; K 12 (three groups, one at a time), N 9 (two quads and one
  // column in C).
  { id: 'clip', x: [2, 12], range: [-1, 1], weight: [9, 12], bias: 9, nodes: (x, y, w, b): NodeSpec[] => [
    { op: 'Gemm', name: 'gemm_clip', inputs: [x, w, b], outputs: [`${y}_pre`], attrs: { transB: 1 } },
    { op: 'Constant', inputs: [], outputs: [`${y}_lo`], attrs: { value: { tensor: { dtype: 'float32', shape: [], data: [0.25] } } } },
    { op: 'Constant', inputs: [], outputs: [`${y}_hi`], attrs: { value: { tensor: { dtype: 'float32', shape: [], data: [6] } } } },
    { op: 'Clip', inputs: [`${y}_pre`, `${y}_lo`, `${y}_hi`], outputs: [y] },
  ] },
];

const BOARDS = ['mps2-an386', 'mps3-an547'];

describe.each(BOARDS)('o2m_matmul_i8 on a fast core: %s', (board) => {
  it('gives the portable kernel\'s bits, built fast and built portable, for every shape, offset and layout', async () => {
    const calibration = [0, 1, 2, 3].map((i) => sampleCases(CASES, 1000 + 77 * i, 1));
    const m = compileInt8(casesModel(CASES), calibration, { board, label: `matmul-dsp-${board}` });
    // The cases reach the kernel with the offsets they were drawn for.
    expect(inputZeroPoint(m, 'x_k1')).toBe(-128);
    expect(inputZeroPoint(m, 'x_k3')).toBe(127);
    expect(m.graph.nodes.map((n) => n.opType)).toContain('StreamedRows');
    // The clip case clamps inside int8, with shifts the DSP quad loop requantises itself (1 to 21).
    expect(activationBounds(m, 'gemm_clip')[0]).toBeGreaterThan(-128);
    expect([...int32Argument(m, 'gemm_clip', 4)].filter((shift) => shift > -1 || shift < -21)).toEqual([]);

    const counts = await expectFastEqualsPortable(m, CASES, sampleCases(CASES, 7, 1.5));
    // The fast variant ran: the same firmware runs fewer instructions with it than without.
    expect(counts.fast).toBeLessThan(counts.portable);
  }, 300_000);
});
