// The geometry of a window sliding over the spatial axes of an N x C x D1 x ... tensor: output
// sizes and padding from the ONNX attributes, shared by Conv, ConvTranspose and the pools.
import { attrInts, attrString, nodeError } from './op.js';
import type { Node } from '../ir/graph.js';

export interface WindowGeometry {
  spatialIn: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
  spatialOut: number[];
}

/** The most spatial axes a window kernel takes: depth, height and width. */
export const MAX_SPATIAL_AXES = 3;

export function readAutoPad(node: Node): 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID' {
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER' && autoPad !== 'VALID') {
    throw nodeError(node, `auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  }
  return autoPad;
}

/** Output size and padding of a sliding window along each spatial axis. */
export function windowGeometry(
  node: Node, spatialIn: number[], kernel: number[], ceilMode = false,
): WindowGeometry {
  const n = spatialIn.length;
  const strides = attrInts(node, 'strides', Array(n).fill(1));
  const dilations = attrInts(node, 'dilations', Array(n).fill(1));
  const autoPad = readAutoPad(node);
  let pads = attrInts(node, 'pads', Array(2 * n).fill(0));
  if (kernel.length !== n || strides.length !== n || dilations.length !== n || pads.length !== 2 * n) {
    throw nodeError(node, `kernel_shape, strides, dilations and pads must have ${n}, ${n}, ${n} and ${2 * n} entries`);
  }
  if ([...kernel, ...strides, ...dilations].some((v) => v < 1) || pads.some((v) => v < 0)) {
    throw nodeError(node, 'kernel_shape, strides and dilations must be positive and pads not negative');
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
export function planeWindow(geo: WindowGeometry) {
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

/**
 * The window over exactly three spatial axes (depth, height, width), as the 3-D kernels and the
 * reference implementations take it: fewer axes are padded in front with axes of size 1.
 */
export function volumeWindow(geo: WindowGeometry): WindowGeometry {
  const missing = MAX_SPATIAL_AXES - geo.spatialIn.length;
  const lead = (v: number[], fill: number) => [...Array(missing).fill(fill), ...v];
  return {
    spatialIn: lead(geo.spatialIn, 1),
    spatialOut: lead(geo.spatialOut, 1),
    kernel: lead(geo.kernel, 1),
    strides: lead(geo.strides, 1),
    dilations: lead(geo.dilations, 1),
    padsBegin: lead(geo.padsBegin, 0),
    padsEnd: lead(geo.padsEnd, 0),
  };
}

/**
 * The kernel taps t in [0, taps) whose input position origin + t * dilation lies in
 * [0, extent), with those positions: the same range the C kernels compute, so references and
 * kernels visit taps in the same order.
 */
export function validTaps(origin: number, dilation: number, taps: number, extent: number): { taps: number[]; positions: number[] } {
  const result = { taps: [] as number[], positions: [] as number[] };
  for (let t = 0; t < taps; t++) {
    const position = origin + t * dilation;
    if (position >= 0 && position < extent) {
      result.taps.push(t);
      result.positions.push(position);
    }
  }
  return result;
}

/** Strides of a row-major tensor of `shape`, in elements. */
export function rowMajorStrides(shape: number[]): number[] {
  const strides = Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}
