// MatMul with numpy semantics: 1-D operands are promoted and the batch axes broadcast.
import { broadcastShapes, broadcastStrides } from './broadcast.js';
import {
  inputArg, nodeError, outputArg, requireFloat32, requireInput,
  type LowerContext, type OpFamily, type ShapeContext,
} from './op.js';

const MAX_BATCH_RANK = 6;

function matmulDims(ctx: ShapeContext | LowerContext) {
  const a0 = requireInput(ctx, 0).shape;
  const b0 = requireInput(ctx, 1).shape;
  if (a0.length === 0 || b0.length === 0) throw nodeError(ctx.node, 'MatMul operands must have rank 1 or more');
  const a = a0.length === 1 ? [1, a0[0]] : a0;
  const b = b0.length === 1 ? [b0[0], 1] : b0;
  const [M, K] = a.slice(-2);
  const [KB, N] = b.slice(-2);
  if (K !== KB) throw nodeError(ctx.node, `inner dimensions differ: [${a0.join(',')}] x [${b0.join(',')}]`);
  const batch = broadcastShapes(ctx.node, [a.slice(0, -2), b.slice(0, -2)]);
  const out = [...batch];
  if (a0.length > 1) out.push(M);
  if (b0.length > 1) out.push(N);
  return { a, b, M, N, K, batch, out };
}

export const matmulFamily: OpFamily = {
  opTypes: ['MatMul'],

  inferShapes(ctx) {
    requireFloat32(ctx, 0, 1);
    return [{ dtype: 'float32', shape: matmulDims(ctx).out }];
  },

  lower(ctx: LowerContext) {
    const { a, b, M, N, K, batch } = matmulDims(ctx);
    if (batch.length > MAX_BATCH_RANK) throw nodeError(ctx.node, `more than ${MAX_BATCH_RANK} batch axes`);
    // Strides of whole matrices, so a broadcast batch axis re-reads the same matrix.
    const aStrides = broadcastStrides(a.slice(0, -2), batch).map((s) => s * M * K);
    const bStrides = broadcastStrides(b.slice(0, -2), batch).map((s) => s * K * N);
    const pad = (v: number[]) => [...v, ...Array(MAX_BATCH_RANK - v.length).fill(0)];
    const batchCount = batch.reduce((x, y) => x * y, 1);
    return {
      node: ctx.node.name,
      opType: 'MatMul',
      kernel: 'o2m_matmul_f32',
      paramsType: 'o2m_matmul_f32_params',
      params: {
        M: { int: M }, N: { int: N }, K: { int: K },
        batch_rank: { int: batch.length },
        batch_shape: { ints: pad(batch) },
        a_batch_strides: { ints: pad(aStrides) },
        b_batch_strides: { ints: pad(bStrides) },
      },
      args: [inputArg(ctx, 0), inputArg(ctx, 1), outputArg(ctx)],
      macs: batchCount * M * N * K,
    };
  },
};
