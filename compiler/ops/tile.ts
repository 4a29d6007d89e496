// Tile and Expand: the input repeated. Tile is wrap padding (the pad kernel); Expand is a
// strided copy that reads broadcast axes with stride 0.
import type { ConstTensor, Node } from '../ir/graph.js';
import { broadcastShapes, broadcastStrides } from './broadcast.js';
import { constantIntsInput } from './constant-inputs.js';
import { nodeError, inputArg, outputArg, requireDtypes, requireInput, type OpFamily, type TypedShape } from './op.js';
import { evaluatePadding, makePadding, padCall, type Padding } from './pad.js';
import { denseOutputWalk, evaluateWalks, MOVABLE_DTYPES, stridedCopyCall, type StridedWalk } from './strided-copy.js';

interface ConstantsContext {
  node: Node;
  inputs: (TypedShape | undefined)[];
  constants: (ConstTensor | undefined)[];
}

function tiling(ctx: ConstantsContext): Padding {
  const x = requireInput(ctx, 0).shape;
  const repeats = constantIntsInput(ctx, 1, 'repeats');
  if (!repeats || repeats.length !== x.length || repeats.some((r) => r < 0)) {
    throw nodeError(ctx.node, `repeats must hold ${x.length} non-negative values`);
  }
  // Repeating r times is padding (r - 1) copies after the input, wrapping around it.
  const padsEnd = x.map((d, i) => d * (repeats[i] - 1));
  return makePadding(ctx.node, repeats.some((r) => r === 0) ? 'constant' : 'wrap', x, x.map(() => 0), padsEnd);
}

export const tileFamily: OpFamily = {
  opTypes: ['Tile'],
  opsets: [6, 17],
  dtypes: MOVABLE_DTYPES,
  int8: { output: 'input' },
  inferShapes(ctx) {
    requireDtypes(ctx, MOVABLE_DTYPES, 0);
    return [{ dtype: requireInput(ctx, 0).dtype, shape: tiling(ctx).outShape }];
  },
  evaluate(ctx) {
    const x = ctx.inputs[0]!;
    const padding = tiling({ ...ctx, inputs: ctx.inputTypes, constants: ctx.inputs });
    return [evaluatePadding(ctx.node.outputs[0], x.dtype, padding, x.data, x.data)];
  },
  lower(ctx) {
    const x = requireInput(ctx, 0);
    const padding = tiling(ctx);
    return padCall(ctx.node, x.dtype, padding, inputArg(ctx, 0), { kind: 'null', ctype: 'uint8_t' }, outputArg(ctx));
  },
};

function expandWalk(ctx: ConstantsContext): StridedWalk {
  const x = requireInput(ctx, 0).shape;
  const shape = constantIntsInput(ctx, 1, 'shape');
  if (!shape) throw nodeError(ctx.node, 'the shape input is required');
  // Bidirectional: a 1 in the requested shape keeps the input's dimension.
  const out = broadcastShapes(ctx.node, [x, shape]);
  return denseOutputWalk(out, broadcastStrides(x, out));
}

export const expandFamily: OpFamily = {
  opTypes: ['Expand'],
  opsets: [8, 17],
  dtypes: MOVABLE_DTYPES,
  int8: { output: 'input' },
  inferShapes(ctx) {
    requireDtypes(ctx, MOVABLE_DTYPES, 0);
    return [{ dtype: requireInput(ctx, 0).dtype, shape: expandWalk(ctx).shape }];
  },
  evaluate(ctx) {
    const x = ctx.inputs[0]!;
    const walk = expandWalk({ ...ctx, inputs: ctx.inputTypes, constants: ctx.inputs });
    return [evaluateWalks(ctx.node.outputs[0], x.dtype, walk.shape, [{ walk, input: x }])];
  },
  lower(ctx) {
    const x = requireInput(ctx, 0);
    return stridedCopyCall(ctx.node, x.dtype, expandWalk(ctx), inputArg(ctx, 0), outputArg(ctx));
  },
};
