// The reference implementations (`evaluate`) of the convolution, pooling and linear-algebra
// families against ONNX Runtime, one node at a time, and the same nodes through the C kernels.
// The ONNX node tests cover only float32 2-D cases of most of these ops; the cases here pick
// what they leave out: 3-D and 1-D windows, groups with dilations, integer and double types,
// MaxPool indices in both storage orders, ellipses and diagonals in Einsum. The float32
// references follow the kernels' order of operations, so a folded node equals the kernel's
// result bit for bit; the kernel tests check that too.
import { describe, expect, it } from 'vitest';
import type { ConstTensor, DType } from '../../compiler/ir/graph.js';
import { buildModel, type AttrSpec } from '../helpers/onnx-builder.js';
import { runOrt } from '../helpers/ort.js';
import { compareClose, compileBuildRun } from '../helpers/pipeline.js';
import { caseModel, evaluateNode, expectClose, floats, ints, product, randomInt, type OpCase } from '../helpers/op-cases.js';

interface Case extends OpCase {
  /** Inputs the compiled model gets as initializers (weights, or inputs needed at compile time). */
  constants?: string[];
  /** The kernel's float result differs from the reference in the last bits (libm-style functions). */
  inexactKernel?: boolean;
}





const CASES: Case[] = [
  // ---- Conv ----
  { name: 'Conv 2-D pads, strides, bias', op: 'Conv', attrs: { pads: [1, 0, 2, 1], strides: [2, 1] }, inputs: [floats('x', [2, 3, 7, 6], 1), floats('w', [4, 3, 3, 2], 2), floats('b', [4], 3)], outputs: ['float32'], constants: ['w', 'b'] },
  { name: 'Conv 2-D groups and dilations', op: 'Conv', attrs: { group: 2, dilations: [2, 3], pads: [2, 2, 2, 2] }, inputs: [floats('x', [1, 4, 9, 9], 4), floats('w', [6, 2, 3, 3], 5)], outputs: ['float32'], constants: ['w'] },
  { name: 'Conv 1-D SAME_LOWER stride 2', op: 'Conv', attrs: { auto_pad: 'SAME_LOWER', strides: [2] }, inputs: [floats('x', [1, 2, 11], 6), floats('w', [3, 2, 4], 7), floats('b', [3], 8)], outputs: ['float32'], constants: ['w', 'b'] },
  { name: 'Conv 3-D pads, strides, dilations', op: 'Conv', attrs: { pads: [1, 0, 1, 0, 1, 1], strides: [2, 1, 2], dilations: [1, 2, 1] }, inputs: [floats('x', [1, 2, 5, 6, 7], 9), floats('w', [3, 2, 3, 2, 3], 10), floats('b', [3], 11)], outputs: ['float32'], constants: ['w', 'b'] },
  { name: 'Conv 3-D depthwise, weights at run time', op: 'Conv', attrs: { group: 3, auto_pad: 'SAME_UPPER' }, inputs: [floats('x', [2, 3, 4, 4, 3], 12), floats('w', [3, 1, 2, 3, 2], 13)], outputs: ['float32'] },
  // ---- ConvTranspose ----
  { name: 'ConvTranspose 2-D strides, pads, output_padding, bias', op: 'ConvTranspose', attrs: { strides: [2, 3], pads: [1, 0, 0, 1], output_padding: [1, 2] }, inputs: [floats('x', [1, 2, 4, 3], 20), floats('w', [2, 3, 3, 4], 21), floats('b', [3], 22)], outputs: ['float32'], constants: ['w', 'b'] },
  { name: 'ConvTranspose 2-D groups, dilations', op: 'ConvTranspose', attrs: { group: 2, dilations: [2, 1], strides: [1, 2] }, inputs: [floats('x', [2, 4, 3, 3], 23), floats('w', [4, 3, 2, 3], 24)], outputs: ['float32'], constants: ['w'] },
  { name: 'ConvTranspose 1-D output_shape', op: 'ConvTranspose', attrs: { strides: [3], output_shape: [12] }, inputs: [floats('x', [1, 2, 4], 25), floats('w', [2, 2, 3], 26)], outputs: ['float32'], constants: ['w'] },
  { name: 'ConvTranspose 3-D SAME_UPPER stride 2', op: 'ConvTranspose', attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2, 1] }, inputs: [floats('x', [1, 2, 2, 3, 3], 27), floats('w', [2, 1, 3, 3, 2], 28), floats('b', [1], 29)], outputs: ['float32'], constants: ['w', 'b'] },
  // ---- window pools ----
  { name: 'MaxPool 2-D pads, strides, dilations, ceil_mode', op: 'MaxPool', opset: 12, attrs: { kernel_shape: [3, 2], pads: [1, 1, 1, 0], strides: [2, 2], dilations: [1, 2], ceil_mode: 1 }, inputs: [floats('x', [2, 2, 9, 8], 40)], outputs: ['float32'] },
  { name: 'MaxPool 3-D', op: 'MaxPool', attrs: { kernel_shape: [2, 3, 2], strides: [1, 2, 2], pads: [0, 1, 1, 1, 1, 0] }, inputs: [floats('x', [1, 2, 4, 5, 6], 41)], outputs: ['float32'] },
  { name: 'MaxPool 1-D', op: 'MaxPool', attrs: { kernel_shape: [3], strides: [2], pads: [1, 1] }, inputs: [floats('x', [2, 3, 10], 42)], outputs: ['float32'] },
  { name: 'MaxPool int8 with padding', op: 'MaxPool', opset: 12, attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }, inputs: [randomInt('x', 'int8', [1, 2, 7, 7], 43, -128, 127)], outputs: ['int8'] },
  { name: 'MaxPool uint8 3-D', op: 'MaxPool', opset: 12, attrs: { kernel_shape: [2, 2, 2], strides: [2, 2, 2] }, inputs: [randomInt('x', 'uint8', [1, 1, 4, 4, 6], 44, 0, 255)], outputs: ['uint8'] },
  { name: 'MaxPool indices row-major, batch 2', op: 'MaxPool', opset: 12, attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }, inputs: [floats('x', [2, 2, 6, 5], 45)], outputs: ['float32', 'int64'] },
  { name: 'MaxPool indices column-major', op: 'MaxPool', opset: 12, attrs: { kernel_shape: [2, 3], strides: [2, 2], storage_order: 1 }, inputs: [floats('x', [1, 3, 6, 7], 46)], outputs: ['float32', 'int64'] },
  { name: 'MaxPool indices 3-D', op: 'MaxPool', opset: 12, attrs: { kernel_shape: [2, 2, 2], strides: [2, 2, 2] }, inputs: [floats('x', [1, 2, 4, 4, 4], 47)], outputs: ['float32', 'int64'] },
  { name: 'AveragePool 2-D count_include_pad, ceil_mode', op: 'AveragePool', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2], count_include_pad: 1, ceil_mode: 1 }, inputs: [floats('x', [1, 2, 8, 7], 50)], outputs: ['float32'] },
  { name: 'AveragePool 3-D pads, count_include_pad 0', op: 'AveragePool', attrs: { kernel_shape: [2, 3, 3], pads: [1, 1, 1, 0, 1, 1], strides: [1, 2, 2] }, inputs: [floats('x', [1, 2, 3, 6, 5], 51)], outputs: ['float32'] },
  { name: 'AveragePool 3-D count_include_pad 1', op: 'AveragePool', attrs: { kernel_shape: [3, 2, 2], pads: [1, 0, 1, 1, 1, 0], count_include_pad: 1 }, inputs: [floats('x', [2, 1, 4, 3, 4], 52)], outputs: ['float32'] },
  { name: 'LpPool p 2 (opset 11)', op: 'LpPool', opset: 11, attrs: { kernel_shape: [2, 3], strides: [1, 2], pads: [1, 1, 0, 1] }, inputs: [floats('x', [1, 2, 5, 6], 53)], outputs: ['float32'] },
  { name: 'LpPool p 1 1-D', op: 'LpPool', opset: 11, attrs: { kernel_shape: [3], p: 1 }, inputs: [floats('x', [2, 2, 8], 54)], outputs: ['float32'] },
  { name: 'LpPool p 3 3-D', op: 'LpPool', opset: 11, attrs: { kernel_shape: [2, 2, 2], p: 3 }, inputs: [floats('x', [1, 2, 3, 3, 4], 55)], outputs: ['float32'], inexactKernel: true },
  // ---- global pools ----
  { name: 'GlobalAveragePool 1-D', op: 'GlobalAveragePool', inputs: [floats('x', [2, 3, 7], 60)], outputs: ['float32'] },
  { name: 'GlobalAveragePool 3-D', op: 'GlobalAveragePool', inputs: [floats('x', [1, 2, 3, 4, 5], 61)], outputs: ['float32'] },
  { name: 'GlobalMaxPool 2-D', op: 'GlobalMaxPool', inputs: [floats('x', [2, 3, 4, 5], 62)], outputs: ['float32'] },
  { name: 'GlobalMaxPool 3-D', op: 'GlobalMaxPool', inputs: [floats('x', [1, 2, 2, 3, 4], 63)], outputs: ['float32'] },
  { name: 'GlobalLpPool p 2', op: 'GlobalLpPool', inputs: [floats('x', [2, 3, 4, 4], 64)], outputs: ['float32'] },
  { name: 'GlobalLpPool p 3 1-D', op: 'GlobalLpPool', attrs: { p: 3 }, inputs: [floats('x', [1, 4, 9], 65)], outputs: ['float32'], inexactKernel: true },
  // ---- MaxUnpool ----
  { name: 'MaxUnpool from MaxPool indices', op: 'MaxUnpool', attrs: { kernel_shape: [2, 2], strides: [2, 2] }, inputs: [floats('x', [1, 2, 2, 3], 70), ints('i', 'int64', [1, 2, 2, 3], [7, 2, 11, 13, 18, 22, 24 + 1, 24 + 9, 24 + 4, 24 + 19, 24 + 14, 24 + 23])], outputs: ['float32'] },
  // ---- Gemm ----
  { name: 'Gemm transA transB, alpha, beta, row bias', op: 'Gemm', attrs: { transA: 1, transB: 1, alpha: 0.75, beta: -1.5 }, inputs: [floats('a', [5, 3], 80), floats('b', [4, 5], 81), floats('c', [4], 82)], outputs: ['float32'], constants: ['b', 'c'] },
  { name: 'Gemm column bias', op: 'Gemm', inputs: [floats('a', [3, 6], 83), floats('b', [6, 2], 84), floats('c', [3, 1], 85)], outputs: ['float32'] },
  { name: 'Gemm scalar bias, opset 9', op: 'Gemm', opset: 9, attrs: { beta: { float: 2 } }, inputs: [floats('a', [2, 4], 86), floats('b', [4, 3], 87), floats('c', [1], 88)], outputs: ['float32'] },
  // ---- MatMul ----
  { name: 'MatMul float32 broadcast batch', op: 'MatMul', inputs: [floats('a', [2, 1, 3, 4], 90), floats('b', [3, 4, 5], 91)], outputs: ['float32'] },
  { name: 'MatMul float32 1-D by 1-D', op: 'MatMul', inputs: [floats('a', [6], 92), floats('b', [6], 93)], outputs: ['float32'] },
  { name: 'MatMul float64 matrix by vector', op: 'MatMul', inputs: [floats('a', [2, 3, 4], 94, 'float64'), floats('b', [4], 95, 'float64')], outputs: ['float64'] },
  { name: 'MatMul int32 batched', op: 'MatMul', inputs: [randomInt('a', 'int32', [2, 3, 4], 96, -1000, 1000), randomInt('b', 'int32', [2, 4, 2], 97, -1000, 1000)], outputs: ['int32'] },
  { name: 'MatMul int64 vector by batch', op: 'MatMul', inputs: [randomInt('a', 'int64', [3], 98, -100000, 100000), randomInt('b', 'int64', [2, 3, 4], 99, -100000, 100000)], outputs: ['int64'] },
  { name: 'MatMul uint32', op: 'MatMul', inputs: [randomInt('a', 'uint32', [3, 5], 100, 0, 1000), randomInt('b', 'uint32', [5, 2], 101, 0, 1000)], outputs: ['uint32'] },
  { name: 'MatMul uint64 with a constant', op: 'MatMul', inputs: [randomInt('a', 'uint64', [4, 3], 102, 0, 1000), randomInt('b', 'uint64', [3, 3], 103, 0, 1000)], outputs: ['uint64'], constants: ['b'] },
  // ---- Einsum ----
  { name: 'Einsum batch matmul float32', op: 'Einsum', opset: 12, attrs: { equation: 'bij,bjk->bik' }, inputs: [floats('x', [2, 3, 4], 110), floats('y', [2, 4, 5], 111)], outputs: ['float32'] },
  { name: 'Einsum implicit output (matmul)', op: 'Einsum', opset: 12, attrs: { equation: 'ij,jk' }, inputs: [floats('x', [3, 4], 112, 'float64'), floats('y', [4, 2], 113, 'float64')], outputs: ['float64'] },
  { name: 'Einsum transpose with ellipsis', op: 'Einsum', opset: 12, attrs: { equation: '...ij->...ji' }, inputs: [floats('x', [2, 3, 4, 5], 114)], outputs: ['float32'] },
  { name: 'Einsum trace', op: 'Einsum', opset: 12, attrs: { equation: 'ii' }, inputs: [floats('x', [5, 5], 115, 'float64')], outputs: ['float64'] },
  { name: 'Einsum batch diagonal', op: 'Einsum', opset: 12, attrs: { equation: '...ii->...i' }, inputs: [floats('x', [3, 4, 4], 116)], outputs: ['float32'] },
  { name: 'Einsum outer product int32', op: 'Einsum', opset: 12, attrs: { equation: 'i,j->ij' }, inputs: [randomInt('x', 'int32', [4], 117, -50, 50), randomInt('y', 'int32', [3], 118, -50, 50)], outputs: ['int32'] },
  { name: 'Einsum sum over an axis int64', op: 'Einsum', opset: 12, attrs: { equation: 'ijk->ik' }, inputs: [randomInt('x', 'int64', [2, 5, 3], 119, -1000, 1000)], outputs: ['int64'] },
  { name: 'Einsum broadcast ellipsis, contraction over two labels', op: 'Einsum', opset: 12, attrs: { equation: '...ab,bca->...c' }, inputs: [floats('x', [2, 1, 3, 4], 120), floats('y', [4, 2, 3], 121)], outputs: ['float32'] },
  { name: 'Einsum inner product to a scalar', op: 'Einsum', opset: 12, attrs: { equation: 'i,i' }, inputs: [floats('x', [7], 122), floats('y', [7], 123)], outputs: ['float32'] },
  // ---- Det ----
  { name: 'Det 3x3 batch', op: 'Det', opset: 11, inputs: [floats('x', [2, 3, 3, 3], 130, 'float32', -2, 2)], outputs: ['float32'] },
  { name: 'Det 5x5', op: 'Det', opset: 11, inputs: [floats('x', [5, 5], 131, 'float32', -2, 2)], outputs: ['float32'] },
  { name: 'Det singular', op: 'Det', opset: 11, inputs: [{ name: 'x', dtype: 'float32', shape: [3, 3], data: Float32Array.of(1, 2, 3, 2, 4, 6, 0, 1, 5) }], outputs: ['float32'] },
];




describe('convolution, pooling and linear-algebra references against ONNX Runtime', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const { model, outputNames } = caseModel(c);
      const feeds = Object.fromEntries(c.inputs.filter((t): t is ConstTensor => t !== undefined).map((t) => [t.name, t]));
      const want = await runOrt(model, feeds);
      const got = evaluateNode(model, c.inputs);
      outputNames.forEach((name, i) => {
        if (name !== '') expectClose(got[i], want[name], `${c.name}, output ${i}`);
      });
    });
  }

  it('MaxUnpool with output_shape puts the unpooled tensor at the origin (the ONNX reference)', () => {
    // The ONNX node test's case: indices into the 4x4 unpooled tensor, placed into a 5x5 output.
    const x = { name: 'x', dtype: 'float32' as const, shape: [1, 1, 2, 2], data: Float32Array.of(5, 6, 7, 8) };
    const i = ints('i', 'int64', [1, 1, 2, 2], [5, 7, 13, 15]);
    const shape = ints('s', 'int64', [4], [1, 1, 5, 5]);
    const model = caseModel({ name: '', op: 'MaxUnpool', attrs: { kernel_shape: [2, 2], strides: [2, 2] }, inputs: [x, i, shape], outputs: ['float32'] }).model;
    const [y] = evaluateNode(model, [x, i, shape]);
    expect(y.shape).toEqual([1, 1, 5, 5]);
    expect(Array.from(y.data as Float32Array)).toEqual([0, 0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 0, 0, 7, 0, 8, 0, 0, 0, 0, 0, 0]);
  });

  it('Einsum refuses three operands and mismatched labels, naming the node', () => {
    const x = floats('x', [2, 3], 1);
    const three = caseModel({ name: '', op: 'Einsum', opset: 12, attrs: { equation: 'ij,jk,kl->il' }, inputs: [x, floats('y', [3, 3], 2), floats('z', [3, 2], 3)], outputs: ['float32'] }).model;
    expect(() => evaluateNode(three, [x, floats('y', [3, 3], 2), floats('z', [3, 2], 3)])).toThrow(/Einsum.*3 operands/);
    const bad = caseModel({ name: '', op: 'Einsum', opset: 12, attrs: { equation: 'ij,ij->i' }, inputs: [x, floats('y', [3, 2], 2)], outputs: ['float32'] }).model;
    expect(() => evaluateNode(bad, [x, floats('y', [3, 2], 2)])).toThrow(/label 'i' has sizes 2 and 3/);
  });
});

// The same cases through the C kernels, compared with ONNX Runtime, and, for float32, with the
// reference bit for bit: constant folding and calibration must compute what the firmware does.
// Cases of one op and opset share a model (one node each), so that each group builds once.

/** Several cases as one model: every tensor name gets its case's prefix. */
function groupModel(cases: Case[]): { model: Uint8Array; feeds: Record<string, ConstTensor>; outputs: string[][] } {
  const rename = (k: number, name: string) => (name === '' ? '' : `c${k}_${name}`);
  const feeds: Record<string, ConstTensor> = {};
  const spec = {
    opset: cases[0].opset ?? 13,
    inputs: [] as { name: string; dtype: DType; shape: number[] }[],
    initializers: [] as { name: string; dtype: DType; shape: number[]; data: ArrayLike<number> }[],
    outputs: [] as { name: string; dtype: DType }[],
    nodes: [] as { op: string; name: string; inputs: string[]; outputs: string[]; attrs?: Record<string, AttrSpec> }[],
  };
  const outputs = cases.map((c, k) => {
    const constants = new Set(c.constants ?? []);
    for (const t of c.inputs) {
      if (!t) continue;
      const named = { ...t, name: rename(k, t.name) };
      if (constants.has(t.name)) spec.initializers.push({ ...named, data: t.data as ArrayLike<number> });
      else {
        spec.inputs.push({ name: named.name, dtype: t.dtype, shape: t.shape });
        feeds[named.name] = named;
      }
    }
    const names = c.outputs.map((d, i) => (d === '' ? '' : rename(k, `y${i}`)));
    c.outputs.forEach((d, i) => { if (d !== '') spec.outputs.push({ name: names[i], dtype: d }); });
    spec.nodes.push({ op: c.op, name: rename(k, 'node'), inputs: c.inputs.map((t) => rename(k, t?.name ?? '')), outputs: names, attrs: c.attrs });
    return names;
  });
  return { model: buildModel(spec), feeds, outputs };
}

const GROUPS = new Map<string, Case[]>();
for (const c of CASES) {
  const key = `${c.op} (opset ${c.opset ?? 13})`;
  GROUPS.set(key, [...(GROUPS.get(key) ?? []), c]);
}

describe('convolution, pooling and linear-algebra kernels against ONNX Runtime (host build)', () => {
  for (const [key, cases] of GROUPS) {
    it(key, async () => {
      const { model, feeds, outputs } = groupModel(cases);
      const want = await runOrt(model, feeds);
      const { run } = await compileBuildRun(model, feeds, { host: true, label: key });
      expect(run.exitCode, run.stderr).toBe(0);
      cases.forEach((c, k) => {
        const reference = evaluateNode(caseModel(c).model, c.inputs);
        outputs[k].forEach((name, i) => {
          if (name === '') return;
          const got = run.outputs.get(name);
          expect(got, name).toBeDefined();
          expect(got!.dtype, name).toBe(want[name].dtype);
          expect(compareClose(got!, want[name]), `${c.name}, output ${i}`).toBeNull();
          if (!c.inexactKernel) {
            expect(Array.from(got!.data as ArrayLike<number>), `${c.name}, output ${i}: kernel vs reference`)
              .toEqual(Array.from(reference[i].data as ArrayLike<number>));
          }
        });
      });
    });
  }
});
