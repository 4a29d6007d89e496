// Softmax, LogSoftmax and Hardmax. Before opset 13 the input is coerced to 2-D at `axis`
// (default 1) and the op runs over the whole second dimension; from 13 on it runs along one axis
// (default -1).
import {
  attrInt, inputArg, normaliseAxis, outputArg, requireFloat32, requireInput,
  type EvalContext, type LowerContext, type OpFamily, type TypedShape,
} from './op.js';
import { axisView, product } from './reduction-axes.js';
import type { Node } from '../ir/graph.js';

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

  lower(ctx: LowerContext) {
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
