// Softmax. Before opset 13 the input is coerced to 2-D at `axis` (default 1); from 13 on it
// runs along one axis (default -1).
import {
  attrInt, normaliseAxis, outputArg, requireFloat32, requireInput,
  type LowerContext, type OpFamily,
} from './op.js';

const product = (v: number[]) => v.reduce((a, b) => a * b, 1);

export const softmaxFamily: OpFamily = {
  opTypes: ['Softmax'],

  inferShapes(ctx) {
    requireFloat32(ctx, 0);
    const x = requireInput(ctx, 0);
    normaliseAxis(ctx.node, attrInt(ctx.node, 'axis', ctx.opset < 13 ? 1 : -1), Math.max(1, x.shape.length));
    return [{ ...x }];
  },

  lower(ctx: LowerContext) {
    const shape = requireInput(ctx, 0).shape;
    const axis = normaliseAxis(ctx.node, attrInt(ctx.node, 'axis', ctx.opset < 13 ? 1 : -1), Math.max(1, shape.length));
    const [outer, axisSize, inner] = ctx.opset < 13
      ? [product(shape.slice(0, axis)), product(shape.slice(axis)), 1]
      : [product(shape.slice(0, axis)), shape[axis] ?? 1, product(shape.slice(axis + 1))];
    return {
      node: ctx.node.name,
      opType: 'Softmax',
      kernel: 'o2m_softmax_f32',
      paramsType: 'o2m_softmax_f32_params',
      params: { outer: { int: outer }, axis: { int: axisSize }, inner: { int: inner } },
      args: [{ kind: 'value', name: ctx.node.inputs[0] }, outputArg(ctx)],
      macs: 0,
    };
  },
};
