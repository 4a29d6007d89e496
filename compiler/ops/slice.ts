// Slice: a strided copy starting at the first selected element, stepping by `steps` (negative
// steps walk backwards). Starts and ends are clamped as ONNX defines, so out-of-range values
// and INT64_MAX ("to the end") are valid.
import { attrInts, inputArg, nodeError, normaliseAxis, outputArg, requireDtypes, requireInput, type OpFamily, type TypedShape } from './op.js';
import type { ConstTensor, Node } from '../ir/graph.js';
import { constantIntsInput } from './constant-inputs.js';
import { denseOutputWalk, denseStrides, evaluateWalks, MOVABLE_DTYPES, stridedCopyCall, type StridedWalk } from './strided-copy.js';

interface SliceContext {
  node: Node;
  inputs: (TypedShape | undefined)[];
  constants: (ConstTensor | undefined)[];
  opset: number;
}

function sliceArguments(ctx: SliceContext): { starts: number[]; ends: number[]; axes?: number[]; steps?: number[] } {
  if (ctx.opset < 10) {
    const axes = ctx.node.attributes.axes ? attrInts(ctx.node, 'axes') : undefined;
    return { starts: attrInts(ctx.node, 'starts'), ends: attrInts(ctx.node, 'ends'), axes };
  }
  const starts = constantIntsInput(ctx, 1, 'starts');
  const ends = constantIntsInput(ctx, 2, 'ends');
  if (!starts || !ends) throw nodeError(ctx.node, 'the starts and ends inputs are required');
  return { starts, ends, axes: constantIntsInput(ctx, 3, 'axes'), steps: constantIntsInput(ctx, 4, 'steps') };
}

/** First index and length of the selection along one axis of size `dim`. */
export function clampSlice(start: number, end: number, step: number, dim: number): { first: number; length: number } {
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = Math.min(Math.max(start, 0), dim);
    end = Math.min(Math.max(end, 0), dim);
    return { first: start, length: Math.max(0, Math.ceil((end - start) / step)) };
  }
  start = Math.min(Math.max(start, 0), dim - 1);
  end = Math.min(Math.max(end, -1), dim - 1);
  return { first: start, length: Math.max(0, Math.ceil((start - end) / -step)) };
}

function sliceWalk(ctx: SliceContext): StridedWalk {
  const x = requireInput(ctx, 0).shape;
  const { starts, ends, axes: given, steps: givenSteps } = sliceArguments(ctx);
  const axes = (given ?? starts.map((_, i) => i)).map((a) => normaliseAxis(ctx.node, a, x.length));
  const steps = givenSteps ?? starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw nodeError(ctx.node, 'starts, ends, axes and steps must have the same length');
  }
  if (new Set(axes).size !== axes.length) throw nodeError(ctx.node, `axes [${axes.join(',')}] repeat an axis`);
  const inStrides = denseStrides(x);
  const shape = [...x];
  const strides = [...inStrides];
  let offset = 0;
  axes.forEach((axis, i) => {
    if (steps[i] === 0) throw nodeError(ctx.node, 'a step is 0');
    const { first, length } = clampSlice(starts[i], ends[i], steps[i], x[axis]);
    shape[axis] = length;
    strides[axis] = inStrides[axis] * steps[i];
    if (length > 0) offset += first * inStrides[axis];
  });
  return denseOutputWalk(shape, strides, offset);
}

export const sliceFamily: OpFamily = {
  opTypes: ['Slice'],
  dtypes: MOVABLE_DTYPES,
  // Moves int8 levels as it moves any bytes: the output keeps the input's scale.
  int8: { output: 'input' },
  inferShapes(ctx) {
    requireDtypes(ctx, MOVABLE_DTYPES, 0);
    return [{ dtype: requireInput(ctx, 0).dtype, shape: sliceWalk(ctx).shape }];
  },
  evaluate(ctx) {
    const x = ctx.inputs[0]!;
    const walk = sliceWalk({ ...ctx, inputs: ctx.inputTypes, constants: ctx.inputs });
    return [evaluateWalks(ctx.node.outputs[0], x.dtype, walk.shape, [{ walk, input: x }])];
  },
  lower(ctx) {
    return stridedCopyCall(ctx.node, requireInput(ctx, 0).dtype, sliceWalk(ctx), inputArg(ctx, 0), outputArg(ctx));
  },
};
