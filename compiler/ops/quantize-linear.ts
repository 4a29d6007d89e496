// QuantizeLinear and DequantizeLinear: the border between float and integer parts of a model,
// as ONNX defines it (round half to even, saturate). The quantize pass inserts them where an
// int8 region begins and ends; pre-quantized (QDQ) models bring their own.
import { elementCount, type ConstTensor, type DType, type Node } from '../ir/graph.js';
import {
  attrInt, inputArg, nodeError, normaliseAxis, outputArg, requireDtypes, requireInput,
  type EvalContext, type KernelArg, type KernelCall, type LowerContext, type OpFamily, type ShapeContext, type TypedShape,
} from './op.js';

const QUANTIZED_DTYPES: DType[] = ['int8', 'uint8'];
const DEQUANTIZABLE_DTYPES: DType[] = ['int8', 'uint8', 'int32'];
const SATURATION: Partial<Record<DType, [number, number]>> = { int8: [-128, 127], uint8: [0, 255] };

/** C's rintf in round-to-nearest mode: halves go to the even neighbour, as ONNX specifies. */
export function roundHalfToEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The tensor as [outer][channels][inner] for its scale: one channel per tensor, or along `axis`. */
function channelLayout(node: Node, shape: number[], scaleShape: number[], opset: number) {
  const channels = elementCount(scaleShape);
  if (scaleShape.length === 0 || (scaleShape.length === 1 && channels === 1 && opset < 13)) {
    return { outer: 1, channels: 1, inner: elementCount(shape) };
  }
  if (scaleShape.length !== 1) throw nodeError(node, `the scale must be a scalar or 1-D, got shape [${scaleShape.join(', ')}]`);
  if (opset < 13 && channels !== 1) throw nodeError(node, 'per-axis scales need opset 13');
  const axis = normaliseAxis(node, attrInt(node, 'axis', 1), shape.length);
  if (shape[axis] !== channels && channels !== 1) {
    throw nodeError(node, `${channels} scales for axis ${axis} of length ${shape[axis]}`);
  }
  if (channels === 1) return { outer: 1, channels: 1, inner: elementCount(shape) };
  return {
    outer: elementCount(shape.slice(0, axis)), channels, inner: elementCount(shape.slice(axis + 1)),
  };
}

function checkScaleAndZeroPoint(ctx: ShapeContext): TypedShape | undefined {
  requireDtypes(ctx, ['float32'], 1);
  const scale = requireInput(ctx, 1);
  const zeroPoint = ctx.inputs[2];
  if (zeroPoint && zeroPoint.shape.join('x') !== scale.shape.join('x')) {
    throw nodeError(ctx.node, `zero point shape [${zeroPoint.shape.join(', ')}] differs from the scale's [${scale.shape.join(', ')}]`);
  }
  channelLayout(ctx.node, requireInput(ctx, 0).shape, scale.shape, ctx.opset);
  return zeroPoint;
}

/** Runs `f(value, scale, zeroPoint)` over every element with its channel's parameters. */
function mapChannels(ctx: EvalContext, out: (length: number) => Float32Array | Int8Array | Uint8Array | Int32Array, f: (v: number, s: number, z: number) => number) {
  const x = ctx.inputs[0]!;
  const scales = ctx.inputs[1]!.data as Float32Array;
  const zeroPoints = ctx.inputs[2]?.data as ArrayLike<number> | undefined;
  const { outer, channels, inner } = channelLayout(ctx.node, x.shape, ctx.inputs[1]!.shape, ctx.opset);
  const data = out(x.data.length);
  let i = 0;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      for (let k = 0; k < inner; k++, i++) data[i] = f(Number(x.data[i]), scales[c], zeroPoints ? Number(zeroPoints[c]) : 0);
    }
  }
  return data;
}

function layoutParams(ctx: LowerContext) {
  const { outer, channels, inner } = channelLayout(ctx.node, requireInput(ctx, 0).shape, requireInput(ctx, 1).shape, ctx.opset);
  return { outer: { int: outer }, channels: { int: channels }, inner: { int: inner } };
}

/** A missing zero point is zero: the kernels always read one per channel. */
function zeroPointArg(ctx: LowerContext, dtype: DType): KernelArg {
  if (ctx.node.inputs[2]) return inputArg(ctx, 2);
  const channels = elementCount(requireInput(ctx, 1).shape);
  const data = dtype === 'int8' ? new Int8Array(channels) : dtype === 'uint8' ? new Uint8Array(channels) : new Int32Array(channels);
  return { kind: 'derived', tensor: { name: `${ctx.node.name}::zero_point`, dtype, shape: [channels], data } };
}

function call(ctx: LowerContext, kernel: string, zeroPointDtype: DType): KernelCall {
  return {
    node: ctx.node.name, opType: ctx.node.opType, kernel, paramsType: 'o2m_quantize_linear_params',
    params: layoutParams(ctx),
    args: [inputArg(ctx, 0), inputArg(ctx, 1), zeroPointArg(ctx, zeroPointDtype), outputArg(ctx)],
    macs: 0,
  };
}

export const quantizeLinearFamily: OpFamily = {
  opTypes: ['QuantizeLinear'],
  opsets: [10, 17],
  dtypes: ['float32', 'int8', 'uint8'],

  inferShapes(ctx) {
    requireDtypes(ctx, ['float32'], 0);
    const zeroPoint = checkScaleAndZeroPoint(ctx);
    requireDtypes(ctx, QUANTIZED_DTYPES, 2);
    return [{ dtype: zeroPoint?.dtype ?? 'uint8', shape: requireInput(ctx, 0).shape }];
  },

  evaluate(ctx) {
    const dtype = ctx.outputs[0].dtype;
    const [lo, hi] = SATURATION[dtype]!;
    const f = Math.fround;
    const data = mapChannels(ctx, (n) => (dtype === 'int8' ? new Int8Array(n) : new Uint8Array(n)),
      (v, s, z) => Math.min(hi, Math.max(lo, roundHalfToEven(f(v / s)) + z)));
    return [{ name: ctx.node.outputs[0], dtype, shape: ctx.outputs[0].shape, data }];
  },

  lower(ctx) {
    const dtype = ctx.outputs[0].dtype;
    return call(ctx, `o2m_quantize_linear_${dtype === 'int8' ? 'i8' : 'u8'}`, dtype);
  },
};

export const dequantizeLinearFamily: OpFamily = {
  opTypes: ['DequantizeLinear'],
  opsets: [10, 17],
  dtypes: DEQUANTIZABLE_DTYPES,

  inferShapes(ctx) {
    requireDtypes(ctx, DEQUANTIZABLE_DTYPES, 0);
    const zeroPoint = checkScaleAndZeroPoint(ctx);
    const x = requireInput(ctx, 0);
    if (zeroPoint && zeroPoint.dtype !== x.dtype) throw nodeError(ctx.node, `zero point is ${zeroPoint.dtype} but the input is ${x.dtype}`);
    return [{ dtype: 'float32', shape: x.shape }];
  },

  evaluate(ctx) {
    const f = Math.fround;
    const data = mapChannels(ctx, (n) => new Float32Array(n), (v, s, z) => f(f(v - z) * s));
    return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: ctx.outputs[0].shape, data }];
  },

  lower(ctx) {
    const dtype = requireInput(ctx, 0).dtype;
    const suffix = dtype === 'int8' ? 'i8' : dtype === 'uint8' ? 'u8' : 'i32';
    return call(ctx, `o2m_dequantize_linear_${suffix}`, dtype);
  },
};

/** A QuantizeLinear or DequantizeLinear node with per-tensor constants, as the quantize pass inserts. */
export function borderNode(opType: 'QuantizeLinear' | 'DequantizeLinear', name: string, input: string, output: string, scale: string, zeroPoint: string): Node {
  return { name, opType, domain: '', inputs: [input, scale, zeroPoint], outputs: [output], attributes: {} };
}

/** The scalar initializers a border node reads. */
export function borderConstants(prefix: string, scale: number, zeroPoint: number): ConstTensor[] {
  return [
    { name: `${prefix}::scale`, dtype: 'float32', shape: [], data: Float32Array.of(scale) },
    { name: `${prefix}::zero_point`, dtype: 'int8', shape: [], data: Int8Array.of(zeroPoint) },
  ];
}

export const families: OpFamily[] = [quantizeLinearFamily, dequantizeLinearFamily];
