// The strided copy that Transpose, Slice, Expand, Concat, Split, DepthToSpace and SpaceToDepth
// all reduce to: its TypeScript reference (what constant folding runs) and the kernel call of
// runtime-c/kernels/copy_strided.c. Both walk the same description, so they cannot disagree.
import { DTYPE_BYTES, elementCount, type ConstTensor, type DType, type Node, type TensorData } from '../ir/graph.js';
import { allocateTensorData } from '../onnx/tensor-bytes.js';
import { collapseAxes } from './broadcast.js';
import { NUMERIC_DTYPES, nodeError, type KernelArg, type KernelCall } from './op.js';

/** Moving elements needs no arithmetic on them, so these ops take every type the runtime holds. */
export const MOVABLE_DTYPES: DType[] = [...NUMERIC_DTYPES, 'bool'];

/** O2M_MAX_DIMS in runtime-c/include/onnx2mcu/dims.h. */
export const MAX_KERNEL_DIMS = 6;

/**
 * For every index i of `shape`:
 *   output[outOffset + Σ i_k outStrides[k]] = input[inOffset + Σ i_k inStrides[k]]
 * Strides and offsets count elements.
 */
export interface StridedWalk {
  shape: number[];
  inStrides: number[];
  inOffset: number;
  outStrides: number[];
  outOffset: number;
}

/** Row-major element strides of a dense tensor. */
export function denseStrides(shape: readonly number[]): number[] {
  const strides = Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

/** The walk that reads `inStrides` from `inOffset` and fills a dense output of `shape`. */
export function denseOutputWalk(shape: number[], inStrides: number[], inOffset = 0): StridedWalk {
  return { shape, inStrides, inOffset, outStrides: denseStrides(shape), outOffset: 0 };
}

/** Runs a walk in TypeScript: the reference the C kernel must agree with. */
export function runWalk(walk: StridedWalk, input: TensorData, output: TensorData): void {
  if (Array.isArray(input) || Array.isArray(output)) throw new Error('internal: strided copy of strings');
  const { shape, inStrides, outStrides } = walk;
  if (elementCount(shape) === 0) return;
  const rank = shape.length;
  const index = Array<number>(rank).fill(0);
  let inAt = walk.inOffset;
  let outAt = walk.outOffset;
  // The typed arrays of one tensor share an element kind, so the copy needs no conversion.
  const from = input as unknown as { [i: number]: number | bigint };
  const to = output as unknown as { [i: number]: number | bigint };
  for (;;) {
    to[outAt] = from[inAt];
    let axis = rank - 1;
    for (; axis >= 0; axis--) {
      index[axis]++;
      inAt += inStrides[axis];
      outAt += outStrides[axis];
      if (index[axis] < shape[axis]) break;
      inAt -= inStrides[axis] * shape[axis];
      outAt -= outStrides[axis] * shape[axis];
      index[axis] = 0;
    }
    if (axis < 0) return;
  }
}

/** A new tensor of `shape` filled by walks over the inputs (Concat has one per input). */
export function evaluateWalks(
  name: string, dtype: DType, shape: number[], parts: { walk: StridedWalk; input: ConstTensor }[],
): ConstTensor {
  if (dtype === 'string') throw new Error('internal: strided copy of strings');
  const data = allocateTensorData(dtype, elementCount(shape));
  for (const { walk, input } of parts) runWalk(walk, input.data, data);
  return { name, dtype, shape, data };
}

/**
 * The kernel call for a walk, its axes merged wherever both sides stay contiguous so that
 * it fits the kernel's O2M_MAX_DIMS. A walk over no elements still makes a (free) call.
 */
export function stridedCopyCall(
  node: Node, dtype: DType, walk: StridedWalk, input: KernelArg, output: KernelArg,
): KernelCall {
  let { shape, strides: [inStrides, outStrides] } = collapseAxes(walk.shape, [walk.inStrides, walk.outStrides]);
  if (elementCount(walk.shape) === 0) [shape, inStrides, outStrides] = [[0], [0], [0]];
  else if (shape.length === 0) [shape, inStrides, outStrides] = [[1], [0], [0]];
  if (shape.length > MAX_KERNEL_DIMS) {
    throw nodeError(node, `the copy walks ${shape.length} axes that cannot be merged; the runtime takes at most ${MAX_KERNEL_DIMS}`);
  }
  const pad = (v: number[]) => [...v, ...Array(MAX_KERNEL_DIMS - v.length).fill(0)];
  return {
    node: node.name,
    opType: node.opType,
    kernel: 'o2m_copy_strided',
    paramsType: 'o2m_copy_strided_params',
    params: {
      element_size: { int: DTYPE_BYTES[dtype] },
      rank: { int: shape.length },
      shape: { ints: pad(shape) },
      in_strides: { ints: pad(inStrides) },
      out_strides: { ints: pad(outStrides) },
      in_offset: { int: walk.inOffset },
      out_offset: { int: walk.outOffset },
    },
    args: [input, output],
    macs: 0,
  };
}
