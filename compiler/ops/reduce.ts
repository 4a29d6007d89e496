// Reductions: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
// ReduceLogSum, ReduceLogSumExp, ReduceSumSquare over any set of axes, and ArgMax / ArgMin along
// one. CumSum and TopK (cumsum.ts, topk.ts) are registered through this file's `families`.
//
// The axes are an attribute up to opset 17, an input from opset 18 (ReduceSum from 13); an empty
// list reduces every axis, unless noop_with_empty_axes makes the op pass its input through.
import {
  attrInt, attrInts, DTYPE_SUFFIX, inputArg, nodeError, normaliseAxis, NUMERIC_DTYPES, outputArg, requireDtypes, requireInput,
  type EvalContext, type KernelCall, type LowerContext, type OpFamily, type ShapeContext, type TypedShape,
} from './op.js';
import { constantIntsInput } from './constant-inputs.js';
import { cumSumFamily } from './cumsum.js';
import {
  axisView, INTEGER_BITS, isFloatDtype, product, reductionWalk, storeInteger, walkOffsets, walkParams,
} from './reduction-axes.js';
import { topKFamily } from './topk.js';
import type { ConstTensor, DType, Node } from '../ir/graph.js';
import { allocateTensorData } from '../onnx/tensor-bytes.js';
import { quantizeMultiplier } from '../quantize/fixed-point.js';
import { isQuantizedNode, perTensor, quantizationOf } from './int8-lowering.js';

// ---- Reduce* -----------------------------------------------------------------------------------

type ReduceKind = 'SUM' | 'MEAN' | 'MAX' | 'MIN' | 'PROD' | 'L1' | 'L2' | 'LOG_SUM' | 'LOG_SUM_EXP' | 'SUM_SQUARE';

const REDUCE_OPS: Record<string, ReduceKind> = {
  ReduceSum: 'SUM', ReduceMean: 'MEAN', ReduceMax: 'MAX', ReduceMin: 'MIN', ReduceProd: 'PROD',
  ReduceL1: 'L1', ReduceL2: 'L2', ReduceLogSum: 'LOG_SUM', ReduceLogSumExp: 'LOG_SUM_EXP', ReduceSumSquare: 'SUM_SQUARE',
};

/** The ops whose results need a square root, a logarithm or an exponential: float types only. */
const FLOAT_ONLY_OPS = ['ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp'];
const FLOAT_DTYPES: DType[] = ['float32', 'float64'];

/** The reduced axes of a Reduce* node, normalised (an empty set: nothing is reduced). */
function reducedAxes(ctx: { node: Node; opset: number; constants: (ConstTensor | undefined)[] }, rank: number): Set<number> {
  const { node } = ctx;
  const axesAreInput = ctx.opset >= 18 || (node.opType === 'ReduceSum' && ctx.opset >= 13);
  let axes: number[];
  if (axesAreInput) {
    axes = constantIntsInput(ctx, 1, 'axes') ?? [];
  } else {
    axes = attrInts(node, 'axes', []);
  }
  if (axes.length === 0) {
    const noop = axesAreInput && attrInt(node, 'noop_with_empty_axes', 0) === 1;
    return new Set(noop ? [] : Array.from({ length: rank }, (_, i) => i));
  }
  const set = new Set(axes.map((a) => normaliseAxis(node, a, rank)));
  if (set.size !== axes.length) throw nodeError(node, `axes [${axes.join(', ')}] name an axis twice`);
  return set;
}

function reducedShape(node: Node, shape: readonly number[], reduced: ReadonlySet<number>): number[] {
  const keepDims = attrInt(node, 'keepdims', 1) === 1;
  return shape.flatMap((d, i) => (reduced.has(i) ? (keepDims ? [1] : []) : [d]));
}

function reduceFloats(kind: ReduceKind, values: number[]): number {
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  switch (kind) {
    case 'SUM': return sum(values);
    case 'MEAN': return sum(values) / values.length;
    case 'MAX': return values.reduce((a, b) => (b > a ? b : a), -Infinity);
    case 'MIN': return values.reduce((a, b) => (b < a ? b : a), Infinity);
    case 'PROD': return values.reduce((a, b) => a * b, 1);
    case 'L1': return sum(values.map(Math.abs));
    case 'L2': return Math.sqrt(sum(values.map((v) => v * v)));
    case 'LOG_SUM': return Math.log(sum(values));
    case 'SUM_SQUARE': return sum(values.map((v) => v * v));
    case 'LOG_SUM_EXP': {
      const max = values.reduce((a, b) => (b > a ? b : a), -Infinity);
      if (!Number.isFinite(max)) return max;
      return max + Math.log(sum(values.map((v) => Math.exp(v - max))));
    }
  }
}

/** Integer reductions in exact arithmetic; storeInteger wraps the result as the kernel's 64-bit accumulator does. */
function reduceIntegers(kind: ReduceKind, values: bigint[], dtype: DType): bigint {
  const { bits, signed } = INTEGER_BITS[dtype]!;
  const lowest = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const highest = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  const wrap = (v: bigint) => (signed ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v));
  const sum = (v: bigint[]) => wrap(v.reduce((a, b) => a + b, 0n));
  switch (kind) {
    case 'SUM': return sum(values);
    case 'MEAN': return values.length === 0 ? 0n : sum(values) / BigInt(values.length);
    case 'MAX': return values.reduce((a, b) => (b > a ? b : a), lowest);
    case 'MIN': return values.reduce((a, b) => (b < a ? b : a), highest);
    case 'PROD': return wrap(values.reduce((a, b) => wrap(a * b), 1n));
    case 'L1': return sum(values.map((v) => (v < 0n ? -v : v)));
    case 'SUM_SQUARE': return sum(values.map((v) => v * v));
    default: throw new Error(`internal: ${kind} on ${dtype}`);
  }
}

function reduceGeometry(ctx: { node: Node; opset: number; inputs: (TypedShape | undefined)[]; constants: (ConstTensor | undefined)[] }) {
  const x = requireInput(ctx, 0);
  const reduced = reducedAxes(ctx, x.shape.length);
  return { x, reduced, walk: reductionWalk(ctx.node, x.shape, reduced) };
}

/** One implementation for every Reduce*; the two families differ in the element types they take. */
function reduceOps(opTypes: string[], dtypes: DType[]): OpFamily {
  return {
    opTypes,
    opsets: [1, 18],
    dtypes,

    inferShapes(ctx: ShapeContext) {
      requireDtypes(ctx, dtypes, 0);
      const { x, reduced } = reduceGeometry(ctx);
      return [{ dtype: x.dtype, shape: reducedShape(ctx.node, x.shape, reduced) }];
    },

    evaluate(ctx: EvalContext) {
      const kind = REDUCE_OPS[ctx.node.opType];
      const x = ctx.inputs[0]!;
      const walk = reductionWalk(ctx.node, x.shape, reducedAxes({ ...ctx, constants: ctx.inputs }, x.shape.length));
      const kept = walkOffsets(walk.keptShape, walk.keptStrides);
      const reduced = walkOffsets(walk.reducedShape, walk.reducedStrides);
      const data = allocateTensorData(x.dtype as Exclude<DType, 'string'>, kept.length);
      const source = x.data as ArrayLike<number | bigint>;
      kept.forEach((base, k) => {
        if (isFloatDtype(x.dtype)) {
          (data as Float32Array | Float64Array)[k] = reduceFloats(kind, reduced.map((r) => Number(source[base + r])));
        } else {
          storeInteger(data, k, reduceIntegers(kind, reduced.map((r) => BigInt(source[base + r])), x.dtype), x.dtype);
        }
      });
      return [{ name: ctx.node.outputs[0], dtype: x.dtype, shape: ctx.outputs[0].shape, data }];
    },

    lower(ctx: LowerContext): KernelCall {
      const { x, walk } = reduceGeometry(ctx);
      return {
        node: ctx.node.name,
        opType: ctx.node.opType,
        kernel: `o2m_reduce_${DTYPE_SUFFIX[x.dtype]}`,
        paramsType: 'o2m_reduce_params',
        params: { op: { enum: `O2M_REDUCE_${REDUCE_OPS[ctx.node.opType]}` }, ...walkParams(walk) },
        args: [inputArg(ctx, 0), outputArg(ctx)],
        macs: 0,
      };
    },
  };
}

/** The Reduce* ops with an int8 form, in families of their own (an int8 rule is per family). */
const INT8_REDUCE_OPS = ['ReduceMean', 'ReduceMax', 'ReduceMin'];

export const reduceFamily = reduceOps(
  Object.keys(REDUCE_OPS).filter((op) => !FLOAT_ONLY_OPS.includes(op) && !INT8_REDUCE_OPS.includes(op)), NUMERIC_DTYPES,
);
export const reduceFloatFamily = reduceOps(FLOAT_ONLY_OPS, FLOAT_DTYPES);

/** Why a reduction has no int8 form: one over no elements has no value to quantize. */
function emptyReduction(ctx: LowerContext): string | undefined {
  const { walk } = reduceGeometry(ctx);
  return walk.reducedShape.some((d) => d === 0) ? 'it reduces over no elements' : undefined;
}

const reduceMeanFloat = reduceOps(['ReduceMean'], NUMERIC_DTYPES);

/**
 * ReduceMean; in int8 as TFLite's Mean, with its own calibrated scale: the sum of
 * (level - input zero point) rescaled by scale_in / (scale_out × count) (o2m_reduce_mean_i8).
 */
export const reduceMeanFamily: OpFamily = {
  ...reduceMeanFloat,
  int8: { output: 'calibrated', refuses: emptyReduction },
  lower(ctx) {
    if (!isQuantizedNode(ctx)) return reduceMeanFloat.lower!(ctx);
    const { walk } = reduceGeometry(ctx);
    const input = perTensor(quantizationOf(ctx, 0));
    const output = perTensor(quantizationOf(ctx, { output: 0 }));
    const q = quantizeMultiplier(input.scale / (output.scale * product(walk.reducedShape)));
    return {
      node: ctx.node.name,
      opType: ctx.node.opType,
      kernel: 'o2m_reduce_mean_i8',
      paramsType: 'o2m_reduce_mean_i8_params',
      params: {
        ...walkParams(walk),
        input_offset: { int: -input.zeroPoint },
        output_offset: { int: output.zeroPoint },
        multiplier: { int: q.multiplier },
        shift: { int: q.shift },
      },
      args: [inputArg(ctx, 0), outputArg(ctx)],
      macs: 0,
    };
  },
};

/** ReduceMax and ReduceMin: the largest level is the largest value, so int8 keeps the input's scale. */
export const reduceExtremaFamily: OpFamily = {
  ...reduceOps(['ReduceMax', 'ReduceMin'], NUMERIC_DTYPES),
  int8: { output: 'input', refuses: emptyReduction },
};

// ---- ArgMax / ArgMin ---------------------------------------------------------------------------

function argGeometry(ctx: { node: Node; inputs: (TypedShape | undefined)[] }) {
  const x = requireInput(ctx, 0);
  const axis = normaliseAxis(ctx.node, attrInt(ctx.node, 'axis', 0), Math.max(1, x.shape.length));
  const keepDims = attrInt(ctx.node, 'keepdims', 1) === 1;
  const shape = x.shape.flatMap((d, i) => (i === axis ? (keepDims ? [1] : []) : [d]));
  return {
    x, axis, shape, view: axisView(x.shape, axis),
    findMax: ctx.node.opType === 'ArgMax',
    selectLast: attrInt(ctx.node, 'select_last_index', 0) === 1,
  };
}

export const argReduceFamily: OpFamily = {
  opTypes: ['ArgMax', 'ArgMin'],
  opsets: [1, 17],
  dtypes: NUMERIC_DTYPES,

  inferShapes(ctx) {
    requireDtypes(ctx, NUMERIC_DTYPES, 0);
    const { x, axis, shape } = argGeometry(ctx);
    if (x.shape[axis] === 0) throw nodeError(ctx.node, 'the reduced axis is empty');
    return [{ dtype: 'int64', shape }];
  },

  evaluate(ctx) {
    const { view, findMax, selectLast } = argGeometry({ node: ctx.node, inputs: ctx.inputTypes });
    const x = ctx.inputs[0]!.data as ArrayLike<number | bigint>;
    const out = new BigInt64Array(view.outer * view.inner);
    for (let o = 0; o < view.outer; o++) {
      for (let i = 0; i < view.inner; i++) {
        const at = (j: number) => x[(o * view.axis + j) * view.inner + i];
        let best = 0;
        for (let j = 1; j < view.axis; j++) {
          const [a, b] = [at(j), at(best)];
          if ((findMax ? a > b : a < b) || (selectLast && a === b)) best = j;
        }
        out[o * view.inner + i] = BigInt(best);
      }
    }
    return [{ name: ctx.node.outputs[0], dtype: 'int64', shape: ctx.outputs[0].shape, data: out }];
  },

  lower(ctx) {
    const { x, view, findMax, selectLast } = argGeometry(ctx);
    return {
      node: ctx.node.name,
      opType: ctx.node.opType,
      kernel: `o2m_arg_reduce_${DTYPE_SUFFIX[x.dtype]}`,
      paramsType: 'o2m_arg_reduce_params',
      params: {
        outer: { int: view.outer }, axis: { int: view.axis }, inner: { int: view.inner },
        find_max: { int: findMax ? 1 : 0 }, select_last: { int: selectLast ? 1 : 0 },
      },
      args: [inputArg(ctx, 0), outputArg(ctx)],
      macs: 0,
    };
  },
};

export const families: OpFamily[] = [reduceFamily, reduceMeanFamily, reduceExtremaFamily, reduceFloatFamily, argReduceFamily, cumSumFamily, topKFamily];
