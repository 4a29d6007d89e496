// Reshape and Flatten: views. They change the shape, never the bytes, so the planner gives
// the output its input's buffer and no kernel runs.
import {
  attrInt, attrInts, nodeError, normaliseAxis, requireInput,
  type OpFamily, type ShapeContext,
} from './op.js';

const product = (v: number[]) => v.reduce((a, b) => a * b, 1);

/** Resolves a Reshape target: 0 copies the input dimension (unless allowzero), -1 is inferred. */
export function reshapeTarget(ctx: ShapeContext): number[] {
  const input = requireInput(ctx, 0).shape;
  let requested: number[];
  if (ctx.opset < 5) {
    requested = attrInts(ctx.node, 'shape');
  } else {
    const c = ctx.constants[1];
    if (!c) throw nodeError(ctx.node, 'the shape input must be a constant (or fold to one)');
    requested = Array.from(c.data as BigInt64Array, Number);
  }
  const allowZero = attrInt(ctx.node, 'allowzero', 0) === 1;
  const out = requested.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= input.length) throw nodeError(ctx.node, `shape entry ${i} is 0 but the input has rank ${input.length}`);
      return input[i];
    }
    return d;
  });
  const unknown = out.filter((d) => d === -1).length;
  if (unknown > 1 || out.some((d) => d < -1)) throw nodeError(ctx.node, `invalid target shape [${requested.join(',')}]`);
  const total = product(input);
  if (unknown === 1) {
    const known = product(out.filter((d) => d !== -1));
    if (known === 0 || total % known !== 0) {
      throw nodeError(ctx.node, `cannot reshape [${input.join(',')}] to [${requested.join(',')}]`);
    }
    out[out.indexOf(-1)] = total / known;
  }
  if (product(out) !== total) {
    throw nodeError(ctx.node, `cannot reshape [${input.join(',')}] (${total} elements) to [${out.join(',')}]`);
  }
  return out;
}

export const reshapeFamily: OpFamily = {
  opTypes: ['Reshape'],
  view: true,
  inferShapes: (ctx) => [{ dtype: requireInput(ctx, 0).dtype, shape: reshapeTarget(ctx) }],
};

export const flattenFamily: OpFamily = {
  opTypes: ['Flatten'],
  view: true,
  inferShapes(ctx) {
    const x = requireInput(ctx, 0);
    const axis = attrInt(ctx.node, 'axis', 1);
    // axis may equal the rank (everything goes into the first dimension).
    const a = axis === x.shape.length ? axis : normaliseAxis(ctx.node, axis, Math.max(1, x.shape.length));
    return [{ dtype: x.dtype, shape: [product(x.shape.slice(0, a)), product(x.shape.slice(a))] }];
  },
};
