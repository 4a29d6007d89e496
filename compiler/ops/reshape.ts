// Reshape and Flatten: views. They change the shape, never the bytes, so the planner gives
// the output its input's buffer and no kernel runs.
import {
  attrInt, attrInts, nodeError, normaliseAxis, requireInput,
  type EvalContext, type OpFamily, type ShapeContext,
} from './op.js';
import type { ConstTensor, DType } from '../ir/graph.js';

const product = (v: number[]) => v.reduce((a, b) => a * b, 1);

/** Views move no bytes, so they take every type the runtime can hold. */
export const VIEW_DTYPES: DType[] = ['float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool'];

/** A view's value: the input's data under the output's shape. */
export function viewValue(ctx: EvalContext): ConstTensor[] {
  return [{ ...ctx.inputs[0]!, name: ctx.node.outputs[0], shape: ctx.outputs[0].shape }];
}

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
  dtypes: VIEW_DTYPES,
  int8: { output: 'input' },
  inferShapes: (ctx) => [{ dtype: requireInput(ctx, 0).dtype, shape: reshapeTarget(ctx) }],
  evaluate: viewValue,
};

export const flattenFamily: OpFamily = {
  opTypes: ['Flatten'],
  view: true,
  dtypes: VIEW_DTYPES,
  int8: { output: 'input' },
  evaluate: viewValue,
  inferShapes(ctx) {
    const x = requireInput(ctx, 0);
    const axis = attrInt(ctx.node, 'axis', 1);
    // axis may equal the rank (everything goes into the first dimension).
    const a = axis === x.shape.length ? axis : normaliseAxis(ctx.node, axis, Math.max(1, x.shape.length));
    return [{ dtype: x.dtype, shape: [product(x.shape.slice(0, a)), product(x.shape.slice(a))] }];
  },
};

/** Identity and Dropout pass their input through; passes/identity.ts removes most of them. */
export const identityFamily: OpFamily = {
  opTypes: ['Identity', 'Dropout'],
  view: true,
  dtypes: VIEW_DTYPES,
  int8: { output: 'input' },
  inferShapes(ctx) {
    if (ctx.node.opType === 'Dropout' && ((ctx.node.outputs[1] ?? '') !== '' || (ctx.node.inputs[2] ?? '') !== '')) {
      throw nodeError(ctx.node, 'only inference-mode Dropout without a mask output is supported');
    }
    return [{ ...requireInput(ctx, 0) }];
  },
  evaluate: viewValue,
};
