// Relu and Clip: clamps, which passes usually fuse into the producing Conv, Gemm or Add.
import {
  attrFloat, nodeError, outputArg, requireFloat32, requireInput,
  type LowerContext, type OpFamily, type ShapeContext,
} from './op.js';
import type { Node } from '../ir/graph.js';
import type { ConstTensor } from '../ir/graph.js';

const FLOAT32_MAX = 3.4028234663852886e38;

/** The [min, max] a Relu or Clip node clamps to; Clip bounds must be known at compile time. */
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

export const clampFamily: OpFamily = {
  opTypes: ['Relu', 'Clip'],

  inferShapes(ctx: ShapeContext) {
    requireFloat32(ctx, 0);
    clampRange(ctx.node, ctx.constants, ctx.opset);
    return [{ ...requireInput(ctx, 0) }];
  },

  lower(ctx: LowerContext) {
    const [min, max] = clampRange(ctx.node, ctx.constants, ctx.opset);
    const count = ctx.outputs[0].shape.reduce((a, b) => a * b, 1);
    return {
      node: ctx.node.name,
      opType: ctx.node.opType,
      kernel: 'o2m_clamp_f32',
      paramsType: 'o2m_clamp_f32_params',
      params: { count: { int: count }, min: { float: min }, max: { float: max } },
      args: [{ kind: 'value', name: ctx.node.inputs[0] }, outputArg(ctx)],
      macs: 0,
    };
  },
};
