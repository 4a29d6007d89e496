// DepthToSpace and SpaceToDepth: a reshape to six axes, a transpose, a reshape back, which is
// one strided copy over the six axes (the most the kernel takes).
import { attrInt, attrString, inputArg, nodeError, outputArg, requireDtypes, requireInput, type OpFamily } from './op.js';
import type { Node } from '../ir/graph.js';
import { denseOutputWalk, denseStrides, evaluateWalks, MOVABLE_DTYPES, stridedCopyCall, type StridedWalk } from './strided-copy.js';

/** The output shape and the walk that reads the input viewed as `view`, axes taken in `perm` order. */
function rearrangement(node: Node, inShape: number[]): { shape: number[]; walk: StridedWalk } {
  if (inShape.length !== 4) throw nodeError(node, `the input must be NCHW (rank 4), got rank ${inShape.length}`);
  const [n, c, h, w] = inShape;
  const b = attrInt(node, 'blocksize');
  if (b < 1) throw nodeError(node, `blocksize ${b} must be positive`);
  let view: number[];
  let perm: number[];
  let shape: number[];
  if (node.opType === 'DepthToSpace') {
    if (c % (b * b) !== 0) throw nodeError(node, `${c} channels do not divide by blocksize² = ${b * b}`);
    const mode = attrString(node, 'mode', 'DCR');
    // DCR: depth is [block row][block column][channel]; CRD: [channel][block row][block column].
    if (mode === 'DCR') [view, perm] = [[n, b, b, c / (b * b), h, w], [0, 3, 4, 1, 5, 2]];
    else if (mode === 'CRD') [view, perm] = [[n, c / (b * b), b, b, h, w], [0, 1, 4, 2, 5, 3]];
    else throw nodeError(node, `mode '${mode}' is not DCR or CRD`);
    shape = [n, c / (b * b), h * b, w * b];
  } else {
    if (h % b !== 0 || w % b !== 0) throw nodeError(node, `the ${h}x${w} image does not divide into ${b}x${b} blocks`);
    [view, perm] = [[n, c, h / b, b, w / b, b], [0, 3, 5, 1, 2, 4]];
    shape = [n, c * b * b, h / b, w / b];
  }
  const strides = denseStrides(view);
  return { shape, walk: denseOutputWalk(perm.map((p) => view[p]), perm.map((p) => strides[p])) };
}

export const spaceDepthFamily: OpFamily = {
  opTypes: ['DepthToSpace', 'SpaceToDepth'],
  dtypes: MOVABLE_DTYPES,
  // Moves int8 levels as it moves any bytes: the output keeps the input's scale.
  int8: { output: 'input' },
  inferShapes(ctx) {
    requireDtypes(ctx, MOVABLE_DTYPES, 0);
    const x = requireInput(ctx, 0);
    return [{ dtype: x.dtype, shape: rearrangement(ctx.node, x.shape).shape }];
  },
  evaluate(ctx) {
    const x = ctx.inputs[0]!;
    const { shape, walk } = rearrangement(ctx.node, x.shape);
    return [evaluateWalks(ctx.node.outputs[0], x.dtype, shape, [{ walk, input: x }])];
  },
  lower(ctx) {
    const x = requireInput(ctx, 0);
    return stridedCopyCall(ctx.node, x.dtype, rearrangement(ctx.node, x.shape).walk, inputArg(ctx, 0), outputArg(ctx));
  },
};
