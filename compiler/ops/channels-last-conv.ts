// ChannelsLastConv: a depthwise 1-D Conv that reads and writes [batch, length, channels], which
// passes/channels-last-conv.ts puts in place of Transpose → Conv → Transpose on a sequence. It
// keeps the Conv's attributes (pads, strides, dilations, fused activation), weights, bias and (in
// int8) quantization; its kernels compute what o2m_conv2d_i8 and o2m_conv2d_f32 compute.
import { FUSED_DOMAIN } from './fused.js';
import { int8ActivationClamp, isQuantizedNode, perTensor, quantizationOf, requantizationArgs } from './int8-lowering.js';
import {
  attrInt, clampValue, fusedBounds, fusedClamp, inputArg, intParams, nodeError, outputArg, requireInput,
  type EvalContext, type KernelCall, type LowerContext, type OpFamily, type ShapeContext, type TypedShape,
} from './op.js';
import { validTaps, windowGeometry, type WindowGeometry } from './sliding-window.js';
import type { ConstTensor, Node } from '../ir/graph.js';

export const CHANNELS_LAST_CONV_OP = 'ChannelsLastConv';

interface SequenceConv {
  batch: number;
  channels: number;
  geo: WindowGeometry;
}

function sequenceConv(ctx: { node: Node; inputs: (TypedShape | undefined)[] }): SequenceConv {
  const x = requireInput(ctx, 0);
  const w = requireInput(ctx, 1);
  if (x.shape.length !== 3 || w.shape.length !== 3) {
    throw nodeError(ctx.node, `takes a [batch, length, channels] input and [channels, 1, kernel] weights (got ${x.shape.join('x')} and ${w.shape.join('x')})`);
  }
  const [batch, length, channels] = x.shape;
  if (w.shape[0] !== channels || w.shape[1] !== 1 || attrInt(ctx.node, 'group', 1) !== channels) {
    throw nodeError(ctx.node, `is depthwise only: ${channels} groups and [${channels}, 1, kernel] weights (got ${w.shape.join('x')})`);
  }
  return { batch, channels, geo: windowGeometry(ctx.node, [length], [w.shape[2]]) };
}

/** Stride 1, as long as its input, nothing after: output step t reads input steps ≤ t only. */
function isCausal({ geo }: SequenceConv): boolean {
  return geo.strides[0] === 1 && geo.spatialOut[0] === geo.spatialIn[0] && geo.padsEnd[0] === 0
    && geo.padsBegin[0] >= (geo.kernel[0] - 1) * geo.dilations[0];
}

const geometryParams = ({ batch, channels, geo }: SequenceConv) => intParams({
  batch, in_length: geo.spatialIn[0], out_length: geo.spatialOut[0], channels,
  kernel: geo.kernel[0], stride: geo.strides[0], pad_before: geo.padsBegin[0], dilation: geo.dilations[0],
});

const macsOf = ({ batch, channels, geo }: SequenceConv) => batch * channels * geo.spatialOut[0] * geo.kernel[0];

/** The float32 reference, summed as o2m_conv2d_f32 sums (taps in order, then the bias). */
function evaluateChannelsLast(ctx: EvalContext): ConstTensor[] {
  const { batch, channels, geo } = sequenceConv({ node: ctx.node, inputs: ctx.inputTypes });
  const x = ctx.inputs[0]!.data as Float32Array;
  const w = ctx.inputs[1]!.data as Float32Array;
  const b = ctx.inputs[2]?.data as Float32Array | undefined;
  const [lo, hi] = fusedBounds(ctx.node);
  const [inLength, outLength, kernel] = [geo.spatialIn[0], geo.spatialOut[0], geo.kernel[0]];
  const f = Math.fround;
  const out = new Float32Array(batch * outLength * channels);
  for (let n = 0; n < batch; n++) {
    for (let t = 0; t < outLength; t++) {
      const { taps, positions } = validTaps(t * geo.strides[0] - geo.padsBegin[0], geo.dilations[0], kernel, inLength);
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        taps.forEach((k, i) => { sum = f(sum + f(x[(n * inLength + positions[i]) * channels + c] * w[c * kernel + k])); });
        out[(n * outLength + t) * channels + c] = clampValue(f(sum + (b ? b[c] : 0)), lo, hi);
      }
    }
  }
  return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: ctx.outputs[0].shape, data: out }];
}

function lowerFloat(ctx: LowerContext, conv: SequenceConv): KernelCall {
  return {
    node: ctx.node.name,
    opType: CHANNELS_LAST_CONV_OP,
    kernel: 'o2m_conv1d_channels_last_f32',
    paramsType: 'o2m_conv1d_channels_last_f32_params',
    params: { ...geometryParams(conv), ...fusedClamp(ctx.node) },
    args: [
      inputArg(ctx, 0), inputArg(ctx, 1),
      ctx.node.inputs[2] ? inputArg(ctx, 2) : { kind: 'null', ctype: 'float' },
      outputArg(ctx),
    ],
    macs: macsOf(conv),
  };
}

export const channelsLastConvFamily: OpFamily = {
  opTypes: [CHANNELS_LAST_CONV_OP],
  domain: FUSED_DOMAIN,
  dtypes: ['float32', 'int8'],
  // The kernels walk time backwards, so a causal convolution can overwrite its own input.
  inPlace: (ctx) => (isCausal(sequenceConv(ctx)) ? [0] : []),

  inferShapes(ctx: ShapeContext) {
    const x = requireInput(ctx, 0);
    const w = requireInput(ctx, 1);
    if (!((x.dtype === 'int8' && w.dtype === 'int8') || (x.dtype === 'float32' && w.dtype === 'float32'))) {
      throw nodeError(ctx.node, `takes a float32 input and weights, or int8 ones (got ${x.dtype} and ${w.dtype})`);
    }
    const { batch, channels, geo } = sequenceConv(ctx);
    return [{ dtype: x.dtype, shape: [batch, geo.spatialOut[0], channels] }];
  },

  evaluate: evaluateChannelsLast,

  lower(ctx: LowerContext): KernelCall {
    const conv = sequenceConv(ctx);
    if (!isQuantizedNode(ctx)) return lowerFloat(ctx, conv);
    const { channels } = conv;
    const input = perTensor(quantizationOf(ctx, 0));
    const weights = quantizationOf(ctx, 1);
    const outputQ = quantizationOf(ctx, { output: 0 });
    const output = perTensor(outputQ);
    return {
      node: ctx.node.name,
      opType: CHANNELS_LAST_CONV_OP,
      kernel: 'o2m_conv1d_channels_last_i8',
      paramsType: 'o2m_conv1d_channels_last_i8_params',
      params: {
        ...geometryParams(conv),
        ...intParams({ input_offset: -input.zeroPoint, output_offset: output.zeroPoint }),
        ...int8ActivationClamp(ctx, outputQ),
      },
      args: [
        inputArg(ctx, 0), inputArg(ctx, 1),
        ctx.node.inputs[2] ? inputArg(ctx, 2) : { kind: 'null', ctype: 'int32_t' },
        ...requantizationArgs(ctx, Array.from({ length: channels }, (_, c) => input.scale * weights.scales[c] / output.scale)),
        outputArg(ctx),
      ],
      macs: macsOf(conv),
    };
  },
};
