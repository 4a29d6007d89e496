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
  const interleave = weightInterleave(ctx, inC, outC, group);
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
      weights_interleave: { int: interleave },
      block_pairs: { int: interleave === DSP_INTERLEAVE ? blockPairs(w, ctx.scratchGrant) : 0 },
      whole_plane: { int: isDepthwise(inC, outC, group) && depthwiseWholePlane(w, ctx.scratchGrant) ? 1 : 0 },
    },
    args: [
      inputArg(ctx, 0), interleave ? interleavedConvWeights(ctx, outC, group, interleave) : inputArg(ctx, 1),
      ctx.node.inputs[2] ? inputArg(ctx, 2) : { kind: 'null', ctype: 'int32_t' },
      ...requantizationArgs(ctx, Array.from({ length: outC }, (_, c) => input.scale * weights.scales[c] / output.scale)),
      outputArg(ctx),
      conv2dInt8ScratchBytes(inC, outC, group, w, interleave, heliumRows(ctx), ctx.scratchGrant) > 0 ? { kind: 'scratch', ctype: 'int32_t' } : { kind: 'null', ctype: 'int32_t' },
    ],
    macs: batch * outC * w.out_h * w.out_w * (inC / group) * w.k_h * w.k_w,
  };
}

/** The weight orders of kernels_int8.h: channel pairs' rows interleaved 4 taps at a time (the DSP kernel) or 16 (Helium's). */
const [DSP_INTERLEAVE, HELIUM_INTERLEAVE] = [4, 16];

/**
 * The order of the int8 Conv's weights in flash (weights_interleave): on a core with Helium
 * interleaved by 16 (conv2d_i8_mve.c), with the DSP extension alone by 4 (conv2d_i8.c), else
 * plain rows; a depthwise Conv's are plain everywhere (its own kernel reads plain rows). The
 * portable kernel reads every order.
 */
function weightInterleave(ctx: LowerContext, inC: number, outC: number, group: number): number {
  if (isDepthwise(inC, outC, group)) return 0;
  if (ctx.target?.mve) return HELIUM_INTERLEAVE;
  return ctx.target?.dsp ? DSP_INTERLEAVE : 0;
}

/**
 * The DSP kernel's pixel pairs per block: from MIN_BLOCK_PAIRS (where widening a channel pair's
 * weights once per block costs about what it saves) up to MAX_BLOCK_PAIRS as the plan grants
 * scratch (scratchGrowth), then evened out: the fewest blocks of that many pairs at most, all of
 * one size but the last.
 */
const [MIN_BLOCK_PAIRS, MAX_BLOCK_PAIRS] = [2, 64];

function blockPairs(w: ReturnType<typeof planeWindow>, grant = 0): number {
  const pixels = w.out_h * w.out_w;
  const most = 2 * Math.min(MAX_BLOCK_PAIRS, MIN_BLOCK_PAIRS + grant);
  return Math.ceil(Math.ceil(pixels / Math.ceil(pixels / most)) / 2);
}

/** The DSP kernel's record at the start of its scratch: the asm loop's state and the layout. */
const CONV_RECORD_BYTES = 72;
/** The Helium kernel's record (pair_loop in conv2d_i8_mve.c) and the output pixels of its tile (TILE_PIXELS). */
const [HELIUM_RECORD_BYTES, HELIUM_TILE_PIXELS] = [52, 4];

/**
 * The weights in a fast kernel's order (kernels_int8.h): within each group of the convolution,
 * its output channels in pairs (the last one of an odd count with a row of zeros), each pair's
 * two rows interleaved `interleave` taps at a time — channel 0's taps k..k+I-1, then channel
 * 1's — and the taps padded with zeros to a multiple of I. The DSP kernel's 2×2 tile then loads
 * both rows' next four weights with one LDRD, Helium's 2×3 tile walks both rows' 16-byte vectors
 * with one pointer. Costs the padding only: K + I - 1 bytes per channel at most, and one row for
 * an odd channel count per group.
 */
function interleavedConvWeights(ctx: LowerContext, outC: number, group: number, interleave: number): KernelArg {
  const weights = ctx.constants[1];
  if (weights?.dtype !== 'int8') throw new Error(`internal: int8 Conv '${ctx.node.name}' has no constant int8 weights`);
  const data = weights.data as Int8Array;
  const taps = data.length / outC;
  const blocks = Math.ceil(taps / interleave);
  const perGroup = outC / group;
  const pairsPerGroup = Math.ceil(perGroup / 2);
  const pairBytes = 2 * blocks * interleave;
  const out = new Int8Array(group * pairsPerGroup * pairBytes);
  for (let oc = 0; oc < outC; oc++) {
    const [g, j] = [Math.floor(oc / perGroup), oc % perGroup];
    const rowStart = (g * pairsPerGroup + (j >> 1)) * pairBytes + (j & 1) * interleave;
    for (let k = 0; k < taps; k++) out[rowStart + Math.floor(k / interleave) * 2 * interleave + (k % interleave)] = data[oc * taps + k];
  }
  const name = interleave === DSP_INTERLEAVE ? `${weights.name}::paired` : `${weights.name}::interleaved${interleave}`;
  return { kind: 'derived', tensor: { name, dtype: 'int8', shape: [out.length], data: out } };
}

/**
 * The int8 kernel's working memory (kernels_int8.h). With weights interleaved by 4 (a core with
 * the DSP extension) it keeps a record of its loop's state (CONV_RECORD_BYTES) and gathers a block
 * of output pixels' input patches (blockPairs) into int16 columns for SMLAD, two pixels side by
 * side, after a table of each tap's offset in the input; then one channel pair's weights widened
 * to int16, and each output channel's bias and requantisation constants: K taps padded to whole
 * groups of four take 4 bytes each of table, and padded to groups of eight 2 bytes per pixel of
 * the block and 4 of widened weights; each output channel 16 bytes. With weights interleaved by 16
 * (Helium's kernel, conv2d_i8_mve.c) a record of HELIUM_RECORD_BYTES, each channel's constants
 * (16 bytes, an odd group's padding row too), and per block of 16 taps a table of 16 uint16
 * offsets and four pixels' patches. A depthwise 3×3
 * (dilation 1, stride_w 1 or 2; o2m_conv2d_depthwise_i8) instead keeps five padded input rows (a ring
 * of three with its first two mirrored after it, so a window's rows are always one row apart:
 * runtime-c/kernels/conv2d_depthwise_i8.c), each long enough for the word load at
 * the last output and for the input row after pad_left, plus the 0 to 3 bytes that put the input
 * part on a word boundary — or, where all the padded rows the windows reach fit in
 * DEPTHWISE_WHOLE_PLANE_BYTES or the plan grants their room, all of them; other depthwise shapes get none and run the portable
 * loops. Plain weights (a core with neither) take none. The portable kernel leaves it untouched;
 * where the plan does not know the core (`interleave` undefined), it takes the larger of the two
 * fast kernels' sizes.
 */
/**
 * The padded rows a depthwise plane's windows reach are held whole (whole_plane: one copy per
 * channel and one call for all its output rows) where they take at most this many bytes, and
 * beyond that where the plan grants the room (a scratch growth of one unit); else a ring of five.
 */
const DEPTHWISE_WHOLE_PLANE_BYTES = 1024;

/** The fast depthwise 3×3's padded rows: their count and bytes each (conv2d_depthwise_i8.c), or undefined for other shapes. */
function depthwiseRows(w: ReturnType<typeof planeWindow>): { rows: number; rowBytes: number } | undefined {
  const fast = w.k_h === 3 && w.k_w === 3 && w.dil_h === 1 && w.dil_w === 1 && (w.stride_w === 1 || w.stride_w === 2);
  if (!fast) return undefined;
  const lead = (4 - (w.pad_left % 4)) % 4; // so that the input part of a padded row is word-aligned
  const rowBytes = Math.ceil((lead + Math.max(w.stride_w * (w.out_w - 1) + 4, w.pad_left + w.in_w)) / 4) * 4;
  return { rows: (w.out_h - 1) * w.stride_h + 3, rowBytes };
}

function depthwiseWholePlane(w: ReturnType<typeof planeWindow>, grant = 0): boolean {
  const shape = depthwiseRows(w);
  return shape !== undefined && (shape.rows * shape.rowBytes <= DEPTHWISE_WHOLE_PLANE_BYTES || grant > 0);
}

/**
 * The bytes Helium's depthwise rows may read past the last padded row (a row's last, partial group
 * of sixteen outputs: dw_mve_rows in conv2d_depthwise_i8.c); on a Helium core, or one not known.
 */
const HELIUM_DEPTHWISE_OVERREAD = 32;
const heliumRows = (ctx: LowerContext) => !ctx.target || Boolean(ctx.target.mve);

const isDepthwise = (inC: number, outC: number, group: number) => group > 1 && group === inC && outC === inC;

function conv2dInt8ScratchBytes(
  inC: number, outC: number, group: number, w: ReturnType<typeof planeWindow>, interleave: number | undefined, helium: boolean,
  grant?: number,
): number {
  if (isDepthwise(inC, outC, group)) {
    const shape = depthwiseRows(w);
    if (!shape) return 0;
    const rows = depthwiseWholePlane(w, grant) ? shape.rows : 5;
    return rows * shape.rowBytes + (helium ? HELIUM_DEPTHWISE_OVERREAD : 0);
  }
  if (interleave === undefined) {
    return Math.max(...[DSP_INTERLEAVE, HELIUM_INTERLEAVE].map((i) => conv2dInt8ScratchBytes(inC, outC, group, w, i, helium, grant)));
  }
  const taps = (inC / group) * w.k_h * w.k_w;
  if (interleave === HELIUM_INTERLEAVE) {
    const blocks = Math.ceil(taps / HELIUM_INTERLEAVE);
    const borderTables = heliumBorderTables(w) ? 4 * HELIUM_INTERLEAVE * blocks : 0;
    return HELIUM_RECORD_BYTES + 32 * group * Math.ceil(outC / group / 2) + (2 + HELIUM_TILE_PIXELS) * HELIUM_INTERLEAVE * blocks + borderTables;
  }
  if (interleave !== DSP_INTERLEAVE) return 0;
  const [padded, pairTaps] = [Math.ceil(taps / 4) * 4, Math.ceil(taps / 8) * 8];
  return CONV_RECORD_BYTES + 4 * padded + 4 * blockPairs(w, grant) * pairTaps + 4 * pairTaps + 16 + 16 * outC;
}

/**
 * Whether Helium's kernel keeps each tap's row and column in its window (int16, for its border
 * gather): when some window leaves the input and every extent is below 2^14
 * (border_tables_wanted in conv2d_i8_mve.c).
 */
function heliumBorderTables(w: ReturnType<typeof planeWindow>): boolean {
  const leaves = w.pad_top > 0 || w.pad_left > 0 ||
    (w.out_h - 1) * w.stride_h - w.pad_top + (w.k_h - 1) * w.dil_h >= w.in_h ||
    (w.out_w - 1) * w.stride_w - w.pad_left + (w.k_w - 1) * w.dil_w >= w.in_w;
  return leaves && [w.in_h, w.in_w, (w.k_h - 1) * w.dil_h, (w.k_w - 1) * w.dil_w].every((e) => e < 0x4000);
}

/** The interleave the plan sizes the scratch for: lowering's, or undefined where the core is not known. */
const plannedInterleave = (ctx: LowerContext, inC: number, outC: number, group: number) =>
  ctx.target ? weightInterleave(ctx, inC, outC, group) : undefined;

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
    return conv2dInt8ScratchBytes(inC, outC, group, planeWindow(geo), plannedInterleave(ctx, inC, outC, group), heliumRows(ctx), ctx.scratchGrant);
  },

  scratchGrowth(ctx: LowerContext): number {
    if (!isQuantizedNode(ctx)) return 0;
    const { inC, outC, group, geo } = convShapes(ctx);
    const w = planeWindow(geo);
    if (isDepthwise(inC, outC, group)) return depthwiseRows(w) && !depthwiseWholePlane(w) ? 1 : 0;
    const interleave = plannedInterleave(ctx, inC, outC, group);
    if (interleave === 0 || interleave === HELIUM_INTERLEAVE) return 0;
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
