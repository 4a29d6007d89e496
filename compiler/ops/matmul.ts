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
import { int8ActivationClamp, isQuantizedNode, perTensor, quantizationOf, requantizationArgs } from './int8-lowering.js';
import type { Node } from '../ir/graph.js';
import { FUSED_DOMAIN } from './fused.js';
import type { KernelArg, KernelCall } from './op.js';

/** numpy matmul shapes of inputs `aIndex` and `bIndex` (1-D operands promoted), with element strides of whole batch matrices. */
export function matmulDims(ctx: { node: Node; inputs: (TypedShape | undefined)[] }, aIndex = 0, bIndex = 1) {
  const a0 = requireInput(ctx, aIndex).shape;
  const b0 = requireInput(ctx, bIndex).shape;
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

const padDims = (v: number[]) => [...v, ...Array(O2M_MAX_DIMS - v.length).fill(0)];

/** One int8 product as o2m_matmul_i8 computes it: shapes, element strides and what scales the sum. */
export interface Int8Product {
  M: number; N: number; K: number;
  batch: number[];
  aBatchStrides: number[]; bBatchStrides: number[];
  aStrides: [number, number]; // [m, k]
  bStrides: [number, number]; // [k, n]
  bias: KernelArg;
  /** A real factor on the product before requantisation (Gemm's alpha). */
  alpha: number;
}

/** Whether B reaches the kernel as a constant laid out [N][K] by constantWeightsLaidOut. */
const weightsLaidOut = (ctx: LowerContext, p: Int8Product) => Boolean(ctx.constants[1]) && p.bBatchStrides.every((s) => s === 0);

/**
 * The int8 kernel's working memory (kernels_int8.h): on cores with the DSP extension, when A and
 * B are both contiguous along K, each A row widened to int16 once for four columns per pass
 * (2 bytes per k of the whole groups of four). Planned on every target, since the plan does not
 * know the core: the portable kernel leaves it untouched.
 */
export function int8ProductScratchBytes(ctx: LowerContext, p: Int8Product): number {
  const bAlongK = weightsLaidOut(ctx, p) || p.bStrides[0] === 1;
  return p.aStrides[1] === 1 && bAlongK ? 2 * (p.K & ~3) : 0;
}

/** The int8 kernel call for MatMul and Gemm: B per channel (a weight) or per tensor (an activation). */
export function lowerInt8Product(ctx: LowerContext, p: Int8Product): KernelCall {
  if (p.batch.length > O2M_MAX_DIMS) throw nodeError(ctx.node, `more than ${O2M_MAX_DIMS} batch axes`);
  const a = perTensor(quantizationOf(ctx, 0));
  const b = quantizationOf(ctx, 1);
  const outputQ = quantizationOf(ctx, { output: 0 });
  const output = perTensor(outputQ);
  const perChannel = b.scales.length > 1;
  const multipliers = b.scales.map((s) => p.alpha * a.scale * s / output.scale);
  const aOffset = -a.zeroPoint;
  const bOffset = perChannel ? 0 : -b.zeroPoints[0];
  // A constant B is one matrix (int8 refuses constants with batch axes) that every batch reads.
  const weights = weightsLaidOut(ctx, p) ? constantWeightsLaidOut(ctx, p, aOffset, bOffset) : undefined;
  return {
    node: ctx.node.name,
    opType: ctx.node.opType,
    kernel: 'o2m_matmul_i8',
    paramsType: 'o2m_matmul_i8_params',
    params: {
      M: { int: p.M }, N: { int: p.N }, K: { int: p.K },
      batch_rank: { int: p.batch.length },
      batch_shape: { ints: padDims(p.batch) },
      a_batch_strides: { ints: padDims(p.aBatchStrides) },
      b_batch_strides: { ints: padDims(p.bBatchStrides) },
      a_stride_m: { int: p.aStrides[0] }, a_stride_k: { int: p.aStrides[1] },
      b_stride_k: { int: weights ? 1 : p.bStrides[0] }, b_stride_n: { int: weights ? p.K : p.bStrides[1] },
      a_offset: { int: weights?.bias ? 0 : aOffset }, b_offset: { int: bOffset },
      output_offset: { int: output.zeroPoint },
      per_channel: { int: perChannel ? 1 : 0 },
      ...int8ActivationClamp(ctx, outputQ),
    },
    args: [
      inputArg(ctx, 0), weights?.b ?? inputArg(ctx, 1), weights?.bias ?? p.bias,
      ...requantizationArgs(ctx, multipliers), outputArg(ctx),
      int8ProductScratchBytes(ctx, p) > 0 ? { kind: 'scratch', ctype: 'int32_t' } : { kind: 'null', ctype: 'int32_t' },
    ],
    macs: p.batch.reduce((x, y) => x * y, 1) * p.M * p.N * p.K,
  };
}

/**
 * A constant B as the fast kernels read it (runtime-c/kernels/matmul_i8.c): each column's K
 * weights contiguous ([N][K]), and, when the layer has a bias to carry it, A's offset folded in,
 *   bias'[n] = bias[n] + aOffset · sum_k (B[k][n] + bOffset),
 * so the kernel runs with a_offset 0. Without a bias the kernel adds the offset itself: a new
 * bias array would cost N × 4 bytes of flash (7 KB over EmbBERT's fourteen bias-less Linears). The sum is the same int32 as the definition's (int32
 * arithmetic is exact modulo 2^32), so every variant's bits stay the portable kernel's; the
 * portable kernel reads B through strides either way, so the layout costs it nothing.
 */
function constantWeightsLaidOut(ctx: LowerContext, p: Int8Product, aOffset: number, bOffset: number): { b: KernelArg; bias?: KernelArg } {
  const weights = ctx.constants[1]!;
  if (weights.dtype !== 'int8') throw new Error(`internal: int8 node '${ctx.node.name}' has ${weights.dtype} weights`);
  const data = weights.data as Int8Array;
  const { N, K } = p;
  const [strideK, strideN] = p.bStrides;
  const columns = new Int8Array(N * K);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) columns[n * K + k] = data[k * strideK + n * strideN];
  }
  // Named by what it holds, so readers of one weight share it, and a reader of its transpose does not.
  const b: KernelArg = { kind: 'derived', tensor: { name: `${weights.name}::columns_${strideK}_${strideN}`, dtype: 'int8', shape: [N, K], data: columns } };
  if (aOffset === 0 || p.bias.kind === 'null') return { b };
  const given = ctx.constants[2];
  if (given?.dtype !== 'int32') throw new Error(`internal: int8 node '${ctx.node.name}' has no constant int32 bias`);
  const bias = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    let sum = 0;
    for (let k = 0; k < K; k++) sum += columns[n * K + k] + bOffset;
    bias[n] = ((given.data as Int32Array)[n] + Math.imul(aOffset, sum)) | 0;
  }
  return { b, bias: { kind: 'derived', tensor: { name: `${ctx.node.name}::bias_with_input_offset`, dtype: 'int32', shape: [N], data: bias } } };
}

function matmulInt8Product(ctx: LowerContext): Int8Product {
  const { M, N, K, batch, aBatchStrides, bBatchStrides } = matmulDims(ctx);
  return {
    M, N, K, batch, aBatchStrides, bBatchStrides, aStrides: [K, 1], bStrides: [N, 1],
    bias: { kind: 'null', ctype: 'int32_t' }, alpha: 1,
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

  int8: {
    output: 'calibrated',
    // A constant B is a weight, quantized per output column; two activations are per tensor.
    weights: (ctx) => (ctx.constants[1] ? { input: 1, axis: Math.max(0, requireInput(ctx, 1).shape.length - 1) } : undefined),
    refuses: (ctx) => (ctx.constants[1] && requireInput(ctx, 1).shape.length > 2
      ? 'a constant B with batch axes has no per-channel int8 kernel' : undefined),
  },

  scratchBytes: (ctx) => (isQuantizedNode(ctx) ? int8ProductScratchBytes(ctx, matmulInt8Product(ctx)) : 0),

  lower(ctx: LowerContext) {
    if (isQuantizedNode(ctx)) return lowerInt8Product(ctx, matmulInt8Product(ctx));
    if (requireInput(ctx, 0).dtype !== 'float32') return lowerContraction(ctx, matmulContraction(ctx));
    const { M, N, K, batch, aBatchStrides, bBatchStrides } = matmulDims(ctx);
    if (batch.length > O2M_MAX_DIMS) throw nodeError(ctx.node, `more than ${O2M_MAX_DIMS} batch axes`);
    const pad = padDims;
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

/**
 * MatMulTransposedB (the compiler's domain): A · Bᵀ with B stored [..., N, K], as attention's
 * Q · Kᵀ reads K when passes/stream-attention.ts drops the Transpose an exporter wrote. The int8
 * kernel walks B by strides, so no transposed copy exists; only int8 graphs get this node.
 */
export const MATMUL_TRANSPOSED_B_OP = 'MatMulTransposedB';

/** The same node's operands with B as the [.., K, N] matrix MatMul's shape rule expects. */
function withBTransposed(ctx: { node: Node; inputs: (TypedShape | undefined)[] }) {
  const b = requireInput(ctx, 1);
  if (b.shape.length < 2) throw nodeError(ctx.node, 'B must have rank 2 or more');
  const shape = [...b.shape.slice(0, -2), b.shape[b.shape.length - 1], b.shape[b.shape.length - 2]];
  return { ...ctx, inputs: [ctx.inputs[0], { ...b, shape }] };
}

function transposedBInt8Product(ctx: LowerContext): Int8Product {
  const { M, N, K, batch, aBatchStrides, bBatchStrides } = matmulDims(withBTransposed(ctx));
  return {
    M, N, K, batch, aBatchStrides, bBatchStrides, aStrides: [K, 1], bStrides: [1, K],
    bias: { kind: 'null', ctype: 'int32_t' }, alpha: 1,
  };
}

export const matmulTransposedBFamily: OpFamily = {
  opTypes: [MATMUL_TRANSPOSED_B_OP],
  domain: FUSED_DOMAIN,
  dtypes: ['int8'],

  inferShapes(ctx: ShapeContext) {
    requireDtypes(ctx, ['int8'], 0, 1);
    return [{ dtype: 'int8', shape: matmulDims(withBTransposed(ctx)).out }];
  },

  scratchBytes: (ctx) => (isQuantizedNode(ctx) ? int8ProductScratchBytes(ctx, transposedBInt8Product(ctx)) : 0),

  lower(ctx: LowerContext) {
    if (!isQuantizedNode(ctx)) throw nodeError(ctx.node, 'has no float kernel (only int8 attention uses it)');
    return lowerInt8Product(ctx, transposedBInt8Product(ctx));
  },
};
