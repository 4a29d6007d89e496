// Axis views and reduction walks shared by the reduction, normalisation, softmax and loss
// families: how a tensor is seen by kernels that work along one axis or over a set of axes, and
// how their reference implementations store integer results.
import { O2M_MAX_DIMS } from './op.js';
import { nodeError, type ParamValue } from './op.js';
import type { DType, Node, TensorData } from '../ir/graph.js';

export const product = (v: readonly number[]): number => v.reduce((a, b) => a * b, 1);

/** A tensor seen as [outer][axis][inner] around one axis: how every single-axis kernel loops. */
export function axisView(shape: readonly number[], axis: number): { outer: number; axis: number; inner: number } {
  return { outer: product(shape.slice(0, axis)), axis: shape[axis] ?? 1, inner: product(shape.slice(axis + 1)) };
}

export const isFloatDtype = (dtype: DType): boolean => dtype === 'float32' || dtype === 'float64';

export const INTEGER_BITS: Partial<Record<DType, { bits: number; signed: boolean }>> = {
  int8: { bits: 8, signed: true }, int16: { bits: 16, signed: true }, int32: { bits: 32, signed: true }, int64: { bits: 64, signed: true },
  uint8: { bits: 8, signed: false }, uint16: { bits: 16, signed: false }, uint32: { bits: 32, signed: false }, uint64: { bits: 64, signed: false },
};

/** Stores an exact integer into an integer tensor, wrapping to the type's width as C does. */
export function storeInteger(data: TensorData, index: number, value: bigint, dtype: DType): void {
  const { bits, signed } = INTEGER_BITS[dtype]!;
  const wrapped = signed ? BigInt.asIntN(bits, value) : BigInt.asUintN(bits, value);
  (data as unknown as (number | bigint)[])[index] = bits === 64 ? wrapped : Number(wrapped);
}

// ---- the walk over kept and reduced axes ---------------------------------------------------------

export interface ReductionWalk {
  keptShape: number[];
  keptStrides: number[];
  reducedShape: number[];
  reducedStrides: number[];
}

/** Kept and reduced axes with their input strides, merging neighbours that stay contiguous. */
export function reductionWalk(node: Node, shape: readonly number[], reduced: ReadonlySet<number>): ReductionWalk {
  const walk: ReductionWalk = { keptShape: [], keptStrides: [], reducedShape: [], reducedStrides: [] };
  let stride = product(shape);
  for (let axis = 0; axis < shape.length; axis++) {
    const size = shape[axis];
    stride = size === 0 ? 0 : stride / size;
    if (size === 1) continue;
    const [sizes, strides] = reduced.has(axis) ? [walk.reducedShape, walk.reducedStrides] : [walk.keptShape, walk.keptStrides];
    const last = sizes.length - 1;
    if (last >= 0 && strides[last] === stride * size) {
      sizes[last] *= size;
      strides[last] = stride;
    } else {
      sizes.push(size);
      strides.push(stride);
    }
  }
  if (walk.keptShape.length > O2M_MAX_DIMS || walk.reducedShape.length > O2M_MAX_DIMS) {
    throw nodeError(node, `the reduction interleaves more than ${O2M_MAX_DIMS} groups of kept and reduced axes`);
  }
  return walk;
}

/** The o2m_reduction_walk fields of a parameter struct, under `field` (designated initializers). */
export function walkParams(walk: ReductionWalk, field = 'walk'): Record<string, ParamValue> {
  const pad = (v: number[]) => [...v, ...Array(O2M_MAX_DIMS - v.length).fill(0)];
  return {
    [`${field}.kept_count`]: { int: product(walk.keptShape) },
    [`${field}.kept_rank`]: { int: walk.keptShape.length },
    [`${field}.kept_shape`]: { ints: pad(walk.keptShape) },
    [`${field}.kept_strides`]: { ints: pad(walk.keptStrides) },
    [`${field}.reduced_count`]: { int: product(walk.reducedShape) },
    [`${field}.reduced_rank`]: { int: walk.reducedShape.length },
    [`${field}.reduced_shape`]: { ints: pad(walk.reducedShape) },
    [`${field}.reduced_strides`]: { ints: pad(walk.reducedStrides) },
  };
}

/** Every offset an odometer over (shape, strides) visits, in row-major order. */
export function walkOffsets(shape: readonly number[], strides: readonly number[]): number[] {
  let offsets = [0];
  for (let axis = 0; axis < shape.length; axis++) {
    const next: number[] = [];
    for (const base of offsets) for (let i = 0; i < shape[axis]; i++) next.push(base + i * strides[axis]);
    offsets = next;
  }
  return offsets;
}

