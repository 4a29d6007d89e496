// MatMul with numpy semantics: 1-D operands are promoted and the batch axes broadcast.
// float32 runs on its own kernel; the other element types on the Einsum contraction kernel.
import { broadcastShapes, broadcastStrides } from './broadcast.js';
import { evaluateContraction, lowerContraction, type Contraction } from './einsum.js';
import { O2M_MAX_DIMS } from './op.js';
import {
  inputArg, nodeError, outputArg, requireDtypes, requireInput,
  type LowerContext, type OpFamily, type ShapeContext, type TypedShape,
} from './op.js';
import { CONTRACTION_DTYPES } from './scalar-arithmetic.js';
import type { Node } from '../ir/graph.js';

function matmulDims(ctx: { node: Node; inputs: (TypedShape | undefined)[] }) {
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
  // Strides of whole matrices, so a broadcast batch axis re-reads the same matrix.
  const aBatchStrides = broadcastStrides(a.slice(0, -2), batch).map((s) => s * M * K);
  const bBatchStrides = broadcastStrides(b.slice(0, -2), batch).map((s) => s * K * N);
  return { a0, b0, M, N, K, batch, out, aBatchStrides, bBatchStrides };
}

/**
 * The product as a contraction over K: the float kernel's loop order exactly (batch, row,
 * column, then k upwards), so the reference matches o2m_matmul_f32 bit for bit.
 */
function matmulContraction(ctx: { node: Node; inputs: (TypedShape | undefined)[] }): Contraction {
  const { a0, b0, N, K, out, aBatchStrides, bBatchStrides } = matmulDims(ctx);
  const aOut = [...aBatchStrides];
  const bOut = [...bBatchStrides];
  if (a0.length > 1) { aOut.push(K); bOut.push(0); }
  if (b0.length > 1) { aOut.push(0); bOut.push(1); }
  return {
    outShape: out,
    sumShape: [K],
    operands: [{ outStrides: aOut, sumStrides: [1] }, { outStrides: bOut, sumStrides: [N] }],
  };
}

export const matmulFamily: OpFamily = {
  opTypes: ['MatMul'],
  opsets: [1, 17],
  dtypes: CONTRACTION_DTYPES,

  inferShapes(ctx: ShapeContext) {
    requireDtypes(ctx, CONTRACTION_DTYPES, 0, 1);
    const a = requireInput(ctx, 0).dtype;
    if (requireInput(ctx, 1).dtype !== a) throw nodeError(ctx.node, `input 1 is ${ctx.inputs[1]!.dtype}, input 0 is ${a}`);
    return [{ dtype: a, shape: matmulDims(ctx).out }];
  },

  evaluate(ctx) {
    const dtype = ctx.inputTypes[0]!.dtype;
    const c = matmulContraction({ node: ctx.node, inputs: ctx.inputTypes });
    return [{ name: ctx.node.outputs[0], dtype, shape: c.outShape, data: evaluateContraction(c, dtype, [ctx.inputs[0]!, ctx.inputs[1]!]) }];
  },

  lower(ctx: LowerContext) {
    if (requireInput(ctx, 0).dtype !== 'float32') return lowerContraction(ctx, matmulContraction(ctx));
    const { M, N, K, batch, aBatchStrides, bBatchStrides } = matmulDims(ctx);
    if (batch.length > O2M_MAX_DIMS) throw nodeError(ctx.node, `more than ${O2M_MAX_DIMS} batch axes`);
    const pad = (v: number[]) => [...v, ...Array(O2M_MAX_DIMS - v.length).fill(0)];
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
        a_batch_strides: { ints: pad(aBatchStrides) },
        b_batch_strides: { ints: pad(bBatchStrides) },
      },
      args: [inputArg(ctx, 0), inputArg(ctx, 1), outputArg(ctx)],
      macs: batchCount * M * N * K,
    };
  },
};
