// Softmax, LogSoftmax and Hardmax. Before opset 13 the input is coerced to 2-D at `axis`
// (default 1) and the op runs over the whole second dimension; from 13 on it runs along one axis
// (default -1). Softmax also runs in int8 (o2m_softmax_i8): an exp table over the distance
// from the row maximum, integer sums, output at TFLite's fixed scale 1/256 and zero point -128.
import {
  attrFloat, attrInt, inputArg, normaliseAxis, outputArg, requireFloat32, requireInput,
  type EvalContext, type KernelCall, type LowerContext, type OpFamily, type TypedShape,
} from './op.js';
import { axisView, product } from './reduction-axes.js';
import { isQuantizedNode, perTensor, quantizationOf } from './int8-lowering.js';
import type { Node, Quantization } from '../ir/graph.js';
import { FUSED_DOMAIN } from './fused.js';

const KERNELS: Record<string, string> = {
  Softmax: 'o2m_softmax_f32', LogSoftmax: 'o2m_log_softmax_f32', Hardmax: 'o2m_hardmax_f32',
};

/** The [outer][axis][inner] view the kernels loop over. */
function softmaxView(ctx: { node: Node; inputs: (TypedShape | undefined)[]; opset: number }) {
  const shape = requireInput(ctx, 0).shape;
  const axis = normaliseAxis(ctx.node, attrInt(ctx.node, 'axis', ctx.opset < 13 ? 1 : -1), Math.max(1, shape.length));
  if (ctx.opset < 13) return { outer: product(shape.slice(0, axis)), axis: product(shape.slice(axis)), inner: 1 };
  return axisView(shape, axis);
}

/** One vector along the axis, in double precision: the reference constant folding uses. */
function applyAlongAxis(opType: string, x: number[]): number[] {
  const max = x.reduce((a, b) => (b > a ? b : a), -Infinity);
  if (opType === 'Hardmax') {
    const first = x.indexOf(max);
    return x.map((_, i) => (i === first ? 1 : 0));
  }
  const sum = x.reduce((s, v) => s + Math.exp(v - max), 0);
  return opType === 'Softmax' ? x.map((v) => Math.exp(v - max) / sum) : x.map((v) => v - max - Math.log(sum));
}

/** TFLite's int8 softmax output: [0, 1) on 256 levels, level -128 for 0. */
export const SOFTMAX_INT8_OUTPUT: Quantization = { scales: [1 / 256], zeroPoints: [-128] };

/**
 * The Q format of o2m_softmax_i8's exp table for rows of `length` terms: the most fraction bits
 * (at most 30) with which `length` terms of at most 2^bits each still sum inside int32.
 */
export function softmaxTableBits(length: number): number {
  return Math.min(30, Math.floor(Math.log2((2 ** 31 - 1) / length)));
}

/** exp(inputScale * -k) * 2^bits rounded, for k = max - x in 0..255: the table o2m_softmax_i8 reads. */
export function softmaxExpTable(inputScale: number, length: number): Int32Array {
  const bits = softmaxTableBits(length);
  return Int32Array.from({ length: 256 }, (_, k) => Math.round(Math.exp(-inputScale * k) * 2 ** bits));
}

function lowerSoftmaxInt8(ctx: LowerContext): KernelCall {
  const view = softmaxView(ctx);
  const input = perTensor(quantizationOf(ctx, 0));
  const output = perTensor(quantizationOf(ctx, { output: 0 }));
  if (output.scale !== SOFTMAX_INT8_OUTPUT.scales[0] || output.zeroPoint !== SOFTMAX_INT8_OUTPUT.zeroPoints[0]) {
    throw new Error(`internal: int8 Softmax '${ctx.node.name}' has output parameters other than 1/256 and -128`);
  }
  return {
    node: ctx.node.name,
    opType: ctx.node.opType,
    kernel: 'o2m_softmax_i8',
    paramsType: 'o2m_softmax_i8_params',
    params: { outer: { int: view.outer }, axis: { int: view.axis }, inner: { int: view.inner } },
    args: [
      inputArg(ctx, 0),
      { kind: 'derived', tensor: { name: `${ctx.node.name}::exp_table`, dtype: 'int32', shape: [256], data: softmaxExpTable(input.scale, view.axis) } },
      outputArg(ctx),
    ],
    macs: 0,
  };
}

/**
 * How far below the maximum a Softmax input can lie and still change the int8 output: a row of n
 * terms at exp(-span) each sums to n·exp(-span), which must stay under half an output level
 * (1/512); 16 at the least, so ordinary rows keep their full calibrated range.
 */
/** A Softmax input range this many spans wide is taken to hold a mask, not data. */
const MASK_WIDTH_FACTOR = 8;

export function softmaxInputSpan(rowLength: number): number {
  return Math.max(16, Math.log(512 * Math.max(1, rowLength)));
}

export const softmaxFamily: OpFamily = {
  opTypes: Object.keys(KERNELS),
  opsets: [1, 17],
  dtypes: ['float32'],

  inferShapes(ctx) {
    requireFloat32(ctx, 0);
    softmaxView(ctx);
    return [{ ...requireInput(ctx, 0) }];
  },

  evaluate(ctx: EvalContext) {
    const view = softmaxView({ ...ctx, inputs: ctx.inputTypes });
    const x = ctx.inputs[0]!.data as Float32Array;
    const y = new Float32Array(x.length);
    for (let o = 0; o < view.outer; o++) {
      for (let i = 0; i < view.inner; i++) {
        const at = (j: number) => (o * view.axis + j) * view.inner + i;
        const result = applyAlongAxis(ctx.node.opType, Array.from({ length: view.axis }, (_, j) => x[at(j)]));
        result.forEach((v, j) => { y[at(j)] = v; });
      }
    }
    return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: ctx.outputs[0].shape, data: y }];
  },

  int8: {
    output: 'calibrated',
    outputQuantization: () => SOFTMAX_INT8_OUTPUT,
    // exp(x - max) for x below max - span adds less than half an output level over a whole row,
    // so an additive mask (-1e4, -1e9) need not stretch the input's scale. Ranges of ordinary
    // width are kept whole, so the layer before stays faithful to the float model.
    inputRange: (range, ctx) => {
      const span = softmaxInputSpan(softmaxView(ctx).axis);
      return range.max - range.min > MASK_WIDTH_FACTOR * span ? { min: range.max - span, max: range.max } : range;
    },
    refuses: (ctx) => (ctx.node.opType === 'Softmax' ? undefined : `${ctx.node.opType} has no int8 kernel`),
  },

  lower(ctx: LowerContext) {
    if (isQuantizedNode(ctx)) return lowerSoftmaxInt8(ctx);
    const view = softmaxView(ctx);
    return {
      node: ctx.node.name,
      opType: ctx.node.opType,
      kernel: KERNELS[ctx.node.opType],
      paramsType: 'o2m_softmax_f32_params',
      params: { outer: { int: view.outer }, axis: { int: view.axis }, inner: { int: view.inner } },
      args: [inputArg(ctx, 0), outputArg(ctx)],
      macs: 0,
    };
  },
};

/**
 * MaskedSoftmax (the compiler's domain; passes/fuse-patterns.ts builds it from attention's
 * Where(mask, fill, scores) → Softmax over the last axis): inputs x [..., n] and a bool mask of n
 * elements shared by every row; attributes masked_value (which mask value selects fill) and fill.
 * The float kernel repeats Where and Softmax's float operations, so the bits are the unfused
 * ones; the int8 kernel outputs 0 for a masked position (exp(fill − max) underflows for the
 * fills the fusion accepts) and TFLite's softmax over the rest.
 */
export const MASKED_SOFTMAX_OP = 'MaskedSoftmax';

function maskedView(ctx: { node: Node; inputs: (TypedShape | undefined)[] }) {
  const x = requireInput(ctx, 0).shape;
  const mask = requireInput(ctx, 1);
  const axis = x[x.length - 1] ?? 1;
  if (mask.dtype !== 'bool' || mask.shape.reduce((a, b) => a * b, 1) !== axis || (mask.shape.at(-1) ?? 1) !== axis) {
    throw new Error(`internal: ${ctx.node.name}: MaskedSoftmax needs one bool mask of ${axis} elements`);
  }
  return { outer: product(x) / Math.max(1, axis), axis };
}

const maskedValue = (node: Node) => attrInt(node, 'masked_value');

export const maskedSoftmaxFamily: OpFamily = {
  opTypes: [MASKED_SOFTMAX_OP],
  domain: FUSED_DOMAIN,
  dtypes: ['float32'],

  inferShapes(ctx) {
    requireFloat32(ctx, 0);
    maskedView(ctx);
    return [{ ...requireInput(ctx, 0) }];
  },

  evaluate(ctx: EvalContext) {
    const { outer, axis } = maskedView({ ...ctx, inputs: ctx.inputTypes });
    const x = ctx.inputs[0]!.data as Float32Array;
    const mask = ctx.inputs[1]!.data as Uint8Array;
    const fill = attrFloat(ctx.node, 'fill');
    const y = new Float32Array(x.length);
    for (let o = 0; o < outer; o++) {
      const row = Array.from({ length: axis }, (_, j) => (mask[j] === maskedValue(ctx.node) ? fill : x[o * axis + j]));
      applyAlongAxis('Softmax', row).forEach((v, j) => { y[o * axis + j] = v; });
    }
    return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: ctx.outputs[0].shape, data: y }];
  },

  int8: {
    output: 'calibrated',
    outputQuantization: () => SOFTMAX_INT8_OUTPUT,
  },

  lower(ctx: LowerContext): KernelCall {
    const { outer, axis } = maskedView(ctx);
    const common = { node: ctx.node.name, opType: ctx.node.opType, macs: 0 };
    const params = { outer: { int: outer }, axis: { int: axis }, masked_value: { int: maskedValue(ctx.node) } };
    if (isQuantizedNode(ctx)) {
      const input = perTensor(quantizationOf(ctx, 0));
      return {
        ...common, kernel: 'o2m_masked_softmax_i8', paramsType: 'o2m_masked_softmax_i8_params', params,
        args: [
          inputArg(ctx, 0), inputArg(ctx, 1),
          { kind: 'derived', tensor: { name: `${ctx.node.name}::exp_table`, dtype: 'int32', shape: [256], data: softmaxExpTable(input.scale, axis) } },
          outputArg(ctx),
        ],
      };
    }
    return {
      ...common, kernel: 'o2m_masked_softmax_f32', paramsType: 'o2m_masked_softmax_f32_params',
      params: { ...params, fill: { float: attrFloat(ctx.node, 'fill') } },
      args: [inputArg(ctx, 0), inputArg(ctx, 1), outputArg(ctx)],
    };
  },
};
