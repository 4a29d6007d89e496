// Int8Lookup: an element-wise function of one int8 input, run as a 256-entry table. The
// quantize pass builds the table with the function's float reference on each input level
// (DESIGN.md §4), so Sigmoid, Tanh, GELU, Exp ... cost one load per element and no float.
import { FUSED_DOMAIN } from './fused.js';
import { inputArg, nodeError, outputArg, requireInput, sameLayoutInputs, type OpFamily } from './op.js';

export const LOOKUP_OP = 'Int8Lookup';

export const lookupFamily: OpFamily = {
  opTypes: [LOOKUP_OP],
  domain: FUSED_DOMAIN,
  dtypes: ['int8'],
  inPlace: (ctx) => sameLayoutInputs(ctx),

  inferShapes(ctx) {
    const x = requireInput(ctx, 0);
    const table = requireInput(ctx, 1);
    if (x.dtype !== 'int8' || table.dtype !== 'int8' || table.shape.join() !== '256') {
      throw nodeError(ctx.node, 'takes an int8 input and a table of 256 int8 values');
    }
    return [{ dtype: 'int8', shape: x.shape }];
  },

  evaluate(ctx) {
    const x = ctx.inputs[0]!.data as Int8Array;
    const table = ctx.inputs[1]!.data as Int8Array;
    return [{ name: ctx.node.outputs[0], dtype: 'int8', shape: ctx.outputs[0].shape, data: x.map((q) => table[q + 128]) }];
  },

  lower(ctx) {
    return {
      node: ctx.node.name, opType: LOOKUP_OP, kernel: 'o2m_lookup_i8', paramsType: 'o2m_lookup_i8_params',
      params: { count: { int: requireInput(ctx, 0).shape.reduce((a, b) => a * b, 1) } },
      args: [inputArg(ctx, 0), inputArg(ctx, 1), outputArg(ctx)],
      macs: 0,
    };
  },
};
