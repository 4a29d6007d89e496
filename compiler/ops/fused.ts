// Operators the compiler builds from patterns that exporters spell out node by node
// (passes/fuse-patterns.ts): RMS normalisation and the erf GELU, which ONNX up to opset 17 has
// no operator for, and LayerNormalization for models exported before opset 17. They live in
// the compiler's own domain, so a model's opset never restricts them.
import { allocateTensorData } from '../onnx/tensor-bytes.js';
import type { ConstTensor } from '../ir/graph.js';
import { layerNormFamily, lowerNormInt8, normInt8Refusal, normInt8Weights, type NormInt8Operands } from './normalization.js';
import { isQuantizedNode } from './int8-lowering.js';
import { erf } from './unary.js';
import {
  attrFloat, inputArg, outputArg, requireFloat32, requireInput,
  type EvalContext, type LowerContext, type OpFamily,
} from './op.js';

export const FUSED_DOMAIN = 'onnx2mcu';

function rowsOf(shape: number[]): { outer: number; size: number } {
  const size = shape[shape.length - 1] ?? 1;
  return { outer: shape.reduce((a, b) => a * b, 1) / size, size };
}

/** RMSNorm's int8 operands: rows along the last axis, the optional scale at input 1, no bias. */
function rmsOperands(ctx: LowerContext): NormInt8Operands {
  return { normalized: [rowsOf(requireInput(ctx, 0).shape).size], scale: ctx.node.inputs[1] ? 1 : undefined };
}

export const rmsNormFamily: OpFamily = {
  opTypes: ['RMSNormalization'],
  domain: FUSED_DOMAIN,
  // int8 with integer statistics (normalization.ts's lowerNormInt8); gamma is a per-element weight.
  int8: {
    output: 'calibrated',
    refuses: (ctx) => normInt8Refusal(ctx, rmsOperands(ctx)),
    weights: (ctx) => normInt8Weights(ctx, rmsOperands(ctx)),
  },
  inferShapes(ctx) {
    requireFloat32(ctx, 0, 1);
    return [{ ...requireInput(ctx, 0) }];
  },
  evaluate(ctx: EvalContext): ConstTensor[] {
    const x = ctx.inputs[0]!;
    const scale = ctx.inputs[1]?.data as Float32Array | undefined;
    const { outer, size } = rowsOf(x.shape);
    const eps = Math.fround(attrFloat(ctx.node, 'epsilon'));
    const input = x.data as Float32Array;
    const out = allocateTensorData('float32', input.length) as Float32Array;
    for (let r = 0; r < outer; r++) {
      let sum = 0;
      for (let i = 0; i < size; i++) sum = Math.fround(sum + Math.fround(input[r * size + i] * input[r * size + i]));
      const rms = Math.fround(Math.sqrt(Math.fround(Math.fround(sum / size) + eps)));
      for (let i = 0; i < size; i++) {
        const n = Math.fround(input[r * size + i] / rms);
        out[r * size + i] = scale ? Math.fround(n * scale[i]) : n;
      }
    }
    return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: x.shape, data: out }];
  },
  lower(ctx) {
    const { outer, size } = rowsOf(requireInput(ctx, 0).shape);
    if (isQuantizedNode(ctx)) {
      return lowerNormInt8(ctx, 'rms', { ...rmsOperands(ctx), outer, epsilon: attrFloat(ctx.node, 'epsilon') });
    }
    return {
      node: ctx.node.name,
      opType: 'RMSNormalization',
      kernel: 'o2m_rmsnorm_f32',
      paramsType: 'o2m_rmsnorm_f32_params',
      params: { outer: { int: outer }, size: { int: size }, epsilon: { float: attrFloat(ctx.node, 'epsilon') } },
      args: [inputArg(ctx, 0), ctx.node.inputs[1] ? inputArg(ctx, 1) : { kind: 'null', ctype: 'float' }, outputArg(ctx)],
      macs: 0,
    };
  },
};

/** The exact GELU, 0.5 x (1 + erf(x / sqrt 2)), rounded as the exported nodes round it. */
export const geluFamily: OpFamily = {
  opTypes: ['Gelu'],
  domain: FUSED_DOMAIN,
  int8: { output: 'table' },
  inferShapes(ctx) {
    requireFloat32(ctx, 0);
    return [{ ...requireInput(ctx, 0) }];
  },
  evaluate(ctx: EvalContext): ConstTensor[] {
    const x = ctx.inputs[0]!.data as Float32Array;
    const out = allocateTensorData('float32', x.length) as Float32Array;
    const root2 = Math.fround(Math.SQRT2);
    for (let i = 0; i < x.length; i++) {
      const e = Math.fround(erf(Math.fround(x[i] / root2)));
      out[i] = Math.fround(Math.fround(x[i] * Math.fround(e + 1)) * 0.5);
    }
    return [{ name: ctx.node.outputs[0], dtype: 'float32', shape: ctx.inputs[0]!.shape, data: out }];
  },
  lower(ctx) {
    return {
      node: ctx.node.name,
      opType: 'Gelu',
      kernel: 'o2m_gelu_f32',
      paramsType: 'o2m_gelu_f32_params',
      params: { count: { int: requireInput(ctx, 0).shape.reduce((a, b) => a * b, 1) } },
      args: [inputArg(ctx, 0), outputArg(ctx)],
      macs: 0,
    };
  },
};

/** LayerNormalization found in a pre-opset-17 graph runs on the ONNX operator's own kernel. */
export const fusedLayerNormFamily: OpFamily = { ...layerNormFamily, domain: FUSED_DOMAIN, opsets: undefined };

export const families: OpFamily[] = [rmsNormFamily, geluFamily, fusedLayerNormFamily];
