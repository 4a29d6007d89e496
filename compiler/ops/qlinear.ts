// ONNX's operators of pre-quantized models: QLinearConv and QLinearMatMul (8-bit in and out,
// the scales and zero points as inputs), MatMulInteger and ConvInteger (8-bit in, exact int32
// out), DynamicQuantizeLinear (float in, uint8 out with a scale and zero point chosen at run
// time), and the compiler's own QdqDequantizeLinear.
//
// QLinearConv and QLinearMatMul have no kernel of their own: passes/qdq.ts spells each as
// DequantizeLinear → Conv/MatMul → QuantizeLinear before constant folding, and then turns that
// pattern into the int8 Conv/MatMul kernels with the model's scales, as for any QDQ model.
// QdqDequantizeLinear is a DequantizeLinear that constant folding leaves alone, so that the
// int8 weights of a QDQ model reach that pass still int8, with their scales (passes/qdq.ts).
import { elementCount, type ConstTensor, type DType, type Node } from '../ir/graph.js';
import { matmulDims } from './matmul.js';
import { FUSED_DOMAIN } from './fused.js';
import {
  attrInt, inputArg, intParams, nodeError, O2M_MAX_DIMS, outputArg, requireDtypes, requireInput,
  type EvalContext, type KernelArg, type KernelCall, type LowerContext, type OpFamily, type ShapeContext, type TypedShape,
} from './op.js';
import { dequantizeLinearFamily, roundHalfToEven } from './quantize-linear.js';
import { planeWindow, validTaps, windowGeometry, type WindowGeometry } from './sliding-window.js';

const EIGHT_BIT: DType[] = ['int8', 'uint8'];

// ---- QdqDequantizeLinear -----------------------------------------------------------------------

export const QDQ_DEQUANTIZE = 'QdqDequantizeLinear';

/** ONNX DequantizeLinear at opset 13 (per-axis scales allowed), without constant folding. */
const asOpset13 = <T extends { opset: number }>(ctx: T): T => ({ ...ctx, opset: 13 });

export const qdqDequantizeFamily: OpFamily = {
  opTypes: [QDQ_DEQUANTIZE],
  domain: FUSED_DOMAIN,
  dtypes: ['int8', 'uint8', 'int32'],
  inferShapes: (ctx) => dequantizeLinearFamily.inferShapes(asOpset13(ctx)),
  // No `evaluate`, on purpose: a folded dequantized weight would lose its int8 values and scales.
  lower: (ctx) => dequantizeLinearFamily.lower!(asOpset13(ctx)),
};

/** The float value of a QdqDequantizeLinear (or DequantizeLinear) of constants. */
export function evaluateDequantize(ctx: EvalContext): ConstTensor {
  return dequantizeLinearFamily.evaluate!(asOpset13(ctx))[0];
}

// ---- shared integer references -------------------------------------------------------------

type Ints = ArrayLike<number>;

/** A scale or zero point: one value for the tensor, or one per entry along an axis. */
function perEntry(values: Ints | undefined, index: number): number {
  if (!values || values.length === 0) return 0;
  return Number(values.length === 1 ? values[0] : values[index]);
}

/** Checks a scale or zero point input: a scalar, or 1-D of `length` entries when `perAxis` allows. */
function requireScalarOr1D(ctx: { node: Node; inputs: (TypedShape | undefined)[] }, index: number, what: string, length?: number) {
  const t = ctx.inputs[index];
  if (!t) return;
  const n = elementCount(t.shape);
  if (t.shape.length > 1 || (n !== 1 && n !== length)) {
    throw nodeError(ctx.node, `${what} must be a scalar${length !== undefined ? ` or have ${length} entries` : ''}, got shape [${t.shape.join(', ')}]`);
  }
}

interface ConvGeometry { batch: number; inC: number; outC: number; group: number; geo: WindowGeometry }

function integerConvShapes(ctx: { node: Node; inputs: (TypedShape | undefined)[] }, xIndex: number, wIndex: number): ConvGeometry {
  const x = requireInput(ctx, xIndex).shape;
  const w = requireInput(ctx, wIndex).shape;
  if (x.length < 3 || x.length > 4) throw nodeError(ctx.node, `only 1-D and 2-D convolutions are supported (input rank ${x.length})`);
  if (w.length !== x.length) throw nodeError(ctx.node, `weight rank ${w.length} does not match input rank ${x.length}`);
  const group = attrInt(ctx.node, 'group', 1);
  const [batch, inC] = x;
  const outC = w[0];
  if (group < 1 || inC % group !== 0 || outC % group !== 0 || w[1] * group !== inC) {
    throw nodeError(ctx.node, `channels do not divide into ${group} groups (input ${inC}, weight ${w.join('x')})`);
  }
  const a = ctx.node.attributes.kernel_shape;
  if (a && (a.kind !== 'ints' || a.value.join('x') !== w.slice(2).join('x'))) {
    throw nodeError(ctx.node, `kernel_shape does not match the weight's ${w.slice(2).join('x')}`);
  }
  return { batch, inC, outC, group, geo: windowGeometry(ctx.node, x.slice(2), w.slice(2)) };
}

/** sum (x - xZero) * (w - wZero[oc]) over the taps inside the input, as exact integers. */
function integerConv(g: ConvGeometry, x: Ints, xZero: number, w: Ints, wZero: (oc: number) => number): Int32Array {
  const p = planeWindow(g.geo);
  const inCPerGroup = g.inC / g.group;
  const outCPerGroup = g.outC / g.group;
  const out = new Int32Array(g.batch * g.outC * p.out_h * p.out_w);
  const rows = Array.from({ length: p.out_h }, (_, oy) => validTaps(oy * p.stride_h - p.pad_top, p.dil_h, p.k_h, p.in_h));
  const cols = Array.from({ length: p.out_w }, (_, ox) => validTaps(ox * p.stride_w - p.pad_left, p.dil_w, p.k_w, p.in_w));
  let o = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oc = 0; oc < g.outC; oc++) {
      const firstIn = Math.floor(oc / outCPerGroup) * inCPerGroup;
      const wz = wZero(oc);
      for (const r of rows) {
        for (const c of cols) {
          let sum = 0;
          for (let ic = 0; ic < inCPerGroup; ic++) {
            for (let i = 0; i < r.taps.length; i++) {
              for (let j = 0; j < c.taps.length; j++) {
                const xv = Number(x[((n * g.inC + firstIn + ic) * p.in_h + r.positions[i]) * p.in_w + c.positions[j]]);
                const wv = Number(w[((oc * inCPerGroup + ic) * p.k_h + r.taps[i]) * p.k_w + c.taps[j]]);
                sum += (xv - xZero) * (wv - wz);
              }
            }
          }
          out[o++] = sum | 0;
        }
      }
    }
  }
  return out;
}

type MatMulShape = ReturnType<typeof matmulDims>;

/** sum_k (A[m][k] - aZero(m)) * (B[k][n] - bZero(n)), batch by batch, as exact integers. */
function integerMatMul(s: MatMulShape, a: Ints, aZero: (m: number) => number, b: Ints, bZero: (n: number) => number): Int32Array {
  const batches = elementCount(s.batch);
  const out = new Int32Array(batches * s.M * s.N);
  for (let index = 0; index < batches; index++) {
    let aBase = 0;
    let bBase = 0;
    let rest = index;
    for (let d = s.batch.length - 1; d >= 0; d--) {
      const coordinate = rest % s.batch[d];
      rest = Math.floor(rest / s.batch[d]);
      aBase += coordinate * s.aBatchStrides[d];
      bBase += coordinate * s.bBatchStrides[d];
    }
    for (let m = 0; m < s.M; m++) {
      for (let n = 0; n < s.N; n++) {
        let sum = 0;
        for (let k = 0; k < s.K; k++) {
          sum += (Number(a[aBase + m * s.K + k]) - aZero(m)) * (Number(b[bBase + k * s.N + n]) - bZero(n));
        }
        out[(index * s.M + m) * s.N + n] = sum | 0;
      }
    }
  }
  return out;
}

/** ONNX's requantisation of an int32 sum: round(acc × multiplier) half to even, plus the zero point, saturated. */
function requantize(acc: Int32Array, multiplier: (i: number) => number, zeroPoint: number, dtype: DType): Int8Array | Uint8Array {
  const [lo, hi] = dtype === 'uint8' ? [0, 255] : [-128, 127];
  const out = dtype === 'uint8' ? new Uint8Array(acc.length) : new Int8Array(acc.length);
  for (let i = 0; i < acc.length; i++) {
    out[i] = Math.min(hi, Math.max(lo, roundHalfToEven(Math.fround(acc[i] * multiplier(i))) + zeroPoint));
  }
  return out;
}

const dataOf = (t: ConstTensor | undefined) => t?.data as Ints | undefined;

// ---- QLinearConv ---------------------------------------------------------------------------

export const qlinearConvFamily: OpFamily = {
  opTypes: ['QLinearConv'],
  opsets: [10, 17],
  dtypes: EIGHT_BIT,

  inferShapes(ctx: ShapeContext) {
    requireDtypes(ctx, EIGHT_BIT, 0, 2, 3, 5, 7);
    requireDtypes(ctx, ['float32'], 1, 4, 6);
    requireDtypes(ctx, ['int32'], 8);
    const g = integerConvShapes(ctx, 0, 3);
    requireScalarOr1D(ctx, 1, 'x_scale');
    requireScalarOr1D(ctx, 2, 'x_zero_point');
    requireScalarOr1D(ctx, 4, 'w_scale', g.outC);
    requireScalarOr1D(ctx, 5, 'w_zero_point', g.outC);
    requireScalarOr1D(ctx, 6, 'y_scale');
    requireScalarOr1D(ctx, 7, 'y_zero_point');
    const b = ctx.inputs[8];
    if (b && (b.shape.length !== 1 || b.shape[0] !== g.outC)) throw nodeError(ctx.node, `bias shape ${b.shape.join('x')} must be [${g.outC}]`);
    const dtype = requireInput(ctx, 7).dtype;
    return [{ dtype, shape: [g.batch, g.outC, ...g.geo.spatialOut] }];
  },

  evaluate(ctx: EvalContext) {
    const [x, xs, xz, w, ws, wz, ys, yz, b] = ctx.inputs;
    const g = integerConvShapes({ node: ctx.node, inputs: ctx.inputTypes }, 0, 3);
    const acc = integerConv(g, x!.data as Ints, perEntry(dataOf(xz), 0), w!.data as Ints, (oc) => perEntry(dataOf(wz), oc));
    const plane = elementCount(g.geo.spatialOut);
    const bias = dataOf(b);
    if (bias) for (let i = 0; i < acc.length; i++) acc[i] += Number(bias[Math.floor(i / plane) % g.outC]);
    const f = Math.fround;
    const xScale = perEntry(dataOf(xs), 0);
    const yScale = perEntry(dataOf(ys), 0);
    const dtype = ctx.outputs[0].dtype;
    const data = requantize(acc, (i) => f(f(xScale * perEntry(dataOf(ws), Math.floor(i / plane) % g.outC)) / yScale), perEntry(dataOf(yz), 0), dtype);
    return [{ name: ctx.node.outputs[0], dtype, shape: ctx.outputs[0].shape, data }];
  },
  // No lower: passes/qdq.ts rewrites every QLinearConv before lowering.
};

// ---- QLinearMatMul -------------------------------------------------------------------------

export const qlinearMatMulFamily: OpFamily = {
  opTypes: ['QLinearMatMul'],
  opsets: [10, 17],
  dtypes: EIGHT_BIT,

  inferShapes(ctx: ShapeContext) {
    requireDtypes(ctx, EIGHT_BIT, 0, 2, 3, 5, 7);
    requireDtypes(ctx, ['float32'], 1, 4, 6);
    const s = matmulDims(ctx, 0, 3);
    if (requireInput(ctx, 0).shape.length !== 2 || requireInput(ctx, 3).shape.length !== 2) {
      // Per-row and per-column parameters are only defined for matrices; scalars work for any rank.
      for (const i of [1, 2, 4, 5]) requireScalarOr1D(ctx, i, 'a scale or zero point of a batched operand');
    } else {
      requireScalarOr1D(ctx, 1, 'a_scale', s.M);
      requireScalarOr1D(ctx, 2, 'a_zero_point', s.M);
      requireScalarOr1D(ctx, 4, 'b_scale', s.N);
      requireScalarOr1D(ctx, 5, 'b_zero_point', s.N);
    }
    requireScalarOr1D(ctx, 6, 'y_scale');
    requireScalarOr1D(ctx, 7, 'y_zero_point');
    return [{ dtype: requireInput(ctx, 7).dtype, shape: s.out }];
  },

  evaluate(ctx: EvalContext) {
    const [a, as, az, b, bs, bz, ys, yz] = ctx.inputs;
    const s = matmulDims({ node: ctx.node, inputs: ctx.inputTypes }, 0, 3);
    const acc = integerMatMul(s, a!.data as Ints, (m) => perEntry(dataOf(az), m), b!.data as Ints, (n) => perEntry(dataOf(bz), n));
    const f = Math.fround;
    const yScale = perEntry(dataOf(ys), 0);
    const dtype = ctx.outputs[0].dtype;
    const data = requantize(acc, (i) => {
      const n = i % s.N;
      const m = Math.floor(i / s.N) % s.M;
      return f(f(perEntry(dataOf(as), m) * perEntry(dataOf(bs), n)) / yScale);
    }, perEntry(dataOf(yz), 0), dtype);
    return [{ name: ctx.node.outputs[0], dtype, shape: ctx.outputs[0].shape, data }];
  },
  // No lower: passes/qdq.ts rewrites every QLinearMatMul before lowering.
};

// ---- MatMulInteger and ConvInteger: int32 results ------------------------------------------

/** A zero point argument: the model's, or a zero the kernel can read when the model has none. */
function zeroPointArg(ctx: LowerContext, index: number, dtype: DType): KernelArg {
  if (ctx.node.inputs[index]) return inputArg(ctx, index);
  const data = dtype === 'uint8' ? new Uint8Array(1) : new Int8Array(1);
  return { kind: 'derived', tensor: { name: `${ctx.node.name}::zero_point_${index}`, dtype, shape: [1], data } };
}

const zeroPointCount = (ctx: { inputs: (TypedShape | undefined)[] }, index: number) => (ctx.inputs[index] ? elementCount(ctx.inputs[index]!.shape) : 1);

function requireMatchingZeroPoint(ctx: ShapeContext, operand: number, zeroPoint: number): void {
  const z = ctx.inputs[zeroPoint];
  if (z && z.dtype !== requireInput(ctx, operand).dtype) {
    throw nodeError(ctx.node, `zero point input ${zeroPoint} is ${z.dtype} but input ${operand} is ${ctx.inputs[operand]!.dtype}`);
  }
}

const padDims = (v: number[]) => [...v, ...Array(O2M_MAX_DIMS - v.length).fill(0)];

export const matmulIntegerFamily: OpFamily = {
  opTypes: ['MatMulInteger'],
  opsets: [10, 17],
  dtypes: EIGHT_BIT,

  inferShapes(ctx: ShapeContext) {
    requireDtypes(ctx, EIGHT_BIT, 0, 1, 2, 3);
    requireMatchingZeroPoint(ctx, 0, 2);
    requireMatchingZeroPoint(ctx, 1, 3);
    const s = matmulDims(ctx, 0, 1);
    const aRank = requireInput(ctx, 0).shape.length;
    const bRank = requireInput(ctx, 1).shape.length;
    requireScalarOr1D(ctx, 2, 'a_zero_point', aRank === 2 ? s.M : undefined);
    requireScalarOr1D(ctx, 3, 'b_zero_point', bRank === 2 ? s.N : undefined);
    return [{ dtype: 'int32', shape: s.out }];
  },

  evaluate(ctx: EvalContext) {
    const [a, b, az, bz] = ctx.inputs;
    const s = matmulDims({ node: ctx.node, inputs: ctx.inputTypes }, 0, 1);
    const data = integerMatMul(s, a!.data as Ints, (m) => perEntry(dataOf(az), m), b!.data as Ints, (n) => perEntry(dataOf(bz), n));
    return [{ name: ctx.node.outputs[0], dtype: 'int32', shape: ctx.outputs[0].shape, data }];
  },

  lower(ctx: LowerContext): KernelCall {
    const s = matmulDims(ctx, 0, 1);
    if (s.batch.length > O2M_MAX_DIMS) throw nodeError(ctx.node, `more than ${O2M_MAX_DIMS} batch axes`);
    const a = requireInput(ctx, 0).dtype;
    const b = requireInput(ctx, 1).dtype;
    return {
      node: ctx.node.name, opType: 'MatMulInteger', kernel: 'o2m_matmul_integer', paramsType: 'o2m_matmul_integer_params',
      params: {
        ...intParams({ M: s.M, N: s.N, K: s.K, batch_rank: s.batch.length }),
        batch_shape: { ints: padDims(s.batch) },
        a_batch_strides: { ints: padDims(s.aBatchStrides) },
        b_batch_strides: { ints: padDims(s.bBatchStrides) },
        ...intParams({
          a_unsigned: a === 'uint8' ? 1 : 0, b_unsigned: b === 'uint8' ? 1 : 0,
          a_zero_point_per_row: zeroPointCount(ctx, 2) > 1 ? 1 : 0,
          b_zero_point_per_column: zeroPointCount(ctx, 3) > 1 ? 1 : 0,
        }),
      },
      args: [inputArg(ctx, 0), inputArg(ctx, 1), zeroPointArg(ctx, 2, a), zeroPointArg(ctx, 3, b), outputArg(ctx)],
      macs: elementCount(s.batch) * s.M * s.N * s.K,
    };
  },
};

export const convIntegerFamily: OpFamily = {
  opTypes: ['ConvInteger'],
  opsets: [10, 17],
  dtypes: EIGHT_BIT,

  inferShapes(ctx: ShapeContext) {
    requireDtypes(ctx, EIGHT_BIT, 0, 1, 2, 3);
    requireMatchingZeroPoint(ctx, 0, 2);
    requireMatchingZeroPoint(ctx, 1, 3);
    const g = integerConvShapes(ctx, 0, 1);
    requireScalarOr1D(ctx, 2, 'x_zero_point');
    requireScalarOr1D(ctx, 3, 'w_zero_point', g.outC);
    return [{ dtype: 'int32', shape: [g.batch, g.outC, ...g.geo.spatialOut] }];
  },

  evaluate(ctx: EvalContext) {
    const [x, w, xz, wz] = ctx.inputs;
    const g = integerConvShapes({ node: ctx.node, inputs: ctx.inputTypes }, 0, 1);
    const data = integerConv(g, x!.data as Ints, perEntry(dataOf(xz), 0), w!.data as Ints, (oc) => perEntry(dataOf(wz), oc));
    return [{ name: ctx.node.outputs[0], dtype: 'int32', shape: ctx.outputs[0].shape, data }];
  },

  lower(ctx: LowerContext): KernelCall {
    const g = integerConvShapes(ctx, 0, 1);
    const p = planeWindow(g.geo);
    const x = requireInput(ctx, 0).dtype;
    const w = requireInput(ctx, 1).dtype;
    return {
      node: ctx.node.name, opType: 'ConvInteger', kernel: 'o2m_conv_integer', paramsType: 'o2m_conv_integer_params',
      params: intParams({
        batch: g.batch, in_c: g.inC, in_h: p.in_h, in_w: p.in_w, out_c: g.outC, out_h: p.out_h, out_w: p.out_w,
        k_h: p.k_h, k_w: p.k_w, stride_h: p.stride_h, stride_w: p.stride_w,
        pad_top: p.pad_top, pad_left: p.pad_left, dil_h: p.dil_h, dil_w: p.dil_w, groups: g.group,
        x_unsigned: x === 'uint8' ? 1 : 0, w_unsigned: w === 'uint8' ? 1 : 0,
        w_zero_point_per_channel: zeroPointCount(ctx, 3) > 1 ? 1 : 0,
      }),
      args: [inputArg(ctx, 0), inputArg(ctx, 1), zeroPointArg(ctx, 2, x), zeroPointArg(ctx, 3, w), outputArg(ctx)],
      macs: g.batch * g.outC * p.out_h * p.out_w * (g.inC / g.group) * p.k_h * p.k_w,
    };
  },
};

// ---- DynamicQuantizeLinear -----------------------------------------------------------------

/** ONNX's DynamicQuantizeLinear in float32, as o2m_dynamic_quantize_linear computes it. */
export function dynamicQuantize(x: Float32Array): { data: Uint8Array; scale: number; zeroPoint: number } {
  const f = Math.fround;
  let min = 0;
  let max = 0;
  for (const v of x) { if (v < min) min = v; if (v > max) max = v; }
  const scale = max === min ? 1 : f(f(max - min) / 255);
  const saturate = (v: number) => (!(v >= 0) ? 0 : Math.min(255, v));
  const zeroPoint = roundHalfToEven(saturate(f(0 - f(min / scale))));
  const data = Uint8Array.from(x, (v) => saturate(roundHalfToEven(f(v / scale)) + zeroPoint));
  return { data, scale, zeroPoint };
}

export const dynamicQuantizeLinearFamily: OpFamily = {
  opTypes: ['DynamicQuantizeLinear'],
  opsets: [11, 17],

  inferShapes(ctx: ShapeContext) {
    requireDtypes(ctx, ['float32'], 0);
    return [
      { dtype: 'uint8', shape: requireInput(ctx, 0).shape },
      { dtype: 'float32', shape: [] },
      { dtype: 'uint8', shape: [] },
    ];
  },

  evaluate(ctx: EvalContext) {
    const { data, scale, zeroPoint } = dynamicQuantize(ctx.inputs[0]!.data as Float32Array);
    const [y, ys, yz] = ctx.node.outputs;
    return [
      { name: y, dtype: 'uint8', shape: ctx.outputs[0].shape, data },
      { name: ys, dtype: 'float32', shape: [], data: Float32Array.of(scale) },
      { name: yz, dtype: 'uint8', shape: [], data: Uint8Array.of(zeroPoint) },
    ];
  },

  lower(ctx: LowerContext): KernelCall {
    const written = (i: number): KernelArg => (ctx.node.outputs[i] ? outputArg(ctx, i) : { kind: 'scratch', ctype: i === 1 ? 'float' : 'uint8_t' });
    return {
      node: ctx.node.name, opType: 'DynamicQuantizeLinear', kernel: 'o2m_dynamic_quantize_linear',
      paramsType: 'o2m_dynamic_quantize_linear_params',
      params: { count: { int: elementCount(requireInput(ctx, 0).shape) } },
      args: [inputArg(ctx, 0), written(0), written(1), written(2)],
      macs: 0,
    };
  },
  // An output nobody reads still needs somewhere to go: they share one scratch buffer.
  scratchBytes: (ctx) => ([0, 1, 2].some((i) => !ctx.node.outputs[i])
    ? Math.max(4, elementCount(requireInput(ctx, 0).shape)) : 0),
};

export const families: OpFamily[] = [
  qdqDequantizeFamily, qlinearConvFamily, qlinearMatMulFamily, matmulIntegerFamily, convIntegerFamily, dynamicQuantizeLinearFamily,
];
