// Pad in constant, reflect and edge modes, and the padding walk Tile shares (wrap mode):
// the reference of runtime-c/kernels/pad.c and its kernel call.
import { DTYPE_BYTES, elementCount, type ConstTensor, type DType, type Node, type TensorData } from '../ir/graph.js';
import { allocateTensorData } from '../onnx/tensor-bytes.js';
import { castData, scalarTensor } from './cast.js';
import { constantIntsInput } from './constant-inputs.js';
import {
  attrFloat, attrInts, attrString, inputArg, nodeError, outputArg, requireDtypes, requireInput,
  type KernelArg, type KernelCall, type OpFamily, type TypedShape,
} from './op.js';
import { denseStrides, MAX_KERNEL_DIMS, MOVABLE_DTYPES } from './strided-copy.js';
import { isQuantizedNode, perTensor, quantizationOf } from './int8-lowering.js';
import { quantizeValue } from '../quantize/params.js';

export type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';

const MODE_ENUM: Record<PadMode, string> = {
  constant: 'O2M_PAD_CONSTANT', reflect: 'O2M_PAD_REFLECT', edge: 'O2M_PAD_EDGE', wrap: 'O2M_PAD_WRAP',
};

/** Padding of a tensor: how many elements to add before each axis (negative: crop) and the output shape. */
export interface Padding {
  mode: PadMode;
  inShape: number[];
  outShape: number[];
  padsBegin: number[];
}

/** The input coordinate output coordinate `o` reads along one axis, or -1 for the constant. */
function sourceCoordinate(o: number, padBegin: number, size: number, mode: PadMode): number {
  let i = o - padBegin;
  if (i >= 0 && i < size) return i;
  switch (mode) {
    case 'edge': return i < 0 ? 0 : size - 1;
    case 'reflect': {
      if (size === 1) return 0;
      const period = 2 * (size - 1);
      i %= period;
      if (i < 0) i += period;
      return i < size ? i : period - i;
    }
    case 'wrap': {
      i %= size;
      return i < 0 ? i + size : i;
    }
    default: return -1;
  }
}

/** Runs a padding in TypeScript, element by element as the C kernel does. */
export function evaluatePadding(name: string, dtype: DType, padding: Padding, input: TensorData, constant: TensorData): ConstTensor {
  if (dtype === 'string' || Array.isArray(input) || Array.isArray(constant)) throw new Error('internal: padding strings');
  const { outShape, inShape, padsBegin, mode } = padding;
  const count = elementCount(outShape);
  const data = allocateTensorData(dtype, count);
  const to = data as unknown as { [i: number]: number | bigint };
  const inStrides = denseStrides(inShape);
  const index = Array<number>(outShape.length).fill(0);
  for (let o = 0; o < count; o++) {
    let at = 0;
    for (let axis = 0; axis < outShape.length && at >= 0; axis++) {
      const i = sourceCoordinate(index[axis], padsBegin[axis], inShape[axis], mode);
      at = i < 0 ? -1 : at + i * inStrides[axis];
    }
    to[o] = at < 0 ? constant[0] : input[at];
    for (let axis = outShape.length - 1; axis >= 0; axis--) {
      if (++index[axis] < outShape[axis]) break;
      index[axis] = 0;
    }
  }
  return { name, dtype, shape: outShape, data };
}

/** Checks a padding against its input and returns it. */
export function makePadding(node: Node, mode: PadMode, inShape: number[], padsBegin: number[], padsEnd: number[]): Padding {
  const outShape = inShape.map((d, i) => d + padsBegin[i] + padsEnd[i]);
  outShape.forEach((d, i) => {
    if (d < 0) throw nodeError(node, `pads [${padsBegin[i]}, ${padsEnd[i]}] crop more than axis ${i} of size ${inShape[i]} holds`);
    if (mode !== 'constant' && inShape[i] === 0 && d > 0) {
      throw nodeError(node, `${mode} padding of an empty axis ${i} has nothing to repeat`);
    }
  });
  return { mode, inShape, outShape, padsBegin };
}

/**
 * The padding with adjacent axes merged where the kernel sees no difference: an unpadded axis
 * joins the axis outside it when that one is unpadded too, or in constant mode (where padding
 * an outer axis pads whole rows of the inner one).
 */
function mergeAxes(p: Padding): Padding {
  const merged: Padding = { mode: p.mode, inShape: [], outShape: [], padsBegin: [] };
  let outerUnpadded = false;
  p.inShape.forEach((d, axis) => {
    const unpadded = d === p.outShape[axis] && p.padsBegin[axis] === 0;
    if (unpadded && d === 1) return;
    const last = merged.inShape.length - 1;
    if (last >= 0 && unpadded && (outerUnpadded || p.mode === 'constant')) {
      merged.inShape[last] *= d;
      merged.outShape[last] *= d;
      merged.padsBegin[last] *= d;
      return;
    }
    merged.inShape.push(d);
    merged.outShape.push(p.outShape[axis]);
    merged.padsBegin.push(p.padsBegin[axis]);
    outerUnpadded = unpadded;
  });
  if (merged.inShape.length === 0) return { mode: p.mode, inShape: [1], outShape: [1], padsBegin: [0] };
  return merged;
}

export function padCall(node: Node, dtype: DType, padding: Padding, input: KernelArg, constant: KernelArg, output: KernelArg): KernelCall {
  const p = elementCount(padding.outShape) === 0
    ? { ...padding, inShape: [0], outShape: [0], padsBegin: [0] }
    : mergeAxes(padding);
  if (p.inShape.length > MAX_KERNEL_DIMS) {
    throw nodeError(node, `padding ${p.inShape.length} axes that cannot be merged; the runtime takes at most ${MAX_KERNEL_DIMS}`);
  }
  const fill = (v: number[]) => [...v, ...Array(MAX_KERNEL_DIMS - v.length).fill(0)];
  return {
    node: node.name,
    opType: node.opType,
    kernel: 'o2m_pad',
    paramsType: 'o2m_pad_params',
    params: {
      element_size: { int: DTYPE_BYTES[dtype] },
      mode: { enum: MODE_ENUM[p.mode] },
      rank: { int: p.inShape.length },
      in_shape: { ints: fill(p.inShape) },
      out_shape: { ints: fill(p.outShape) },
      pads_begin: { ints: fill(p.padsBegin) },
    },
    args: [input, constant, output],
    macs: 0,
  };
}

// ---- the Pad operator ----------------------------------------------------------------------

interface PadContext {
  node: Node;
  inputs: (TypedShape | undefined)[];
  constants: (ConstTensor | undefined)[];
  opset: number;
}

function padOf(ctx: PadContext): Padding {
  const x = requireInput(ctx, 0).shape;
  const mode = attrString(ctx.node, 'mode', 'constant');
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') {
    throw nodeError(ctx.node, `mode '${mode}' is not one of constant, reflect, edge`);
  }
  // Pad-1 called the attribute 'paddings', Pad-2 'pads'; from Pad-11 the pads are an input.
  const pads = ctx.opset >= 11
    ? constantIntsInput(ctx, 1, 'pads')
    : attrInts(ctx.node, ctx.opset < 2 ? 'paddings' : 'pads');
  if (!pads) throw nodeError(ctx.node, 'the pads input is required');
  if ((ctx.node.inputs[3] ?? '') !== '') throw nodeError(ctx.node, 'the axes input (opset 18) is not supported');
  if (pads.length !== 2 * x.length) throw nodeError(ctx.node, `pads has ${pads.length} entries; ${2 * x.length} expected for rank ${x.length}`);
  return makePadding(ctx.node, mode, x, pads.slice(0, x.length), pads.slice(x.length));
}

/** The constant the padding holds: the constant_value input (opset 11+) or the value attribute. */
function constantValueInput(ctx: PadContext): number | undefined {
  const given = ctx.opset >= 11 && (ctx.node.inputs[2] ?? '') !== '';
  if (given) {
    const v = ctx.inputs[2];
    if (v && v.dtype !== requireInput(ctx, 0).dtype) throw nodeError(ctx.node, `constant_value is ${v.dtype}, the data ${requireInput(ctx, 0).dtype}`);
    if (v && elementCount(v.shape) !== 1) throw nodeError(ctx.node, 'constant_value must hold one element');
    return undefined;
  }
  return ctx.opset < 11 ? attrFloat(ctx.node, 'value', 0) : 0;
}

export const padFamily: OpFamily = {
  opTypes: ['Pad'],
  opsets: [1, 17],
  dtypes: MOVABLE_DTYPES,
  inferShapes(ctx) {
    requireDtypes(ctx, MOVABLE_DTYPES, 0);
    constantValueInput(ctx);
    return [{ dtype: requireInput(ctx, 0).dtype, shape: padOf(ctx).outShape }];
  },
  evaluate(ctx) {
    const x = ctx.inputs[0]!;
    const shapeCtx = { ...ctx, inputs: ctx.inputTypes, constants: ctx.inputs };
    const value = constantValueInput(shapeCtx);
    const constant = value === undefined ? ctx.inputs[2]!.data : castData(Float64Array.of(value), 'float64', x.dtype);
    return [evaluatePadding(ctx.node.outputs[0], x.dtype, padOf(shapeCtx), x.data, constant)];
  },
  // Pure data movement at the input's scale. A constant_value input is quantized with the
  // input's scale by the quantize pass; the attribute (or the default 0) is quantized here.
  int8: { output: 'input' },
  lower(ctx) {
    const dtype = requireInput(ctx, 0).dtype;
    const value = constantValueInput(ctx);
    const level = value !== undefined && isQuantizedNode(ctx) ? quantizeValue(value, perTensor(quantizationOf(ctx, 0))) : value;
    const constant: KernelArg = level === undefined
      ? inputArg(ctx, 2)
      : { kind: 'derived', tensor: scalarTensor(`${ctx.node.name}_pad_value`, dtype, level) };
    return padCall(ctx.node, dtype, padOf(ctx), inputArg(ctx, 0), constant, outputArg(ctx));
  },
};
