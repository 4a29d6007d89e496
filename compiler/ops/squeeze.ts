// Squeeze and Unsqueeze: views, like Reshape. They drop or insert axes of size 1, which never
// moves a byte, so the planner gives the output its input's buffer and no kernel runs.
import type { ConstTensor, Node } from '../ir/graph.js';
import { constantIntsInput } from './constant-inputs.js';
import { attrInts, nodeError, normaliseAxis, requireInput, type OpFamily, type TypedShape } from './op.js';
import { VIEW_DTYPES, viewValue } from './reshape.js';

interface AxesContext {
  node: Node;
  inputs: (TypedShape | undefined)[];
  constants: (ConstTensor | undefined)[];
  opset: number;
}

/** The axes: an attribute before opset 13, an input from it (optional for Squeeze). */
function axesOf(ctx: AxesContext): number[] | undefined {
  if (ctx.opset < 13) return ctx.node.attributes.axes ? attrInts(ctx.node, 'axes') : undefined;
  return constantIntsInput(ctx, 1, 'axes');
}

function distinct(node: Node, axes: number[]): number[] {
  if (new Set(axes).size !== axes.length) throw nodeError(node, `axes [${axes.join(',')}] repeat an axis`);
  return axes;
}

function squeezedShape(ctx: AxesContext): number[] {
  const x = requireInput(ctx, 0).shape;
  const given = axesOf(ctx);
  // No axes (or an empty list, as ONNX Runtime reads it): every axis of size 1.
  if (!given || given.length === 0) return x.filter((d) => d !== 1);
  const axes = distinct(ctx.node, given.map((a) => normaliseAxis(ctx.node, a, x.length)));
  for (const a of axes) {
    if (x[a] !== 1) throw nodeError(ctx.node, `axis ${a} has size ${x[a]}, not 1`);
  }
  return x.filter((_, i) => !axes.includes(i));
}

function unsqueezedShape(ctx: AxesContext): number[] {
  const x = requireInput(ctx, 0).shape;
  const given = axesOf(ctx);
  if (!given) throw nodeError(ctx.node, 'axes are required');
  // Axes index the output, whose rank counts the inserted axes.
  const rank = x.length + given.length;
  const axes = distinct(ctx.node, given.map((a) => normaliseAxis(ctx.node, a, rank)));
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : x[next++]);
  return out;
}

export const squeezeFamily: OpFamily = {
  opTypes: ['Squeeze'],
  view: true,
  dtypes: VIEW_DTYPES,
  int8: { output: 'input' },
  inferShapes: (ctx) => [{ dtype: requireInput(ctx, 0).dtype, shape: squeezedShape(ctx) }],
  evaluate: viewValue,
};

export const unsqueezeFamily: OpFamily = {
  opTypes: ['Unsqueeze'],
  view: true,
  dtypes: VIEW_DTYPES,
  int8: { output: 'input' },
  inferShapes: (ctx) => [{ dtype: requireInput(ctx, 0).dtype, shape: unsqueezedShape(ctx) }],
  evaluate: viewValue,
};
