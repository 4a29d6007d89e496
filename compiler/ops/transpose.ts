// Transpose: a strided copy that reads the input's axes in `perm` order.
import { attrInts, inputArg, nodeError, outputArg, requireDtypes, requireInput, type OpFamily } from './op.js';
import type { Node } from '../ir/graph.js';
import { denseOutputWalk, denseStrides, evaluateWalks, MOVABLE_DTYPES, stridedCopyCall, type StridedWalk } from './strided-copy.js';

function permutation(node: Node, rank: number): number[] {
  // The default reverses the axes.
  const perm = attrInts(node, 'perm', Array.from({ length: rank }, (_, i) => rank - 1 - i));
  const seen = new Set(perm);
  if (perm.length !== rank || seen.size !== rank || perm.some((p) => p < 0 || p >= rank)) {
    throw nodeError(node, `perm [${perm.join(',')}] is not a permutation of ${rank} axes`);
  }
  return perm;
}

function transposeWalk(node: Node, inShape: number[]): StridedWalk {
  const perm = permutation(node, inShape.length);
  const strides = denseStrides(inShape);
  return denseOutputWalk(perm.map((p) => inShape[p]), perm.map((p) => strides[p]));
}

export const transposeFamily: OpFamily = {
  opTypes: ['Transpose'],
  dtypes: MOVABLE_DTYPES,
  // Moves int8 levels as it moves any bytes: the output keeps the input's scale.
  int8: { output: 'input' },
  inferShapes(ctx) {
    requireDtypes(ctx, MOVABLE_DTYPES, 0);
    const x = requireInput(ctx, 0);
    return [{ dtype: x.dtype, shape: transposeWalk(ctx.node, x.shape).shape }];
  },
  evaluate(ctx) {
    const x = ctx.inputs[0]!;
    const walk = transposeWalk(ctx.node, x.shape);
    return [evaluateWalks(ctx.node.outputs[0], x.dtype, walk.shape, [{ walk, input: x }])];
  },
  lower(ctx) {
    const x = requireInput(ctx, 0);
    return stridedCopyCall(ctx.node, x.dtype, transposeWalk(ctx.node, x.shape), inputArg(ctx, 0), outputArg(ctx));
  },
};
