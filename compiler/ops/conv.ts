// Conv: 1-D, 2-D and 3-D convolution with pads, strides, dilations and groups, in NCHW.
// 1-D and 2-D run on the 2-D kernel (a 1-D convolution is an image of height 1); 3-D has its own.
import { elementCount, type ConstTensor, type Node } from '../ir/graph.js';
import {
  attrInt, attrInts, fusedClamp, inputArg, intParams, nodeError, outputArg, requireFloat32, requireInput,
  type EvalContext, type KernelArg, type KernelCall, type LowerContext, type OpFamily, type ParamValue,
  type ShapeContext, type TypedShape, clampValue, fusedBounds,
} from './op.js';
import { int8ActivationClamp, isQuantizedNode, perTensor, quantizationOf, requantizationArgs } from './int8-lowering.js';
import { planeWindow, validTaps, volumeWindow, windowGeometry, type WindowGeometry } from './sliding-window.js';

function convShapes(ctx: { node: Node; inputs: (TypedShape | undefined)[] }) {
  const x = requireInput(ctx, 0);
  const w = requireInput(ctx, 1);
  const rank = x.shape.length;
  if (rank < 3 || rank > 5) throw nodeError(ctx.node, `only 1-D, 2-D and 3-D convolutions are supported (input rank ${rank})`);
  if (w.shape.length !== rank) throw nodeError(ctx.node, `weight rank ${w.shape.length} does not match input rank ${rank}`);
  const group = attrInt(ctx.node, 'group', 1);
  const [batch, inC] = x.shape;
  const outC = w.shape[0];
  if (group < 1 || inC % group !== 0 || outC % group !== 0 || w.shape[1] * group !== inC) {
    throw nodeError(ctx.node, `channels do not divide into ${group} groups (input ${inC}, weight ${w.shape.join('x')})`);
  }
  const kernel = attrInts(ctx.node, 'kernel_shape', w.shape.slice(2));
  if (kernel.join('x') !== w.shape.slice(2).join('x')) {
    throw nodeError(ctx.node, `kernel_shape ${kernel.join('x')} does not match the weight's ${w.shape.slice(2).join('x')}`);
  }
  const geo = windowGeometry(ctx.node, x.shape.slice(2), kernel);
  return { batch, inC, outC, group, geo, rank };
}

/**
 * The float32 reference, in the C kernels' order (input channels, then kernel taps row-major,
 * each product and sum rounded to float32), so a folded Conv equals the kernel's result bit for bit.
 */
function evaluateConv(ctx: EvalContext): ConstTensor[] {
  const x = ctx.inputs[0]!;
  const w = ctx.inputs[1]!;
  const b = ctx.inputs[2];
  const { batch, inC, outC, group, geo } = convShapes({ node: ctx.node, inputs: ctx.inputTypes });
  const v = volumeWindow(geo);
  const xd = x.data as Float32Array;
  const wd = w.data as Float32Array;
  const bd = b?.data as Float32Array | undefined;
  const [lo, hi] = fusedBounds(ctx.node);
  const f = Math.fround;
  const [inD, inH, inW] = v.spatialIn;
  const [outD, outH, outW] = v.spatialOut;
  const [kD, kH, kW] = v.kernel;
  const inVolume = inD * inH * inW;
  const kernelVolume = kD * kH * kW;
  const inCPerGroup = inC / group;
  const outCPerGroup = outC / group;
  const out = new Float32Array(batch * outC * outD * outH * outW);
  const tapsAlong = (axis: number) => Array.from({ length: v.spatialOut[axis] }, (_, o) =>
    validTaps(o * v.strides[axis] - v.padsBegin[axis], v.dilations[axis], v.kernel[axis], v.spatialIn[axis]));
  const [zTaps, yTaps, xTaps] = [tapsAlong(0), tapsAlong(1), tapsAlong(2)];
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let oc = 0; oc < outC; oc++) {
      const g = Math.floor(oc / outCPerGroup);
      const bias = bd ? bd[oc] : 0;
      for (let od = 0; od < outD; od++) {
        const zs = zTaps[od];
        for (let oh = 0; oh < outH; oh++) {
          const ys = yTaps[oh];
          for (let ow = 0; ow < outW; ow++) {
            const xs = xTaps[ow];
            let sum = 0;
            for (let ic = 0; ic < inCPerGroup; ic++) {
              const xBase = (n * inC + g * inCPerGroup + ic) * inVolume;
              const wBase = (oc * inCPerGroup + ic) * kernelVolume;
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

/** The geometry fields the 2-D kernels (float and int8) share. */
function conv2dGeometryParams(batch: number, inC: number, outC: number, group: number, geo: WindowGeometry): Record<string, ParamValue> {
  const w = planeWindow(geo);
  return intParams({
    batch, in_c: inC, in_h: w.in_h, in_w: w.in_w, out_c: outC, out_h: w.out_h, out_w: w.out_w,
    k_h: w.k_h, k_w: w.k_w, stride_h: w.stride_h, stride_w: w.stride_w,
    pad_top: w.pad_top, pad_left: w.pad_left, dil_h: w.dil_h, dil_w: w.dil_w, groups: group,
  });
}

/** int8: per-channel weights, the int32 bias at input × weight scale, one requantisation per output channel. */
function lowerConv2dInt8(ctx: LowerContext, batch: number, inC: number, outC: number, group: number, geo: WindowGeometry): KernelCall {
  const input = perTensor(quantizationOf(ctx, 0));
  const weights = quantizationOf(ctx, 1);
  const outputQ = quantizationOf(ctx, { output: 0 });
  const output = perTensor(outputQ);
  const w = planeWindow(geo);
  const paired = pairsWeights(ctx, inC, outC, group);
  return {
    node: ctx.node.name,
    opType: 'Conv',
    // Depthwise has its own entry point, so that other models link none of its fast variant.
    kernel: isDepthwise(inC, outC, group) ? 'o2m_conv2d_depthwise_i8' : 'o2m_conv2d_i8',
    paramsType: 'o2m_conv2d_i8_params',
    params: {
      ...conv2dGeometryParams(batch, inC, outC, group, geo),
      input_offset: { int: -input.zeroPoint },
      output_offset: { int: output.zeroPoint },
      ...int8ActivationClamp(ctx, outputQ),
      weights_paired: { int: paired ? 1 : 0 },
      block_pairs: { int: paired ? blockPairs(w, ctx.scratchGrant) : 0 },
    },
    args: [
      inputArg(ctx, 0), paired ? pairedConvWeights(ctx, outC, group) : inputArg(ctx, 1),
      ctx.node.inputs[2] ? inputArg(ctx, 2) : { kind: 'null', ctype: 'int32_t' },
      ...requantizationArgs(ctx, Array.from({ length: outC }, (_, c) => input.scale * weights.scales[c] / output.scale)),
      outputArg(ctx),
      conv2dInt8ScratchBytes(inC, outC, group, w, paired, ctx.scratchGrant) > 0 ? { kind: 'scratch', ctype: 'int32_t' } : { kind: 'null', ctype: 'int32_t' },
    ],
    macs: batch * outC * w.out_h * w.out_w * (inC / group) * w.k_h * w.k_w,
  };
}

/**
 * Whether the int8 Conv's weights go to flash in the DSP kernel's order (weights_paired): on a
 * core with the DSP extension and without Helium (whose kernel reads plain rows), for every Conv
 * but a depthwise one (its own kernel reads plain rows). The portable kernel reads either order.
 */
function pairsWeights(ctx: LowerContext, inC: number, outC: number, group: number): boolean {
  return Boolean(ctx.target?.dsp && !ctx.target.mve) && !isDepthwise(inC, outC, group);
}

/** Whether the plan sizes the scratch for paired weights: as lowering will, or, not knowing the core, the larger. */
const plansPaired = (ctx: LowerContext, inC: number, outC: number, group: number) =>
  ctx.target ? pairsWeights(ctx, inC, outC, group) : !isDepthwise(inC, outC, group);

/**
 * The DSP kernel's pixel pairs per block: from MIN_BLOCK_PAIRS (where widening a channel pair's
 * weights once per block costs about what it saves) up to MAX_BLOCK_PAIRS as the plan grants
 * scratch (scratchGrowth), then evened out: the fewest blocks of that many pairs at most, all of
 * one size but the last.
 */
const [MIN_BLOCK_PAIRS, MAX_BLOCK_PAIRS] = [2, 16];

function blockPairs(w: ReturnType<typeof planeWindow>, grant = 0): number {
  const pixels = w.out_h * w.out_w;
  const most = 2 * Math.min(MAX_BLOCK_PAIRS, MIN_BLOCK_PAIRS + grant);
  return Math.ceil(Math.ceil(pixels / Math.ceil(pixels / most)) / 2);
}

/** The DSP kernel's record at the start of its scratch: the asm loop's state and the layout. */
const CONV_RECORD_BYTES = 72;

/**
 * The weights in the DSP kernel's order (runtime-c/kernels/conv2d_i8.c, kernels_int8.h): within
 * each group of the convolution, its output channels in pairs (the last one of an odd count with
 * a row of zeros), each pair's two rows interleaved four taps at a time — channel 0's taps k..k+3,
 * then channel 1's — and the taps padded with zeros to a multiple of four. The 2×2 tile then
 * loads both rows' next four weights with one LDRD. Costs the padding only: K + 3 bytes per
 * channel at most, and one row for an odd channel count per group.
 */
function pairedConvWeights(ctx: LowerContext, outC: number, group: number): KernelArg {
  const weights = ctx.constants[1];
  if (weights?.dtype !== 'int8') throw new Error(`internal: int8 Conv '${ctx.node.name}' has no constant int8 weights`);
  const data = weights.data as Int8Array;
  const taps = data.length / outC;
  const fours = Math.ceil(taps / 4);
  const perGroup = outC / group;
  const pairsPerGroup = Math.ceil(perGroup / 2);
  const paired = new Int8Array(group * pairsPerGroup * fours * 8);
  for (let oc = 0; oc < outC; oc++) {
    const [g, j] = [Math.floor(oc / perGroup), oc % perGroup];
    const pairStart = (g * pairsPerGroup + (j >> 1)) * fours * 8 + (j & 1) * 4;
    for (let k = 0; k < taps; k++) paired[pairStart + (k >> 2) * 8 + (k & 3)] = data[oc * taps + k];
  }
  return { kind: 'derived', tensor: { name: `${weights.name}::paired`, dtype: 'int8', shape: [paired.length], data: paired } };
}

/**
 * The int8 kernel's working memory (kernels_int8.h). With paired weights (a core with the DSP
 * extension) it keeps a record of its loop's state (CONV_RECORD_BYTES) and gathers a block of
 * output pixels' input patches (blockPairs) into
 * int16 columns for SMLAD, two pixels side by side, after a table of each tap's offset in the
 * input; then one channel pair's weights widened to int16, and each output channel's bias and
 * requantisation constants: K taps padded to whole groups of four take 4 bytes each of table, and
 * padded to groups of eight 2 bytes per pixel of the block and 4 of widened weights; each output
 * channel 16 bytes. With plain weights (Helium's kernel, conv2d_i8_mve.c) the table, two pixels'
 * columns and the constants. A depthwise 3×3
 * (dilation 1, stride_w 1 or 2; o2m_conv2d_depthwise_i8) instead keeps five padded input rows (a ring
 * of three with its first two mirrored after it, so a window's rows are always one row apart:
 * runtime-c/kernels/conv2d_depthwise_i8.c), each long enough for the word load at
 * the last output and for the input row after pad_left, plus the 0 to 3 bytes that put the input
 * part on a word boundary — or, where all the padded rows the windows reach fit in
 * DEPTHWISE_WHOLE_PLANE_BYTES, all of them; other depthwise shapes get none and run the portable
 * loops. The portable kernel leaves it untouched; where the plan does not know the core, it
 * takes the paired layout's size, the larger.
 */
/** O2M_DW_WHOLE_PLANE_BYTES in runtime-c/kernels/conv2d_depthwise_i8.c. */
const DEPTHWISE_WHOLE_PLANE_BYTES = 1024;

const isDepthwise = (inC: number, outC: number, group: number) => group > 1 && group === inC && outC === inC;

function conv2dInt8ScratchBytes(
  inC: number, outC: number, group: number, w: ReturnType<typeof planeWindow>, paired: boolean, grant?: number,
): number {
  if (isDepthwise(inC, outC, group)) {
    const fast = w.k_h === 3 && w.k_w === 3 && w.dil_h === 1 && w.dil_w === 1 && (w.stride_w === 1 || w.stride_w === 2);
    if (!fast) return 0;
    const lead = (4 - (w.pad_left % 4)) % 4; // so that the input part of a padded row is word-aligned
    const rowBytes = Math.ceil((lead + Math.max(w.stride_w * (w.out_w - 1) + 4, w.pad_left + w.in_w)) / 4) * 4;
    const paddedRows = (w.out_h - 1) * w.stride_h + 3;
    return paddedRows * rowBytes <= DEPTHWISE_WHOLE_PLANE_BYTES ? paddedRows * rowBytes : 5 * rowBytes;
  }
  const taps = (inC / group) * w.k_h * w.k_w;
  const [padded, pairTaps] = [Math.ceil(taps / 4) * 4, Math.ceil(taps / 8) * 8];
  if (!paired) return 8 * padded + 16 * outC;
  return CONV_RECORD_BYTES + 4 * padded + 4 * blockPairs(w, grant) * pairTaps + 4 * pairTaps + 16 + 16 * outC;
}

function lowerConv2d(ctx: LowerContext, batch: number, inC: number, outC: number, group: number, geo: WindowGeometry): KernelCall {
  const w = planeWindow(geo);
  return {
    node: ctx.node.name,
    opType: 'Conv',
    kernel: 'o2m_conv2d_f32',
    paramsType: 'o2m_conv2d_f32_params',
    params: {
      ...conv2dGeometryParams(batch, inC, outC, group, geo),
      ...fusedClamp(ctx.node),
    },
    args: convArgs(ctx),
    macs: batch * outC * w.out_h * w.out_w * (inC / group) * w.k_h * w.k_w,
  };
}

/** The parameters the 3-D convolution kernels share (Conv and ConvTranspose). */
export function volumeConvParams(ctx: LowerContext, channels: Record<string, number>, geo: WindowGeometry): Record<string, ParamValue> {
  return {
    ...intParams(channels),
    in_size: { ints: geo.spatialIn },
    out_size: { ints: geo.spatialOut },
    kernel: { ints: geo.kernel },
    strides: { ints: geo.strides },
    pads_begin: { ints: geo.padsBegin },
    dilations: { ints: geo.dilations },
    ...fusedClamp(ctx.node),
  };
}

/** Input, weights, the optional bias and the output, as every convolution kernel takes them. */
export function convArgs(ctx: LowerContext): KernelArg[] {
  return [
    inputArg(ctx, 0),
    inputArg(ctx, 1),
    ctx.node.inputs[2] ? inputArg(ctx, 2) : { kind: 'null', ctype: 'float' },
    outputArg(ctx),
  ];
}

function lowerConv3d(ctx: LowerContext, batch: number, inC: number, outC: number, group: number, geo: WindowGeometry): KernelCall {
  return {
    node: ctx.node.name,
    opType: 'Conv',
    kernel: 'o2m_conv3d_f32',
    paramsType: 'o2m_conv3d_f32_params',
    params: {
      ...volumeConvParams(ctx, { batch, in_c: inC, out_c: outC, groups: group }, geo),
    },
    args: convArgs(ctx),
    macs: batch * outC * elementCount(geo.spatialOut) * (inC / group) * elementCount(geo.kernel),
  };
}

export const convFamily: OpFamily = {
  opTypes: ['Conv'],
  opsets: [1, 17],
  dtypes: ['float32'],

  inferShapes(ctx: ShapeContext) {
    requireFloat32(ctx, 0, 1, 2);
    const { batch, outC, geo } = convShapes(ctx);
    const b = ctx.inputs[2];
    if (b && (b.shape.length !== 1 || b.shape[0] !== outC)) {
      throw nodeError(ctx.node, `bias shape ${b.shape.join('x')} must be [${outC}]`);
    }
    return [{ dtype: 'float32', shape: [batch, outC, ...geo.spatialOut] }];
  },

  evaluate: evaluateConv,

  int8: {
    output: 'calibrated',
    refuses: (ctx) => (requireInput(ctx, 0).shape.length === 5 ? '3-D convolutions have no int8 kernel' : undefined),
    weights: () => ({ input: 1, axis: 0, bias: 2 }),
  },

  scratchBytes(ctx: LowerContext): number {
    if (!isQuantizedNode(ctx)) return 0;
    const { inC, outC, group, geo } = convShapes(ctx);
    return conv2dInt8ScratchBytes(inC, outC, group, planeWindow(geo), plansPaired(ctx, inC, outC, group), ctx.scratchGrant);
  },

  scratchGrowth(ctx: LowerContext): number {
    if (!isQuantizedNode(ctx)) return 0;
    const { inC, outC, group, geo } = convShapes(ctx);
    if (!plansPaired(ctx, inC, outC, group)) return 0;
    const w = planeWindow(geo);
    return blockPairs(w, MAX_BLOCK_PAIRS) - blockPairs(w);
  },

  lower(ctx: LowerContext): KernelCall {
    const { batch, inC, outC, group, geo, rank } = convShapes(ctx);
    if (isQuantizedNode(ctx)) return lowerConv2dInt8(ctx, batch, inC, outC, group, geo);
    return rank === 5
      ? lowerConv3d(ctx, batch, inC, outC, group, geo)
      : lowerConv2d(ctx, batch, inC, outC, group, geo);
  },
};
