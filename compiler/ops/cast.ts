// Cast and CastLike between every numeric type and bool. castData is the reference the C
// kernels (runtime-c/kernels/cast.c) follow element for element:
//   float -> integer truncates toward zero and saturates (NaN gives 0): ONNX leaves values out
//     of range undefined, and saturating is what keeps host and Cortex-M builds bit-identical;
//   integer -> integer keeps the low bits (two's complement wrap, as numpy does);
//   x -> bool is x != 0 (NaN is true), bool -> x is 0 or 1;
//   anything -> float rounds to nearest, ties to even (int64 too: no double rounding).
import { elementCount, type ConstTensor, type DType, type TensorData } from '../ir/graph.js';
import { floatToHalf, halfToFloat } from '../onnx/float16.js';
import { allocateTensorData } from '../onnx/tensor-bytes.js';
import { dtypeFromElemType, elemTypeName } from '../onnx/tensor.js';
import {
  DTYPE_SUFFIX, inputArg, intParams, nodeError, outputArg, requireInput,
  type LowerContext, type OpFamily, type ShapeContext,
} from './op.js';
import { MOVABLE_DTYPES } from './strided-copy.js';
import type { Node } from '../ir/graph.js';

const FLOATS = new Set<DType>(['float32', 'float64', 'float16']);
const INTEGER_BITS: Partial<Record<DType, { bits: number; signed: boolean }>> = {
  int8: { bits: 8, signed: true }, int16: { bits: 16, signed: true }, int32: { bits: 32, signed: true }, int64: { bits: 64, signed: true },
  uint8: { bits: 8, signed: false }, uint16: { bits: 16, signed: false }, uint32: { bits: 32, signed: false }, uint64: { bits: 64, signed: false },
};

/** A bigint rounded to the nearest float32, ties to even, without a detour through float64. */
function bigintToFloat32(v: bigint): number {
  const magnitude = v < 0n ? -v : v;
  if (magnitude <= 2n ** 53n) return Math.fround(Number(v));
  const shift = BigInt(magnitude.toString(2).length - 24);
  let mantissa = magnitude >> shift;
  const rest = magnitude - (mantissa << shift);
  const half = 1n << (shift - 1n);
  if (rest > half || (rest === half && (mantissa & 1n) === 1n)) mantissa += 1n;
  const rounded = Number(mantissa) * 2 ** Number(shift);
  return v < 0n ? -rounded : rounded;
}

/** A float truncated toward zero and saturated to an integer type's range, NaN as 0. */
function saturate(value: number, bits: number, signed: boolean): number | bigint {
  if (bits === 64) {
    if (Number.isNaN(value)) return 0n;
    // 2^63 - 1 and 2^64 - 1 are not doubles: compare with the powers of two above them.
    if (value <= (signed ? -(2 ** 63) : 0)) return signed ? -(2n ** 63n) : 0n;
    if (value >= (signed ? 2 ** 63 : 2 ** 64)) return signed ? 2n ** 63n - 1n : 2n ** 64n - 1n;
    return BigInt(Math.trunc(value));
  }
  if (Number.isNaN(value)) return 0;
  const [low, high] = signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
  return Math.min(Math.max(Math.trunc(value), low), high);
}

/** Converts elements between dtypes (float16 data is held widened to float32, as in the IR). */
export function castData(data: TensorData, from: DType, to: DType): TensorData {
  if (from === 'string' || to === 'string' || Array.isArray(data)) {
    throw new Error('internal: string casts are refused before evaluation');
  }
  const out = allocateTensorData(to, data.length);
  const slots = out as unknown as { [i: number]: number | bigint };
  const target = INTEGER_BITS[to];
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    let r: number | bigint;
    if (to === 'bool') {
      r = typeof v === 'bigint' ? Number(v !== 0n) : Number(v !== 0);
    } else if (to === 'float32') {
      r = typeof v === 'bigint' ? bigintToFloat32(v) : v; // Float32Array rounds on store
    } else if (to === 'float16') {
      r = halfToFloat(floatToHalf(typeof v === 'bigint' ? bigintToFloat32(v) : v));
    } else if (to === 'float64') {
      r = Number(v);
    } else if (FLOATS.has(from)) {
      r = saturate(v as number, target!.bits, target!.signed);
    } else if (target!.bits === 64) {
      r = typeof v === 'bigint' ? v : BigInt(v); // BigInt64/BigUint64Array wrap on store
    } else {
      // The typed arrays wrap numbers on store; bigints are wrapped to the width first.
      r = typeof v === 'bigint' ? Number(BigInt.asUintN(target!.bits, v)) : v;
    }
    slots[i] = r;
  }
  return out;
}

/** A one-element tensor of `dtype` holding `value` (converted as Cast would). */
export function scalarTensor(name: string, dtype: DType, value: number | bigint): ConstTensor {
  const from: DType = typeof value === 'bigint' ? 'int64' : 'float64';
  const source = typeof value === 'bigint' ? BigInt64Array.of(value) : Float64Array.of(value);
  return { name, dtype, shape: [], data: castData(source, from, dtype) };
}

// ---- the two operators ---------------------------------------------------------------------

/** Cast-1 named the target type with a string; from Cast-6 it is a TensorProto.DataType number. */
const TYPE_NAMES: Record<string, number> = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13,
};

function castTarget(node: Node, inputs: ShapeContext['inputs']): DType {
  if (node.opType === 'CastLike') {
    const like = inputs[1];
    if (!like) throw nodeError(node, 'input 1 (target_type) is required');
    return like.dtype;
  }
  const to = node.attributes.to;
  const code = to?.kind === 'string' ? TYPE_NAMES[to.value.toUpperCase()] ?? -1 : to?.kind === 'int' ? to.value : undefined;
  if (code === undefined) throw nodeError(node, "attribute 'to' is required");
  const dtype = dtypeFromElemType(code);
  if (!dtype) throw nodeError(node, `casting to ${elemTypeName(code)} is not supported`);
  return dtype;
}

/**
 * float16 has no runtime type: a cast from or to it exists only folded away (the float16
 * weights of a half-precision export, widened once at compile time).
 */
function checkTypes(ctx: { node: Node; inputs: ShapeContext['inputs']; constants: ShapeContext['constants'] }, to: DType): void {
  const from = requireInput(ctx, 0).dtype;
  for (const t of [from, to]) {
    if (t === 'string') throw nodeError(ctx.node, 'string tensors are not supported');
    if (t === 'float16' && !ctx.constants[0]) {
      throw nodeError(ctx.node, `casting ${from} to ${to} at run time is not supported: float16 has no runtime type (only constants fold)`);
    }
    if (t !== 'float16' && !MOVABLE_DTYPES.includes(t)) throw nodeError(ctx.node, `${t} is not supported`);
  }
}

export const castFamily: OpFamily = {
  opTypes: ['Cast', 'CastLike'],
  dtypes: MOVABLE_DTYPES,
  inferShapes(ctx) {
    if (ctx.node.opType === 'CastLike' && ctx.opset < 15) throw nodeError(ctx.node, 'CastLike needs opset 15 or later');
    const to = castTarget(ctx.node, ctx.inputs);
    checkTypes(ctx, to);
    return [{ dtype: to, shape: [...requireInput(ctx, 0).shape] }];
  },
  evaluate(ctx) {
    const x = ctx.inputs[0]!;
    const to = ctx.outputs[0].dtype;
    return [{ name: ctx.node.outputs[0], dtype: to, shape: [...x.shape], data: castData(x.data, x.dtype, to) }];
  },
  lower(ctx: LowerContext) {
    const from = requireInput(ctx, 0);
    const to = ctx.outputs[0].dtype;
    checkTypes(ctx, to);
    return {
      node: ctx.node.name,
      opType: ctx.node.opType,
      kernel: `o2m_cast_${DTYPE_SUFFIX[from.dtype]}_${DTYPE_SUFFIX[to]}`,
      paramsType: 'o2m_cast_params',
      params: intParams({ count: elementCount(from.shape) }),
      args: [inputArg(ctx, 0), outputArg(ctx)],
      macs: 0,
    };
  },
};
