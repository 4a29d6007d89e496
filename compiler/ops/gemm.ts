// Gemm: Y = alpha * A' B' + beta * C, the fully connected layer of most exporters.
import type { ConstTensor, Node } from '../ir/graph.js';
import { clampValue, fusedBounds } from './op.js';
import { isQuantizedNode } from './int8-lowering.js';
import { int8ProductScratchBytes, lowerInt8Product, type Int8Product } from './matmul.js';
import {
  attrFloat, attrInt, fusedClamp, inputArg, nodeError, outputArg, requireFloat32, requireInput,
  type EvalContext, type LowerContext, type OpFamily, type TypedShape,
} from './op.js';

type Shapes = { node: Node; inputs: (TypedShape | undefined)[] };

function gemmDims(ctx: Shapes) {
  const a = requireInput(ctx, 0).shape;
  const b = requireInput(ctx, 1).shape;
  if (a.length !== 2 || b.length !== 2) throw nodeError(ctx.node, `A and B must be 2-D (got ${a.length}-D and ${b.length}-D)`);
  const transA = attrInt(ctx.node, 'transA', 0);
  const transB = attrInt(ctx.node, 'transB', 0);
  const [M, K] = transA ? [a[1], a[0]] : a;
  const [KB, N] = transB ? [b[1], b[0]] : b;
  if (K !== KB) throw nodeError(ctx.node, `inner dimensions differ: A gives K=${K}, B gives K=${KB}`);
  return { M, N, K, transA, transB };
}

/** Strides that broadcast C (unidirectionally) to [M, N]; 0 along broadcast axes. */
function biasStrides(ctx: Shapes, M: number, N: number): [number, number] {
  const c = ctx.inputs[2]?.shape;
  if (!c) return [0, 0];
  const full = [...Array(Math.max(0, 2 - c.length)).fill(1), ...c];
  if (full.length !== 2) throw nodeError(ctx.node, `C must have rank at most 2 (got ${c.length})`);
  const [cm, cn] = full;
  if ((cm !== 1 && cm !== M) || (cn !== 1 && cn !== N)) {
    throw nodeError(ctx.node, `C of shape ${c.join('x')} does not broadcast to ${M}x${N}`);
  }
  return [cm === 1 ? 0 : cn, cn === 1 ? 0 : 1];
}

/**
 * The float32 reference in the kernel's order and rounding: the product summed over k, scaled
 * once by alpha, then beta * C added, then the fused activation.
 */
function evaluateGemm(ctx: EvalContext): ConstTensor[] {
  const shapes = { node: ctx.node, inputs: ctx.inputTypes };
  const { M, N, K, transA, transB } = gemmDims(shapes);
  const [cStrideM, cStrideN] = biasStrides(shapes, M, N);
  const a = ctx.inputs[0]!.data as Float32Array;
  const b = ctx.inputs[1]!.data as Float32Array;
  const c = ctx.inputs[2]?.data as Float32Array | undefined;
  const f = Math.fround;
  const alpha = f(attrFloat(ctx.node, 'alpha', 1));
  const beta = f(attrFloat(ctx.node, 'beta', 1));
  const [lo, hi] = fusedBounds(ctx.node);
  const [aStrideM, aStrideK] = transA ? [1, M] : [K, 1];
  const [bStrideK, bStrideN] = transB ? [1, K] : [N, 1];
  const y = new Float32Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum = f(sum + f(a[m * aStrideM + k * aStrideK] * b[k * bStrideK + n * bStrideN]));
      let value = f(alpha * sum);
      if (c) value = f(value + f(beta * c[m * cStrideM + n * cStrideN]));
      y[m * N + n] = clampValue(value, lo, hi);
    }
  }
  return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: [M, N], data: y }];
}

/** The int8 product Gemm lowers to; the quantize pass broadcast C to one int32 bias per column. */
function gemmInt8Product(ctx: LowerContext): Int8Product {
  const { M, N, K, transA, transB } = gemmDims(ctx);
  return {
    M, N, K, batch: [], aBatchStrides: [], bBatchStrides: [],
    aStrides: transA ? [1, M] : [K, 1], bStrides: transB ? [1, K] : [N, 1],
    bias: ctx.node.inputs[2] ? inputArg(ctx, 2) : { kind: 'null', ctype: 'int32_t' },
    alpha: attrFloat(ctx.node, 'alpha', 1),
  };
}

export const gemmFamily: OpFamily = {
  opTypes: ['Gemm'],
  opsets: [1, 17],
  dtypes: ['float32'],
  evaluate: evaluateGemm,

  inferShapes(ctx) {
    requireFloat32(ctx, 0, 1, 2);
    const { M, N } = gemmDims(ctx);
    biasStrides(ctx, M, N);
    return [{ dtype: 'float32', shape: [M, N] }];
  },

  int8: {
    output: 'calibrated',
    weights: (ctx) => (ctx.constants[1]
      ? { input: 1, axis: attrInt(ctx.node, 'transB', 0) ? 0 : 1, bias: 2, biasFactor: attrFloat(ctx.node, 'beta', 1) }
      : undefined),
    refuses(ctx) {
      const { M, N } = gemmDims(ctx);
      if (!ctx.constants[1]) return 'B is not a constant';
      if (ctx.node.inputs[2] && (!ctx.constants[2] || biasStrides(ctx, M, N)[0] !== 0)) {
        return 'C is not a constant row of biases';
      }
      return undefined;
    },
  },

  scratchBytes: (ctx) => (isQuantizedNode(ctx) ? int8ProductScratchBytes(ctx, gemmInt8Product(ctx)) : 0),

  lower(ctx: LowerContext) {
    if (isQuantizedNode(ctx)) return lowerInt8Product(ctx, gemmInt8Product(ctx));
    const { M, N, K, transA, transB } = gemmDims(ctx);
    const [cStrideM, cStrideN] = biasStrides(ctx, M, N);
    const hasC = Boolean(ctx.node.inputs[2]);
    return {
      node: ctx.node.name,
      opType: 'Gemm',
      kernel: 'o2m_gemm_f32',
      paramsType: 'o2m_gemm_f32_params',
      params: {
        M: { int: M }, N: { int: N }, K: { int: K },
        trans_a: { int: transA }, trans_b: { int: transB },
        alpha: { float: attrFloat(ctx.node, 'alpha', 1) },
        beta: { float: hasC ? attrFloat(ctx.node, 'beta', 1) : 0 },
        c_stride_m: { int: cStrideM }, c_stride_n: { int: cStrideN },
        ...fusedClamp(ctx.node),
      },
      args: [
        inputArg(ctx, 0), inputArg(ctx, 1),
        hasC ? inputArg(ctx, 2) : { kind: 'null', ctype: 'float' },
        outputArg(ctx),
      ],
      macs: M * N * K,
    };
  },
};
