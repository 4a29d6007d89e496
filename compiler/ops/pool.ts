// MaxPool, AveragePool and GlobalAveragePool over the spatial axes of NCHW tensors.
import { planeWindow, windowGeometry } from './conv.js';
import {
  attrInt, attrInts, intParams, nodeError, outputArg, requireFloat32, requireInput,
  type KernelCall, type LowerContext, type OpFamily, type ShapeContext,
} from './op.js';
import type { Node } from '../ir/graph.js';

function poolGeometry(node: Node, shape: number[]) {
  if (shape.length !== 3 && shape.length !== 4) {
    throw nodeError(node, `only 1-D and 2-D pooling is supported (input rank ${shape.length})`);
  }
  const kernel = attrInts(node, 'kernel_shape');
  if (kernel.length !== shape.length - 2) throw nodeError(node, `kernel_shape must have ${shape.length - 2} entries`);
  if (node.attributes.storage_order && attrInt(node, 'storage_order') !== 0) {
    throw nodeError(node, 'storage_order 1 (column-major) is not supported');
  }
  return windowGeometry(node, shape.slice(2), kernel, attrInt(node, 'ceil_mode', 0) === 1);
}

function lowerWindowPool(ctx: LowerContext, kernel: string): KernelCall {
  const x = requireInput(ctx, 0).shape;
  const geo = poolGeometry(ctx.node, x);
  return {
    node: ctx.node.name,
    opType: ctx.node.opType,
    kernel,
    paramsType: 'o2m_pool2d_f32_params',
    params: {
      batch_channels: { int: x[0] * x[1] },
      ...intParams(planeWindow(geo)),
      count_include_pad: { int: attrInt(ctx.node, 'count_include_pad', 0) },
    },
    args: [{ kind: 'value', name: ctx.node.inputs[0] }, outputArg(ctx)],
    macs: 0,
  };
}

function windowPoolShapes(ctx: ShapeContext) {
  requireFloat32(ctx, 0);
  const x = requireInput(ctx, 0).shape;
  const geo = poolGeometry(ctx.node, x);
  if (ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== '') {
    throw nodeError(ctx.node, 'the Indices output of MaxPool is not supported');
  }
  return [{ dtype: 'float32' as const, shape: [x[0], x[1], ...geo.spatialOut] }];
}

export const maxPoolFamily: OpFamily = {
  opTypes: ['MaxPool'],
  inferShapes: windowPoolShapes,
  lower: (ctx) => lowerWindowPool(ctx, 'o2m_maxpool2d_f32'),
};

export const averagePoolFamily: OpFamily = {
  opTypes: ['AveragePool'],
  inferShapes: windowPoolShapes,
  lower: (ctx) => lowerWindowPool(ctx, 'o2m_avgpool2d_f32'),
};

export const globalAveragePoolFamily: OpFamily = {
  opTypes: ['GlobalAveragePool'],
  inferShapes(ctx) {
    requireFloat32(ctx, 0);
    const x = requireInput(ctx, 0).shape;
    if (x.length < 3) throw nodeError(ctx.node, `input rank ${x.length} has no spatial axes`);
    return [{ dtype: 'float32', shape: [x[0], x[1], ...x.slice(2).map(() => 1)] }];
  },
  lower(ctx) {
    const x = requireInput(ctx, 0).shape;
    const spatial = x.slice(2).reduce((a, b) => a * b, 1);
    return {
      node: ctx.node.name,
      opType: 'GlobalAveragePool',
      kernel: 'o2m_global_avgpool_f32',
      paramsType: 'o2m_global_avgpool_f32_params',
      params: { batch_channels: { int: x[0] * x[1] }, spatial: { int: spatial } },
      args: [{ kind: 'value', name: ctx.node.inputs[0] }, outputArg(ctx)],
      macs: 0,
    };
  },
};
