// What every int8 lowering computes from the quantization the quantize pass attached: the
// zero-point offsets, the fixed-point multipliers and shifts of the requantisation, and the
// fused activation as an integer clamp. The families call these; no family repeats the arithmetic.
import type { Quantization } from '../ir/graph.js';
import { quantizeMultiplier } from '../quantize/fixed-point.js';
import { INT8_MAX, INT8_MIN, quantizeValue } from '../quantize/params.js';
import { fusedBounds, inputArg, outputArg, type KernelArg, type KernelCall, type LowerContext, type ParamValue } from './op.js';

/** True when the node's first input is an int8 tensor of a quantized graph. */
export function isQuantizedNode(ctx: LowerContext): boolean {
  const name = ctx.node.inputs[0];
  return ctx.inputs[0]?.dtype === 'int8' && ctx.quantization(name) !== undefined;
}

/** The quantization of a node's input (by index) or output (by name); the pass set them all. */
export function quantizationOf(ctx: LowerContext, input: number | { output: number }): Quantization {
  const name = typeof input === 'number' ? ctx.node.inputs[input] : ctx.node.outputs[input.output];
  const q = ctx.quantization(name);
  if (!q) throw new Error(`internal: int8 node '${ctx.node.name}' reads or writes '${name}' without a quantization`);
  return q;
}

/** The single scale and zero point of a per-tensor quantized value. */
export function perTensor(q: Quantization): { scale: number; zeroPoint: number } {
  if (q.scales.length !== 1) throw new Error('internal: a per-channel quantization where one scale was expected');
  return { scale: q.scales[0], zeroPoint: q.zeroPoints[0] };
}

/**
 * The requantisation of an int32 accumulator to the output's scale, one factor per channel (or
 * one): two constant int32 arrays, multipliers then shifts, as the kernels take them.
 */
export function requantizationArgs(ctx: LowerContext, realMultipliers: number[]): KernelArg[] {
  const quantized = realMultipliers.map(quantizeMultiplier);
  const array = (field: 'multiplier' | 'shift'): KernelArg => ({
    kind: 'derived',
    tensor: {
      name: `${ctx.node.name}::${field}s`, dtype: 'int32', shape: [quantized.length],
      data: Int32Array.from(quantized, (q) => q[field]),
    },
  });
  return [array('multiplier'), array('shift')];
}

/** The fused Relu or Clip as a clamp on the output's int8 levels. */
export function int8ActivationClamp(ctx: LowerContext, output: Quantization): { act_min: ParamValue; act_max: ParamValue } {
  const { scale, zeroPoint } = perTensor(output);
  const [lo, hi] = fusedBounds(ctx.node);
  return {
    act_min: { int: lo === -Infinity ? INT8_MIN : quantizeValue(lo, { scale, zeroPoint }) },
    act_max: { int: hi === Infinity ? INT8_MAX : quantizeValue(hi, { scale, zeroPoint }) },
  };
}

/**
 * o2m_requantize_copy_i8: rows of input 0 rescaled by `realMultiplier` from one zero point to
 * another into rows of the output (starting at element `outStart`), clamped to `clamp`. Concat
 * rescales its inputs into their bands with it, Div by a constant every element.
 */
export function requantizeCopyCall(
  ctx: LowerContext, inputIndex: number,
  rows: { rows: number; rowLength: number; inRowStride: number; outRowStride: number; outStart: number },
  zeroPoints: { input: number; output: number }, realMultiplier: number,
  clamp: { act_min: ParamValue; act_max: ParamValue },
): KernelCall {
  const q = quantizeMultiplier(realMultiplier);
  return {
    node: ctx.node.name,
    opType: ctx.node.opType,
    kernel: 'o2m_requantize_copy_i8',
    paramsType: 'o2m_requantize_copy_i8_params',
    params: {
      rows: { int: rows.rows },
      row_length: { int: rows.rowLength },
      in_row_stride: { int: rows.inRowStride },
      out_row_stride: { int: rows.outRowStride },
      out_start: { int: rows.outStart },
      input_offset: { int: -zeroPoints.input },
      output_offset: { int: zeroPoints.output },
      multiplier: { int: q.multiplier },
      shift: { int: q.shift },
      ...clamp,
    },
    args: [inputArg(ctx, inputIndex), outputArg(ctx)],
    macs: 0,
  };
}
