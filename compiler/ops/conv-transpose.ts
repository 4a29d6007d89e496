// ConvTranspose: the gradient of Conv, 1-D to 3-D, with groups, dilations, output_padding,
// output_shape and auto_pad. The kernel gathers: each output sums the inputs whose scattered
// window covers it, so nothing is accumulated in place and no scratch buffer is needed.
import { elementCount, type ConstTensor, type Node } from '../ir/graph.js';
import {
  attrInt, attrInts, clampValue, fusedBounds, nodeError, requireFloat32, requireInput,
  type EvalContext, type KernelCall, type LowerContext, type OpFamily, type ShapeContext, type TypedShape,
} from './op.js';
import { readAutoPad, volumeWindow, type WindowGeometry } from './sliding-window.js';
import { convArgs, volumeConvParams } from './conv.js';

function transposeShapes(ctx: { node: Node; inputs: (TypedShape | undefined)[] }) {
  const { node } = ctx;
  const x = requireInput(ctx, 0).shape;
  const w = requireInput(ctx, 1).shape;
  const rank = x.length;
  if (rank < 3 || rank > 5) throw nodeError(node, `only 1-D, 2-D and 3-D transposed convolutions are supported (input rank ${rank})`);
  if (w.length !== rank) throw nodeError(node, `weight rank ${w.length} does not match input rank ${rank}`);
  const group = attrInt(node, 'group', 1);
  const [batch, inC] = x;
  if (group < 1 || w[0] !== inC || inC % group !== 0) {
    throw nodeError(node, `weight ${w.join('x')} does not fit ${inC} input channels in ${group} groups`);
  }
  const outC = w[1] * group;
  const n = rank - 2;
  const spatialIn = x.slice(2);
  const kernel = attrInts(node, 'kernel_shape', w.slice(2));
  if (kernel.join('x') !== w.slice(2).join('x')) {
    throw nodeError(node, `kernel_shape ${kernel.join('x')} does not match the weight's ${w.slice(2).join('x')}`);
  }
  const strides = attrInts(node, 'strides', Array(n).fill(1));
  const dilations = attrInts(node, 'dilations', Array(n).fill(1));
  const outputPadding = attrInts(node, 'output_padding', Array(n).fill(0));
  let pads = attrInts(node, 'pads', Array(2 * n).fill(0));
  if (strides.length !== n || dilations.length !== n || outputPadding.length !== n || pads.length !== 2 * n) {
    throw nodeError(node, `strides, dilations, output_padding and pads must have ${n}, ${n}, ${n} and ${2 * n} entries`);
  }
  if ([...strides, ...dilations].some((v) => v < 1)) throw nodeError(node, 'strides and dilations must be positive');
  const autoPad = readAutoPad(node);
  // The extent the scattered windows cover, before any padding is cut off.
  const full = spatialIn.map((d, i) => strides[i] * (d - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1);
  let requested = attrInts(node, 'output_shape', []);
  if (requested.length === rank) requested = requested.slice(2);
  if (requested.length !== 0 && requested.length !== n) {
    throw nodeError(node, `output_shape must have ${n} (or ${rank}) entries`);
  }
  if (requested.length === 0 && (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER')) {
    requested = spatialIn.map((d, i) => d * strides[i]);
  }
  if (requested.length > 0) {
    // The padding that cuts the full extent down to the requested one; an odd total puts the
    // extra row at the end, except with SAME_LOWER, which puts it at the beginning. A requested
    // extent larger than the full one gives negative padding: zeros (plus bias) at the end.
    pads = Array(2 * n).fill(0);
    for (let i = 0; i < n; i++) {
      const total = full[i] - requested[i];
      const small = Math.trunc(total / 2);
      pads[i] = autoPad === 'SAME_LOWER' ? total - small : small;
      pads[i + n] = total - pads[i];
    }
  } else if (autoPad === 'VALID') {
    pads = Array(2 * n).fill(0);
  }
  const spatialOut = full.map((f, i) => f - pads[i] - pads[i + n]);
  if (spatialOut.some((d) => d < 1)) throw nodeError(node, `the padding leaves no output (${spatialOut.join('x')})`);
  const geo: WindowGeometry = {
    spatialIn, kernel, strides, dilations, padsBegin: pads.slice(0, n), padsEnd: pads.slice(n), spatialOut,
  };
  return { batch, inC, outC, group, geo };
}

/**
 * For each output position along one axis: the kernel taps that reach it, with the input
 * positions they come from (output o gets input i through tap k when o = i * stride - pad + k * dilation).
 */
function gatherTaps(geo: WindowGeometry, axis: number): { taps: number[]; positions: number[] }[] {
  const result = [];
  for (let o = 0; o < geo.spatialOut[axis]; o++) {
    const entry = { taps: [] as number[], positions: [] as number[] };
    for (let k = 0; k < geo.kernel[axis]; k++) {
      const scaled = o + geo.padsBegin[axis] - k * geo.dilations[axis];
      if (scaled < 0 || scaled % geo.strides[axis] !== 0) continue;
      const i = scaled / geo.strides[axis];
      if (i >= geo.spatialIn[axis]) continue;
      entry.taps.push(k);
      entry.positions.push(i);
    }
    result.push(entry);
  }
  return result;
}

/** The float32 reference, in the kernel's order: input channels, then taps in depth, height, width. */
function evaluateConvTranspose(ctx: EvalContext): ConstTensor[] {
  const { batch, inC, outC, group, geo } = transposeShapes({ node: ctx.node, inputs: ctx.inputTypes });
  const v = volumeWindow(geo);
  const xd = ctx.inputs[0]!.data as Float32Array;
  const wd = ctx.inputs[1]!.data as Float32Array;
  const bd = ctx.inputs[2]?.data as Float32Array | undefined;
  const [lo, hi] = fusedBounds(ctx.node);
  const f = Math.fround;
  const [, inH, inW] = v.spatialIn;
  const [, kH, kW] = v.kernel;
  const inVolume = elementCount(v.spatialIn);
  const kernelVolume = elementCount(v.kernel);
  const inCPerGroup = inC / group;
  const outCPerGroup = outC / group;
  const [zTaps, yTaps, xTaps] = [gatherTaps(v, 0), gatherTaps(v, 1), gatherTaps(v, 2)];
  const out = new Float32Array(batch * outC * elementCount(v.spatialOut));
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let oc = 0; oc < outC; oc++) {
      const g = Math.floor(oc / outCPerGroup);
      const bias = bd ? bd[oc] : 0;
      for (const zs of zTaps) {
        for (const ys of yTaps) {
          for (const xs of xTaps) {
            let sum = 0;
            for (let ic = 0; ic < inCPerGroup; ic++) {
              const channel = g * inCPerGroup + ic;
              const xBase = (n * inC + channel) * inVolume;
              const wBase = (channel * outCPerGroup + (oc - g * outCPerGroup)) * kernelVolume;
              for (let iz = 0; iz < zs.taps.length; iz++) {
                for (let iy = 0; iy < ys.taps.length; iy++) {
                  const xRow = xBase + (zs.positions[iz] * inH + ys.positions[iy]) * inW;
                  const wRow = wBase + (zs.taps[iz] * kH + ys.taps[iy]) * kW;
                  for (let ix = 0; ix < xs.taps.length; ix++) {
                    sum = f(sum + f(xd[xRow + xs.positions[ix]] * wd[wRow + xs.taps[ix]]));
                  }
                }
              }
            }
            out[o++] = clampValue(f(sum + bias), lo, hi);
          }
        }
      }
    }
  }
  return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: ctx.outputs[0].shape, data: out }];
}

export const convTransposeFamily: OpFamily = {
  opTypes: ['ConvTranspose'],
  opsets: [1, 17],
  dtypes: ['float32'],

  inferShapes(ctx: ShapeContext) {
    requireFloat32(ctx, 0, 1, 2);
    const { batch, outC, geo } = transposeShapes(ctx);
    const b = ctx.inputs[2];
    if (b && (b.shape.length !== 1 || b.shape[0] !== outC)) {
      throw nodeError(ctx.node, `bias shape ${b.shape.join('x')} must be [${outC}]`);
    }
    return [{ dtype: 'float32', shape: [batch, outC, ...geo.spatialOut] }];
  },

  evaluate: evaluateConvTranspose,

  lower(ctx: LowerContext): KernelCall {
    const { batch, inC, outC, group, geo } = transposeShapes(ctx);
    const v = volumeWindow(geo);
    return {
      node: ctx.node.name,
      opType: 'ConvTranspose',
      kernel: 'o2m_conv_transpose_f32',
      paramsType: 'o2m_conv_transpose_f32_params',
      params: {
        ...volumeConvParams(ctx, { batch, in_c: inC, out_c: outC, groups: group }, v),
      },
      args: convArgs(ctx),
      // Every input element meets every tap once: the products a scatter would compute.
      macs: batch * inC * elementCount(geo.spatialIn) * (outC / group) * elementCount(geo.kernel),
    };
  },
};
