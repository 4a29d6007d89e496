// Conv: 1-D and 2-D convolution with pads, strides, dilations and groups, in NCHW.
// A 1-D convolution runs on the 2-D kernel as an image of height 1.
import {
  attrInt, attrInts, attrString, fusedClamp, inputArg, intParams, nodeError, requireFloat32, requireInput,
  type KernelCall, type LowerContext, type OpFamily, type ShapeContext, type TypedShape,
} from './op.js';
import type { Node } from '../ir/graph.js';

interface ConvGeometry {
  spatialIn: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
  spatialOut: number[];
}

/** Output size and padding of a sliding window along each spatial axis (Conv and pools share it). */
export function windowGeometry(
  node: Node, spatialIn: number[], kernel: number[], ceilMode = false,
): ConvGeometry {
  const n = spatialIn.length;
  const strides = attrInts(node, 'strides', Array(n).fill(1));
  const dilations = attrInts(node, 'dilations', Array(n).fill(1));
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  let pads = attrInts(node, 'pads', Array(2 * n).fill(0));
  if (strides.length !== n || dilations.length !== n || pads.length !== 2 * n) {
    throw nodeError(node, `strides, dilations and pads must have ${n}, ${n} and ${2 * n} entries`);
  }
  const spatialOut: number[] = [];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = Array(2 * n).fill(0);
    for (let i = 0; i < n; i++) {
      const out = Math.ceil(spatialIn[i] / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + dilations[i] * (kernel[i] - 1) + 1 - spatialIn[i]);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + n] = total - pads[i];
    }
  } else if (autoPad === 'VALID') {
    pads = Array(2 * n).fill(0);
  } else if (autoPad !== 'NOTSET') {
    throw nodeError(node, `auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  }
  for (let i = 0; i < n; i++) {
    const span = spatialIn[i] + pads[i] + pads[i + n] - dilations[i] * (kernel[i] - 1) - 1;
    if (span < 0) throw nodeError(node, `the window (${kernel.join('x')}) is larger than the padded input`);
    let out = (ceilMode ? Math.ceil(span / strides[i]) : Math.floor(span / strides[i])) + 1;
    // A window may not start in the end padding (ONNX Runtime and PyTorch drop it).
    if (ceilMode && (out - 1) * strides[i] >= spatialIn[i] + pads[i]) out -= 1;
    spatialOut.push(out);
  }
  return {
    spatialIn, kernel, strides, dilations,
    padsBegin: pads.slice(0, n), padsEnd: pads.slice(n), spatialOut,
  };
}

/** The window as the 2-D kernels take it: a 1-D window is an image of height 1. */
export function planeWindow(geo: ConvGeometry) {
  const oneD = geo.spatialIn.length === 1;
  const pair = (v: number[], fill: number) => (oneD ? [fill, v[0]] : v);
  const [in_h, in_w] = pair(geo.spatialIn, 1);
  const [out_h, out_w] = pair(geo.spatialOut, 1);
  const [k_h, k_w] = pair(geo.kernel, 1);
  const [stride_h, stride_w] = pair(geo.strides, 1);
  const [dil_h, dil_w] = pair(geo.dilations, 1);
  const [pad_top, pad_left] = pair(geo.padsBegin, 0);
  const [pad_bottom, pad_right] = pair(geo.padsEnd, 0);
  return { in_h, in_w, out_h, out_w, k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, pad_bottom, pad_right };
}

function convShapes(ctx: { node: Node; inputs: (TypedShape | undefined)[] }) {
  const x = requireInput(ctx, 0);
  const w = requireInput(ctx, 1);
  const rank = x.shape.length;
  if (rank !== 3 && rank !== 4) throw nodeError(ctx.node, `only 1-D and 2-D convolutions are supported (input rank ${rank})`);
  if (w.shape.length !== rank) throw nodeError(ctx.node, `weight rank ${w.shape.length} does not match input rank ${rank}`);
  const group = attrInt(ctx.node, 'group', 1);
  const [batch, inC] = x.shape;
  const outC = w.shape[0];
  if (inC % group !== 0 || outC % group !== 0 || w.shape[1] * group !== inC) {
    throw nodeError(ctx.node, `channels do not divide into ${group} groups (input ${inC}, weight ${w.shape.join('x')})`);
  }
  const kernel = attrInts(ctx.node, 'kernel_shape', w.shape.slice(2));
  const geo = windowGeometry(ctx.node, x.shape.slice(2), kernel);
  return { batch, inC, outC, group, geo, rank };
}

export const convFamily: OpFamily = {
  opTypes: ['Conv'],

  inferShapes(ctx: ShapeContext) {
    requireFloat32(ctx, 0, 1, 2);
    const { batch, outC, geo } = convShapes(ctx);
    const b = ctx.inputs[2];
    if (b && (b.shape.length !== 1 || b.shape[0] !== outC)) {
      throw nodeError(ctx.node, `bias shape ${b.shape.join('x')} must be [${outC}]`);
    }
    return [{ dtype: 'float32', shape: [batch, outC, ...geo.spatialOut] }];
  },

  lower(ctx: LowerContext): KernelCall {
    const { batch, inC, outC, group, geo } = convShapes(ctx);
    const w = planeWindow(geo);
    return {
      node: ctx.node.name,
      opType: 'Conv',
      kernel: 'o2m_conv2d_f32',
      paramsType: 'o2m_conv2d_f32_params',
      params: {
        ...intParams({
          batch, in_c: inC, in_h: w.in_h, in_w: w.in_w, out_c: outC, out_h: w.out_h, out_w: w.out_w,
          k_h: w.k_h, k_w: w.k_w, stride_h: w.stride_h, stride_w: w.stride_w,
          pad_top: w.pad_top, pad_left: w.pad_left, dil_h: w.dil_h, dil_w: w.dil_w, groups: group,
        }),
        ...fusedClamp(ctx.node),
      },
      args: [
        { kind: 'value', name: ctx.node.inputs[0] },
        inputArg(ctx, 1),
        ctx.node.inputs[2] ? inputArg(ctx, 2) : { kind: 'null', ctype: 'float' },
        { kind: 'value', name: ctx.node.outputs[0] },
      ],
      macs: batch * outC * w.out_h * w.out_w * (inC / group) * w.k_h * w.k_w,
    };
  },
};
