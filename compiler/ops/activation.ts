// Activations: Relu and Clip (clamps, which passes usually fuse into the producing Conv, Gemm or
// Add), PRelu (a broadcasting binary op), and the float32 functions with attributes: Sigmoid,
// Tanh, HardSigmoid, HardSwish, LeakyRelu, Elu, Selu, Celu, Softplus, Softsign, ThresholdedRelu,
// Shrink.
import {
  ARITHMETIC, arithmeticOn, binaryCall, elementOf, evaluateBroadcast, isFloat, makeTensor, suffixOf,
  requireSameDtype,
} from './elementwise.js';
import { broadcastShapes } from './broadcast.js';
import {
  attrFloat, inputArg, nodeError, NUMERIC_DTYPES, outputArg, requireDtypes, requireInput,
  type EvalContext, type KernelArg, type KernelCall, type LowerContext, type OpFamily, type ShapeContext,
  sameLayoutInputs,
} from './op.js';
import { DTYPE_CTYPE, type ConstTensor, type Node } from '../ir/graph.js';
import { FUSED_DOMAIN } from './fused.js';

const FLOAT32_MAX = 3.4028234663852886e38;

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * The [min, max] a Relu or Clip node clamps to, for fusion into a float32 producer and for the
 * float32 clamp kernel; the bounds must be known at compile time.
 */
export function clampRange(node: Node, constants: (ConstTensor | undefined)[], opset: number): [number, number] {
  if (node.opType === 'Relu') return [0, Infinity];
  if (opset < 11) return [attrFloat(node, 'min', -FLOAT32_MAX), attrFloat(node, 'max', FLOAT32_MAX)];
  const bound = (index: number, fallback: number) => {
    if (!node.inputs[index]) return fallback;
    const c = constants[index];
    if (!c) throw nodeError(node, `the ${index === 1 ? 'min' : 'max'} input must be a constant`);
    return Number(c.data[0]);
  };
  return [bound(1, -Infinity), bound(2, Infinity)];
}

/** Clip's bounds are inputs from opset 11 on; before, attributes (float types only). */
const boundsAreInputs = (opset: number) => opset >= 11;

/** Whether every bound of a Clip is absent or constant, so that the float32 clamp kernel can take it. */
function boundsKnown(node: Node, constants: (ConstTensor | undefined)[], opset: number): boolean {
  return node.opType === 'Relu' || !boundsAreInputs(opset) || [1, 2].every((i) => !node.inputs[i] || constants[i]);
}

/** Relu and Clip. float32 with known bounds is o2m_clamp_f32; any other case o2m_clip_<type>. */
export const clampFamily: OpFamily = {
  opTypes: ['Relu', 'Clip'],
  opsets: [1, 17],
  dtypes: NUMERIC_DTYPES,
  // Mostly fused into the producer's clamp; one that stands alone becomes a table.
  int8: { output: 'table' },
  inPlace: (ctx) => sameLayoutInputs(ctx),

  inferShapes(ctx: ShapeContext) {
    requireDtypes(ctx, NUMERIC_DTYPES, 0);
    const x = requireInput(ctx, 0);
    if (ctx.node.opType === 'Clip' && boundsAreInputs(ctx.opset)) {
      for (const i of [1, 2]) {
        const bound = ctx.node.inputs[i] ? ctx.inputs[i] : undefined;
        if (bound && bound.dtype !== x.dtype) throw nodeError(ctx.node, `the ${i === 1 ? 'min' : 'max'} bound is ${bound.dtype} but the input is ${x.dtype}`);
        if (bound && count(bound.shape) !== 1) throw nodeError(ctx.node, `the ${i === 1 ? 'min' : 'max'} bound must be a scalar, got shape [${bound.shape}]`);
      }
    } else if (ctx.node.opType === 'Clip' && !isFloat(x.dtype)) {
      throw nodeError(ctx.node, `Clip before opset 11 takes float types only, got ${x.dtype}`);
    }
    return [{ ...x }];
  },

  evaluate(ctx) {
    const x = ctx.inputs[0];
    if (!x) throw nodeError(ctx.node, 'input 0 is not a constant');
    let [lo, hi]: (number | bigint | undefined)[] = [undefined, undefined];
    if (ctx.node.opType === 'Relu') {
      lo = isFloat(x.dtype) ? 0 : BigInt(0);
    } else if (!boundsAreInputs(ctx.opset)) {
      [lo, hi] = clampRange(ctx.node, [], ctx.opset);
    } else {
      [lo, hi] = [1, 2].map((i) => (ctx.node.inputs[i] && ctx.inputs[i] ? elementOf(ctx.inputs[i]!.data, 0) : undefined));
      if ([1, 2].some((i) => ctx.node.inputs[i] && !ctx.inputs[i])) throw nodeError(ctx.node, 'a bound is not a constant');
    }
    const wide = typeof elementOf(x.data, 0) === 'bigint';
    const [low, high] = [lo, hi].map((b) => (b === undefined ? undefined : wide ? BigInt(b) : Number(b)));
    return [makeTensor(ctx.node.outputs[0], x.dtype, x.shape, (i) => {
      let v = elementOf(x.data, i);
      if (low !== undefined && v < low) v = low;
      if (high !== undefined && v > high) v = high;
      return v;
    })];
  },

  lower(ctx: LowerContext): KernelCall {
    const { dtype, shape } = ctx.inputs[0]!;
    if (dtype === 'float32' && boundsKnown(ctx.node, ctx.constants, ctx.opset)) {
      const [min, max] = clampRange(ctx.node, ctx.constants, ctx.opset);
      return {
        node: ctx.node.name,
        opType: ctx.node.opType,
        kernel: 'o2m_clamp_f32',
        paramsType: 'o2m_clamp_f32_params',
        params: { count: { int: count(shape) }, min: { float: min }, max: { float: max } },
        args: [inputArg(ctx, 0), outputArg(ctx)],
        macs: 0,
      };
    }
    const ctype = DTYPE_CTYPE[dtype]!;
    const constant = (what: string, value: number) => ({ kind: 'derived', tensor: makeTensor(`${ctx.node.name}_${what}`, dtype, [], () => value) }) as const;
    let bounds: KernelArg[];
    if (ctx.node.opType === 'Relu') {
      bounds = [constant('zero', 0), { kind: 'null', ctype }];
    } else if (!boundsAreInputs(ctx.opset)) {
      const [min, max] = clampRange(ctx.node, ctx.constants, ctx.opset);
      bounds = [constant('min', min), constant('max', max)];
    } else {
      bounds = [1, 2].map((i) => (ctx.node.inputs[i] ? inputArg(ctx, i) : { kind: 'null', ctype }));
    }
    return {
      node: ctx.node.name,
      opType: ctx.node.opType,
      kernel: `o2m_clip_${suffixOf(ctx.node, dtype)}`,
      paramsType: 'o2m_clip_params',
      params: { count: { int: count(shape) } },
      args: [inputArg(ctx, 0), ...bounds, outputArg(ctx)],
      macs: 0,
    };
  },
};

/** PRelu: x < 0 ? slope * x : x, the slope broadcasting to x's shape (numpy-style since opset 7). */
const preluFamily: OpFamily = {
  opTypes: ['PRelu'],
  opsets: [7, 17],
  dtypes: NUMERIC_DTYPES,

  inferShapes(ctx) {
    requireDtypes(ctx, NUMERIC_DTYPES, 0, 1);
    const dtype = requireSameDtype(ctx, [0, 1]);
    const x = requireInput(ctx, 0);
    const shape = broadcastShapes(ctx.node, [x.shape, requireInput(ctx, 1).shape]);
    if (shape.join('x') !== x.shape.join('x')) throw nodeError(ctx.node, `the slope of shape [${ctx.inputs[1]!.shape}] does not broadcast to the input's [${x.shape}]`);
    return [{ dtype, shape }];
  },

  evaluate(ctx) {
    const [x, slope] = [ctx.inputs[0], ctx.inputs[1]];
    if (!x || !slope) throw nodeError(ctx.node, 'an input is not a constant');
    const f = arithmeticOn(ctx.node, ARITHMETIC.PRELU, x.dtype);
    return [evaluateBroadcast(ctx, [x, slope], [x.shape, slope.shape], ([a, b]) => f(a, b))];
  },

  lower(ctx) {
    const [x, slope] = [ctx.inputs[0]!, ctx.inputs[1]!];
    return binaryCall(ctx, ARITHMETIC.PRELU.kernelOp, x.dtype, [x.shape, slope.shape], [inputArg(ctx, 0), inputArg(ctx, 1)]);
  },
};

// ---- float32 activations with attributes ------------------------------------------------------

interface Coefficients {
  alpha: number;
  beta: number;
  gamma: number;
}

interface ActivationFunction {
  opType: string;
  /** The o2m_activation_op. */
  kernelOp: string;
  opsets: [number, number];
  /** The attributes in the kernel's alpha, beta, gamma slots, defaults filled in. */
  coefficients: (node: Node) => Coefficients;
  /** The ONNX definition in double arithmetic (the caller rounds to float32). */
  reference: (x: number, c: Coefficients) => number;
}

const none = (): Coefficients => ({ alpha: 0, beta: 0, gamma: 0 });
const alphaOnly = (fallback: number) => (node: Node): Coefficients => ({ alpha: attrFloat(node, 'alpha', fallback), beta: 0, gamma: 0 });
const unitClamp = (v: number) => Math.min(1, Math.max(0, v));

const ACTIVATIONS: ActivationFunction[] = [
  { opType: 'Sigmoid', kernelOp: 'O2M_ACTIVATION_SIGMOID', opsets: [1, 17], coefficients: none, reference: (x) => 1 / (1 + Math.exp(-x)) },
  { opType: 'Tanh', kernelOp: 'O2M_ACTIVATION_TANH', opsets: [1, 17], coefficients: none, reference: Math.tanh },
  {
    opType: 'HardSigmoid', kernelOp: 'O2M_ACTIVATION_HARD_SIGMOID', opsets: [1, 17],
    coefficients: (node) => ({ alpha: attrFloat(node, 'alpha', 0.2), beta: attrFloat(node, 'beta', 0.5), gamma: 0 }),
    reference: (x, c) => unitClamp(c.alpha * x + c.beta),
  },
  {
    // HardSigmoid with alpha 1/6 and beta 1/2, times x (the ONNX function body spells it so).
    opType: 'HardSwish', kernelOp: 'O2M_ACTIVATION_HARD_SWISH', opsets: [14, 17],
    coefficients: () => ({ alpha: Math.fround(1 / 6), beta: 0.5, gamma: 0 }),
    reference: (x, c) => x * unitClamp(c.alpha * x + c.beta),
  },
  { opType: 'LeakyRelu', kernelOp: 'O2M_ACTIVATION_LEAKY_RELU', opsets: [1, 17], coefficients: alphaOnly(0.01), reference: (x, c) => (x < 0 ? c.alpha * x : x) },
  { opType: 'Elu', kernelOp: 'O2M_ACTIVATION_ELU', opsets: [1, 17], coefficients: alphaOnly(1), reference: (x, c) => (x < 0 ? c.alpha * Math.expm1(x) : x) },
  {
    opType: 'Selu', kernelOp: 'O2M_ACTIVATION_SELU', opsets: [1, 17],
    coefficients: (node) => ({
      alpha: attrFloat(node, 'alpha', 1.67326319217681884765625), beta: 0, gamma: attrFloat(node, 'gamma', 1.05070102214813232421875),
    }),
    reference: (x, c) => (x > 0 ? c.gamma * x : c.gamma * (c.alpha * Math.exp(x) - c.alpha)),
  },
  {
    opType: 'Celu', kernelOp: 'O2M_ACTIVATION_CELU', opsets: [12, 17], coefficients: alphaOnly(1),
    reference: (x, c) => (x > 0 ? x : c.alpha * Math.expm1(x / c.alpha)),
  },
  {
    opType: 'Softplus', kernelOp: 'O2M_ACTIVATION_SOFTPLUS', opsets: [1, 17], coefficients: none,
    reference: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
  },
  { opType: 'Softsign', kernelOp: 'O2M_ACTIVATION_SOFTSIGN', opsets: [1, 17], coefficients: none, reference: (x) => x / (1 + Math.abs(x)) },
  { opType: 'ThresholdedRelu', kernelOp: 'O2M_ACTIVATION_THRESHOLDED_RELU', opsets: [10, 17], coefficients: alphaOnly(1), reference: (x, c) => (x > c.alpha ? x : 0) },
  {
    // lambd and bias ride in the alpha and beta slots.
    opType: 'Shrink', kernelOp: 'O2M_ACTIVATION_SHRINK', opsets: [9, 17],
    coefficients: (node) => ({ alpha: attrFloat(node, 'lambd', 0.5), beta: attrFloat(node, 'bias', 0), gamma: 0 }),
    reference: (x, c) => (x < -c.alpha ? x + c.beta : x > c.alpha ? x - c.beta : 0),
  },
];

function activationFamily(fn: ActivationFunction): OpFamily {
  return {
    opTypes: [fn.opType],
    opsets: fn.opsets,
    dtypes: ['float32'],
    int8: { output: 'table' },
    inPlace: (ctx) => sameLayoutInputs(ctx),

    inferShapes(ctx) {
      requireDtypes(ctx, ['float32'], 0);
      fn.coefficients(ctx.node);
      return [{ ...requireInput(ctx, 0) }];
    },

    evaluate(ctx: EvalContext) {
      const x = ctx.inputs[0];
      if (!x) throw nodeError(ctx.node, 'input 0 is not a constant');
      const raw = fn.coefficients(ctx.node);
      // The kernel sees the coefficients as float32.
      const c = { alpha: Math.fround(raw.alpha), beta: Math.fround(raw.beta), gamma: Math.fround(raw.gamma) };
      return [makeTensor(ctx.node.outputs[0], 'float32', x.shape, (i) => Math.fround(fn.reference(Number(x.data[i]), c)))];
    },

    lower(ctx) {
      const c = fn.coefficients(ctx.node);
      return {
        node: ctx.node.name,
        opType: ctx.node.opType,
        kernel: 'o2m_unary_activation_f32',
        paramsType: 'o2m_unary_activation_f32_params',
        params: {
          op: { enum: fn.kernelOp },
          count: { int: count(ctx.inputs[0]!.shape) },
          alpha: { float: c.alpha },
          beta: { float: c.beta },
          gamma: { float: c.gamma },
        },
        args: [inputArg(ctx, 0), outputArg(ctx)],
        macs: 0,
      };
    },
  };
}

/**
 * SiLU (x · sigmoid(x)), which PyTorch exports as Sigmoid and Mul: passes/fuse-patterns.ts
 * makes it one op of the compiler's domain, so that int8 runs it as one table.
 */
export const siluFamily: OpFamily = {
  ...activationFamily({
    opType: 'Silu', kernelOp: 'O2M_ACTIVATION_SILU', opsets: [1, 17], coefficients: none,
    reference: (x) => x * Math.fround(1 / (1 + Math.exp(-x))),
  }),
  domain: FUSED_DOMAIN,
  opsets: undefined,
};

/** Every activation family but clampFamily (the registry imports that one by name). */
export const families: OpFamily[] = [preluFamily, ...ACTIVATIONS.map(activationFamily), siluFamily];
