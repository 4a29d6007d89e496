// CopyConstant (internal): writes a compile-time constant into the arena. Constant folding can
// turn a graph output into a constant (Shape of a static input, say); the caller still finds
// it at its output offset, so one step copies it there.
import { DTYPE_BYTES, elementCount } from '../ir/graph.js';
import { inputArg, requireInput, type OpFamily } from './op.js';

export const COPY_CONSTANT = { domain: 'onnx2mcu', opType: 'CopyConstant' } as const;
/** Copy (internal): a value into the caller's output buffer, for an output that is only a view (--io outside). */
export const COPY = { domain: 'onnx2mcu', opType: 'Copy' } as const;

export const copyConstantFamily: OpFamily = {
  opTypes: [COPY_CONSTANT.opType, COPY.opType],
  domain: COPY_CONSTANT.domain,
  inferShapes: (ctx) => [{ ...requireInput(ctx, 0) }],
  lower(ctx) {
    const t = requireInput(ctx, 0);
    return {
      node: ctx.node.name,
      opType: ctx.node.opType,
      kernel: 'o2m_copy_bytes',
      paramsType: 'o2m_copy_params',
      params: { bytes: { int: elementCount(t.shape) * DTYPE_BYTES[t.dtype] } },
      args: [inputArg(ctx, 0), { kind: 'value', name: ctx.node.outputs[0] }],
      macs: 0,
    };
  },
};
