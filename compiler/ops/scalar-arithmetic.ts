// Sums of products in each element type exactly as the C kernels compute them, for the reference
// implementations of the contractions (MatMul, Einsum): float32 rounds every product and sum,
// 32-bit integers wrap, 64-bit integers are BigInts that wrap.
import type { DType, TensorData } from '../ir/graph.js';
import { allocateTensorData } from '../onnx/tensor-bytes.js';

export type Scalar = number | bigint;

export interface Arithmetic {
  zero: Scalar;
  /** acc + a * b, in the type (the kernels' multiply-accumulate). */
  multiplyAdd(acc: Scalar, a: Scalar, b: Scalar): Scalar;
  add(acc: Scalar, a: Scalar): Scalar;
}

/* Each closure receives the kind of value its dtype holds (numbers, or bigints for 64-bit integers). */
const ARITHMETIC: Partial<Record<DType, Arithmetic>> = {
  float32: {
    zero: 0,
    multiplyAdd: (acc, a, b) => Math.fround((acc as number) + Math.fround((a as number) * (b as number))),
    add: (acc, a) => Math.fround((acc as number) + (a as number)),
  },
  float64: {
    zero: 0,
    multiplyAdd: (acc, a, b) => (acc as number) + (a as number) * (b as number),
    add: (acc, a) => (acc as number) + (a as number),
  },
  int32: {
    zero: 0,
    multiplyAdd: (acc, a, b) => ((acc as number) + Math.imul(a as number, b as number)) | 0,
    add: (acc, a) => ((acc as number) + (a as number)) | 0,
  },
  uint32: {
    zero: 0,
    multiplyAdd: (acc, a, b) => ((acc as number) + Math.imul(a as number, b as number)) >>> 0,
    add: (acc, a) => ((acc as number) + (a as number)) >>> 0,
  },
  int64: {
    zero: 0n,
    multiplyAdd: (acc, a, b) => BigInt.asIntN(64, (acc as bigint) + (a as bigint) * (b as bigint)),
    add: (acc, a) => BigInt.asIntN(64, (acc as bigint) + (a as bigint)),
  },
  uint64: {
    zero: 0n,
    multiplyAdd: (acc, a, b) => BigInt.asUintN(64, (acc as bigint) + (a as bigint) * (b as bigint)),
    add: (acc, a) => BigInt.asUintN(64, (acc as bigint) + (a as bigint)),
  },
};

/** The element types contractions are implemented for. */
export const CONTRACTION_DTYPES: DType[] = ['float32', 'float64', 'int32', 'int64', 'uint32', 'uint64'];

export function arithmeticFor(dtype: DType): Arithmetic {
  const a = ARITHMETIC[dtype];
  if (!a) throw new Error(`internal: no arithmetic for ${dtype}`);
  return a;
}

/** Elements of a numeric tensor, readable by index as numbers or bigints. */
export function scalars(data: TensorData): ArrayLike<Scalar> {
  return data as unknown as ArrayLike<Scalar>;
}

/** A zeroed tensor buffer of `dtype`, writable by index with the values arithmeticFor(dtype) makes. */
export function scalarBuffer(dtype: DType, count: number): { data: TensorData; slots: { [i: number]: Scalar } } {
  const data = allocateTensorData(dtype as Exclude<DType, 'string'>, count);
  return { data, slots: data as unknown as { [i: number]: Scalar } };
}
