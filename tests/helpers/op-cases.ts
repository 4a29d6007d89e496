// One-node operator cases shared by the per-family reference tests (tests/unit/ops-*.test.ts):
// a case is an op, its attributes, its input tensors and output dtypes; it becomes a model for
// ONNX Runtime, and the family's own evaluate runs on the same inputs.
import { expect } from 'vitest';
import type { ConstTensor, DType } from '../../compiler/ir/graph.js';
import { importModel } from '../../compiler/onnx/import.js';
import { findOp } from '../../compiler/ops/registry.js';
import { buildModel, type AttrSpec } from './onnx-builder.js';
import { randomFloat32, randomInts } from './random.js';

export interface OpCase {
  name: string;
  op: string;
  opset?: number;
  attrs?: Record<string, AttrSpec>;
  /** The node's inputs in order; undefined leaves an optional input out. */
  inputs: (ConstTensor | undefined)[];
  /** Output dtypes; '' leaves an optional output out. */
  outputs: (DType | '')[];
}

export const product = (s: number[]) => s.reduce((a, b) => a * b, 1);

export function floats(name: string, shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float32', lo = -1, hi = 1): ConstTensor {
  const values = randomFloat32(product(shape), seed, lo, hi);
  return { name, dtype, shape, data: dtype === 'float32' ? values : Float64Array.from(values) };
}

export function ints(name: string, dtype: DType, shape: number[], values: number[]): ConstTensor {
  const data = dtype === 'int64' ? BigInt64Array.from(values.map(BigInt))
    : dtype === 'uint64' ? BigUint64Array.from(values.map(BigInt))
      : { int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array }[dtype as 'int8']!.from(values);
  return { name, dtype, shape, data };
}

export const randomInt = (name: string, dtype: DType, shape: number[], seed: number, lo: number, hi: number) =>
  ints(name, dtype, shape, randomInts(product(shape), seed, lo, hi));

/** The family's inferShapes and evaluate on one node, every input a constant. */
export function evaluateNode(model: Uint8Array, inputs: (ConstTensor | undefined)[]): ConstTensor[] {
  const graph = importModel(model);
  const node = graph.nodes[0];
  const family = findOp(node)!;
  const opset = graph.opsets[''];
  const typed = inputs.map((t) => (t ? { dtype: t.dtype, shape: t.shape } : undefined));
  const outputs = family.inferShapes({ node, inputs: typed, constants: inputs, opset });
  return family.evaluate!({ node, inputs, inputTypes: typed, outputs, opset });
}

/** Floats within atol + 1e-4 relative, everything else exactly. */
export function expectClose(got: ConstTensor, want: ConstTensor, label: string, atol = 1e-5): void {
  expect(got.dtype, label).toBe(want.dtype);
  expect(got.shape, label).toEqual(want.shape);
  const isFloat = want.dtype === 'float32' || want.dtype === 'float64';
  for (let i = 0; i < want.data.length; i++) {
    const g = got.data[i] as number | bigint;
    const w = want.data[i] as number | bigint;
    if (isFloat) {
      const ok = Number(g) === Number(w) || Math.abs(Number(g) - Number(w)) <= atol + 1e-4 * Math.abs(Number(w));
      if (!ok) expect.fail(`${label} element ${i}: evaluate gives ${g}, ONNX Runtime ${w}`);
    } else if (g !== w) {
      expect.fail(`${label} element ${i}: evaluate gives ${g}, ONNX Runtime ${w}`);
    }
  }
}

/** The case as a one-node model; `constants` become initializers rather than graph inputs. */
export function caseModel(c: OpCase, constants: Set<string> = new Set()): { model: Uint8Array; outputNames: string[] } {
  const present = c.inputs.filter((t): t is ConstTensor => t !== undefined);
  const outputNames = c.outputs.map((d, i) => (d === '' ? '' : `y${i}`));
  const model = buildModel({
    opset: c.opset ?? 13,
    inputs: present.filter((t) => !constants.has(t.name)).map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })),
    initializers: present.filter((t) => constants.has(t.name)).map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: t.data as ArrayLike<number> })),
    outputs: c.outputs.flatMap((d, i) => (d === '' ? [] : [{ name: `y${i}`, dtype: d }])),
    nodes: [{ op: c.op, inputs: c.inputs.map((t) => t?.name ?? ''), outputs: outputNames, attrs: c.attrs }],
  });
  return { model, outputNames };
}
