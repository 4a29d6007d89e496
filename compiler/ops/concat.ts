// Concat and Split: one strided copy per input into its slot of the output, or per output
// out of its slot of the input. Viewed as [outer][axis][inner], a slot is a column band.
import {
  attrInt, attrInts, inputArg, nodeError, normaliseAxis, outputArg, requireDtypes, requireInput,
  type KernelCall, type LowerContext, type OpFamily, type TypedShape,
} from './op.js';
import { isQuantizedNode, perTensor, quantizationOf, requantizeCopyCall } from './int8-lowering.js';
import { DTYPE_BYTES, elementCount, type ConstTensor, type DType, type Node } from '../ir/graph.js';
import { constantIntsInput } from './constant-inputs.js';
import { evaluateWalks, MOVABLE_DTYPES, stridedCopyCall, type StridedWalk } from './strided-copy.js';

/**
 * A part of `partShape` that fills the band [start, start + partShape[axis]) along `axis` of a
 * tensor whose axis has `total` entries. Both are viewed as [outer][row]: the part's rows are
 * dense, the band's rows are strided by the whole tensor's row.
 */
function band(partShape: number[], axis: number, start: number, total: number) {
  const outer = elementCount(partShape.slice(0, axis));
  const inner = elementCount(partShape.slice(axis + 1));
  const row = partShape[axis] * inner;
  return {
    shape: [outer, row],
    part: { strides: [row, 1], offset: 0 },
    whole: { strides: [total * inner, 1], offset: start * inner },
  };
}

/** Concat: a part copied into its band of the output. */
function intoBand(partShape: number[], axis: number, start: number, total: number): StridedWalk {
  const { shape, part, whole } = band(partShape, axis, start, total);
  return { shape, inStrides: part.strides, inOffset: part.offset, outStrides: whole.strides, outOffset: whole.offset };
}

/** Split: a band of the input copied out into a part. */
function outOfBand(partShape: number[], axis: number, start: number, total: number): StridedWalk {
  const { shape, part, whole } = band(partShape, axis, start, total);
  return { shape, inStrides: whole.strides, inOffset: whole.offset, outStrides: part.strides, outOffset: part.offset };
}

// ---- Concat ------------------------------------------------------------------------------

function concatAxis(node: Node, rank: number, opset: number): number {
  // Concat-1 defaulted the axis to 1; from opset 4 it is required.
  return normaliseAxis(node, attrInt(node, 'axis', opset < 4 ? 1 : undefined), rank);
}

function concatShape(node: Node, inputs: TypedShape[], opset: number): { axis: number; shape: number[] } {
  if (inputs.length === 0) throw nodeError(node, 'needs at least one input');
  const first = inputs[0].shape;
  const axis = concatAxis(node, first.length, opset);
  let sum = 0;
  for (const t of inputs) {
    if (t.dtype !== inputs[0].dtype) throw nodeError(node, `inputs mix ${inputs[0].dtype} and ${t.dtype}`);
    if (t.shape.length !== first.length || t.shape.some((d, i) => i !== axis && d !== first[i])) {
      throw nodeError(node, `input shapes [${first.join(',')}] and [${t.shape.join(',')}] differ outside axis ${axis}`);
    }
    sum += t.shape[axis];
  }
  return { axis, shape: first.map((d, i) => (i === axis ? sum : d)) };
}

/** Each input's walk into its band of the output. */
function concatWalks(node: Node, inputs: TypedShape[], opset: number): { shape: number[]; walks: StridedWalk[] } {
  const { axis, shape } = concatShape(node, inputs, opset);
  let start = 0;
  const walks = inputs.map((t) => {
    const walk = intoBand(t.shape, axis, start, shape[axis]);
    start += t.shape[axis];
    return walk;
  });
  return { shape, walks };
}

function present<T>(values: (T | undefined)[], node: Node): T[] {
  return values.map((v, i) => {
    if (!v) throw nodeError(node, `input ${i} is missing`);
    return v;
  });
}

export const concatFamily: OpFamily = {
  opTypes: ['Concat'],
  dtypes: MOVABLE_DTYPES,
  inferShapes(ctx) {
    requireDtypes(ctx, MOVABLE_DTYPES, ...ctx.inputs.keys());
    const inputs = present(ctx.inputs, ctx.node);
    return [{ dtype: inputs[0].dtype, shape: concatShape(ctx.node, inputs, ctx.opset).shape }];
  },
  evaluate(ctx) {
    const inputs = present(ctx.inputs, ctx.node);
    const { shape, walks } = concatWalks(ctx.node, inputs, ctx.opset);
    return [evaluateWalks(ctx.node.outputs[0], inputs[0].dtype, shape, walks.map((walk, i) => ({ walk, input: inputs[i] })))];
  },
  // Each input keeps its own calibrated scale; those that differ from the output's are rescaled
  // into their band, the others copied byte for byte.
  int8: { output: 'calibrated' },
  // Along the outermost axis every band is one contiguous run of bytes: an input whose values
  // are the output's (same type, same scale) can be computed there directly.
  slots(ctx) {
    const inputs = present(ctx.inputs, ctx.node);
    const { axis, shape } = concatShape(ctx.node, inputs, ctx.opset);
    if (elementCount(shape.slice(0, axis)) !== 1) return [];
    const bytes = DTYPE_BYTES[inputs[0].dtype];
    const out = ctx.quantization(ctx.node.outputs[0]);
    let offset = 0;
    return inputs.flatMap((t, input) => {
      const byteOffset = offset;
      offset += elementCount(t.shape) * bytes;
      const q = ctx.quantization(ctx.node.inputs[input]);
      const sameValues = !out || (q !== undefined && q.scales[0] === out.scales[0] && q.zeroPoints[0] === out.zeroPoints[0]);
      return sameValues ? [{ input, byteOffset }] : [];
    });
  },
  lower(ctx): KernelCall[] {
    const inputs = present(ctx.inputs, ctx.node);
    const { walks } = concatWalks(ctx.node, inputs, ctx.opset);
    const quantized = isQuantizedNode(ctx);
    return walks
      .map((walk, i) => ({ walk, i }))
      .filter(({ walk }) => elementCount(walk.shape) > 0)
      .map(({ walk, i }) => (quantized
        ? concatInt8Part(ctx, i, walk)
        : bandCopy(ctx, inputs[0].dtype, walk, i)));
  },
};

/** A byte-for-byte copy of input `index` into its band, which the lowering drops if the input is already there. */
function bandCopy(ctx: LowerContext, dtype: DType, walk: StridedWalk, index: number): KernelCall {
  return {
    ...stridedCopyCall(ctx.node, dtype, walk, inputArg(ctx, index), outputArg(ctx)),
    copyInto: { source: 0, destination: 1, byteOffset: walk.outOffset * DTYPE_BYTES[dtype] },
  };
}

/** One int8 input into its band: a copy when it shares the output's quantization, else a rescale. */
function concatInt8Part(ctx: LowerContext, index: number, walk: StridedWalk): KernelCall {
  const input = perTensor(quantizationOf(ctx, index));
  const output = perTensor(quantizationOf(ctx, { output: 0 }));
  if (input.scale === output.scale && input.zeroPoint === output.zeroPoint) return bandCopy(ctx, 'int8', walk, index);
  return requantizeCopyCall(
    ctx, index,
    { rows: walk.shape[0], rowLength: walk.shape[1], inRowStride: walk.inStrides[0], outRowStride: walk.outStrides[0], outStart: walk.outOffset },
    { input: input.zeroPoint, output: output.zeroPoint }, input.scale / output.scale,
    { act_min: { int: -128 }, act_max: { int: 127 } },
  );
}

// ---- Split -------------------------------------------------------------------------------

function splitSizes(
  ctx: { node: Node; inputs: (TypedShape | undefined)[]; constants: (ConstTensor | undefined)[]; opset: number },
): { axis: number; sizes: number[] } {
  const x = requireInput(ctx, 0);
  const axis = normaliseAxis(ctx.node, attrInt(ctx.node, 'axis', 0), x.shape.length);
  const dim = x.shape[axis];
  const count = ctx.node.outputs.length;
  // The sizes were an attribute until opset 13 (Split-1 also took them as an input), an input since.
  const sizes = ctx.opset >= 13 || (ctx.opset < 2 && (ctx.node.inputs[1] ?? '') !== '')
    ? constantIntsInput(ctx, 1, 'split')
    : attrInts(ctx.node, 'split', []);
  if (sizes === undefined || sizes.length === 0) {
    if (dim % count !== 0) throw nodeError(ctx.node, `axis ${axis} of size ${dim} does not split into ${count} equal parts`);
    return { axis, sizes: Array(count).fill(dim / count) };
  }
  if (sizes.length !== count || sizes.some((s) => s < 0) || sizes.reduce((a, b) => a + b, 0) !== dim) {
    throw nodeError(ctx.node, `split [${sizes.join(',')}] does not divide axis ${axis} of size ${dim} into ${count} outputs`);
  }
  return { axis, sizes };
}

/** Each output's shape and its walk out of its band of the input. */
function splitWalks(ctx: Parameters<typeof splitSizes>[0]): { shape: number[]; walk: StridedWalk }[] {
  const x = requireInput(ctx, 0).shape;
  const { axis, sizes } = splitSizes(ctx);
  let start = 0;
  return sizes.map((size) => {
    const shape = x.map((d, i) => (i === axis ? size : d));
    const walk = outOfBand(shape, axis, start, x[axis]);
    start += size;
    return { shape, walk };
  });
}

export const splitFamily: OpFamily = {
  opTypes: ['Split'],
  dtypes: MOVABLE_DTYPES,
  // Pure data movement: every part keeps the input's scale.
  int8: { output: 'input' },
  inferShapes(ctx) {
    requireDtypes(ctx, MOVABLE_DTYPES, 0);
    const dtype = requireInput(ctx, 0).dtype;
    return splitWalks(ctx).map(({ shape }) => ({ dtype, shape }));
  },
  evaluate(ctx) {
    const x = ctx.inputs[0]!;
    return splitWalks({ ...ctx, inputs: ctx.inputTypes, constants: ctx.inputs }).map(({ shape, walk }, i) =>
      evaluateWalks(ctx.node.outputs[i], x.dtype, shape, [{ walk, input: x }]));
  },
  lower(ctx): KernelCall[] {
    const dtype = requireInput(ctx, 0).dtype;
    return splitWalks(ctx)
      .map(({ walk }, i) => ({ walk, i }))
      .filter(({ walk, i }) => ctx.node.outputs[i] !== '' && elementCount(walk.shape) > 0)
      .map(({ walk, i }) => stridedCopyCall(ctx.node, dtype, walk, inputArg(ctx, 0), outputArg(ctx, i)));
  },
};
