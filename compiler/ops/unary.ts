// Element-wise functions of one input: Abs, Neg, Sign, Reciprocal, Floor, Ceil, Round, Sqrt, Exp,
// Log, the trigonometric and hyperbolic functions and their inverses, Erf, IsNaN, IsInf and Not.
// The transcendental ones run on float32 only (the runtime's libm is single precision); the exact
// ones also on float64, and Abs, Neg and Sign on integers.
import {
  elementOf, FLOAT_DTYPES, isFloat, makeTensor, roundToDtype, SIGNED_DTYPES, suffixOf, wrapInteger,
} from './elementwise.js';
import {
  attrInt, inputArg, nodeError, NUMERIC_DTYPES, outputArg, requireDtypes, requireInput,
  type EvalContext, type OpFamily,
  sameLayoutInputs,
} from './op.js';
import type { ConstTensor, DType } from '../ir/graph.js';

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** erf to about 1e-15 relative: its Taylor series below 2.5, Laplace's continued fraction for erfc above. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf x = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)); terms peak near 200 at x = 2.5,
    // so cancellation costs at most a few units in the 14th digit.
    const x2 = ax * ax;
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (sign * 2 * sum) / Math.sqrt(Math.PI);
  }
  if (ax >= 6) return sign; // erfc(6) < 3e-17
  // erfc x = e^(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))), evaluated from
  // the inside out; 60 levels are far more than x >= 2.5 needs.
  let f = ax;
  for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return sign * (1 - erfc);
}

/** Round half to even, as ONNX Round and the C kernels do (JavaScript's Math.round rounds half up). */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** -1, 0 or 1, keeping the sign of zero; NaN stays NaN. */
const floatSign = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : x);

interface UnaryFunction {
  opType: string;
  /** The o2m_unary_op. */
  kernelOp: string;
  dtypes: DType[];
  opsets: [number, number];
  /** Exact value on a float (rounded to the dtype by the caller). */
  float?: (x: number) => number;
  /** Exact value on an integer (wrapped to the dtype by the caller). */
  integer?: (x: bigint) => bigint;
}

const F32: DType[] = ['float32'];
const SIGNED_AND_FLOAT: DType[] = [...FLOAT_DTYPES, ...SIGNED_DTYPES];

const FUNCTIONS: UnaryFunction[] = [
  { opType: 'Abs', kernelOp: 'O2M_UNARY_ABS', dtypes: NUMERIC_DTYPES, opsets: [1, 17], float: Math.abs, integer: (x) => (x < 0n ? -x : x) },
  { opType: 'Neg', kernelOp: 'O2M_UNARY_NEG', dtypes: SIGNED_AND_FLOAT, opsets: [1, 17], float: (x) => -x, integer: (x) => -x },
  { opType: 'Sign', kernelOp: 'O2M_UNARY_SIGN', dtypes: NUMERIC_DTYPES, opsets: [9, 17], float: floatSign, integer: (x) => (x > 0n ? 1n : x < 0n ? -1n : 0n) },
  { opType: 'Reciprocal', kernelOp: 'O2M_UNARY_RECIPROCAL', dtypes: FLOAT_DTYPES, opsets: [1, 17], float: (x) => 1 / x },
  { opType: 'Floor', kernelOp: 'O2M_UNARY_FLOOR', dtypes: FLOAT_DTYPES, opsets: [1, 17], float: Math.floor },
  { opType: 'Ceil', kernelOp: 'O2M_UNARY_CEIL', dtypes: FLOAT_DTYPES, opsets: [1, 17], float: Math.ceil },
  { opType: 'Round', kernelOp: 'O2M_UNARY_ROUND', dtypes: FLOAT_DTYPES, opsets: [11, 17], float: roundHalfEven },
  { opType: 'Sqrt', kernelOp: 'O2M_UNARY_SQRT', dtypes: F32, opsets: [1, 17], float: Math.sqrt },
  { opType: 'Exp', kernelOp: 'O2M_UNARY_EXP', dtypes: F32, opsets: [1, 17], float: Math.exp },
  { opType: 'Log', kernelOp: 'O2M_UNARY_LOG', dtypes: F32, opsets: [1, 17], float: Math.log },
  { opType: 'Sin', kernelOp: 'O2M_UNARY_SIN', dtypes: F32, opsets: [7, 17], float: Math.sin },
  { opType: 'Cos', kernelOp: 'O2M_UNARY_COS', dtypes: F32, opsets: [7, 17], float: Math.cos },
  { opType: 'Tan', kernelOp: 'O2M_UNARY_TAN', dtypes: F32, opsets: [7, 17], float: Math.tan },
  { opType: 'Asin', kernelOp: 'O2M_UNARY_ASIN', dtypes: F32, opsets: [7, 17], float: Math.asin },
  { opType: 'Acos', kernelOp: 'O2M_UNARY_ACOS', dtypes: F32, opsets: [7, 17], float: Math.acos },
  { opType: 'Atan', kernelOp: 'O2M_UNARY_ATAN', dtypes: F32, opsets: [7, 17], float: Math.atan },
  { opType: 'Sinh', kernelOp: 'O2M_UNARY_SINH', dtypes: F32, opsets: [9, 17], float: Math.sinh },
  { opType: 'Cosh', kernelOp: 'O2M_UNARY_COSH', dtypes: F32, opsets: [9, 17], float: Math.cosh },
  { opType: 'Asinh', kernelOp: 'O2M_UNARY_ASINH', dtypes: F32, opsets: [9, 17], float: Math.asinh },
  { opType: 'Acosh', kernelOp: 'O2M_UNARY_ACOSH', dtypes: F32, opsets: [9, 17], float: Math.acosh },
  { opType: 'Atanh', kernelOp: 'O2M_UNARY_ATANH', dtypes: F32, opsets: [9, 17], float: Math.atanh },
  { opType: 'Erf', kernelOp: 'O2M_UNARY_ERF', dtypes: F32, opsets: [9, 17], float: erf },
];

function onlyInput(ctx: EvalContext): ConstTensor {
  const t = ctx.inputs[0];
  if (!t) throw nodeError(ctx.node, 'input 0 is not a constant');
  return t;
}

function unaryFamily(fn: UnaryFunction): OpFamily {
  return {
    opTypes: [fn.opType],
    opsets: fn.opsets,
    dtypes: fn.dtypes,
    int8: { output: 'table' },
    inPlace: (ctx) => sameLayoutInputs(ctx),

    inferShapes(ctx) {
      requireDtypes(ctx, fn.dtypes, 0);
      return [{ ...requireInput(ctx, 0) }];
    },

    evaluate(ctx) {
      const x = onlyInput(ctx);
      const { dtype } = x;
      const compute = isFloat(dtype)
        ? (v: number | bigint) => roundToDtype(dtype, fn.float!(Number(v)))
        : (v: number | bigint) => wrapInteger(dtype, fn.integer!(BigInt(v)));
      return [makeTensor(ctx.node.outputs[0], dtype, x.shape, (i) => compute(elementOf(x.data, i)))];
    },

    lower(ctx) {
      const { dtype, shape } = ctx.inputs[0]!;
      return {
        node: ctx.node.name,
        opType: ctx.node.opType,
        kernel: `o2m_unary_${suffixOf(ctx.node, dtype)}`,
        paramsType: 'o2m_unary_params',
        params: { op: { enum: fn.kernelOp }, count: { int: count(shape) } },
        args: [inputArg(ctx, 0), outputArg(ctx)],
        macs: 0,
      };
    },
  };
}

// ---- IsNaN and IsInf: float in, bool out ------------------------------------------------------

const DETECT_NAN = 1;
const DETECT_POSITIVE_INF = 2;
const DETECT_NEGATIVE_INF = 4;

/** The O2M_DETECT_* flags of an IsNaN or IsInf node. */
function detectFlags(ctx: { node: EvalContext['node'] }): number {
  if (ctx.node.opType === 'IsNaN') return DETECT_NAN;
  return (attrInt(ctx.node, 'detect_positive', 1) ? DETECT_POSITIVE_INF : 0)
    | (attrInt(ctx.node, 'detect_negative', 1) ? DETECT_NEGATIVE_INF : 0);
}

const floatClassFamily: OpFamily = {
  opTypes: ['IsNaN', 'IsInf'],
  opsets: [9, 17],
  dtypes: FLOAT_DTYPES,

  inferShapes(ctx) {
    requireDtypes(ctx, FLOAT_DTYPES, 0);
    return [{ dtype: 'bool', shape: requireInput(ctx, 0).shape }];
  },

  evaluate(ctx) {
    const x = onlyInput(ctx);
    const flags = detectFlags(ctx);
    const detected = (v: number) => (Number.isNaN(v) ? flags & DETECT_NAN
      : v === Infinity ? flags & DETECT_POSITIVE_INF
        : v === -Infinity ? flags & DETECT_NEGATIVE_INF : 0);
    return [makeTensor(ctx.node.outputs[0], 'bool', x.shape, (i) => (detected(Number(x.data[i])) ? 1 : 0))];
  },

  lower(ctx) {
    const { dtype, shape } = ctx.inputs[0]!;
    return {
      node: ctx.node.name,
      opType: ctx.node.opType,
      kernel: `o2m_float_class_${suffixOf(ctx.node, dtype)}`,
      paramsType: 'o2m_float_class_params',
      params: { count: { int: count(shape) }, detect: { int: detectFlags(ctx) } },
      args: [inputArg(ctx, 0), outputArg(ctx)],
      macs: 0,
    };
  },
};

const notFamily: OpFamily = {
  opTypes: ['Not'],
  opsets: [1, 17],
  dtypes: ['bool'],

  inferShapes(ctx) {
    requireDtypes(ctx, ['bool'], 0);
    return [{ dtype: 'bool', shape: requireInput(ctx, 0).shape }];
  },

  evaluate(ctx) {
    const x = onlyInput(ctx);
    return [makeTensor(ctx.node.outputs[0], 'bool', x.shape, (i) => (x.data[i] === 0 ? 1 : 0))];
  },

  lower(ctx) {
    return {
      node: ctx.node.name,
      opType: ctx.node.opType,
      kernel: 'o2m_unary_b',
      paramsType: 'o2m_unary_params',
      params: { op: { enum: 'O2M_UNARY_NOT' }, count: { int: count(ctx.inputs[0]!.shape) } },
      args: [inputArg(ctx, 0), outputArg(ctx)],
      macs: 0,
    };
  },
};

export const families: OpFamily[] = [...FUNCTIONS.map(unaryFamily), floatClassFamily, notFamily];
