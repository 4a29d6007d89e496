// TopK: the k largest (or smallest) elements along an axis with their int64 indices, best
// first; equal values keep the lower index first. k is an attribute before opset 10 and a
// constant input from then on; `largest` and `sorted` arrive in opset 11 (the kernel always
// sorts, which `sorted = 0` permits).
import {
  attrInt, DTYPE_SUFFIX, inputArg, nodeError, normaliseAxis, NUMERIC_DTYPES, outputArg, requireDtypes, requireInput,
  type OpFamily, type TypedShape,
} from './op.js';
import { constantIntsInput } from './constant-inputs.js';
import { axisView } from './reduction-axes.js';
import type { ConstTensor, DType, Node } from '../ir/graph.js';
import { allocateTensorData } from '../onnx/tensor-bytes.js';

function topKGeometry(ctx: { node: Node; opset: number; inputs: (TypedShape | undefined)[]; constants: (ConstTensor | undefined)[] }) {
  const x = requireInput(ctx, 0);
  const axis = normaliseAxis(ctx.node, attrInt(ctx.node, 'axis', -1), Math.max(1, x.shape.length));
  let k: number;
  if (ctx.opset < 10) {
    k = attrInt(ctx.node, 'k');
  } else {
    const values = constantIntsInput(ctx, 1, 'K') ?? [];
    if (values.length !== 1) throw nodeError(ctx.node, `the K input must hold one value, got ${values.length}`);
    k = values[0];
  }
  const view = axisView(x.shape, axis);
  if (k < 0 || k > view.axis) throw nodeError(ctx.node, `k = ${k} is outside [0, ${view.axis}] for axis ${axis}`);
  const shape = x.shape.map((d, i) => (i === axis ? k : d));
  return { x, view, k, shape, largest: attrInt(ctx.node, 'largest', 1) === 1 };
}

export const topKFamily: OpFamily = {
  opTypes: ['TopK'],
  opsets: [1, 17],
  dtypes: NUMERIC_DTYPES,

  inferShapes(ctx) {
    requireDtypes(ctx, NUMERIC_DTYPES, 0);
    // The kernel keeps its working list in the values output.
    if (ctx.node.outputs[0] === '') throw nodeError(ctx.node, 'the Values output is required');
    const { x, shape } = topKGeometry(ctx);
    return [{ dtype: x.dtype, shape }, { dtype: 'int64', shape }];
  },

  evaluate(ctx) {
    const { x, view, k, shape, largest } = topKGeometry({ ...ctx, inputs: ctx.inputTypes, constants: ctx.inputs });
    const source = ctx.inputs[0]!.data as ArrayLike<number | bigint>;
    const values = allocateTensorData(x.dtype as Exclude<DType, 'string'>, view.outer * k * view.inner);
    const indices = new BigInt64Array(view.outer * k * view.inner);
    for (let o = 0; o < view.outer; o++) {
      for (let i = 0; i < view.inner; i++) {
        const at = (j: number) => source[(o * view.axis + j) * view.inner + i];
        const order = Array.from({ length: view.axis }, (_, j) => j);
        // Array.prototype.sort is stable: equal values stay in index order.
        order.sort((a, b) => {
          const [va, vb] = [at(a), at(b)];
          if (va === vb) return 0;
          return (largest ? va > vb : va < vb) ? -1 : 1;
        });
        for (let slot = 0; slot < k; slot++) {
          const out = (o * k + slot) * view.inner + i;
          (values as unknown as (number | bigint)[])[out] = at(order[slot]);
          indices[out] = BigInt(order[slot]);
        }
      }
    }
    return [
      { name: ctx.node.outputs[0], dtype: x.dtype, shape, data: values },
      { name: ctx.node.outputs[1], dtype: 'int64', shape, data: indices },
    ];
  },

  lower(ctx) {
    const { x, view, k, largest } = topKGeometry(ctx);
    const indices = (ctx.node.outputs[1] ?? '') === '' ? { kind: 'null' as const, ctype: 'int64_t' } : outputArg(ctx, 1);
    return {
      node: ctx.node.name,
      opType: 'TopK',
      kernel: `o2m_topk_${DTYPE_SUFFIX[x.dtype]}`,
      paramsType: 'o2m_topk_params',
      params: {
        outer: { int: view.outer }, axis: { int: view.axis }, inner: { int: view.inner },
        k: { int: k }, largest: { int: largest ? 1 : 0 },
      },
      args: [inputArg(ctx, 0), outputArg(ctx, 0), indices],
      macs: 0,
    };
  },
};
