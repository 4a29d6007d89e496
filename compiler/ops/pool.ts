// MaxPool, AveragePool and LpPool over the 1 to 3 spatial axes of N x C x ... tensors, and their
// global forms GlobalMaxPool, GlobalAveragePool and GlobalLpPool over any number of axes.
// Float 1-D and 2-D MaxPool and AveragePool run on the 2-D kernels; everything else on the 3-D ones.
import { elementCount, type ConstTensor, type DType, type Node } from '../ir/graph.js';
import { allocateTensorData } from '../onnx/tensor-bytes.js';
import {
  attrInt, attrInts, DTYPE_SUFFIX, inputArg, intParams, nodeError, outputArg, requireDtypes, requireInput,
  type EvalContext, type KernelArg, type KernelCall, type LowerContext, type OpFamily, type ParamValue, type ShapeContext, type TypedShape,
} from './op.js';
import { planeWindow, volumeWindow, windowGeometry, type WindowGeometry } from './sliding-window.js';
import { isQuantizedNode, perTensor, quantizationOf } from './int8-lowering.js';

const MAX_POOL_DTYPES: DType[] = ['float32', 'int8', 'uint8'];

function poolGeometry(node: Node, shape: number[]): WindowGeometry {
  if (shape.length < 3 || shape.length > 5) {
    throw nodeError(node, `only 1-D, 2-D and 3-D pooling is supported (input rank ${shape.length})`);
  }
  const kernel = attrInts(node, 'kernel_shape');
  if (kernel.length !== shape.length - 2) throw nodeError(node, `kernel_shape must have ${shape.length - 2} entries`);
  return windowGeometry(node, shape.slice(2), kernel, attrInt(node, 'ceil_mode', 0) === 1);
}

/** LpPool's and GlobalLpPool's p: an int since opset 2, a float before. */
function lpExponent(node: Node): number {
  const a = node.attributes.p;
  if (a === undefined) return 2;
  if (a.kind !== 'int' && a.kind !== 'float') throw nodeError(node, `attribute 'p' must be a number, got a ${a.kind}`);
  if (!(a.value > 0)) throw nodeError(node, `p must be positive (got ${a.value})`);
  return a.value;
}

function storageOrder(node: Node): number {
  const order = attrInt(node, 'storage_order', 0);
  if (order !== 0 && order !== 1) throw nodeError(node, `storage_order must be 0 or 1 (got ${order})`);
  return order;
}

const wantsIndices = (node: Node) => node.outputs.length > 1 && node.outputs[1] !== '';

// ---- the reference implementations ----------------------------------------------------------

interface WindowTaps {
  /** Per output position: the in-input taps' offsets in a plane, in the kernels' (row-major tap) order. */
  offsets: Int32Array[];
  /** The same taps' offsets in a column-major plane (MaxPool indices with storage_order 1). */
  columnOffsets: Int32Array[];
  /** Per output position: the taps inside the padded input (count_include_pad's divisor). */
  paddedCounts: number[];
}

/** Every window of a pooling, computed once for all planes. */
function windowTaps(geo: WindowGeometry): WindowTaps {
  const v = volumeWindow(geo);
  const [inD, inH, inW] = v.spatialIn;
  const axisTaps = (axis: number, o: number) => {
    const inside: number[] = [];
    let padded = 0;
    for (let t = 0; t < v.kernel[axis]; t++) {
      const position = o * v.strides[axis] - v.padsBegin[axis] + t * v.dilations[axis];
      if (position >= 0 && position < v.spatialIn[axis]) inside.push(position);
      if (position >= -v.padsBegin[axis] && position < v.spatialIn[axis] + v.padsEnd[axis]) padded++;
    }
    return { inside, padded };
  };
  const result: WindowTaps = { offsets: [], columnOffsets: [], paddedCounts: [] };
  for (let od = 0; od < v.spatialOut[0]; od++) {
    const zs = axisTaps(0, od);
    for (let oh = 0; oh < v.spatialOut[1]; oh++) {
      const ys = axisTaps(1, oh);
      for (let ow = 0; ow < v.spatialOut[2]; ow++) {
        const xs = axisTaps(2, ow);
        const offsets: number[] = [];
        const columns: number[] = [];
        for (const z of zs.inside) {
          for (const y of ys.inside) {
            for (const x of xs.inside) {
              offsets.push((z * inH + y) * inW + x);
              columns.push(z + (y + x * inH) * inD);
            }
          }
        }
        result.offsets.push(Int32Array.from(offsets));
        result.columnOffsets.push(Int32Array.from(columns));
        result.paddedCounts.push(zs.padded * ys.padded * xs.padded);
      }
    }
  }
  return result;
}

function evaluateWindowPool(ctx: EvalContext): ConstTensor[] {
  const x = ctx.inputs[0]!;
  const geo = poolGeometry(ctx.node, x.shape);
  const windows = windowTaps(geo);
  const planes = x.shape[0] * x.shape[1];
  const inPlane = elementCount(geo.spatialIn);
  const outPlane = windows.offsets.length;
  const xd = x.data as Float32Array | Int8Array | Uint8Array;
  const f = Math.fround;
  const y = allocateTensorData(x.dtype as 'float32', planes * outPlane) as Float32Array | Int8Array | Uint8Array;
  const op = ctx.node.opType;
  const indices = op === 'MaxPool' && wantsIndices(ctx.node) ? new BigInt64Array(planes * outPlane) : undefined;
  const columnMajor = indices && storageOrder(ctx.node) === 1;
  const countPadding = attrInt(ctx.node, 'count_include_pad', 0) === 1;
  const p = op === 'LpPool' ? lpExponent(ctx.node) : 0;
  const lowest = x.dtype === 'int8' ? -128 : x.dtype === 'uint8' ? 0 : -Infinity;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * inPlane;
    for (let o = 0; o < outPlane; o++) {
      const taps = windows.offsets[o];
      const at = plane * outPlane + o;
      if (op === 'MaxPool') {
        // From the type's lowest value, so NaN never wins and an empty window gives that value;
        // the first tap equal to it still counts as found, so its index is reported.
        let best = lowest;
        let index = -1;
        for (let t = 0; t < taps.length; t++) {
          const value = xd[base + taps[t]];
          if (value > best || (index < 0 && value === best)) {
            best = value;
            index = base + (columnMajor ? windows.columnOffsets[o][t] : taps[t]);
          }
        }
        y[at] = best;
        if (indices) indices[at] = BigInt(index);
      } else if (op === 'AveragePool') {
        let sum = 0;
        for (let t = 0; t < taps.length; t++) sum = f(sum + xd[base + taps[t]]);
        const divisor = countPadding ? windows.paddedCounts[o] : taps.length;
        y[at] = divisor > 0 ? f(sum / divisor) : 0;
      } else {
        let sum = 0;
        for (let t = 0; t < taps.length; t++) sum = f(sum + lpPower(xd[base + taps[t]], p));
        y[at] = lpRoot(sum, p);
      }
    }
  }
  const shape = [x.shape[0], x.shape[1], ...geo.spatialOut];
  const outputs: ConstTensor[] = [{ name: ctx.node.outputs[0], dtype: x.dtype, shape, data: y }];
  if (indices) outputs.push({ name: ctx.node.outputs[1], dtype: 'int64', shape, data: indices });
  return outputs;
}

/** |x|^p in float32 as the kernels compute it: exact products for p = 1 and 2. */
function lpPower(x: number, p: number): number {
  const magnitude = Math.abs(x);
  if (p === 1) return magnitude;
  if (p === 2) return Math.fround(magnitude * magnitude);
  return Math.fround(magnitude ** p);
}

function lpRoot(sum: number, p: number): number {
  if (p === 1) return sum;
  if (p === 2) return Math.fround(Math.sqrt(sum));
  return Math.fround(sum ** Math.fround(1 / p));
}

// ---- shapes and lowering --------------------------------------------------------------------

function windowPoolShapes(ctx: ShapeContext, dtypes: DType[]): TypedShape[] {
  requireDtypes(ctx, dtypes, 0);
  const x = requireInput(ctx, 0);
  const geo = poolGeometry(ctx.node, x.shape);
  if (ctx.node.opType === 'LpPool') lpExponent(ctx.node);
  const shape = [x.shape[0], x.shape[1], ...geo.spatialOut];
  const outputs: TypedShape[] = [{ dtype: x.dtype, shape }];
  if (ctx.node.opType === 'MaxPool' && wantsIndices(ctx.node)) {
    storageOrder(ctx.node);
    outputs.push({ dtype: 'int64', shape });
  }
  return outputs;
}

function lowerPlanePool(ctx: LowerContext, kernel: string, geo: WindowGeometry): KernelCall {
  const x = requireInput(ctx, 0).shape;
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
    args: [inputArg(ctx, 0), outputArg(ctx)],
    macs: 0,
  };
}

function lowerVolumePool(ctx: LowerContext, kernel: string, geo: WindowGeometry, extraArgs: KernelArg[] = []): KernelCall {
  const x = requireInput(ctx, 0).shape;
  const v = volumeWindow(geo);
  const lp: ParamValue = { float: ctx.node.opType === 'LpPool' ? lpExponent(ctx.node) : 0 };
  return {
    node: ctx.node.name,
    opType: ctx.node.opType,
    kernel,
    paramsType: 'o2m_pool3d_params',
    params: {
      batch_channels: { int: x[0] * x[1] },
      in_size: { ints: v.spatialIn },
      out_size: { ints: v.spatialOut },
      kernel: { ints: v.kernel },
      strides: { ints: v.strides },
      pads_begin: { ints: v.padsBegin },
      pads_end: { ints: v.padsEnd },
      dilations: { ints: v.dilations },
      count_include_pad: { int: attrInt(ctx.node, 'count_include_pad', 0) },
      storage_order: { int: ctx.node.opType === 'MaxPool' ? storageOrder(ctx.node) : 0 },
      p: lp,
    },
    args: [inputArg(ctx, 0), outputArg(ctx), ...extraArgs],
    macs: 0,
  };
}

export const maxPoolFamily: OpFamily = {
  opTypes: ['MaxPool'],
  opsets: [1, 17],
  dtypes: MAX_POOL_DTYPES,
  inferShapes: (ctx) => windowPoolShapes(ctx, MAX_POOL_DTYPES),
  // The largest int8 level is the largest value: max pooling keeps the input's scale.
  int8: { output: 'input', refuses: (ctx) => (wantsIndices(ctx.node) ? 'its Indices output has no int8 form' : undefined) },
  evaluate: evaluateWindowPool,
  lower(ctx) {
    const x = requireInput(ctx, 0);
    const geo = poolGeometry(ctx.node, x.shape);
    const indices = wantsIndices(ctx.node);
    if (x.dtype === 'float32' && x.shape.length <= 4 && !indices) return lowerPlanePool(ctx, 'o2m_maxpool2d_f32', geo);
    const suffix = DTYPE_SUFFIX[x.dtype];
    return indices
      ? lowerVolumePool(ctx, `o2m_maxpool3d_indices_${suffix}`, geo, [outputArg(ctx, 1)])
      : lowerVolumePool(ctx, `o2m_maxpool3d_${suffix}`, geo);
  },
};

/** The int8 average of 1-D and 2-D windows (o2m_avgpool2d_i8): output at the input's scale. */
function lowerAveragePoolInt8(ctx: LowerContext, geo: WindowGeometry): KernelCall {
  const x = requireInput(ctx, 0).shape;
  return {
    node: ctx.node.name,
    opType: ctx.node.opType,
    kernel: 'o2m_avgpool2d_i8',
    paramsType: 'o2m_avgpool2d_i8_params',
    params: {
      batch_channels: { int: x[0] * x[1] },
      ...intParams(planeWindow(geo)),
      count_include_pad: { int: attrInt(ctx.node, 'count_include_pad', 0) },
      input_zero_point: { int: perTensor(quantizationOf(ctx, 0)).zeroPoint },
    },
    args: [inputArg(ctx, 0), outputArg(ctx)],
    macs: 0,
  };
}

export const averagePoolFamily: OpFamily = {
  opTypes: ['AveragePool'],
  opsets: [1, 17],
  dtypes: ['float32'],
  inferShapes: (ctx) => windowPoolShapes(ctx, ['float32']),
  // The mean of levels is the level of the mean (TFLite keeps the input's scale too).
  int8: {
    output: 'input',
    refuses: (ctx) => (requireInput(ctx, 0).shape.length > 4 ? '3-D average pooling has no int8 kernel' : undefined),
  },
  evaluate: evaluateWindowPool,
  lower(ctx) {
    const x = requireInput(ctx, 0).shape;
    const geo = poolGeometry(ctx.node, x);
    if (isQuantizedNode(ctx)) return lowerAveragePoolInt8(ctx, geo);
    return x.length <= 4 ? lowerPlanePool(ctx, 'o2m_avgpool2d_f32', geo) : lowerVolumePool(ctx, 'o2m_avgpool3d_f32', geo);
  },
};

export const lpPoolFamily: OpFamily = {
  opTypes: ['LpPool'],
  opsets: [1, 17],
  dtypes: ['float32'],
  inferShapes: (ctx) => windowPoolShapes(ctx, ['float32']),
  evaluate: evaluateWindowPool,
  lower(ctx) {
    const x = requireInput(ctx, 0).shape;
    return lowerVolumePool(ctx, 'o2m_lppool3d_f32', poolGeometry(ctx.node, x));
  },
};

// ---- global pools -----------------------------------------------------------------------------

function globalShapes(ctx: ShapeContext): TypedShape[] {
  requireDtypes(ctx, ['float32'], 0);
  const x = requireInput(ctx, 0).shape;
  if (x.length < 3) throw nodeError(ctx.node, `input rank ${x.length} has no spatial axes`);
  if (ctx.node.opType === 'GlobalLpPool') lpExponent(ctx.node);
  return [{ dtype: 'float32', shape: [x[0], x[1], ...x.slice(2).map(() => 1)] }];
}

/** The float32 references, summing each plane in memory order as the kernels do. */
function evaluateGlobalPool(ctx: EvalContext): ConstTensor[] {
  const x = ctx.inputs[0]!;
  const xd = x.data as Float32Array;
  const planes = x.shape[0] * x.shape[1];
  const spatial = elementCount(x.shape.slice(2));
  const f = Math.fround;
  const op = ctx.node.opType;
  const p = op === 'GlobalLpPool' ? lpExponent(ctx.node) : 0;
  const y = new Float32Array(planes);
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * spatial;
    if (op === 'GlobalMaxPool') {
      let best = -Infinity;
      for (let i = 0; i < spatial; i++) if (xd[base + i] > best) best = xd[base + i];
      y[plane] = best;
    } else if (op === 'GlobalAveragePool') {
      let sum = 0;
      for (let i = 0; i < spatial; i++) sum = f(sum + xd[base + i]);
      y[plane] = f(sum / spatial);
    } else {
      let sum = 0;
      for (let i = 0; i < spatial; i++) sum = f(sum + lpPower(xd[base + i], p));
      y[plane] = lpRoot(sum, p);
    }
  }
  return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: ctx.outputs[0].shape, data: y }];
}

function lowerGlobalPool(ctx: LowerContext): KernelCall {
  const x = requireInput(ctx, 0).shape;
  const batchChannels = x[0] * x[1];
  const spatial = elementCount(x.slice(2));
  const common = { node: ctx.node.name, opType: ctx.node.opType, args: [inputArg(ctx, 0), outputArg(ctx)] as KernelArg[], macs: 0 };
  if (ctx.node.opType === 'GlobalAveragePool' && isQuantizedNode(ctx)) {
    return {
      ...common,
      kernel: 'o2m_global_avgpool_i8',
      paramsType: 'o2m_global_avgpool_i8_params',
      params: { batch_channels: { int: batchChannels }, spatial: { int: spatial } },
    };
  }
  if (ctx.node.opType === 'GlobalAveragePool') {
    return {
      ...common,
      kernel: 'o2m_global_avgpool_f32',
      paramsType: 'o2m_global_avgpool_f32_params',
      params: { batch_channels: { int: batchChannels }, spatial: { int: spatial } },
    };
  }
  const lp = ctx.node.opType === 'GlobalLpPool';
  return {
    ...common,
    kernel: lp ? 'o2m_global_lppool_f32' : 'o2m_global_maxpool_f32',
    paramsType: 'o2m_global_pool_f32_params',
    params: { batch_channels: { int: batchChannels }, spatial: { int: spatial }, p: { float: lp ? lpExponent(ctx.node) : 0 } },
  };
}

export const globalAveragePoolFamily: OpFamily = {
  opTypes: ['GlobalAveragePool'],
  opsets: [1, 17],
  dtypes: ['float32'],
  inferShapes: globalShapes,
  // As AveragePool: the rounded mean of each plane's levels, at the input's scale.
  int8: {
    output: 'input',
    refuses: (ctx) => (elementCount(requireInput(ctx, 0).shape.slice(2)) === 0 ? 'an empty plane has no mean' : undefined),
  },
  evaluate: evaluateGlobalPool,
  lower: lowerGlobalPool,
};

export const globalMaxPoolFamily: OpFamily = {
  opTypes: ['GlobalMaxPool'],
  opsets: [1, 17],
  dtypes: ['float32'],
  inferShapes: globalShapes,
  evaluate: evaluateGlobalPool,
  lower: lowerGlobalPool,
};

export const globalLpPoolFamily: OpFamily = {
  opTypes: ['GlobalLpPool'],
  opsets: [1, 17],
  dtypes: ['float32'],
  inferShapes: globalShapes,
  evaluate: evaluateGlobalPool,
  lower: lowerGlobalPool,
};
