// Constant: its value is an attribute. It folds into an initializer before anything runs.
import type { ConstTensor } from '../ir/graph.js';
import { nodeError, type OpFamily } from './op.js';

function constantValue(node: Parameters<NonNullable<OpFamily['evaluate']>>[0]['node']): ConstTensor {
  const name = node.outputs[0];
  const entries = Object.entries(node.attributes);
  if (entries.length !== 1) throw nodeError(node, 'exactly one value attribute is required');
  const [key, attr] = entries[0];
  switch (attr.kind) {
    case 'tensor': return { ...attr.value, name };
    case 'float': return { name, dtype: 'float32', shape: [], data: Float32Array.of(attr.value) };
    case 'floats': return { name, dtype: 'float32', shape: [attr.value.length], data: Float32Array.from(attr.value) };
    case 'int': return { name, dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(attr.value)) };
    case 'ints': return { name, dtype: 'int64', shape: [attr.value.length], data: BigInt64Array.from(attr.value.map(BigInt)) };
    default:
      throw nodeError(node, `value attribute '${key}' (${attr.kind}) is not supported; use value, value_float(s) or value_int(s)`);
  }
}

export const constantFamily: OpFamily = {
  opTypes: ['Constant'],
  dtypes: ['float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool'],
  inferShapes(ctx) {
    const v = constantValue(ctx.node);
    return [{ dtype: v.dtype, shape: v.shape }];
  },
  evaluate: (ctx) => [constantValue(ctx.node)],
};
