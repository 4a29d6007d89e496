// MaxPool, AveragePool and GlobalAveragePool over the spatial axes of NCHW tensors.
import { windowGeometry } from './conv.js';
import {
  attrInt, attrInts, nodeError, outputArg, requireFloat32, requireInput,
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
  const oneD = x.length === 3;
  const pair = (v: number[], fill: number) => (oneD ? [fill, v[0]] : v);
  const [inH, inW] = pair(geo.spatialIn, 1);
  const [outH, outW] = pair(geo.spatialOut, 1);
  const [kH, kW] = pair(geo.kernel, 1);
  const [sH, sW] = pair(geo.strides, 1);
  const [dH, dW] = pair(geo.dilations, 1);
  const [pT, pL] = pair(geo.padsBegin, 0);
  const [pB, pR] = pair(geo.padsEnd, 0);
  return {
    node: ctx.node.name,
    opType: ctx.node.opType,
    kernel,
    paramsType: 'o2m_pool2d_f32_params',
    params: {
      batch_channels: { int: x[0] * x[1] },
      in_h: { int: inH }, in_w: { int: inW }, out_h: { int: outH }, out_w: { int: outW },
      k_h: { int: kH }, k_w: { int: kW }, stride_h: { int: sH }, stride_w: { int: sW },
      pad_top: { int: pT }, pad_left: { int: pL }, pad_bottom: { int: pB }, pad_right: { int: pR },
      dil_h: { int: dH }, dil_w: { int: dW },
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
