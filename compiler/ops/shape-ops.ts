// Operators that make tensors from shapes and scalars: Shape, Size (folded from shapes alone),
// Range, ConstantOfShape, EyeLike and Trilu.
import { DTYPE_BYTES, elementCount, type ConstTensor, type DType, type Node } from '../ir/graph.js';
import { allocateTensorData } from '../onnx/tensor-bytes.js';
import { dtypeFromElemType, elemTypeName } from '../onnx/tensor.js';
import { scalarTensor } from './cast.js';
import { constantIntsInput } from './constant-inputs.js';
import {
  attrInt, DTYPE_SUFFIX, inputArg, intParams, nodeError, outputArg, requireDtypes, requireInput,
  type EvalContext, type OpFamily, type TypedShape,
} from './op.js';
import { MOVABLE_DTYPES } from './strided-copy.js';

const clamp = (v: number, low: number, high: number) => Math.min(Math.max(v, low), high);

// ---- Shape and Size ------------------------------------------------------------------------

/** The dimensions Shape returns: all of them, or [start, end) from opset 15, clamped. */
function shapeSlice(node: Node, shape: number[], opset: number): number[] {
  if (opset < 15) return shape;
  const rank = shape.length;
  const resolve = (v: number) => clamp(v < 0 ? v + rank : v, 0, rank);
  const start = resolve(attrInt(node, 'start', 0));
  const end = resolve(attrInt(node, 'end', rank));
  return shape.slice(start, Math.max(start, end));
}

export const shapeFamily: OpFamily = {
  opTypes: ['Shape'],
  foldsOnShapes: true,
  dtypes: MOVABLE_DTYPES,
  inferShapes(ctx) {
    const x = requireInput(ctx, 0);
    return [{ dtype: 'int64', shape: [shapeSlice(ctx.node, x.shape, ctx.opset).length] }];
  },
  evaluate(ctx) {
    const dims = shapeSlice(ctx.node, ctx.inputTypes[0]!.shape, ctx.opset);
    return [{ name: ctx.node.outputs[0], dtype: 'int64', shape: [dims.length], data: BigInt64Array.from(dims.map(BigInt)) }];
  },
};

export const sizeFamily: OpFamily = {
  opTypes: ['Size'],
  foldsOnShapes: true,
  dtypes: MOVABLE_DTYPES,
  inferShapes(ctx) {
    requireInput(ctx, 0);
    return [{ dtype: 'int64', shape: [] }];
  },
  evaluate(ctx) {
    const count = elementCount(ctx.inputTypes[0]!.shape);
    return [{ name: ctx.node.outputs[0], dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(count)) }];
  },
};

// ---- Range -----------------------------------------------------------------------------------

const RANGE_DTYPES: DType[] = ['float32', 'float64', 'int16', 'int32', 'int64'];

function scalarInput(ctx: { node: Node; constants: (ConstTensor | undefined)[] }, index: number, what: string): number | bigint {
  const c = ctx.constants[index];
  if (!c) throw nodeError(ctx.node, `the ${what} input must be a constant (or fold to one): the output size depends on it`);
  if (c.data.length !== 1) throw nodeError(ctx.node, `${what} must be a scalar`);
  return c.data[0] as number | bigint;
}

/** max(ceil((limit - start) / delta), 0), exactly for integers. */
function rangeCount(node: Node, start: number | bigint, limit: number | bigint, delta: number | bigint): number {
  if (typeof start === 'bigint' || typeof limit === 'bigint' || typeof delta === 'bigint') {
    const [s, l, d] = [BigInt(start), BigInt(limit), BigInt(delta)];
    if (d === 0n) throw nodeError(node, 'delta is 0');
    const span = l - s;
    let q = span / d;
    if (span % d !== 0n && (span > 0n) === (d > 0n)) q += 1n;
    return Number(q > 0n ? q : 0n);
  }
  if (delta === 0) throw nodeError(node, 'delta is 0');
  // In float64, as numpy's arange and ONNX Runtime count.
  return Math.max(0, Math.ceil((limit - start) / delta));
}

function rangeShape(ctx: { node: Node; inputs: (TypedShape | undefined)[]; constants: (ConstTensor | undefined)[] }): TypedShape {
  requireDtypes(ctx, RANGE_DTYPES, 0, 1, 2);
  const dtype = requireInput(ctx, 0).dtype;
  if ([1, 2].some((i) => requireInput(ctx, i).dtype !== dtype)) throw nodeError(ctx.node, 'start, limit and delta must have one type');
  const count = rangeCount(ctx.node, scalarInput(ctx, 0, 'start'), scalarInput(ctx, 1, 'limit'), scalarInput(ctx, 2, 'delta'));
  return { dtype, shape: [count] };
}

export const rangeFamily: OpFamily = {
  opTypes: ['Range'],
  opsets: [11, 17],
  dtypes: RANGE_DTYPES,
  inferShapes: (ctx) => [rangeShape(ctx)],
  evaluate(ctx) {
    const { dtype, shape } = ctx.outputs[0];
    const start = ctx.inputs[0]!.data[0] as number | bigint;
    const delta = ctx.inputs[2]!.data[0] as number | bigint;
    // Each element is the previous one plus delta, rounded to the element type as it is stored:
    // the accumulation ONNX Runtime and the ONNX function body do (kernels/range.c too).
    const data = allocateTensorData(dtype as Exclude<DType, 'string'>, shape[0]);
    const slots = data as unknown as { [i: number]: number | bigint };
    for (let i = 0; i < shape[0]; i++) {
      if (i === 0) slots[0] = start;
      else slots[i] = typeof delta === 'bigint' ? (slots[i - 1] as bigint) + delta : (slots[i - 1] as number) + delta;
    }
    return [{ name: ctx.node.outputs[0], dtype, shape, data }];
  },
  lower(ctx) {
    const { dtype, shape } = ctx.outputs[0];
    return {
      node: ctx.node.name,
      opType: 'Range',
      kernel: `o2m_range_${DTYPE_SUFFIX[dtype]}`,
      paramsType: 'o2m_range_params',
      params: intParams({ count: shape[0] }),
      args: [inputArg(ctx, 0), inputArg(ctx, 2), outputArg(ctx)],
      macs: 0,
    };
  },
};

// ---- ConstantOfShape -------------------------------------------------------------------------

function fillValue(node: Node): ConstTensor {
  const a = node.attributes.value;
  if (a === undefined) return scalarTensor(`${node.name}_value`, 'float32', 0);
  if (a.kind !== 'tensor' || a.value.data.length !== 1) throw nodeError(node, "attribute 'value' must be a one-element tensor");
  if (!MOVABLE_DTYPES.includes(a.value.dtype)) throw nodeError(node, `a ${a.value.dtype} value is not supported`);
  return { ...a.value, name: `${node.name}_value`, shape: [1] };
}

function constantOfShapeDims(ctx: { node: Node; constants: (ConstTensor | undefined)[] }): number[] {
  const dims = constantIntsInput(ctx, 0, 'shape');
  if (!dims || dims.some((d) => d < 0)) throw nodeError(ctx.node, 'the shape input must hold non-negative dimensions');
  return dims;
}

export const constantOfShapeFamily: OpFamily = {
  opTypes: ['ConstantOfShape'],
  opsets: [9, 17],
  dtypes: MOVABLE_DTYPES,
  inferShapes: (ctx) => [{ dtype: fillValue(ctx.node).dtype, shape: constantOfShapeDims(ctx) }],
  evaluate(ctx) {
    const value = fillValue(ctx.node);
    const { dtype, shape } = ctx.outputs[0];
    const data = allocateTensorData(dtype as Exclude<DType, 'string'>, elementCount(shape));
    (data as unknown as { fill(v: unknown): void }).fill(value.data[0]);
    return [{ name: ctx.node.outputs[0], dtype, shape, data }];
  },
  lower(ctx) {
    const { dtype, shape } = ctx.outputs[0];
    return {
      node: ctx.node.name,
      opType: 'ConstantOfShape',
      kernel: 'o2m_fill',
      paramsType: 'o2m_fill_params',
      params: intParams({ element_size: DTYPE_BYTES[dtype], count: elementCount(shape) }),
      args: [{ kind: 'derived', tensor: fillValue(ctx.node) }, outputArg(ctx)],
      macs: 0,
    };
  },
};

// ---- EyeLike ---------------------------------------------------------------------------------

function eyeType(ctx: { node: Node; inputs: (TypedShape | undefined)[] }): TypedShape {
  const x = requireInput(ctx, 0);
  if (x.shape.length !== 2) throw nodeError(ctx.node, `the input must be a matrix, got rank ${x.shape.length}`);
  const code = ctx.node.attributes.dtype ? attrInt(ctx.node, 'dtype') : undefined;
  const dtype = code === undefined ? x.dtype : dtypeFromElemType(code);
  if (!dtype || !MOVABLE_DTYPES.includes(dtype)) throw nodeError(ctx.node, `dtype ${code === undefined ? x.dtype : elemTypeName(code)} is not supported`);
  return { dtype, shape: [...x.shape] };
}

/** The output depends on the input's shape only, so it folds even from a runtime input. */
export const eyeLikeFamily: OpFamily = {
  opTypes: ['EyeLike'],
  opsets: [9, 17],
  dtypes: MOVABLE_DTYPES,
  foldsOnShapes: true,
  inferShapes: (ctx) => [eyeType(ctx)],
  evaluate(ctx: EvalContext) {
    const { dtype, shape: [rows, cols] } = ctx.outputs[0];
    const k = attrInt(ctx.node, 'k', 0);
    const one = scalarTensor('one', dtype, 1).data[0];
    const data = allocateTensorData(dtype as Exclude<DType, 'string'>, rows * cols);
    for (let r = 0; r < rows; r++) {
      const c = r + k;
      if (c >= 0 && c < cols) (data as unknown as { [i: number]: unknown })[r * cols + c] = one;
    }
    return [{ name: ctx.node.outputs[0], dtype, shape: [rows, cols], data }];
  },
  lower(ctx) {
    const { dtype, shape: [rows, cols] } = ctx.outputs[0];
    return {
      node: ctx.node.name,
      opType: 'EyeLike',
      kernel: 'o2m_eye',
      paramsType: 'o2m_eye_params',
      params: intParams({ element_size: DTYPE_BYTES[dtype], rows, cols, k: clamp(attrInt(ctx.node, 'k', 0), -rows, cols) }),
      args: [{ kind: 'derived', tensor: scalarTensor(`${ctx.node.name}_one`, dtype, 1) }, outputArg(ctx)],
      macs: 0,
    };
  },
};

// ---- Trilu -----------------------------------------------------------------------------------

function triluDiagonal(ctx: { node: Node; constants: (ConstTensor | undefined)[] }): number {
  const k = constantIntsInput(ctx, 1, 'k');
  if (k && k.length !== 1) throw nodeError(ctx.node, 'k must be a scalar');
  return k ? k[0] : 0;
}

export const triluFamily: OpFamily = {
  opTypes: ['Trilu'],
  opsets: [14, 17],
  dtypes: MOVABLE_DTYPES,
  inferShapes(ctx) {
    requireDtypes(ctx, MOVABLE_DTYPES, 0);
    const x = requireInput(ctx, 0);
    if (x.shape.length < 2) throw nodeError(ctx.node, `the input must have rank 2 or more, got ${x.shape.length}`);
    triluDiagonal(ctx);
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  evaluate(ctx) {
    const x = ctx.inputs[0]!;
    const k = triluDiagonal({ node: ctx.node, constants: ctx.inputs });
    const upper = attrInt(ctx.node, 'upper', 1) !== 0;
    const [rows, cols] = x.shape.slice(-2);
    const data = allocateTensorData(x.dtype as Exclude<DType, 'string'>, x.data.length);
    const to = data as unknown as { [i: number]: unknown };
    for (let i = 0; i < x.data.length; i++) {
      const diagonal = (i % cols) - (Math.floor(i / cols) % rows);
      if (upper ? diagonal >= k : diagonal <= k) to[i] = x.data[i];
    }
    return [{ name: ctx.node.outputs[0], dtype: x.dtype, shape: [...x.shape], data }];
  },
  lower(ctx) {
    const x = requireInput(ctx, 0);
    const [rows, cols] = x.shape.slice(-2);
    return {
      node: ctx.node.name,
      opType: 'Trilu',
      kernel: 'o2m_trilu',
      paramsType: 'o2m_trilu_params',
      params: intParams({
        element_size: DTYPE_BYTES[x.dtype],
        batches: elementCount(x.shape.slice(0, -2)),
        rows, cols,
        k: clamp(triluDiagonal(ctx), -rows, cols),
        upper: attrInt(ctx.node, 'upper', 1) !== 0 ? 1 : 0,
      }),
      args: [inputArg(ctx, 0), outputArg(ctx)],
      macs: 0,
    };
  },
};
