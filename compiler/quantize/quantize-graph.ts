// The quantize pass: a calibrated float graph becomes an int8 one (DESIGN.md §4). Every node
// whose family has an int8 rule runs in int8; the rest stay float, with a DequantizeLinear
// before and a QuantizeLinear after, and are listed so the user sees what did not quantize.
// The graph's inputs and outputs stay float32: the border nodes convert them.
import {
  CompileError, type ConstTensor, type Graph, type Node, type Quantization, type ValueInfo,
} from '../ir/graph.js';
import { consumersOf } from '../ir/uses.js';
import { LOOKUP_OP } from '../ops/lookup.js';
import { FUSED_DOMAIN } from '../ops/fused.js';
import { loweringContext, type Int8Rule, type LowerContext } from '../ops/op.js';
import { borderConstants, borderNode } from '../ops/quantize-linear.js';
import { findOp } from '../ops/registry.js';
import type { TensorRange } from './calibrate.js';
import { activationParams, quantizeBias, quantizeValue, quantizeWeightsPerChannel } from './params.js';

export interface QuantizeOptions {
  file: string;
  ranges: Map<string, TensorRange>;
  /** Node names or op types to keep in float (--keep-float). */
  keepFloat?: string[];
}

/** A node that stays float in the int8 model, and why. */
export interface FloatNode {
  node: string;
  opType: string;
  reason: string;
}

export interface QuantizedGraph {
  graph: Graph;
  floatNodes: FloatNode[];
}

/** Scales are float32 in the border nodes and the tables, so they are float32 everywhere. */
function paramsForRange(range: TensorRange): Quantization {
  const p = activationParams(range.min, range.max);
  return { scales: [Math.fround(p.scale)], zeroPoints: [p.zeroPoint] };
}

function rangeOfData(data: Float32Array): TensorRange {
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) { if (v < min) min = v; if (v > max) max = v; }
  return data.length ? { min, max } : { min: 0, max: 0 };
}

/** Why a node cannot run in int8, or undefined when it can. */
function int8Refusal(node: Node, ctx: LowerContext, keep: Set<string>): string | undefined {
  const rule = findOp(node)?.int8;
  if (keep.has(node.name) || keep.has(node.opType)) return 'kept in float by --keep-float';
  if (!rule) return 'no int8 kernel';
  const refusal = rule.refuses?.(ctx);
  if (refusal) return refusal;
  const weights = rule.weights?.(ctx);
  if (weights && ctx.constants[weights.input]?.dtype !== 'float32') return 'its weights are not float32 constants';
  if (rule.output === 'table') {
    const x = ctx.inputs[0]!;
    const extraRuntimeInput = ctx.node.inputs.some((name, i) => i > 0 && name !== '' && !ctx.constants[i]);
    if (extraRuntimeInput || ctx.outputs[0].shape.join() !== x.shape.join()) return 'not an element-wise function of one input';
  }
  return undefined;
}

/** Float32 nodes only: integer-typed nodes (shape arithmetic, indices) are not float fallbacks. */
const computesFloat = (ctx: LowerContext) => ctx.inputs[0]?.dtype === 'float32' || ctx.outputs[0]?.dtype === 'float32';

export function quantizeGraph(graph: Graph, options: QuantizeOptions): QuantizedGraph {
  const keep = new Set(options.keepFloat ?? []);
  const known = new Set([...graph.nodes.map((n) => n.name), ...graph.nodes.map((n) => n.opType)]);
  const unknown = [...keep].filter((k) => !known.has(k));
  if (unknown.length) {
    throw new CompileError(`--keep-float ${unknown.join(', ')}: no node or operator of that name in ${options.file} (after fusion)`);
  }

  const int8Nodes = new Set<string>();
  const floatNodes: FloatNode[] = [];
  for (const node of graph.nodes) {
    const ctx = loweringContext(graph, node);
    if (!computesFloat(ctx) || ctx.inputs[0]?.dtype !== 'float32') continue;
    const reason = int8Refusal(node, ctx, keep);
    if (reason) floatNodes.push({ node: node.name, opType: node.opType, reason });
    else int8Nodes.add(node.name);
  }

  const uses = consumersOf(graph);
  const graphOutputs = new Set(graph.outputs.map((o) => o.name));
  const quantization = new Map<string, Quantization>();
  const initializers = new Map(graph.initializers);
  const values = new Map(graph.values);
  const nodes: Node[] = [];
  /** The int8 versions of a float value, once they exist (one per scale that readers need). */
  const int8Of = new Map<string, string[]>();

  const setValue = (name: string, info: Omit<ValueInfo, 'name'>, q?: Quantization) => {
    values.set(name, { name, ...info });
    if (q) quantization.set(name, q);
  };
  const addInitializer = (t: ConstTensor, q?: Quantization) => {
    initializers.set(t.name, t);
    if (q) quantization.set(t.name, q);
    return t.name;
  };
  /** The calibrated range of a value, narrowed to what its readers can tell apart (inputRange). */
  const rangeOf = (name: string): TensorRange => {
    const r = options.ranges.get(name);
    if (!r) throw new Error(`internal: calibration recorded no range for '${name}'`);
    const readers = uses.get(name) ?? [];
    if (readers.length !== 1 || graphOutputs.has(name) || !int8Nodes.has(readers[0].name)) return r;
    const narrow = findOp(readers[0])?.int8?.inputRange;
    return narrow ? narrow(r, loweringContext(graph, readers[0])) : r;
  };

  const sameParams = (a: Quantization, b: Quantization) => a.scales[0] === b.scales[0] && a.zeroPoints[0] === b.zeroPoints[0];
  const addBorder = (opType: 'QuantizeLinear' | 'DequantizeLinear', input: string, output: string, q: Quantization) => {
    const [scale, zeroPoint] = borderConstants(opType === 'QuantizeLinear' ? output : input, q.scales[0], q.zeroPoints[0]);
    addInitializer(scale);
    addInitializer(zeroPoint);
    nodes.push(borderNode(opType, `${output}::${opType === 'QuantizeLinear' ? 'quantize' : 'dequantize'}`, input, output, scale.name, zeroPoint.name));
  };

  /**
   * The int8 version of a float value at the scale `wanted` (or its own): made once per scale,
   * where it is first needed. Two readers that need different scales (a constant shared by
   * two Pads) get two versions.
   */
  const int8Value = (name: string, wanted?: Quantization): string => {
    const versions = int8Of.get(name) ?? [];
    const match = versions.find((v) => !wanted || sameParams(quantization.get(v)!, wanted));
    if (match) return match;
    const int8Name = versions.length === 0 ? `${name}::int8` : `${name}::int8_${versions.length + 1}`;
    int8Of.set(name, [...versions, int8Name]);
    const constant = initializers.get(name);
    if (constant) {
      const q = wanted ?? paramsForRange(rangeOfData(constant.data as Float32Array));
      const p = { scale: q.scales[0], zeroPoint: q.zeroPoints[0] };
      const data = Int8Array.from(constant.data as Float32Array, (v) => quantizeValue(v, p));
      return addInitializer({ name: int8Name, dtype: 'int8', shape: constant.shape, data }, q);
    }
    const info = values.get(name)!;
    const q = wanted ?? paramsForRange(rangeOf(name));
    // The float value to quantize: the value itself, unless an int8 node computed it in place.
    let source = name;
    if (versions.includes(name)) {
      source = `${name}::float`;
      addBorder('DequantizeLinear', name, source, quantization.get(name)!);
      setValue(source, { dtype: 'float32', shape: info.shape });
    }
    addBorder('QuantizeLinear', source, int8Name, q);
    setValue(int8Name, { dtype: 'int8', shape: info.shape }, q);
    return int8Name;
  };

  for (const node of graph.nodes) {
    if (!int8Nodes.has(node.name)) {
      nodes.push(node);
      continue;
    }
    const ctx = loweringContext(graph, node);
    const rule = findOp(node)!.int8 as Int8Rule;
    const weights = rule.weights?.(ctx);
    const inputs = [...node.inputs];

    // The first data input decides the scale of 'input'-rule outputs and of their constants.
    const first = inputs[0];
    inputs[0] = int8Value(first);
    const firstQ = quantization.get(inputs[0])!;
    for (let i = 1; i < inputs.length; i++) {
      const name = inputs[i];
      if (name === '' || ctx.inputs[i]?.dtype !== 'float32') continue;
      if (weights && i === weights.input) {
        const w = initializers.get(name)!;
        const { data, scales } = quantizeWeightsPerChannel(w.data as Float32Array, w.shape, weights.axis);
        inputs[i] = addInitializer({ name: `${name}::int8_axis${weights.axis}`, dtype: 'int8', shape: w.shape, data },
          { scales: Array.from(scales), zeroPoints: Array(scales.length).fill(0), axis: weights.axis });
      } else if (weights && i === weights.bias) {
        const b = initializers.get(name)!.data as Float32Array;
        const wScales = quantization.get(inputs[weights.input])!.scales;
        const factor = weights.biasFactor ?? 1;
        const channelBias = Float32Array.from(wScales, (_, c) => (b.length === 1 ? b[0] : b[c]) * factor);
        const inputScale = firstQ.scales[0];
        inputs[i] = addInitializer(
          { name: `${node.name}::bias_int32`, dtype: 'int32', shape: [wScales.length], data: quantizeBias(channelBias, inputScale, Float32Array.from(wScales)) },
          { scales: wScales.map((s) => inputScale * s), zeroPoints: Array(wScales.length).fill(0), axis: 0 },
        );
      } else if (rule.output === 'table' && initializers.has(name)) {
        continue; // the table's float reference reads the constant as it is
      } else {
        inputs[i] = int8Value(name, rule.output === 'input' ? firstQ : undefined);
      }
    }

    const outputs = node.outputs.map((name, i) => {
      if (name === '' || ctx.outputs[i].dtype !== 'float32') return name;
      const q = rule.outputQuantization?.(ctx)
        ?? (rule.output === 'input' ? firstQ : paramsForRange(rangeOf(name)));
      const needsFloat = graphOutputs.has(name) || (uses.get(name) ?? []).some((c) => !int8Nodes.has(c.name));
      const int8Name = needsFloat ? `${name}::int8` : name;
      setValue(int8Name, { dtype: 'int8', shape: ctx.outputs[i].shape }, q);
      int8Of.set(name, [int8Name]);
      return int8Name;
    });

    if (rule.output === 'table') {
      const table = lookupTable(node, ctx, firstQ, quantization.get(outputs[0])!, graph);
      addInitializer({ name: `${node.name}::table`, dtype: 'int8', shape: [256], data: table });
      nodes.push({ name: node.name, opType: LOOKUP_OP, domain: FUSED_DOMAIN, inputs: [inputs[0], `${node.name}::table`], outputs: [outputs[0]], attributes: {} });
    } else {
      nodes.push({ ...node, inputs, outputs });
    }

    // Float readers and graph outputs get the value back through a DequantizeLinear.
    node.outputs.forEach((name, i) => {
      if (outputs[i] !== name) addBorder('DequantizeLinear', outputs[i], name, quantization.get(outputs[i])!);
    });
  }

  const read = new Set([...nodes.flatMap((n) => n.inputs), ...graph.outputs.map((o) => o.name)]);
  for (const name of [...initializers.keys()]) if (!read.has(name)) initializers.delete(name);
  return { graph: { ...graph, nodes, initializers, values, quantization }, floatNodes };
}

/** The node's function on each of the 256 input levels, through its float reference, quantized. */
function lookupTable(node: Node, ctx: LowerContext, input: Quantization, output: Quantization, graph: Graph): Int8Array {
  const levels = Float32Array.from({ length: 256 }, (_, i) => Math.fround(input.scales[0] * (i - 128 - input.zeroPoints[0])));
  const family = findOp(node)!;
  const inputs = node.inputs.map((name, i) => (i === 0
    ? { name, dtype: 'float32' as const, shape: [256], data: levels }
    : (name === '' ? undefined : graph.initializers.get(name))));
  const [result] = family.evaluate!({
    node, inputs,
    inputTypes: inputs.map((t) => (t ? { dtype: t.dtype, shape: t.shape } : undefined)),
    outputs: [{ dtype: 'float32', shape: [256] }],
    opset: ctx.opset,
  });
  const p = { scale: output.scales[0], zeroPoint: output.zeroPoints[0] };
  return Int8Array.from(result.data as Float32Array, (v) => quantizeValue(v, p));
}
