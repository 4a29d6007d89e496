// BatchNormalization. In inference form with constant statistics it is a per-channel affine
// map: after a Conv, passes/fold-batchnorm.ts folds it into the Conv's weights; elsewhere it
// runs as o2m_channel_affine_f32 with scale and shift computed here. Statistics that arrive at
// run time take o2m_batch_norm_f32; training mode (opset 14+, training_mode = 1) normalises with
// the batch's own statistics and outputs the updated running mean and variance.
//
// Opset differences: before 7, `is_test` and (before 6) `consumed_inputs`; before 9, `spatial`
// (only the default, per-channel statistics, is supported); before 14, extra outputs meant
// training, which is not supported there.
import {
  attrFloat, attrInt, inputArg, nodeError, outputArg, requireFloat32, requireInput,
  type EvalContext, type KernelArg, type LowerContext, type OpFamily, type ShapeContext,
} from './op.js';
import { product } from './reduction-axes.js';
import type { ConstTensor, Node } from '../ir/graph.js';

/** Per-channel y = x * scale + shift equivalent to the node, from its constant statistics. */
export function batchNormAffine(node: Node, constants: (ConstTensor | undefined)[]): { scale: Float32Array; shift: Float32Array } {
  const [, gamma, beta, mean, variance] = constants;
  if (!gamma || !beta || !mean || !variance) {
    throw nodeError(node, 'scale, B, mean and var must be constants (inference mode)');
  }
  const eps = attrFloat(node, 'epsilon', 1e-5);
  const channels = gamma.data.length;
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = Number(gamma.data[c]) / Math.sqrt(Number(variance.data[c]) + eps);
    scale[c] = s;
    shift[c] = Number(beta.data[c]) - Number(mean.data[c]) * s;
  }
  return { scale, shift };
}

const isTraining = (node: Node, opset: number) => opset >= 14 && attrInt(node, 'training_mode', 0) === 1;

/** X viewed as [outer = N][channels = C][inner = spatial]. */
function batchNormView(ctx: { node: Node; inputs: ShapeContext['inputs'] }) {
  const x = requireInput(ctx, 0).shape;
  if (x.length < 2) throw nodeError(ctx.node, `input X must have at least 2 dimensions (N, C), got ${x.length}`);
  return { outer: x[0], channels: x[1], inner: product(x.slice(2)) };
}

export const batchNormFamily: OpFamily = {
  opTypes: ['BatchNormalization'],
  opsets: [1, 17],
  dtypes: ['float32'],

  inferShapes(ctx: ShapeContext) {
    requireFloat32(ctx, 0, 1, 2, 3, 4);
    const x = requireInput(ctx, 0);
    const { channels } = batchNormView(ctx);
    if (ctx.opset < 9 && attrInt(ctx.node, 'spatial', 1) !== 1) {
      throw nodeError(ctx.node, 'spatial = 0 (statistics per element rather than per channel) is not supported');
    }
    const extraOutputs = ctx.node.outputs.slice(1).some((o) => o !== '');
    if (extraOutputs && !isTraining(ctx.node, ctx.opset)) {
      throw nodeError(ctx.node, ctx.opset >= 14
        ? 'running mean/var outputs are only defined in training mode'
        : 'training mode (mean/var outputs) is supported from opset 14 (training_mode) only');
    }
    for (let i = 1; i <= 4; i++) {
      const s = requireInput(ctx, i).shape;
      if (s.length !== 1 || s[0] !== channels) throw nodeError(ctx.node, `input ${i} must have shape [${channels}]`);
    }
    const stats = { dtype: 'float32' as const, shape: [channels] };
    return isTraining(ctx.node, ctx.opset) ? [{ ...x }, stats, stats] : [{ ...x }];
  },

  evaluate(ctx: EvalContext) {
    const { outer, channels, inner } = batchNormView({ node: ctx.node, inputs: ctx.inputTypes });
    const [x, scale, bias, mean, variance] = ctx.inputs.map((t) => t!.data as Float32Array);
    const epsilon = attrFloat(ctx.node, 'epsilon', 1e-5);
    const momentum = attrFloat(ctx.node, 'momentum', 0.9);
    const training = isTraining(ctx.node, ctx.opset);
    const y = new Float32Array(x.length);
    const runningMean = new Float32Array(channels);
    const runningVar = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      const values: number[] = [];
      for (let n = 0; n < outer; n++) for (let i = 0; i < inner; i++) values.push(x[(n * channels + c) * inner + i]);
      let m = mean[c];
      let v = variance[c];
      if (training) {
        m = values.reduce((a, b) => a + b, 0) / values.length;
        v = values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length;
        runningMean[c] = mean[c] * momentum + m * (1 - momentum);
        runningVar[c] = variance[c] * momentum + v * (1 - momentum);
      }
      const factor = scale[c] / Math.sqrt(v + epsilon);
      for (let n = 0; n < outer; n++) {
        for (let i = 0; i < inner; i++) {
          const at = (n * channels + c) * inner + i;
          y[at] = (x[at] - m) * factor + bias[c];
        }
      }
    }
    const results: ConstTensor[] = [{ name: ctx.node.outputs[0], dtype: 'float32', shape: ctx.outputs[0].shape, data: y }];
    if (training) {
      results.push({ name: ctx.node.outputs[1] ?? '', dtype: 'float32', shape: [channels], data: runningMean });
      results.push({ name: ctx.node.outputs[2] ?? '', dtype: 'float32', shape: [channels], data: runningVar });
    }
    return results;
  },

  lower(ctx: LowerContext) {
    const view = batchNormView(ctx);
    const name = ctx.node.name;
    const geometry = { outer: { int: view.outer }, channels: { int: view.channels }, inner: { int: view.inner } };
    const training = isTraining(ctx.node, ctx.opset);
    if (!training && ctx.constants.slice(1, 5).every((c) => c !== undefined)) {
      const { scale, shift } = batchNormAffine(ctx.node, ctx.constants);
      return {
        node: name,
        opType: 'BatchNormalization',
        kernel: 'o2m_channel_affine_f32',
        paramsType: 'o2m_channel_affine_f32_params',
        params: geometry,
        args: [
          inputArg(ctx, 0),
          { kind: 'derived', tensor: { name: `${name}_scale`, dtype: 'float32', shape: [view.channels], data: scale } },
          { kind: 'derived', tensor: { name: `${name}_shift`, dtype: 'float32', shape: [view.channels], data: shift } },
          outputArg(ctx),
        ],
        macs: 0,
      };
    }
    const statistics = [1, 2, 3, 4].map((i) => inputArg(ctx, i));
    const optionalOutput = (i: number): KernelArg => ((ctx.node.outputs[i] ?? '') === '' ? { kind: 'null', ctype: 'float' } : outputArg(ctx, i));
    return {
      node: name,
      opType: 'BatchNormalization',
      kernel: training ? 'o2m_batch_norm_training_f32' : 'o2m_batch_norm_f32',
      paramsType: 'o2m_batch_norm_f32_params',
      params: {
        ...geometry,
        epsilon: { float: attrFloat(ctx.node, 'epsilon', 1e-5) },
        momentum: { float: attrFloat(ctx.node, 'momentum', 0.9) },
      },
      args: [inputArg(ctx, 0), ...statistics, outputArg(ctx), ...(training ? [optionalOutput(1), optionalOutput(2)] : [])],
      macs: 0,
    };
  },
};
