// BatchNormalization in inference form. After a Conv, passes/fold-batchnorm.ts folds it into the
// Conv's weights; elsewhere it runs as a per-channel affine map with constants computed here.
import {
  attrFloat, nodeError, outputArg, requireFloat32, requireInput,
  type LowerContext, type OpFamily, type ShapeContext,
} from './op.js';
import type { ConstTensor, Node } from '../ir/graph.js';

/** Per-channel y = x * scale + shift equivalent to the node, from its constant statistics. */
export function batchNormAffine(node: Node, constants: (ConstTensor | undefined)[]): { scale: Float32Array; shift: Float32Array } {
  const [, gamma, beta, mean, variance] = constants;
  if (!gamma || !beta || !mean || !variance) {
    throw nodeError(node, 'scale, B, mean and var must be constants (inference mode)');
  }
  const eps = attrFloat(node, 'epsilon', 1e-5);
  const channels = gamma.data.length;
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = Number(gamma.data[c]) / Math.sqrt(Number(variance.data[c]) + eps);
    scale[c] = s;
    shift[c] = Number(beta.data[c]) - Number(mean.data[c]) * s;
  }
  return { scale, shift };
}

export const batchNormFamily: OpFamily = {
  opTypes: ['BatchNormalization'],

  inferShapes(ctx: ShapeContext) {
    requireFloat32(ctx, 0, 1, 2, 3, 4);
    const x = requireInput(ctx, 0);
    if (ctx.node.outputs.slice(1).some((o) => o !== '')) {
      throw nodeError(ctx.node, 'training mode (running mean/var outputs) is not supported');
    }
    const channels = x.shape[1];
    for (let i = 1; i <= 4; i++) {
      const s = requireInput(ctx, i).shape;
      if (s.length !== 1 || s[0] !== channels) throw nodeError(ctx.node, `input ${i} must have shape [${channels}]`);
    }
    return [{ ...x }];
  },

  lower(ctx: LowerContext) {
    const x = requireInput(ctx, 0).shape;
    const { scale, shift } = batchNormAffine(ctx.node, ctx.constants);
    const inner = x.slice(2).reduce((a, b) => a * b, 1);
    const name = ctx.node.name;
    return {
      node: name,
      opType: 'BatchNormalization',
      kernel: 'o2m_channel_affine_f32',
      paramsType: 'o2m_channel_affine_f32_params',
      params: { outer: { int: x[0] }, channels: { int: x[1] }, inner: { int: inner } },
      args: [
        { kind: 'value', name: ctx.node.inputs[0] },
        { kind: 'derived', tensor: { name: `${name}_scale`, dtype: 'float32', shape: [x[1]], data: scale } },
        { kind: 'derived', tensor: { name: `${name}_shift`, dtype: 'float32', shape: [x[1]], data: shift } },
        outputArg(ctx),
      ],
      macs: 0,
    };
  },
};
