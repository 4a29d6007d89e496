// Element-wise binary arithmetic with numpy broadcasting: Add, Sub, Mul, Div.
import { broadcastShapes, broadcastStrides, collapseAxes } from './broadcast.js';
import {
  fusedClamp, inputArg, nodeError, outputArg, requireFloat32, requireInput,
  type LowerContext, type OpFamily,
} from './op.js';

const MAX_RANK = 6;
const OPS: Record<string, string> = {
  Add: 'O2M_BINARY_ADD', Sub: 'O2M_BINARY_SUB', Mul: 'O2M_BINARY_MUL', Div: 'O2M_BINARY_DIV',
};

export const binaryFamily: OpFamily = {
  opTypes: Object.keys(OPS),

  inferShapes(ctx) {
    requireFloat32(ctx, 0, 1);
    const a = requireInput(ctx, 0);
    const b = requireInput(ctx, 1);
    return [{ dtype: a.dtype, shape: broadcastShapes(ctx.node, [a.shape, b.shape]) }];
  },

  lower(ctx: LowerContext) {
    const a = requireInput(ctx, 0).shape;
    const b = requireInput(ctx, 1).shape;
    const out = ctx.outputs[0].shape;
    const collapsed = collapseAxes(out, [broadcastStrides(a, out), broadcastStrides(b, out)]);
    let { shape } = collapsed;
    let [aStrides, bStrides] = collapsed.strides;
    if (shape.length === 0) [shape, aStrides, bStrides] = [[1], [0], [0]];
    if (shape.length > MAX_RANK) throw nodeError(ctx.node, `broadcasting over more than ${MAX_RANK} axes`);
    const pad = (v: number[]) => [...v, ...Array(MAX_RANK - v.length).fill(0)];
    const count = out.reduce((x, y) => x * y, 1);
    return {
      node: ctx.node.name,
      opType: ctx.node.opType,
      kernel: 'o2m_binary_f32',
      paramsType: 'o2m_binary_f32_params',
      params: {
        op: { enum: OPS[ctx.node.opType] },
        count: { int: count },
        rank: { int: shape.length },
        out_shape: { ints: pad(shape) },
        a_strides: { ints: pad(aStrides) },
        b_strides: { ints: pad(bStrides) },
        ...fusedClamp(ctx.node),
      },
      args: [inputArg(ctx, 0), inputArg(ctx, 1), outputArg(ctx)],
      macs: 0,
    };
  },
};
