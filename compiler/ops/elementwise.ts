// Element-wise operators of two or more inputs with numpy broadcasting: arithmetic (Add, Sub, Mul,
// Div, Mod, Pow, BitShift), comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual),
// logic (And, Or, Xor) and the variadic Max, Min, Sum and Mean. Also the broadcasting and
// per-dtype arithmetic that PRelu (activation.ts) and Where (where.ts) share.
//
// Integer arithmetic wraps around in two's complement, as the C kernels compute it (in unsigned
// types), and the cases C leaves undefined get one answer on both sides: x / 0 = x % 0 = 0,
// INT_MIN / -1 = INT_MIN, a shift by the width or more gives 0.
import { broadcastShapes, broadcastStrides, collapseAxes } from './broadcast.js';
import { O2M_MAX_DIMS, sameLayoutInputs } from './op.js';
import {
  attrInt, attrString, DTYPE_SUFFIX, FUSED_ACTIVATION, fusedClamp, inputArg, nodeError, NUMERIC_DTYPES,
  outputArg, requireDtypes, requireInput,
  type EvalContext, type KernelArg, type KernelCall, type LowerContext, type OpFamily, type ParamValue,
  type ShapeContext, type TypedShape,
} from './op.js';
import { allocateTensorData } from '../onnx/tensor-bytes.js';
import { quantizeMultiplier } from '../quantize/fixed-point.js';
import { int8ActivationClamp, isQuantizedNode, perTensor, quantizationOf, requantizeCopyCall } from './int8-lowering.js';
import { DTYPE_CTYPE, type ConstTensor, type DType, type Node, type Quantization, type TensorData } from '../ir/graph.js';

/** O2M_VARIADIC_MAX_INPUTS of kernels_elementwise.h. */
const VARIADIC_MAX_INPUTS = 4;

export const FLOAT_DTYPES: DType[] = ['float32', 'float64'];
export const SIGNED_DTYPES: DType[] = ['int8', 'int16', 'int32', 'int64'];
export const UNSIGNED_DTYPES: DType[] = ['uint8', 'uint16', 'uint32', 'uint64'];

const INTEGER_BITS: Partial<Record<DType, number>> = {
  int8: 8, int16: 16, int32: 32, int64: 64, uint8: 8, uint16: 16, uint32: 32, uint64: 64,
};

// ---- values of any dtype, as the evaluate functions compute them -----------------------------

/** An element as typed arrays hold it: bigint for 64-bit integers, number elsewhere. */
export type Scalar = number | bigint;

export const isFloat = (dtype: DType): boolean => dtype === 'float32' || dtype === 'float64';

/** Reduces an exact integer result to the dtype's range, wrapping as the C kernels do. */
export function wrapInteger(dtype: DType, value: bigint): bigint {
  const bits = INTEGER_BITS[dtype];
  if (bits === undefined) throw new Error(`internal: ${dtype} is not an integer type`);
  return dtype.startsWith('u') ? BigInt.asUintN(bits, value) : BigInt.asIntN(bits, value);
}

/** Rounds a double to what the dtype's C arithmetic would have produced for the same operation. */
export function roundToDtype(dtype: DType, value: number): number {
  return dtype === 'float32' ? Math.fround(value) : value;
}

/** A tensor of `dtype` whose elements `compute` gives, index by index. */
export function makeTensor(name: string, dtype: DType, shape: number[], compute: (index: number) => Scalar): ConstTensor {
  const count = shape.reduce((a, b) => a * b, 1);
  const data = allocateTensorData(dtype as Exclude<DType, 'string'>, count);
  const slots = data as unknown as { [i: number]: Scalar };
  const wide = data instanceof BigInt64Array || data instanceof BigUint64Array;
  for (let i = 0; i < count; i++) {
    const v = compute(i);
    slots[i] = wide ? BigInt(v) : Number(v);
  }
  return { name, dtype, shape, data };
}

/** Element `index` of a tensor's data. */
export const elementOf = (data: TensorData, index: number): Scalar => data[index] as Scalar;

/**
 * The output of a broadcasting op from its constant inputs: `compute` receives the elements of
 * every operand that meet at each output position. `shapes` are the operands' (possibly
 * legacy-adjusted) shapes.
 */
export function evaluateBroadcast(
  ctx: EvalContext, operands: ConstTensor[], shapes: number[][], compute: (values: Scalar[]) => Scalar,
): ConstTensor {
  const out = ctx.outputs[0];
  const rank = out.shape.length;
  const strides = shapes.map((s) => broadcastStrides(s, out.shape));
  const index = Array(rank).fill(0);
  const offsets = operands.map(() => 0);
  return makeTensor(ctx.node.outputs[0], out.dtype, out.shape, () => {
    const value = compute(operands.map((t, k) => elementOf(t.data, offsets[k])));
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis] += 1;
      strides.forEach((s, k) => { offsets[k] += s[axis]; });
      if (index[axis] < out.shape[axis]) break;
      strides.forEach((s, k) => { offsets[k] -= s[axis] * out.shape[axis]; });
      index[axis] = 0;
    }
    return value;
  });
}

// ---- lowering of broadcasting kernels ---------------------------------------------------------

const padDims = (v: number[]) => [...v, ...Array(O2M_MAX_DIMS - v.length).fill(0)];

/**
 * The row walk a broadcasting kernel takes: the output's axes with every run of axes that all
 * operands walk contiguously merged into one, and each operand's element strides along them
 * (0 where it broadcasts), padded to O2M_MAX_DIMS.
 */
export function broadcastLayout(node: Node, outShape: number[], operandShapes: number[][]): { rank: number; outShape: number[]; strides: number[][] } {
  const collapsed = collapseAxes(outShape, operandShapes.map((s) => broadcastStrides(s, outShape)));
  let { shape, strides } = collapsed;
  if (shape.length === 0) [shape, strides] = [[1], strides.map(() => [0])];
  if (shape.length > O2M_MAX_DIMS) {
    throw nodeError(node, `broadcasting over ${shape.length} axes that cannot merge; the kernels take at most ${O2M_MAX_DIMS}`);
  }
  return { rank: shape.length, outShape: padDims(shape), strides: strides.map(padDims) };
}

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Fields of o2m_binary_params (and of o2m_binary_f32_params before the activation). */
export function binaryParams(node: Node, op: string, outShape: number[], a: number[], b: number[]): Record<string, ParamValue> {
  const layout = broadcastLayout(node, outShape, [a, b]);
  return {
    op: { enum: op },
    count: { int: count(outShape) },
    rank: { int: layout.rank },
    out_shape: { ints: layout.outShape },
    a_strides: { ints: layout.strides[0] },
    b_strides: { ints: layout.strides[1] },
  };
}

export function suffixOf(node: Node, dtype: DType): string {
  const suffix = DTYPE_SUFFIX[dtype];
  if (!suffix) throw nodeError(node, `${dtype} tensors are not supported`);
  return suffix;
}

/**
 * A call of o2m_binary_<type>. float32 carries the node's fused activation; other types have
 * none, so a fused Relu/Clip on them is refused rather than dropped.
 */
export function binaryCall(ctx: LowerContext, op: string, dtype: DType, shapes: [number[], number[]], args: [KernelArg, KernelArg]): KernelCall {
  const params = binaryParams(ctx.node, op, ctx.outputs[0].shape, shapes[0], shapes[1]);
  const isF32 = dtype === 'float32';
  if (!isF32 && ctx.node.attributes[FUSED_ACTIVATION]) {
    throw nodeError(ctx.node, `a fused activation on a ${dtype} ${ctx.node.opType} is not supported (only float32 kernels clamp their output)`);
  }
  return {
    node: ctx.node.name,
    opType: ctx.node.opType,
    kernel: `o2m_binary_${suffixOf(ctx.node, dtype)}`,
    paramsType: isF32 ? 'o2m_binary_f32_params' : 'o2m_binary_params',
    params: isF32 ? { ...params, ...fusedClamp(ctx.node) } : params,
    args: [...args, outputArg(ctx)],
    macs: 0,
  };
}

/** Every input must share input 0's dtype (the ops' type constraint T). */
export function requireSameDtype(ctx: { node: Node; inputs: (TypedShape | undefined)[] }, indices: number[]): DType {
  const first = requireInput(ctx, indices[0]).dtype;
  for (const i of indices.slice(1)) {
    const t = requireInput(ctx, i);
    if (t.dtype !== first) throw nodeError(ctx.node, `input ${i} is ${t.dtype} but input ${indices[0]} is ${first}; they must match`);
  }
  return first;
}

/**
 * Operand shapes under the broadcasting rule of the node's opset. Before opset 7, arithmetic,
 * comparison and logic ops broadcast only with broadcast=1, and then B aligns with A starting
 * at `axis` (by default so that their last axes line up); that is numpy broadcasting of B with
 * trailing 1s appended.
 */
export function operandShapes(ctx: { node: Node; inputs: (TypedShape | undefined)[]; opset: number }): [number[], number[]] {
  const a = requireInput(ctx, 0).shape;
  const b = requireInput(ctx, 1).shape;
  if (ctx.opset >= 7) return [a, b];
  if (attrInt(ctx.node, 'broadcast', 0) === 0) {
    if (a.join('x') !== b.join('x')) {
      throw nodeError(ctx.node, `shapes [${a}] and [${b}] differ and the node does not set broadcast=1 (opset ${ctx.opset})`);
    }
    return [a, b];
  }
  const axis = attrInt(ctx.node, 'axis', a.length - b.length);
  const start = axis < 0 ? axis + a.length : axis;
  if (start < 0 || start + b.length > a.length) {
    throw nodeError(ctx.node, `B of shape [${b}] does not fit A of shape [${a}] at axis ${axis}`);
  }
  return [a, [...b, ...Array(a.length - start - b.length).fill(1)]];
}

function constantInputs(ctx: EvalContext, indices: number[]): ConstTensor[] {
  return indices.map((i) => {
    const t = ctx.inputs[i];
    if (!t) throw nodeError(ctx.node, `input ${i} is not a constant`);
    return t;
  });
}

/** The clamp a fusion pass attached to a float32 node, applied by evaluate as the kernel would. */
function fusedRange(node: Node): [number, number] | undefined {
  const a = node.attributes[FUSED_ACTIVATION];
  return a?.kind === 'floats' ? [a.value[0], a.value[1]] : undefined;
}

const clampTo = (value: number, [lo, hi]: [number, number]) => {
  let v = value;
  if (v < lo) v = lo;
  if (v > hi) v = hi;
  return v;
};

// ---- arithmetic -------------------------------------------------------------------------------

interface Arithmetic {
  /** The o2m_binary_op the kernels know it by. */
  kernelOp: string;
  /** The exact result on two float values (rounded to the dtype by the caller); absent: not for floats. */
  float?: (a: number, b: number) => number;
  /** The exact integer result (wrapped to the dtype by the caller); absent: not for integers. */
  integer?: (a: bigint, b: bigint, dtype: DType) => bigint;
}

/** Min and Max of floats: NaN if either operand is NaN, as numpy and ONNX Runtime do. */
const floatMin = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : b < a ? b : a);
const floatMax = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : b > a ? b : a);

/** C's % on integers, with x % 0 = 0. */
const truncatedRemainder = (a: bigint, b: bigint) => (b === 0n ? 0n : a % b);

export const ARITHMETIC: Record<string, Arithmetic> = {
  ADD: { kernelOp: 'O2M_BINARY_ADD', float: (a, b) => a + b, integer: (a, b) => a + b },
  SUB: { kernelOp: 'O2M_BINARY_SUB', float: (a, b) => a - b, integer: (a, b) => a - b },
  MUL: { kernelOp: 'O2M_BINARY_MUL', float: (a, b) => a * b, integer: (a, b) => a * b },
  DIV: { kernelOp: 'O2M_BINARY_DIV', float: (a, b) => a / b, integer: (a, b) => (b === 0n ? 0n : a / b) },
  MIN: { kernelOp: 'O2M_BINARY_MIN', float: floatMin, integer: (a, b) => (b < a ? b : a) },
  MAX: { kernelOp: 'O2M_BINARY_MAX', float: floatMax, integer: (a, b) => (b > a ? b : a) },
  /** Python's %: the remainder takes the divisor's sign (ONNX Mod with fmod=0, integers only). */
  MOD: {
    kernelOp: 'O2M_BINARY_MOD',
    integer: (a, b) => {
      const r = truncatedRemainder(a, b);
      return r !== 0n && (r < 0n) !== (b < 0n) ? r + b : r;
    },
  },
  /** C's fmod and %: the remainder takes the dividend's sign (ONNX Mod with fmod=1). JS % is exactly fmod. */
  FMOD: { kernelOp: 'O2M_BINARY_FMOD', float: (a, b) => a % b, integer: truncatedRemainder },
  PRELU: { kernelOp: 'O2M_BINARY_PRELU', float: (a, b) => (a < 0 ? a * b : a), integer: (a, b) => (a < 0n ? a * b : a) },
  SHIFT_LEFT: {
    kernelOp: 'O2M_BINARY_SHIFT_LEFT',
    integer: (a, b, dtype) => (b >= BigInt(INTEGER_BITS[dtype]!) ? 0n : a << b),
  },
  SHIFT_RIGHT: {
    kernelOp: 'O2M_BINARY_SHIFT_RIGHT',
    integer: (a, b, dtype) => (b >= BigInt(INTEGER_BITS[dtype]!) ? 0n : a >> b),
  },
};

/** The function computing `rule` on elements of `dtype`, as its kernel does. */
export function arithmeticOn(node: Node, rule: Arithmetic, dtype: DType): (a: Scalar, b: Scalar) => Scalar {
  if (isFloat(dtype)) {
    const f = rule.float;
    if (!f) throw nodeError(node, `not defined for ${dtype}`);
    return (a, b) => roundToDtype(dtype, f(Number(a), Number(b)));
  }
  const f = rule.integer;
  if (!f || INTEGER_BITS[dtype] === undefined) throw nodeError(node, `not defined for ${dtype}`);
  return (a, b) => wrapInteger(dtype, f(BigInt(a), BigInt(b), dtype));
}

const ARITHMETIC_OF_OP: Record<string, string> = { Add: 'ADD', Sub: 'SUB', Mul: 'MUL', Div: 'DIV' };

/** Add, Sub, Mul, Div: the producers fuse-activation.ts may attach a clamp to (float32 only). */
export const binaryFamily: OpFamily = {
  opTypes: Object.keys(ARITHMETIC_OF_OP),
  opsets: [1, 17],
  dtypes: NUMERIC_DTYPES,
  inPlace: (ctx) => sameLayoutInputs(ctx, [0, 1]),

  inferShapes(ctx) {
    requireDtypes(ctx, NUMERIC_DTYPES, 0, 1);
    const dtype = requireSameDtype(ctx, [0, 1]);
    return [{ dtype, shape: broadcastShapes(ctx.node, operandShapes(ctx)) }];
  },

  evaluate(ctx) {
    const [a, b] = constantInputs(ctx, [0, 1]);
    const f = arithmeticOn(ctx.node, ARITHMETIC[ARITHMETIC_OF_OP[ctx.node.opType]], a.dtype);
    const range = a.dtype === 'float32' ? fusedRange(ctx.node) : undefined;
    const compute = range ? (x: Scalar, y: Scalar) => clampTo(Number(f(x, y)), range) : f;
    return [evaluateBroadcast(ctx, [a, b], operandShapes({ ...ctx, inputs: ctx.inputTypes }), ([x, y]) => compute(x, y))];
  },

  // Add, Sub and Mul rescale in integers as TFLite does; the output takes its calibrated range.
  // Div runs in int8 only by a positive scalar constant, whose reciprocal joins the rescaling.
  int8: {
    output: 'calibrated',
    refuses: (ctx) => (ctx.node.opType === 'Div' && constantDivisor(ctx.constants[1]) === undefined
      ? 'Div has an int8 kernel only for a positive scalar constant divisor' : undefined),
  },

  lower(ctx) {
    if (isQuantizedNode(ctx)) return lowerBinaryInt8(ctx);
    const rule = ARITHMETIC[ARITHMETIC_OF_OP[ctx.node.opType]];
    return binaryCall(ctx, rule.kernelOp, ctx.inputs[0]!.dtype, operandShapes(ctx), [inputArg(ctx, 0), inputArg(ctx, 1)]);
  },
};

/** TFLite's int8 Add and Sub: the operands meet at 2 × the larger scale with 20 bits of headroom. */
export const INT8_ADD_LEFT_SHIFT = 20;

/** Fields of a quantized multiplier in a parameter struct: `<name>_multiplier` and `<name>_shift`. */
function multiplierParams(name: string, real: number): Record<string, ParamValue> {
  const q = quantizeMultiplier(real);
  return { [`${name}_multiplier`]: { int: q.multiplier }, [`${name}_shift`]: { int: q.shift } };
}

/** The value of a positive, finite, one-element constant (a float divisor before quantization). */
function constantDivisor(c: ConstTensor | undefined): number | undefined {
  if (!c || c.data.length !== 1 || c.dtype !== 'float32') return undefined;
  const v = Number(c.data[0]);
  return v > 0 && Number.isFinite(v) ? v : undefined;
}

/**
 * Div of an int8 tensor by a positive scalar constant: out = x × (scale_x / (c × scale_out)),
 * one requantisation of each element (o2m_requantize_copy_i8). The quantize pass stored c as
 * one int8 level at the end of a range [0, c], so (level - zero point) × scale gives c back to
 * float32 precision.
 */
function lowerDivInt8(ctx: LowerContext, a: { scale: number; zeroPoint: number }, outputQ: Quantization): KernelCall {
  const c = ctx.constants[1];
  const cq = perTensor(quantizationOf(ctx, 1));
  const divisor = c && c.data.length === 1 ? (Number(c.data[0]) - cq.zeroPoint) * cq.scale : 0;
  if (!(divisor > 0)) throw nodeError(ctx.node, 'an int8 Div needs a positive scalar constant divisor');
  const out = perTensor(outputQ);
  const elements = count(ctx.outputs[0].shape);
  return requantizeCopyCall(
    ctx, 0, { rows: 1, rowLength: elements, inRowStride: 0, outRowStride: 0, outStart: 0 },
    { input: a.zeroPoint, output: out.zeroPoint }, a.scale / (divisor * out.scale), int8ActivationClamp(ctx, outputQ),
  );
}

/** Add, Sub or Mul of two int8 tensors of a quantized graph (o2m_add_i8, o2m_mul_i8); Div by a constant. */
function lowerBinaryInt8(ctx: LowerContext): KernelCall {
  const op = ctx.node.opType;
  const a = perTensor(quantizationOf(ctx, 0));
  const outputQ = quantizationOf(ctx, { output: 0 });
  if (op === 'Div') return lowerDivInt8(ctx, a, outputQ);
  if (op !== 'Add' && op !== 'Sub' && op !== 'Mul') throw nodeError(ctx.node, `${op} has no int8 kernel`);
  const b = perTensor(quantizationOf(ctx, 1));
  const out = perTensor(outputQ);
  const [aShape, bShape] = operandShapes(ctx);
  const layout = broadcastLayout(ctx.node, ctx.outputs[0].shape, [aShape, bShape]);
  const common: Record<string, ParamValue> = {
    count: { int: count(ctx.outputs[0].shape) },
    rank: { int: layout.rank },
    out_shape: { ints: layout.outShape },
    a_strides: { ints: layout.strides[0] },
    b_strides: { ints: layout.strides[1] },
    a_offset: { int: -a.zeroPoint },
    b_offset: { int: -b.zeroPoint },
    output_offset: { int: out.zeroPoint },
  };
  const call = { node: ctx.node.name, opType: op, args: [inputArg(ctx, 0), inputArg(ctx, 1), outputArg(ctx)], macs: 0 };
  if (op === 'Mul') {
    return {
      ...call, kernel: 'o2m_mul_i8', paramsType: 'o2m_mul_i8_params',
      params: { ...common, ...multiplierParams('output', a.scale * b.scale / out.scale), ...int8ActivationClamp(ctx, outputQ) },
    };
  }
  const twiceMaxScale = 2 * Math.max(a.scale, b.scale);
  return {
    ...call, kernel: 'o2m_add_i8', paramsType: 'o2m_add_i8_params',
    params: {
      ...common,
      left_shift: { int: INT8_ADD_LEFT_SHIFT },
      ...multiplierParams('a', a.scale / twiceMaxScale),
      ...multiplierParams('b', b.scale / twiceMaxScale),
      ...multiplierParams('output', twiceMaxScale / (2 ** INT8_ADD_LEFT_SHIFT * out.scale)),
      subtract: { int: op === 'Sub' ? 1 : 0 },
      ...int8ActivationClamp(ctx, outputQ),
    },
  };
}

/** Mod: fmod=0 is Python's remainder (integers only, as ONNX specifies), fmod=1 is C's. */
const modFamily: OpFamily = {
  opTypes: ['Mod'],
  opsets: [10, 17],
  dtypes: NUMERIC_DTYPES,

  inferShapes(ctx) {
    requireDtypes(ctx, NUMERIC_DTYPES, 0, 1);
    const dtype = requireSameDtype(ctx, [0, 1]);
    modRule(ctx.node, dtype);
    return [{ dtype, shape: broadcastShapes(ctx.node, operandShapes(ctx)) }];
  },

  evaluate(ctx) {
    const [a, b] = constantInputs(ctx, [0, 1]);
    const f = arithmeticOn(ctx.node, modRule(ctx.node, a.dtype), a.dtype);
    return [evaluateBroadcast(ctx, [a, b], [a.shape, b.shape], ([x, y]) => f(x, y))];
  },

  lower(ctx) {
    const dtype = ctx.inputs[0]!.dtype;
    return binaryCall(ctx, modRule(ctx.node, dtype).kernelOp, dtype, operandShapes(ctx), [inputArg(ctx, 0), inputArg(ctx, 1)]);
  },
};

function modRule(node: Node, dtype: DType): Arithmetic {
  const fmod = attrInt(node, 'fmod', 0);
  if (fmod !== 0 && fmod !== 1) throw nodeError(node, `fmod must be 0 or 1, got ${fmod}`);
  if (fmod === 0 && isFloat(dtype)) throw nodeError(node, `Mod of ${dtype} needs fmod=1 (ONNX defines fmod=0 for integers only)`);
  return fmod === 1 ? ARITHMETIC.FMOD : ARITHMETIC.MOD;
}

/** BitShift: unsigned integers only, as ONNX defines it. */
const bitShiftFamily: OpFamily = {
  opTypes: ['BitShift'],
  opsets: [11, 17],
  dtypes: UNSIGNED_DTYPES,

  inferShapes(ctx) {
    requireDtypes(ctx, UNSIGNED_DTYPES, 0, 1);
    const dtype = requireSameDtype(ctx, [0, 1]);
    shiftRule(ctx.node);
    return [{ dtype, shape: broadcastShapes(ctx.node, operandShapes(ctx)) }];
  },

  evaluate(ctx) {
    const [a, b] = constantInputs(ctx, [0, 1]);
    const f = arithmeticOn(ctx.node, shiftRule(ctx.node), a.dtype);
    return [evaluateBroadcast(ctx, [a, b], [a.shape, b.shape], ([x, y]) => f(x, y))];
  },

  lower(ctx) {
    return binaryCall(ctx, shiftRule(ctx.node).kernelOp, ctx.inputs[0]!.dtype, operandShapes(ctx), [inputArg(ctx, 0), inputArg(ctx, 1)]);
  },
};

function shiftRule(node: Node): Arithmetic {
  const direction = attrString(node, 'direction');
  if (direction === 'LEFT') return ARITHMETIC.SHIFT_LEFT;
  if (direction === 'RIGHT') return ARITHMETIC.SHIFT_RIGHT;
  throw nodeError(node, `direction must be LEFT or RIGHT, got '${direction}'`);
}

// ---- Pow --------------------------------------------------------------------------------------

const POW_BASE_DTYPES: DType[] = ['float32', 'int32', 'int64'];

/** C99 pow's special cases where JavaScript's Math.pow differs: 1^y = 1 and (-1)^±inf = 1. */
function cPow(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/**
 * base^exponent as o2m_pow_<base> computes it: float bases through powf; integer bases exactly by
 * repeated squaring when the exponent is a whole number (wrapping; negative powers are 0 except
 * for bases 1 and -1), otherwise powf truncated toward zero and saturated to the type.
 */
export function powOf(baseDtype: DType, base: Scalar, exponent: Scalar): Scalar {
  if (isFloat(baseDtype)) return roundToDtype(baseDtype, cPow(Number(base), Math.fround(Number(exponent))));
  const b = BigInt(base);
  const whole = typeof exponent === 'bigint' ? exponent
    : Number.isInteger(exponent) && Math.abs(exponent) < 2 ** 63 ? BigInt(exponent) : undefined;
  if (whole !== undefined) {
    if (whole >= 0n) return wrapInteger(baseDtype, wrappingPower(b, whole));
    if (b === 1n) return 1n;
    if (b === -1n) return whole % 2n === 0n ? 1n : -1n;
    return 0n;
  }
  const y = Math.fround(cPow(Math.fround(Number(b)), Math.fround(Number(exponent))));
  if (Number.isNaN(y)) return 0n;
  const bits = INTEGER_BITS[baseDtype]!;
  const [lo, hi] = [-(2n ** BigInt(bits - 1)), 2n ** BigInt(bits - 1) - 1n];
  if (y <= Number(lo)) return lo;
  if (y >= Number(hi)) return hi;
  return BigInt(Math.trunc(y));
}

function wrappingPower(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = BigInt.asUintN(64, base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = BigInt.asUintN(64, result * b);
    b = BigInt.asUintN(64, b * b);
    e >>= 1n;
  }
  return result;
}

/** A constant exponent that every element shares, when the exponent is one. */
function scalarExponent(ctx: LowerContext): number | undefined {
  const c = ctx.constants[1];
  if (!c || c.data.length !== 1 || ctx.outputs[0].shape.join('x') !== ctx.inputs[0]!.shape.join('x')) return undefined;
  return Number(c.data[0]);
}

/** Pow: the output has the base's type; from opset 12 the exponent may have another numeric type. */
const powFamily: OpFamily = {
  opTypes: ['Pow'],
  opsets: [1, 17],
  dtypes: POW_BASE_DTYPES,

  inferShapes(ctx) {
    requireDtypes(ctx, POW_BASE_DTYPES, 0);
    requireDtypes(ctx, NUMERIC_DTYPES, 1);
    const base = requireInput(ctx, 0);
    if (ctx.opset < 12) requireSameDtype(ctx, [0, 1]);
    return [{ dtype: base.dtype, shape: broadcastShapes(ctx.node, operandShapes(ctx)) }];
  },

  evaluate(ctx) {
    const [a, b] = constantInputs(ctx, [0, 1]);
    return [evaluateBroadcast(ctx, [a, b], operandShapes({ ...ctx, inputs: ctx.inputTypes }), ([x, y]) => powOf(a.dtype, x, y))];
  },

  lower(ctx) {
    const base = ctx.inputs[0]!;
    const [baseShape, exponentShape] = operandShapes(ctx);
    // Squares and square roots (LayerNorm and RMSNorm written out) need no pow at all: x * x
    // is the correctly rounded square, and the correctly rounded sqrt is powf(x, 0.5) wherever
    // that is finite and non-negative (they differ only at -inf and -0).
    const exponent = base.dtype === 'float32' ? scalarExponent(ctx) : undefined;
    if (exponent === 2) {
      return binaryCall(ctx, 'O2M_BINARY_MUL', 'float32', [baseShape, baseShape], [inputArg(ctx, 0), inputArg(ctx, 0)]);
    }
    if (exponent === 0.5 && !ctx.node.attributes[FUSED_ACTIVATION]) {
      return {
        node: ctx.node.name, opType: ctx.node.opType, kernel: 'o2m_unary_f32', paramsType: 'o2m_unary_params',
        params: { op: { enum: 'O2M_UNARY_SQRT' }, count: { int: count(ctx.outputs[0].shape) } },
        args: [inputArg(ctx, 0), outputArg(ctx)], macs: 0,
      };
    }
    const layout = broadcastLayout(ctx.node, ctx.outputs[0].shape, [baseShape, exponentShape]);
    return {
      node: ctx.node.name,
      opType: ctx.node.opType,
      kernel: `o2m_pow_${suffixOf(ctx.node, base.dtype)}`,
      paramsType: 'o2m_pow_params',
      params: {
        count: { int: count(ctx.outputs[0].shape) },
        rank: { int: layout.rank },
        out_shape: { ints: layout.outShape },
        base_strides: { ints: layout.strides[0] },
        exponent_strides: { ints: layout.strides[1] },
        // o2m_dtype of model_api.h: O2M_DTYPE_FLOAT32, O2M_DTYPE_INT64 ...
        exponent_dtype: { enum: `O2M_DTYPE_${ctx.inputs[1]!.dtype.toUpperCase()}` },
      },
      args: [inputArg(ctx, 0), inputArg(ctx, 1), outputArg(ctx)],
      macs: 0,
    };
  },
};

// ---- comparisons and logic: bool outputs ------------------------------------------------------

const COMPARISONS: Record<string, { kernelOp: string; test: (a: Scalar, b: Scalar) => boolean }> = {
  Equal: { kernelOp: 'O2M_COMPARE_EQUAL', test: (a, b) => a === b },
  Less: { kernelOp: 'O2M_COMPARE_LESS', test: (a, b) => a < b },
  LessOrEqual: { kernelOp: 'O2M_COMPARE_LESS_EQUAL', test: (a, b) => a <= b },
  Greater: { kernelOp: 'O2M_COMPARE_GREATER', test: (a, b) => a > b },
  GreaterOrEqual: { kernelOp: 'O2M_COMPARE_GREATER_EQUAL', test: (a, b) => a >= b },
};

function comparisonFamily(opTypes: string[], dtypes: DType[], opsets: [number, number]): OpFamily {
  return {
    opTypes,
    opsets,
    dtypes,

    inferShapes(ctx) {
      requireDtypes(ctx, dtypes, 0, 1);
      requireSameDtype(ctx, [0, 1]);
      return [{ dtype: 'bool', shape: broadcastShapes(ctx.node, operandShapes(ctx)) }];
    },

    evaluate(ctx) {
      const [a, b] = constantInputs(ctx, [0, 1]);
      const { test } = COMPARISONS[ctx.node.opType];
      return [evaluateBroadcast(ctx, [a, b], operandShapes({ ...ctx, inputs: ctx.inputTypes }), ([x, y]) => (test(x, y) ? 1 : 0))];
    },

    lower(ctx) {
      const [a, b] = operandShapes(ctx);
      return {
        node: ctx.node.name,
        opType: ctx.node.opType,
        kernel: `o2m_compare_${suffixOf(ctx.node, ctx.inputs[0]!.dtype)}`,
        paramsType: 'o2m_binary_params',
        params: binaryParams(ctx.node, COMPARISONS[ctx.node.opType].kernelOp, ctx.outputs[0].shape, a, b),
        args: [inputArg(ctx, 0), inputArg(ctx, 1), outputArg(ctx)],
        macs: 0,
      };
    },
  };
}

const LOGIC: Record<string, { kernelOp: string; test: (a: boolean, b: boolean) => boolean }> = {
  And: { kernelOp: 'O2M_BINARY_AND', test: (a, b) => a && b },
  Or: { kernelOp: 'O2M_BINARY_OR', test: (a, b) => a || b },
  Xor: { kernelOp: 'O2M_BINARY_XOR', test: (a, b) => a !== b },
};

const logicFamily: OpFamily = {
  opTypes: Object.keys(LOGIC),
  opsets: [1, 17],
  dtypes: ['bool'],

  inferShapes(ctx) {
    requireDtypes(ctx, ['bool'], 0, 1);
    return [{ dtype: 'bool', shape: broadcastShapes(ctx.node, operandShapes(ctx)) }];
  },

  evaluate(ctx) {
    const [a, b] = constantInputs(ctx, [0, 1]);
    const { test } = LOGIC[ctx.node.opType];
    return [evaluateBroadcast(ctx, [a, b], operandShapes({ ...ctx, inputs: ctx.inputTypes }), ([x, y]) => (test(x !== 0, y !== 0) ? 1 : 0))];
  },

  lower(ctx) {
    return binaryCall(ctx, LOGIC[ctx.node.opType].kernelOp, 'bool', operandShapes(ctx), [inputArg(ctx, 0), inputArg(ctx, 1)]);
  },
};

// ---- variadic Max, Min, Sum, Mean -------------------------------------------------------------

const VARIADIC: Record<string, { kernelOp: string; rule: Arithmetic }> = {
  Sum: { kernelOp: 'O2M_VARIADIC_SUM', rule: ARITHMETIC.ADD },
  Mean: { kernelOp: 'O2M_VARIADIC_MEAN', rule: ARITHMETIC.ADD },
  Min: { kernelOp: 'O2M_VARIADIC_MIN', rule: ARITHMETIC.MIN },
  Max: { kernelOp: 'O2M_VARIADIC_MAX', rule: ARITHMETIC.MAX },
};

/** Indices of the node's inputs (all present: ONNX variadic inputs cannot be omitted). */
function variadicIndices(ctx: { node: Node }): number[] {
  const n = ctx.node.inputs.length;
  if (n === 0 || ctx.node.inputs.some((name) => name === '')) throw nodeError(ctx.node, 'needs at least one input, none omitted');
  return [...Array(n).keys()];
}

function variadicFamily(opTypes: string[], dtypes: DType[]): OpFamily {
  return {
    opTypes,
    opsets: [1, 17],
    dtypes,

    inferShapes(ctx: ShapeContext) {
      const indices = variadicIndices(ctx);
      requireDtypes(ctx, dtypes, ...indices);
      const dtype = requireSameDtype(ctx, indices);
      return [{ dtype, shape: broadcastShapes(ctx.node, indices.map((i) => ctx.inputs[i]!.shape)) }];
    },

    evaluate(ctx) {
      const inputs = constantInputs(ctx, variadicIndices(ctx));
      const dtype = inputs[0].dtype;
      const combine = arithmeticOn(ctx.node, VARIADIC[ctx.node.opType].rule, dtype);
      const mean = ctx.node.opType === 'Mean';
      return [evaluateBroadcast(ctx, inputs, inputs.map((t) => t.shape), (values) => {
        const total = values.slice(1).reduce(combine, values[0]);
        return mean ? roundToDtype(dtype, Number(total) / values.length) : total;
      })];
    },

    lower(ctx) {
      const indices = variadicIndices(ctx);
      if (indices.length > VARIADIC_MAX_INPUTS) {
        throw nodeError(ctx.node, `${indices.length} inputs; the variadic kernel takes at most ${VARIADIC_MAX_INPUTS}`);
      }
      const dtype = ctx.inputs[0]!.dtype;
      const outShape = ctx.outputs[0].shape;
      const layout = broadcastLayout(ctx.node, outShape, indices.map((i) => ctx.inputs[i]!.shape));
      const strides = [...layout.strides, ...Array(VARIADIC_MAX_INPUTS - indices.length).fill(padDims([]))].flat();
      const ctype = DTYPE_CTYPE[dtype]!;
      const args: KernelArg[] = [
        ...indices.map((i) => inputArg(ctx, i)),
        ...Array(VARIADIC_MAX_INPUTS - indices.length).fill({ kind: 'null', ctype }),
        outputArg(ctx),
      ];
      return {
        node: ctx.node.name,
        opType: ctx.node.opType,
        kernel: `o2m_variadic_${suffixOf(ctx.node, dtype)}`,
        paramsType: 'o2m_variadic_params',
        params: {
          op: { enum: VARIADIC[ctx.node.opType].kernelOp },
          inputs: { int: indices.length },
          count: { int: count(outShape) },
          rank: { int: layout.rank },
          out_shape: { ints: layout.outShape },
          strides: { ints: strides },
        },
        args,
        macs: 0,
      };
    },
  };
}

/** The broadcasting families besides Add/Sub/Mul/Div. */
export const families: OpFamily[] = [
  modFamily,
  bitShiftFamily,
  powFamily,
  comparisonFamily(['Equal'], [...NUMERIC_DTYPES, 'bool'], [1, 17]),
  comparisonFamily(['Less', 'Greater'], NUMERIC_DTYPES, [1, 17]),
  comparisonFamily(['LessOrEqual', 'GreaterOrEqual'], NUMERIC_DTYPES, [12, 17]),
  logicFamily,
  variadicFamily(['Max', 'Min'], NUMERIC_DTYPES),
  variadicFamily(['Sum', 'Mean'], FLOAT_DTYPES),
];
