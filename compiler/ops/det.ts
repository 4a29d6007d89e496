// Det: the determinant of each square matrix in the innermost two axes, by LU decomposition
// with partial pivoting. The kernel factors one matrix at a time in a stack buffer, so the
// order is bounded (onnx2mcu/kernels_f32.h: O2M_DET_MAX_ORDER).
import { elementCount, type ConstTensor, type Node } from '../ir/graph.js';
import {
  inputArg, nodeError, outputArg, requireFloat32, requireInput,
  type EvalContext, type KernelCall, type LowerContext, type OpFamily, type TypedShape,
} from './op.js';

/** O2M_DET_MAX_ORDER of onnx2mcu/kernels_f32.h. */
const MAX_ORDER = 8;

function detShape(ctx: { node: Node; inputs: (TypedShape | undefined)[] }) {
  const x = requireInput(ctx, 0).shape;
  if (x.length < 2) throw nodeError(ctx.node, `input rank ${x.length} holds no matrix`);
  const order = x[x.length - 1];
  if (x[x.length - 2] !== order) throw nodeError(ctx.node, `matrices of ${x.slice(-2).join('x')} are not square`);
  return { order, batch: x.slice(0, -2) };
}

/** The kernel's float32 elimination, step for step. */
function determinant(matrix: Float32Array): number {
  const f = Math.fround;
  const n = Math.round(Math.sqrt(matrix.length));
  const lu = Float32Array.from(matrix);
  let det = 1;
  for (let k = 0; k < n; k++) {
    let pivot = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(lu[i * n + k]) > Math.abs(lu[pivot * n + k])) pivot = i;
    if (lu[pivot * n + k] === 0) return 0;
    if (pivot !== k) {
      for (let j = 0; j < n; j++) {
        const t = lu[k * n + j];
        lu[k * n + j] = lu[pivot * n + j];
        lu[pivot * n + j] = t;
      }
      det = -det;
    }
    const diagonal = lu[k * n + k];
    det = f(det * diagonal);
    for (let i = k + 1; i < n; i++) {
      const factor = f(lu[i * n + k] / diagonal);
      for (let j = k + 1; j < n; j++) lu[i * n + j] = f(lu[i * n + j] - f(factor * lu[k * n + j]));
    }
  }
  return det;
}

export const detFamily: OpFamily = {
  opTypes: ['Det'],
  opsets: [11, 17],
  dtypes: ['float32'],

  inferShapes(ctx) {
    requireFloat32(ctx, 0);
    return [{ dtype: 'float32', shape: detShape(ctx).batch }];
  },

  evaluate(ctx: EvalContext): ConstTensor[] {
    const { order, batch } = detShape({ node: ctx.node, inputs: ctx.inputTypes });
    const x = ctx.inputs[0]!.data as Float32Array;
    const count = elementCount(batch);
    const size = order * order;
    const y = new Float32Array(count);
    for (let i = 0; i < count; i++) y[i] = determinant(x.subarray(i * size, (i + 1) * size));
    return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: batch, data: y }];
  },

  lower(ctx: LowerContext): KernelCall {
    const { order, batch } = detShape(ctx);
    if (order > MAX_ORDER) throw nodeError(ctx.node, `matrices larger than ${MAX_ORDER}x${MAX_ORDER} are not supported (got ${order}x${order})`);
    return {
      node: ctx.node.name,
      opType: 'Det',
      kernel: 'o2m_det_f32',
      paramsType: 'o2m_det_f32_params',
      params: { count: { int: elementCount(batch) }, order: { int: order } },
      args: [inputArg(ctx, 0), outputArg(ctx)],
      macs: 0,
    };
  },
};
