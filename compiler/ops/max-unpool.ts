// MaxUnpool: the partial inverse of MaxPool. Each value goes back to the flat position its
// MaxPool index names in the unpooled shape (what MaxPool's input would have been); every other
// output is 0. With an output_shape input, that tensor sits at the origin of the output: the ONNX
// reference implementation and its node tests do this (ONNX Runtime instead reads the indices as
// flat positions in the larger output; see onnx/onnx#2398).
import { elementCount, type ConstTensor, type Node } from '../ir/graph.js';
import {
  attrInts, inputArg, nodeError, outputArg, requireDtypes, requireInput,
  type EvalContext, type KernelCall, type LowerContext, type OpFamily, type ShapeContext, type TypedShape,
} from './op.js';
import { O2M_MAX_DIMS } from './op.js';

function unpoolShapes(ctx: { node: Node; inputs: (TypedShape | undefined)[]; constants: (ConstTensor | undefined)[] }) {
  const { node } = ctx;
  const x = requireInput(ctx, 0).shape;
  const indices = requireInput(ctx, 1).shape;
  if (indices.join('x') !== x.join('x')) throw nodeError(node, `indices shape [${indices}] must equal the input's [${x}]`);
  if (x.length < 3) throw nodeError(node, `input rank ${x.length} has no spatial axes`);
  if (x.length > O2M_MAX_DIMS) throw nodeError(node, `input rank ${x.length} is above ${O2M_MAX_DIMS}`);
  const n = x.length - 2;
  const kernel = attrInts(node, 'kernel_shape');
  const strides = attrInts(node, 'strides', Array(n).fill(1));
  const pads = attrInts(node, 'pads', Array(2 * n).fill(0));
  if (kernel.length !== n || strides.length !== n || pads.length !== 2 * n) {
    throw nodeError(node, `kernel_shape, strides and pads must have ${n}, ${n} and ${2 * n} entries`);
  }
  const unpooled = [x[0], x[1], ...x.slice(2).map((d, i) => (d - 1) * strides[i] + kernel[i] - pads[i] - pads[i + n])];
  if (!node.inputs[2]) return { unpooled, out: unpooled };
  const requested = ctx.constants[2];
  if (!requested) throw nodeError(node, 'the output_shape input must be a constant (known at compile time)');
  const out = Array.from(requested.data as BigInt64Array, Number);
  if (out.length !== x.length || out[0] !== x[0] || out[1] !== x[1] || out.some((d) => d < 0)) {
    throw nodeError(node, `output_shape [${out}] does not fit input [${x}]`);
  }
  return { unpooled, out };
}

export const maxUnpoolFamily: OpFamily = {
  opTypes: ['MaxUnpool'],
  opsets: [9, 17],
  dtypes: ['float32'],

  inferShapes(ctx: ShapeContext) {
    requireDtypes(ctx, ['float32'], 0);
    requireDtypes(ctx, ['int64'], 1, 2);
    return [{ dtype: 'float32', shape: unpoolShapes(ctx).out }];
  },

  evaluate(ctx: EvalContext): ConstTensor[] {
    const { unpooled, out } = unpoolShapes({ node: ctx.node, inputs: ctx.inputTypes, constants: ctx.inputs });
    const x = ctx.inputs[0]!.data as Float32Array;
    const indices = ctx.inputs[1]!.data as BigInt64Array;
    const y = new Float32Array(elementCount(out));
    const unpooledCount = elementCount(unpooled);
    for (let i = 0; i < x.length; i++) {
      let remaining = Number(indices[i]);
      if (remaining < 0 || remaining >= unpooledCount) continue;
      let offset = 0;
      let stride = 1;
      let inside = true;
      for (let axis = out.length - 1; axis >= 0; axis--) {
        const coordinate = remaining % unpooled[axis];
        remaining = Math.floor(remaining / unpooled[axis]);
        if (coordinate >= out[axis]) inside = false;
        offset += coordinate * stride;
        stride *= out[axis];
      }
      if (inside) y[offset] = x[i];
    }
    return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: out, data: y }];
  },

  lower(ctx: LowerContext): KernelCall {
    const { unpooled, out } = unpoolShapes(ctx);
    const pad = (v: number[]) => [...v, ...Array(O2M_MAX_DIMS - v.length).fill(0)];
    return {
      node: ctx.node.name,
      opType: 'MaxUnpool',
      kernel: 'o2m_maxunpool_f32',
      paramsType: 'o2m_maxunpool_f32_params',
      params: {
        in_count: { int: elementCount(requireInput(ctx, 0).shape) },
        rank: { int: unpooled.length },
        unpooled_shape: { ints: pad(unpooled) },
        out_shape: { ints: pad(out) },
      },
      args: [inputArg(ctx, 0), inputArg(ctx, 1), outputArg(ctx)],
      macs: 0,
    };
  },
};
