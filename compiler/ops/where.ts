// Where: output = cond ? x : y with three-way numpy broadcasting. The kernel moves elements
// without looking at them, so one byte-generic kernel serves every element type.
import { broadcastShapes } from './broadcast.js';
import { broadcastLayout, evaluateBroadcast, requireSameDtype } from './elementwise.js';
import { inputArg, nodeError, NUMERIC_DTYPES, outputArg, requireDtypes, requireInput, type OpFamily } from './op.js';
import { DTYPE_BYTES, type DType } from '../ir/graph.js';

const VALUE_DTYPES: DType[] = [...NUMERIC_DTYPES, 'bool'];

const whereFamily: OpFamily = {
  opTypes: ['Where'],
  opsets: [9, 17],
  dtypes: VALUE_DTYPES,

  inferShapes(ctx) {
    requireDtypes(ctx, ['bool'], 0);
    requireDtypes(ctx, VALUE_DTYPES, 1, 2);
    const dtype = requireSameDtype(ctx, [1, 2]);
    return [{ dtype, shape: broadcastShapes(ctx.node, [0, 1, 2].map((i) => requireInput(ctx, i).shape)) }];
  },

  evaluate(ctx) {
    const inputs = [0, 1, 2].map((i) => {
      const t = ctx.inputs[i];
      if (!t) throw nodeError(ctx.node, `input ${i} is not a constant`);
      return t;
    });
    return [evaluateBroadcast(ctx, inputs, inputs.map((t) => t.shape), ([c, x, y]) => (c !== 0 ? x : y))];
  },

  lower(ctx) {
    const outShape = ctx.outputs[0].shape;
    const layout = broadcastLayout(ctx.node, outShape, [0, 1, 2].map((i) => ctx.inputs[i]!.shape));
    return {
      node: ctx.node.name,
      opType: ctx.node.opType,
      kernel: 'o2m_where',
      paramsType: 'o2m_where_params',
      params: {
        element_size: { int: DTYPE_BYTES[ctx.outputs[0].dtype] },
        count: { int: outShape.reduce((a, b) => a * b, 1) },
        rank: { int: layout.rank },
        out_shape: { ints: layout.outShape },
        cond_strides: { ints: layout.strides[0] },
        x_strides: { ints: layout.strides[1] },
        y_strides: { ints: layout.strides[2] },
      },
      args: [inputArg(ctx, 0), inputArg(ctx, 1), inputArg(ctx, 2), outputArg(ctx)],
      macs: 0,
    };
  },
};

export const families: OpFamily[] = [whereFamily];
