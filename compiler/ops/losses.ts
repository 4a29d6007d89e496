// The losses: NegativeLogLikelihoodLoss on log-probabilities and SoftmaxCrossEntropyLoss on
// logits (which also outputs the log-probabilities when asked), with per-class weights,
// ignore_index and reduction none / sum / mean. Input [N][C][d1...dk], targets [N][d1...dk].
import {
  attrInt, attrString, inputArg, nodeError, outputArg, requireDtypes, requireFloat32, requireInput,
  type EvalContext, type KernelArg, type LowerContext, type OpFamily, type ShapeContext, type TypedShape,
} from './op.js';
import { product } from './reduction-axes.js';
import type { Node } from '../ir/graph.js';

const REDUCTIONS: Record<string, string> = { none: 'O2M_LOSS_NONE', sum: 'O2M_LOSS_SUM', mean: 'O2M_LOSS_MEAN' };

function lossGeometry(ctx: { node: Node; inputs: (TypedShape | undefined)[] }) {
  const x = requireInput(ctx, 0).shape;
  const target = requireInput(ctx, 1);
  if (x.length < 2) throw nodeError(ctx.node, `input must have at least 2 dimensions (N, C), got ${x.length}`);
  const expected = [x[0], ...x.slice(2)];
  if (target.shape.join(',') !== expected.join(',')) {
    throw nodeError(ctx.node, `target shape [${target.shape}] must be [${expected}] for input [${x}]`);
  }
  const classes = x[1];
  const weight = ctx.inputs[2];
  if (weight && (weight.shape.length !== 1 || weight.shape[0] !== classes)) {
    throw nodeError(ctx.node, `weight must have shape [${classes}], got [${weight.shape}]`);
  }
  const reduction = attrString(ctx.node, 'reduction', 'mean');
  if (!(reduction in REDUCTIONS)) throw nodeError(ctx.node, `reduction '${reduction}' is not one of none, sum, mean`);
  const ignoreIndex = ctx.node.attributes.ignore_index ? attrInt(ctx.node, 'ignore_index') : undefined;
  if (ignoreIndex !== undefined && (ignoreIndex < -(2 ** 31) || ignoreIndex >= 2 ** 31)) {
    throw nodeError(ctx.node, `ignore_index ${ignoreIndex} does not fit in 32 bits`);
  }
  return {
    batch: x[0], classes, inner: product(x.slice(2)), reduction, ignoreIndex,
    lossShape: reduction === 'none' ? target.shape : [],
  };
}

type LossGeometry = ReturnType<typeof lossGeometry>;

/** Minus the weighted log-probability of each target, reduced: the kernel's arithmetic in double. */
function reduceLosses(g: LossGeometry, logProbAt: (n: number, c: number, i: number) => number,
  target: ArrayLike<number | bigint>, weight: Float32Array | undefined): Float32Array {
  const losses = new Float32Array(g.batch * g.inner);
  let sum = 0;
  let weightSum = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let i = 0; i < g.inner; i++) {
      const position = n * g.inner + i;
      const t = Number(target[position]);
      if (t === g.ignoreIndex || t < 0 || t >= g.classes) continue;
      const w = weight ? weight[t] : 1;
      losses[position] = -logProbAt(n, t, i) * w;
      sum += losses[position];
      weightSum += w;
    }
  }
  if (g.reduction === 'none') return losses;
  return Float32Array.of(g.reduction === 'sum' ? sum : sum / weightSum);
}

function lossParams(g: LossGeometry, targetDtype: string) {
  return {
    batch: { int: g.batch }, classes: { int: g.classes }, inner: { int: g.inner },
    reduction: { enum: REDUCTIONS[g.reduction] },
    has_ignore_index: { int: g.ignoreIndex === undefined ? 0 : 1 },
    ignore_index: { int: g.ignoreIndex ?? 0 },
    target_bytes: { int: targetDtype === 'int64' ? 8 : 4 },
  };
}

function checkTypes(ctx: ShapeContext): void {
  requireFloat32(ctx, 0, 2);
  requireDtypes(ctx, ['int32', 'int64'], 1);
}

const weightArg = (ctx: LowerContext): KernelArg => (ctx.inputs[2] ? inputArg(ctx, 2) : { kind: 'null', ctype: 'float' });

export const nllLossFamily: OpFamily = {
  opTypes: ['NegativeLogLikelihoodLoss'],
  opsets: [12, 17],
  dtypes: ['float32'],

  inferShapes(ctx) {
    checkTypes(ctx);
    return [{ dtype: 'float32', shape: lossGeometry(ctx).lossShape }];
  },

  evaluate(ctx: EvalContext) {
    const g = lossGeometry({ node: ctx.node, inputs: ctx.inputTypes });
    const x = ctx.inputs[0]!.data as Float32Array;
    const loss = reduceLosses(g, (n, c, i) => x[(n * g.classes + c) * g.inner + i],
      ctx.inputs[1]!.data as ArrayLike<number | bigint>, ctx.inputs[2]?.data as Float32Array | undefined);
    return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: g.lossShape, data: loss }];
  },

  lower(ctx) {
    const g = lossGeometry(ctx);
    return {
      node: ctx.node.name,
      opType: 'NegativeLogLikelihoodLoss',
      kernel: 'o2m_nll_loss_f32',
      paramsType: 'o2m_loss_f32_params',
      params: lossParams(g, ctx.inputs[1]!.dtype),
      args: [inputArg(ctx, 0), inputArg(ctx, 1), weightArg(ctx), outputArg(ctx)],
      macs: 0,
    };
  },
};

export const softmaxCrossEntropyLossFamily: OpFamily = {
  opTypes: ['SoftmaxCrossEntropyLoss'],
  opsets: [12, 17],
  dtypes: ['float32'],

  inferShapes(ctx) {
    checkTypes(ctx);
    const g = lossGeometry(ctx);
    return [{ dtype: 'float32', shape: g.lossShape }, { ...requireInput(ctx, 0) }];
  },

  evaluate(ctx: EvalContext) {
    const g = lossGeometry({ node: ctx.node, inputs: ctx.inputTypes });
    const x = ctx.inputs[0]!.data as Float32Array;
    const logProb = new Float32Array(x.length);
    for (let n = 0; n < g.batch; n++) {
      for (let i = 0; i < g.inner; i++) {
        const at = (c: number) => (n * g.classes + c) * g.inner + i;
        let max = -Infinity;
        for (let c = 0; c < g.classes; c++) max = Math.max(max, x[at(c)]);
        let sum = 0;
        for (let c = 0; c < g.classes; c++) sum += Math.exp(x[at(c)] - max);
        for (let c = 0; c < g.classes; c++) logProb[at(c)] = x[at(c)] - max - Math.log(sum);
      }
    }
    const loss = reduceLosses(g, (n, c, i) => logProb[(n * g.classes + c) * g.inner + i],
      ctx.inputs[1]!.data as ArrayLike<number | bigint>, ctx.inputs[2]?.data as Float32Array | undefined);
    return [
      { name: ctx.node.outputs[0], dtype: 'float32', shape: g.lossShape, data: loss },
      { name: ctx.node.outputs[1] ?? '', dtype: 'float32', shape: ctx.outputs[1].shape, data: logProb },
    ];
  },

  lower(ctx) {
    const g = lossGeometry(ctx);
    const logProb: KernelArg = (ctx.node.outputs[1] ?? '') === '' ? { kind: 'null', ctype: 'float' } : outputArg(ctx, 1);
    return {
      node: ctx.node.name,
      opType: 'SoftmaxCrossEntropyLoss',
      kernel: 'o2m_softmax_cross_entropy_f32',
      paramsType: 'o2m_loss_f32_params',
      params: lossParams(g, ctx.inputs[1]!.dtype),
      args: [inputArg(ctx, 0), inputArg(ctx, 1), weightArg(ctx), outputArg(ctx), logProb],
      macs: 0,
    };
  },
};

export const families: OpFamily[] = [nllLossFamily, softmaxCrossEntropyLossFamily];
