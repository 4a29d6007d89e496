// Normalisations that compute their statistics from the data: LayerNormalization,
// InstanceNormalization, MeanVarianceNormalization, LpNormalization and LRN (float32).
// BatchNormalization, whose statistics are usually constants, is batchnorm.ts.
// LayerNormalization (and the RMSNormalization of fused.ts) also run in int8, with integer
// statistics: see lowerNormInt8 below and runtime-c's kernels_int8_norm.h.
import {
  attrFloat, attrInt, attrInts, inputArg, nodeError, normaliseAxis, outputArg, requireFloat32, requireInput,
  type EvalContext, type Int8Rule, type KernelArg, type KernelCall, type LowerContext, type OpFamily, type ShapeContext,
  type TypedShape,
} from './op.js';
import { axisView, product, reductionWalk, walkOffsets, walkParams } from './reduction-axes.js';
import { isQuantizedNode, perTensor, quantizationOf } from './int8-lowering.js';
import { quantizeMultiplier } from '../quantize/fixed-point.js';
import { roundHalfAwayFromZero } from '../quantize/params.js';
import type { ConstTensor, Node } from '../ir/graph.js';

const f32 = (t: ConstTensor | undefined) => t!.data as Float32Array;

/** Mean and population variance of some values, two passes as ONNX's reference computes them. */
function moments(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, variance: values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length };
}

const optionalOutput = (ctx: LowerContext, index: number): KernelArg =>
  ((ctx.node.outputs[index] ?? '') === '' ? { kind: 'null', ctype: 'float' } : outputArg(ctx, index));

// ---- int8 LayerNormalization and RMSNormalization ---------------------------------------------
//
// The quantize pass hands the kernel Scale (gamma) as per-element symmetric int8 weights (one
// scale per element along the one axis it varies on, so gamma survives to float32 precision)
// and B (beta) as int32 at input scale x gamma scale; the lowering turns them into what
// o2m_layer_norm_i8 / o2m_rms_norm_i8 take: gamma / output_scale as a quantized multiplier per
// element and beta / output_scale in Q8 per element. Epsilon becomes an integer in the
// kernel's units of squared input levels.

/** The most elements per row: keeps size * level, size^2 * variance and W inside the kernel's integers. */
export const NORM_INT8_MAX_ROW = 2 ** 22;
/** Fraction bits of the kernel's Q8 output before the final rounding (O2M_NORM_OUTPUT_FRACTION_BITS). */
const NORM_OUTPUT_FRACTION_BITS = 8;
/** Epsilon in squared levels is capped so the kernel's W stays below 2^62. */
const NORM_MAX_EPSILON = 2n ** 61n;

/** The axes of a constant's shape that are not 1. */
const varyingAxes = (shape: readonly number[]) => shape.flatMap((d, i) => (d === 1 ? [] : [i]));

/** The weight axis of a Scale constant: the one axis it varies along (its last when it varies along none). */
function scaleAxis(shape: readonly number[]): number {
  return varyingAxes(shape)[0] ?? shape.length - 1;
}

export interface NormInt8Operands {
  /** The normalized (trailing) shape each row has. */
  normalized: number[];
  /** Input index of Scale (gamma), when the node has one. */
  scale?: number;
  /** Input index of B (beta), when the node has one. */
  bias?: number;
}

/** Why a LayerNorm or RMSNorm node cannot run on the int8 kernels, or undefined. */
export function normInt8Refusal(ctx: LowerContext, o: NormInt8Operands): string | undefined {
  const size = product(o.normalized);
  if (size > NORM_INT8_MAX_ROW) return `rows of ${size} elements; the int8 kernel takes at most ${NORM_INT8_MAX_ROW}`;
  const position = (shape: readonly number[], axis: number) => o.normalized.length - shape.length + axis;
  let scaleShape: number[] | undefined;
  if (o.scale !== undefined && ctx.inputs[o.scale]) {
    if (!ctx.constants[o.scale]) return 'its Scale is not a constant';
    scaleShape = ctx.inputs[o.scale]!.shape;
    if (scaleShape.length === 0) return 'its Scale is a scalar';
    if (varyingAxes(scaleShape).length > 1) return 'its Scale varies along more than one axis';
  }
  if (o.bias !== undefined && ctx.inputs[o.bias]) {
    if (!ctx.constants[o.bias]) return 'its B is not a constant';
    const biasShape = ctx.inputs[o.bias]!.shape;
    const biasAxes = varyingAxes(biasShape);
    if (biasAxes.length === 0) return undefined;
    const scaleAxes = scaleShape ? varyingAxes(scaleShape) : [];
    if (biasAxes.length > 1 || scaleAxes.length === 0
      || position(biasShape, biasAxes[0]) !== position(scaleShape!, scaleAxes[0])) {
      return 'its B varies along an axis its Scale does not';
    }
  }
  return undefined;
}

/** The quantize pass's weights: gamma per element along its axis, beta as its int32 bias. */
export function normInt8Weights(ctx: LowerContext, o: NormInt8Operands): ReturnType<NonNullable<Int8Rule['weights']>> {
  if (o.scale === undefined || !ctx.inputs[o.scale]) return undefined;
  const hasBias = o.bias !== undefined && ctx.inputs[o.bias] !== undefined;
  return { input: o.scale, axis: scaleAxis(ctx.inputs[o.scale]!.shape), ...(hasBias ? { bias: o.bias } : {}) };
}

/** The int8 kernel call for a quantized LayerNorm ('layer') or RMSNorm ('rms') node. */
export function lowerNormInt8(ctx: LowerContext, mode: 'layer' | 'rms', o: NormInt8Operands & { outer: number; epsilon: number }): KernelCall {
  const size = product(o.normalized);
  const input = perTensor(quantizationOf(ctx, 0));
  const output = perTensor(quantizationOf(ctx, { output: 0 }));

  // gamma and beta per element of a row: each element reads the channel of its coordinate
  // along the one axis gamma varies on (or channel 0).
  const hasScale = o.scale !== undefined && ctx.inputs[o.scale] !== undefined;
  const hasBias = o.bias !== undefined && ctx.inputs[o.bias] !== undefined;
  let channelOf = (_: number) => 0;
  const gamma: number[] = [1];
  const beta: number[] = [0];
  if (hasScale) {
    const scaleShape = ctx.inputs[o.scale!]!.shape;
    const q = quantizationOf(ctx, o.scale!);
    const data = ctx.constants[o.scale!]!.data as Int8Array;
    const axis = scaleAxis(scaleShape);
    const channels = scaleShape[axis];
    if (channels > 1) {
      const at = o.normalized.length - scaleShape.length + axis;
      const inner = product(o.normalized.slice(at + 1));
      channelOf = (i) => Math.floor(i / inner) % channels;
    }
    gamma.length = 0;
    for (let c = 0; c < channels; c++) gamma.push(data[c] * q.scales[c]);
    if (hasBias) {
      const b = quantizationOf(ctx, o.bias!);
      const biasData = ctx.constants[o.bias!]!.data as Int32Array;
      beta.length = 0;
      for (let c = 0; c < channels; c++) {
        if (Math.abs(biasData[c]) >= 2 ** 31 - 1) {
          throw nodeError(ctx.node, `B[${c}] / Scale[${c}] is too large for the int8 kernel's int32 bias; keep the node in float (--keep-float ${ctx.node.name})`);
        }
        beta.push(biasData[c] * b.scales[c]);
      }
    }
  }

  // n = d / sqrt(W) is at most sqrt(size - 1) for LayerNorm and 1 for RMSNorm: Q(norm_bits) keeps it below 2^30.
  const normBits = mode === 'layer' ? 30 - Math.ceil(Math.log2(size) / 2) : 30;
  // LayerNorm's W is size^2 * (variance + eps) in squared levels, RMSNorm's size * (mean square + eps);
  // RMSNorm's missing sqrt(size) goes into every multiplier.
  const rows = mode === 'layer' ? size * size : size;
  const epsilonLevels = (rows * Math.fround(o.epsilon)) / (input.scale * input.scale);
  const epsilonInt = epsilonLevels >= 2 ** 61 ? NORM_MAX_EPSILON : BigInt(roundHalfAwayFromZero(epsilonLevels));
  const rowFactor = mode === 'layer' ? 1 : Math.sqrt(size);

  const multipliers = new Int32Array(size);
  const shifts = new Int32Array(size);
  const biases = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const g = gamma[channelOf(i)];
    const m = quantizeMultiplier(Math.abs(g) * rowFactor / output.scale * 2 ** (NORM_OUTPUT_FRACTION_BITS - normBits));
    multipliers[i] = g < 0 ? -m.multiplier : m.multiplier;
    shifts[i] = m.shift;
    const b = roundHalfAwayFromZero(beta[channelOf(i)] * 2 ** NORM_OUTPUT_FRACTION_BITS / output.scale);
    biases[i] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, b));
  }
  const derived = (field: string, data: Int32Array): KernelArg => ({
    kind: 'derived', tensor: { name: `${ctx.node.name}::${field}`, dtype: 'int32', shape: [size], data },
  });
  return {
    node: ctx.node.name,
    opType: ctx.node.opType,
    kernel: mode === 'layer' ? 'o2m_layer_norm_i8' : 'o2m_rms_norm_i8',
    paramsType: 'o2m_norm_i8_params',
    params: {
      outer: { int: o.outer }, size: { int: size },
      input_offset: { int: -input.zeroPoint },
      eps_hi: { int: Number(epsilonInt >> 31n) }, eps_lo: { int: Number(epsilonInt & 0x7fffffffn) },
      norm_bits: { int: normBits },
      output_offset: { int: output.zeroPoint },
    },
    args: [
      inputArg(ctx, 0), derived('multipliers', multipliers), derived('shifts', shifts),
      hasBias ? derived('bias', biases) : { kind: 'null', ctype: 'int32_t' },
      outputArg(ctx),
    ],
    macs: 0,
  };
}

// ---- LayerNormalization (opset 17) ----------------------------------------------------------------

function layerNormGeometry(ctx: { node: Node; inputs: (TypedShape | undefined)[] }) {
  const x = requireInput(ctx, 0).shape;
  const axis = normaliseAxis(ctx.node, attrInt(ctx.node, 'axis', -1), Math.max(1, x.length));
  const normalized = x.slice(axis);
  for (const i of [1, 2]) {
    const t = ctx.inputs[i];
    if (!t) continue;
    const fits = t.shape.length <= normalized.length
      && t.shape.every((d, k) => d === 1 || d === normalized[normalized.length - t.shape.length + k]);
    if (!fits) throw nodeError(ctx.node, `input ${i} of shape [${t.shape}] does not broadcast to the normalized shape [${normalized}]`);
  }
  return {
    outer: product(x.slice(0, axis)),
    inner: product(normalized),
    normalized,
    statsShape: [...x.slice(0, axis), ...normalized.map(() => 1)],
    epsilon: attrFloat(ctx.node, 'epsilon', 1e-5),
  };
}

/** Scale or bias as one value per normalized element (broadcast at compile time when needed). */
function perElement(node: Node, t: ConstTensor | undefined, shape: number[] | undefined, normalized: number[], what: string): Float32Array | 'as-is' {
  if (!shape || product(shape) === product(normalized)) return 'as-is';
  if (!t) throw nodeError(node, `${what} of shape [${shape}] must be a constant to broadcast to [${normalized}]`);
  const out = new Float32Array(product(normalized));
  const rank = normalized.length;
  const padded = [...Array(rank - shape.length).fill(1), ...shape];
  for (let i = 0; i < out.length; i++) {
    let rest = i;
    let source = 0;
    let stride = 1;
    for (let a = rank - 1; a >= 0; a--) {
      const index = rest % normalized[a];
      rest = Math.floor(rest / normalized[a]);
      if (padded[a] !== 1) source += index * stride;
      stride *= padded[a];
    }
    out[i] = Number(t.data[source]);
  }
  return out;
}

export const layerNormFamily: OpFamily = {
  opTypes: ['LayerNormalization'],
  opsets: [17, 17],
  dtypes: ['float32'],

  inferShapes(ctx: ShapeContext) {
    requireFloat32(ctx, 0, 1, 2);
    requireInput(ctx, 1);
    const x = requireInput(ctx, 0);
    const { statsShape } = layerNormGeometry(ctx);
    const stats = { dtype: 'float32' as const, shape: statsShape };
    return [{ ...x }, stats, stats];
  },

  int8: {
    output: 'calibrated',
    refuses(ctx) {
      if (ctx.node.outputs.slice(1).some((name) => name !== '')) return 'its Mean and InvStdDev outputs have no int8 kernel';
      return normInt8Refusal(ctx, { normalized: layerNormGeometry(ctx).normalized, scale: 1, bias: 2 });
    },
    weights: (ctx) => normInt8Weights(ctx, { normalized: layerNormGeometry(ctx).normalized, scale: 1, bias: 2 }),
  },

  evaluate(ctx: EvalContext) {
    const g = layerNormGeometry({ node: ctx.node, inputs: ctx.inputTypes });
    const x = f32(ctx.inputs[0]);
    const scale = perElement(ctx.node, ctx.inputs[1], ctx.inputTypes[1]?.shape, g.normalized, 'Scale');
    const bias = ctx.inputs[2] ? perElement(ctx.node, ctx.inputs[2], ctx.inputTypes[2]?.shape, g.normalized, 'B') : undefined;
    const scaleAt = (i: number) => (scale === 'as-is' ? f32(ctx.inputs[1])[i] : scale[i]);
    const biasAt = (i: number) => (bias === undefined ? 0 : bias === 'as-is' ? f32(ctx.inputs[2])[i] : bias[i]);
    const y = new Float32Array(x.length);
    const means = new Float32Array(g.outer);
    const invStdDevs = new Float32Array(g.outer);
    for (let row = 0; row < g.outer; row++) {
      const values = Array.from(x.subarray(row * g.inner, (row + 1) * g.inner));
      const { mean, variance } = moments(values);
      const inv = 1 / Math.sqrt(variance + g.epsilon);
      values.forEach((v, i) => { y[row * g.inner + i] = (v - mean) * inv * scaleAt(i) + biasAt(i); });
      means[row] = mean;
      invStdDevs[row] = inv;
    }
    const name = (i: number) => ctx.node.outputs[i] ?? '';
    return [
      { name: name(0), dtype: 'float32', shape: ctx.outputs[0].shape, data: y },
      { name: name(1), dtype: 'float32', shape: g.statsShape, data: means },
      { name: name(2), dtype: 'float32', shape: g.statsShape, data: invStdDevs },
    ];
  },

  lower(ctx: LowerContext) {
    if (isQuantizedNode(ctx)) {
      // Scale and B are the quantize pass's weight and per-channel int32 bias now, not the model's shapes.
      const g = layerNormGeometry({ node: ctx.node, inputs: [ctx.inputs[0]] });
      return lowerNormInt8(ctx, 'layer', { normalized: g.normalized, scale: 1, bias: 2, outer: g.outer, epsilon: g.epsilon });
    }
    const g = layerNormGeometry(ctx);
    const operand = (i: number, what: string): KernelArg => {
      const expanded = perElement(ctx.node, ctx.constants[i], ctx.inputs[i]?.shape, g.normalized, what);
      if (expanded === 'as-is') return inputArg(ctx, i);
      return { kind: 'derived', tensor: { name: `${ctx.node.name}_${what}`, dtype: 'float32', shape: g.normalized, data: expanded } };
    };
    return {
      node: ctx.node.name,
      opType: 'LayerNormalization',
      kernel: 'o2m_layer_norm_f32',
      paramsType: 'o2m_layer_norm_f32_params',
      params: { outer: { int: g.outer }, inner: { int: g.inner }, epsilon: { float: g.epsilon } },
      args: [
        inputArg(ctx, 0),
        operand(1, 'scale'),
        ctx.inputs[2] ? operand(2, 'bias') : { kind: 'null', ctype: 'float' },
        outputArg(ctx),
        optionalOutput(ctx, 1),
        optionalOutput(ctx, 2),
      ],
      macs: 0,
    };
  },
};

// ---- InstanceNormalization ----------------------------------------------------------------------

function instanceNormGeometry(ctx: { node: Node; inputs: (TypedShape | undefined)[] }) {
  const x = requireInput(ctx, 0).shape;
  if (x.length < 2) throw nodeError(ctx.node, `input must have at least 2 dimensions (N, C), got ${x.length}`);
  const channels = x[1];
  for (const i of [1, 2]) {
    const s = requireInput(ctx, i).shape;
    if (s.length !== 1 || s[0] !== channels) throw nodeError(ctx.node, `input ${i} must have shape [${channels}]`);
  }
  return { batch: x[0], channels, spatial: product(x.slice(2)), epsilon: attrFloat(ctx.node, 'epsilon', 1e-5) };
}

export const instanceNormFamily: OpFamily = {
  opTypes: ['InstanceNormalization'],
  opsets: [1, 17],
  dtypes: ['float32'],

  inferShapes(ctx) {
    requireFloat32(ctx, 0, 1, 2);
    instanceNormGeometry(ctx);
    return [{ ...requireInput(ctx, 0) }];
  },

  evaluate(ctx) {
    const g = instanceNormGeometry({ node: ctx.node, inputs: ctx.inputTypes });
    const [x, scale, bias] = [0, 1, 2].map((i) => f32(ctx.inputs[i]));
    const y = new Float32Array(x.length);
    for (let plane = 0; plane < g.batch * g.channels; plane++) {
      const c = plane % g.channels;
      const values = Array.from(x.subarray(plane * g.spatial, (plane + 1) * g.spatial));
      const { mean, variance } = moments(values);
      const factor = scale[c] / Math.sqrt(variance + g.epsilon);
      values.forEach((v, i) => { y[plane * g.spatial + i] = (v - mean) * factor + bias[c]; });
    }
    return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: ctx.outputs[0].shape, data: y }];
  },

  lower(ctx) {
    const g = instanceNormGeometry(ctx);
    return {
      node: ctx.node.name,
      opType: 'InstanceNormalization',
      kernel: 'o2m_instance_norm_f32',
      paramsType: 'o2m_instance_norm_f32_params',
      params: { batch: { int: g.batch }, channels: { int: g.channels }, spatial: { int: g.spatial }, epsilon: { float: g.epsilon } },
      args: [inputArg(ctx, 0), inputArg(ctx, 1), inputArg(ctx, 2), outputArg(ctx)],
      macs: 0,
    };
  },
};

// ---- MeanVarianceNormalization (opsets 9 and 13) ---------------------------------------------------

/** ONNX defines the op as (X - mean) / (sqrt(variance) + 1e-9). */
const MVN_EPSILON = 1e-9;

function mvnWalk(ctx: { node: Node; inputs: (TypedShape | undefined)[] }) {
  const shape = requireInput(ctx, 0).shape;
  const axes = attrInts(ctx.node, 'axes', [0, 2, 3]).map((a) => normaliseAxis(ctx.node, a, Math.max(1, shape.length)));
  return reductionWalk(ctx.node, shape, new Set(axes));
}

export const meanVarianceNormFamily: OpFamily = {
  opTypes: ['MeanVarianceNormalization'],
  opsets: [9, 17],
  dtypes: ['float32'],

  inferShapes(ctx) {
    requireFloat32(ctx, 0);
    mvnWalk(ctx);
    return [{ ...requireInput(ctx, 0) }];
  },

  evaluate(ctx) {
    const walk = mvnWalk({ node: ctx.node, inputs: ctx.inputTypes });
    const x = f32(ctx.inputs[0]);
    const y = new Float32Array(x.length);
    const reduced = walkOffsets(walk.reducedShape, walk.reducedStrides);
    for (const base of walkOffsets(walk.keptShape, walk.keptStrides)) {
      const { mean, variance } = moments(reduced.map((r) => x[base + r]));
      const denominator = Math.sqrt(variance) + MVN_EPSILON;
      for (const r of reduced) y[base + r] = (x[base + r] - mean) / denominator;
    }
    return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: ctx.outputs[0].shape, data: y }];
  },

  lower(ctx) {
    return {
      node: ctx.node.name,
      opType: 'MeanVarianceNormalization',
      kernel: 'o2m_mean_variance_norm_f32',
      paramsType: 'o2m_mean_variance_norm_f32_params',
      params: { epsilon: { float: MVN_EPSILON }, ...walkParams(mvnWalk(ctx)) },
      args: [inputArg(ctx, 0), outputArg(ctx)],
      macs: 0,
    };
  },
};

// ---- LpNormalization ----------------------------------------------------------------------------

function lpNormGeometry(ctx: { node: Node; inputs: (TypedShape | undefined)[] }) {
  const shape = requireInput(ctx, 0).shape;
  const axis = normaliseAxis(ctx.node, attrInt(ctx.node, 'axis', -1), Math.max(1, shape.length));
  const p = attrInt(ctx.node, 'p', 2);
  if (p !== 1 && p !== 2) throw nodeError(ctx.node, `p = ${p}; LpNormalization is defined for p = 1 and 2`);
  return { view: axisView(shape, axis), p };
}

export const lpNormFamily: OpFamily = {
  opTypes: ['LpNormalization'],
  opsets: [1, 17],
  dtypes: ['float32'],

  inferShapes(ctx) {
    requireFloat32(ctx, 0);
    lpNormGeometry(ctx);
    return [{ ...requireInput(ctx, 0) }];
  },

  evaluate(ctx) {
    const { view, p } = lpNormGeometry({ node: ctx.node, inputs: ctx.inputTypes });
    const x = f32(ctx.inputs[0]);
    const y = new Float32Array(x.length);
    for (let o = 0; o < view.outer; o++) {
      for (let i = 0; i < view.inner; i++) {
        const at = (j: number) => (o * view.axis + j) * view.inner + i;
        let sum = 0;
        for (let j = 0; j < view.axis; j++) sum += p === 1 ? Math.abs(x[at(j)]) : x[at(j)] ** 2;
        const norm = p === 1 ? sum : Math.sqrt(sum);
        for (let j = 0; j < view.axis; j++) y[at(j)] = norm === 0 ? 0 : x[at(j)] / norm;
      }
    }
    return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: ctx.outputs[0].shape, data: y }];
  },

  lower(ctx) {
    const { view, p } = lpNormGeometry(ctx);
    return {
      node: ctx.node.name,
      opType: 'LpNormalization',
      kernel: 'o2m_lp_norm_f32',
      paramsType: 'o2m_lp_norm_f32_params',
      params: { outer: { int: view.outer }, axis: { int: view.axis }, inner: { int: view.inner }, p: { int: p } },
      args: [inputArg(ctx, 0), outputArg(ctx)],
      macs: 0,
    };
  },
};

// ---- LRN ------------------------------------------------------------------------------------------

function lrnGeometry(ctx: { node: Node; inputs: (TypedShape | undefined)[] }) {
  const x = requireInput(ctx, 0).shape;
  if (x.length < 2) throw nodeError(ctx.node, `input must have at least 2 dimensions (N, C), got ${x.length}`);
  const size = attrInt(ctx.node, 'size');
  if (size < 1) throw nodeError(ctx.node, `size must be positive, got ${size}`);
  return {
    batch: x[0], channels: x[1], spatial: product(x.slice(2)), size,
    alpha: attrFloat(ctx.node, 'alpha', 1e-4), beta: attrFloat(ctx.node, 'beta', 0.75), bias: attrFloat(ctx.node, 'bias', 1),
  };
}

export const lrnFamily: OpFamily = {
  opTypes: ['LRN'],
  opsets: [1, 17],
  dtypes: ['float32'],

  inferShapes(ctx) {
    requireFloat32(ctx, 0);
    lrnGeometry(ctx);
    return [{ ...requireInput(ctx, 0) }];
  },

  evaluate(ctx) {
    const g = lrnGeometry({ node: ctx.node, inputs: ctx.inputTypes });
    const x = f32(ctx.inputs[0]);
    const y = new Float32Array(x.length);
    const [before, after] = [Math.floor((g.size - 1) / 2), Math.ceil((g.size - 1) / 2)];
    for (let n = 0; n < g.batch; n++) {
      for (let c = 0; c < g.channels; c++) {
        for (let s = 0; s < g.spatial; s++) {
          let squares = 0;
          for (let i = Math.max(0, c - before); i <= Math.min(g.channels - 1, c + after); i++) squares += x[(n * g.channels + i) * g.spatial + s] ** 2;
          const at = (n * g.channels + c) * g.spatial + s;
          y[at] = x[at] / (g.bias + (g.alpha / g.size) * squares) ** g.beta;
        }
      }
    }
    return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: ctx.outputs[0].shape, data: y }];
  },

  lower(ctx) {
    const g = lrnGeometry(ctx);
    return {
      node: ctx.node.name,
      opType: 'LRN',
      kernel: 'o2m_lrn_f32',
      paramsType: 'o2m_lrn_f32_params',
      params: {
        batch: { int: g.batch }, channels: { int: g.channels }, spatial: { int: g.spatial }, size: { int: g.size },
        alpha: { float: g.alpha }, beta: { float: g.beta }, bias: { float: g.bias },
      },
      args: [inputArg(ctx, 0), outputArg(ctx)],
      macs: 0,
    };
  },
};

export const families: OpFamily[] = [layerNormFamily, instanceNormFamily, meanVarianceNormFamily, lpNormFamily, lrnFamily];
