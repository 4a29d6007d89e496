// Pre-quantized models (DESIGN.md §4): the QDQ format, in which PyTorch's and ONNX Runtime's
// quantizers write an int8 layer as DequantizeLinear → float op → QuantizeLinear, with the int8
// weights and int32 biases as constants behind their own DequantizeLinear. The pattern becomes
// the op running in int8 on the model's own scales and zero points, in the representation the
// quantize pass produces (int8 tensors with entries in graph.quantization), so the families'
// int8 lowerings emit the int8 kernels. What does not fit an int8 kernel stays float between
// the model's own DequantizeLinear and QuantizeLinear, which are real kernels: correct, slower.
//
// Two steps:
// - prepareQdq, before constant folding: every DequantizeLinear becomes QdqDequantizeLinear
//   (which folding leaves alone, so int8 weights keep their values and scales), and QLinearConv
//   and QLinearMatMul are spelled as the QDQ pattern they mean.
// - quantizeQdqPatterns, after the other passes: rewrites the patterns, then folds or restores
//   the dequantizations that are left.
//
// uint8 tensors become int8 exactly: q - 128 with zero point zp - 128 is the same real value.
// Weights must be symmetric (zero point 0, after that shift), per tensor or per channel along
// the axis the op's kernel wants; an op whose weights are not stays float (its weights are
// dequantized at compile time), and so does an op whose scales do not suit its kernel (a
// MaxPool whose output scale differs from its input's, say).
import { CompileError, elementCount, type ConstTensor, type Graph, type Node, type Quantization } from '../ir/graph.js';
import { consumersOf } from '../ir/uses.js';
import { FUSED_DOMAIN } from '../ops/fused.js';
import { LOOKUP_OP } from '../ops/lookup.js';
import { loweringContext, normaliseAxis, type Int8Rule, type LowerContext } from '../ops/op.js';
import { evaluateDequantize, QDQ_DEQUANTIZE } from '../ops/qlinear.js';
import { findOp } from '../ops/registry.js';
import { activationParams, quantizeBias, quantizeValue, quantizeWeightsPerChannel } from '../quantize/params.js';
import { removeDeadNodes } from './dead-code.js';
import { inferShapes } from './infer-shapes.js';

const isDequantize = (n: Node) => (n.opType === 'DequantizeLinear' && n.domain === '') || (n.opType === QDQ_DEQUANTIZE && n.domain === FUSED_DOMAIN);
const isQuantize = (n: Node) => n.opType === 'QuantizeLinear' && n.domain === '';

// ---- before folding --------------------------------------------------------------------------

function dequantizeNode(name: string, inputs: string[], output: string, axis?: number): Node {
  return {
    name, opType: QDQ_DEQUANTIZE, domain: FUSED_DOMAIN, inputs, outputs: [output],
    attributes: axis === undefined ? {} : { axis: { kind: 'int', value: axis } },
  };
}

/** QLinearConv as DequantizeLinear → Conv → QuantizeLinear, the int32 bias at x_scale × w_scale. */
function expandQLinearConv(node: Node): Node[] {
  const [x, xs, xz, w, ws, wz, ys, yz, b] = node.inputs;
  const p = `${node.name}::qlinear`;
  const nodes = [
    dequantizeNode(`${p}_x`, [x, xs, xz], `${p}_x`),
    dequantizeNode(`${p}_w`, [w, ws, wz], `${p}_w`, 0),
  ];
  if (b) {
    nodes.push({ name: `${p}_bias_scale`, opType: 'Mul', domain: '', inputs: [xs, ws], outputs: [`${p}_bias_scale`], attributes: {} });
    nodes.push(dequantizeNode(`${p}_b`, [b, `${p}_bias_scale`], `${p}_b`, 0));
  }
  nodes.push({ ...node, opType: 'Conv', inputs: [`${p}_x`, `${p}_w`, ...(b ? [`${p}_b`] : [])], outputs: [`${p}_y`] });
  nodes.push({ name: `${p}_quantize`, opType: 'QuantizeLinear', domain: '', inputs: [`${p}_y`, ys, yz], outputs: node.outputs, attributes: {} });
  return nodes;
}

/** QLinearMatMul as DequantizeLinear → MatMul → QuantizeLinear (A per row, B per column). */
function expandQLinearMatMul(node: Node): Node[] {
  const [a, as, az, b, bs, bz, ys, yz] = node.inputs;
  const p = `${node.name}::qlinear`;
  return [
    dequantizeNode(`${p}_a`, [a, as, az], `${p}_a`, -2),
    dequantizeNode(`${p}_b`, [b, bs, bz], `${p}_b`, -1),
    { ...node, opType: 'MatMul', inputs: [`${p}_a`, `${p}_b`], outputs: [`${p}_y`], attributes: {} },
    { name: `${p}_quantize`, opType: 'QuantizeLinear', domain: '', inputs: [`${p}_y`, ys, yz], outputs: node.outputs, attributes: {} },
  ];
}

export function prepareQdq(graph: Graph): Graph {
  if (!graph.nodes.some((n) => n.domain === '' && ['DequantizeLinear', 'QLinearConv', 'QLinearMatMul'].includes(n.opType))) return graph;
  const nodes = graph.nodes.flatMap((n): Node[] => {
    if (n.domain !== '') return [n];
    if (n.opType === 'DequantizeLinear') return [{ ...n, opType: QDQ_DEQUANTIZE, domain: FUSED_DOMAIN }];
    if (n.opType === 'QLinearConv') return expandQLinearConv(n);
    if (n.opType === 'QLinearMatMul') return expandQLinearMatMul(n);
    return [n];
  });
  return { ...graph, nodes };
}

// ---- after the other passes ------------------------------------------------------------------

/** What feeds an input of a candidate node. */
type Source =
  | { kind: 'activation'; name: string; q: Quantization; dtype: 'int8' | 'uint8'; dequantized: string }
  | { kind: 'dequantized-constant'; data: Int32Array; dtype: string; scales: number[]; zeroPoints: number[]; axis: number; value: ConstTensor }
  | { kind: 'float-constant'; value: ConstTensor }
  | { kind: 'other' };

const sameQuantization = (a: Quantization, b: Quantization) =>
  a.scales.length === b.scales.length && a.scales.every((s, i) => s === b.scales[i]) && a.zeroPoints.every((z, i) => z === b.zeroPoints[i])
  && (a.scales.length === 1 || a.axis === b.axis);

/** Same-type Casts (PyTorch writes Cast to uint8 after every uint8 QuantizeLinear) are no-ops. */
function dropSameTypeCasts(graph: Graph): Graph {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const renamed = new Map<string, string>();
  const nodes = graph.nodes.filter((n) => {
    if (n.opType !== 'Cast' || n.domain !== '' || outputs.has(n.outputs[0])) return true;
    const from = graph.values.get(n.inputs[0])?.dtype ?? graph.initializers.get(n.inputs[0])?.dtype;
    if (from === undefined || from !== graph.values.get(n.outputs[0])?.dtype) return true;
    renamed.set(n.outputs[0], renamed.get(n.inputs[0]) ?? n.inputs[0]);
    return false;
  });
  if (!renamed.size) return graph;
  return { ...graph, nodes: nodes.map((n) => ({ ...n, inputs: n.inputs.map((i) => renamed.get(i) ?? i) })) };
}

/**
 * Dequantizations of constants are folded now, with what follows them, unless an op that may run
 * in int8 reads them beside a value computed at run time: those are its int8 weights and biases.
 */
function foldPlainDequantizations(graph: Graph, file: string): Graph {
  const uses = consumersOf(graph);
  const initializers = new Map(graph.initializers);
  const constantDequantize = (n: Node | undefined) => n !== undefined && isDequantize(n) && n.inputs.every((i) => i === '' || initializers.has(i));
  const producers = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const readsRunTimeValue = (r: Node) => r.inputs.some((i) => i !== '' && !initializers.has(i) && !constantDequantize(producers.get(i)));
  let folded = false;
  const nodes = graph.nodes.filter((n) => {
    if (!constantDequantize(n)) return true;
    const readers = uses.get(n.outputs[0]) ?? [];
    if (readers.some((r) => findOp(r)?.int8 && !isQuantize(r) && readsRunTimeValue(r))) return true;
    initializers.set(n.outputs[0], { ...evaluateConstantDequantize(graph, n, initializers), name: n.outputs[0] });
    folded = true;
    return false;
  });
  if (!folded) return graph;
  return removeDeadNodes(inferShapes({ ...graph, nodes, initializers }, file, { fold: true }));
}

function evaluateConstantDequantize(graph: Graph, node: Node, initializers: Map<string, ConstTensor>): ConstTensor {
  const inputs = node.inputs.map((i) => (i === '' ? undefined : initializers.get(i)));
  return evaluateDequantize({
    node, inputs,
    inputTypes: inputs.map((t) => (t ? { dtype: t.dtype, shape: t.shape } : undefined)),
    outputs: [{ dtype: 'float32', shape: inputs[0]!.shape }],
    opset: 13,
  });
}

const numbers = (t: ConstTensor | undefined, count: number): number[] =>
  (t ? Array.from(t.data as ArrayLike<number>, Number) : Array(count).fill(0));

/** Uint8 QuantizeLinear outputs that only DequantizeLinear nodes read become int8, zero points shifted by 128. */
function shiftUint8Borders(graph: Graph): Graph {
  const uses = consumersOf(graph);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const initializers = new Map(graph.initializers);
  const values = new Map(graph.values);
  const replaced = new Map<string, Node>();
  /** A copy of the node's uint8 zero point (0 when absent) minus 128, as int8. */
  const shiftedZeroPoint = (node: Node): string | undefined => {
    const scale = initializers.get(node.inputs[1]);
    const zp = node.inputs[2] ? initializers.get(node.inputs[2]) : undefined;
    if (!scale || (node.inputs[2] && (!zp || zp.dtype !== 'uint8'))) return undefined;
    const name = `${node.name}::zero_point_int8`;
    initializers.set(name, {
      name, dtype: 'int8', shape: zp?.shape ?? scale.shape,
      data: Int8Array.from(numbers(zp, elementCount(scale.shape)), (z) => z - 128),
    });
    return name;
  };
  for (const q of graph.nodes) {
    if (!isQuantize(q) || values.get(q.outputs[0])?.dtype !== 'uint8' || outputs.has(q.outputs[0])) continue;
    const readers = uses.get(q.outputs[0]) ?? [];
    if (!readers.length || !readers.every((r) => isDequantize(r) && r.inputs[0] === q.outputs[0] && !r.inputs.slice(1).includes(q.outputs[0]))) continue;
    const zq = shiftedZeroPoint(q);
    const zr = readers.map((r) => shiftedZeroPoint(r));
    if (!zq || zr.some((z) => !z)) continue;
    replaced.set(q.name, { ...q, inputs: [q.inputs[0], q.inputs[1], zq] });
    readers.forEach((r, i) => replaced.set(r.name, { ...r, inputs: [r.inputs[0], r.inputs[1], zr[i]!] }));
    values.set(q.outputs[0], { ...values.get(q.outputs[0])!, dtype: 'int8' });
  }
  if (!replaced.size) return graph;
  return { ...graph, nodes: graph.nodes.map((n) => replaced.get(n.name) ?? n), initializers, values };
}

/** A node's rewrite into int8, worked out in full before anything changes. */
interface Plan {
  node: Node;
  /** QuantizeLinear nodes the op now replaces, and outputs renamed to the one it writes. */
  removed: Set<string>;
  renamed: Map<string, string>;
  before: Node[];
  /** Nodes after the op (a DequantizeLinear of its output for the model's uint8 QuantizeLinear). */
  after: Node[];
  initializers: ConstTensor[];
  quantization: Map<string, Quantization>;
  output: { name: string; shape: number[] };
}

class Rewriter {
  readonly initializers: Map<string, ConstTensor>;
  readonly values: Graph['values'];
  readonly quantization: Map<string, Quantization>;
  nodes: Node[];
  private readonly producers = new Map<string, Node>();
  private uses: Map<string, Node[]>;

  constructor(private readonly graph: Graph) {
    this.initializers = new Map(graph.initializers);
    this.values = new Map(graph.values);
    this.quantization = new Map(graph.quantization ?? []);
    this.nodes = [...graph.nodes];
    for (const n of this.nodes) for (const o of n.outputs) this.producers.set(o, n);
    this.uses = consumersOf(graph);
  }

  current(): Graph {
    return { ...this.graph, nodes: this.nodes, initializers: this.initializers, values: this.values, quantization: this.quantization };
  }

  private dtypeOf(name: string) {
    return (this.values.get(name) ?? this.initializers.get(name))?.dtype;
  }

  /** Scale and zero points of a dequantization with constant parameters, along its axis. */
  private dequantization(dq: Node) {
    const x = this.values.get(dq.inputs[0]) ?? this.initializers.get(dq.inputs[0]);
    const scale = this.initializers.get(dq.inputs[1]);
    const zp = dq.inputs[2] ? this.initializers.get(dq.inputs[2]) : undefined;
    if (!x || !scale || (dq.inputs[2] && !zp)) return undefined;
    const scales = numbers(scale, 1);
    const zeroPoints = numbers(zp, scales.length);
    const rank = x.shape.length;
    const a = dq.attributes.axis;
    const axis = scales.length > 1 ? normaliseAxis(dq, a?.kind === 'int' ? a.value : 1, rank) : -1;
    return { dtype: x.dtype, scales, zeroPoints, axis };
  }

  private source(name: string): Source {
    if (name === '') return { kind: 'other' };
    const constant = this.initializers.get(name);
    if (constant) return constant.dtype === 'float32' ? { kind: 'float-constant', value: constant } : { kind: 'other' };
    const dq = this.producers.get(name);
    if (!dq || !isDequantize(dq)) return { kind: 'other' };
    const d = this.dequantization(dq);
    if (!d) return { kind: 'other' };
    const x = this.initializers.get(dq.inputs[0]);
    if (x) {
      const value = { ...evaluateConstantDequantize(this.current(), dq, this.initializers), name };
      return { kind: 'dequantized-constant', data: Int32Array.from(x.data as ArrayLike<number>, Number), ...d, value };
    }
    if ((d.dtype !== 'int8' && d.dtype !== 'uint8') || d.scales.length !== 1) return { kind: 'other' };
    return { kind: 'activation', name: dq.inputs[0], q: { scales: d.scales, zeroPoints: d.zeroPoints }, dtype: d.dtype, dequantized: name };
  }

  /** Rewrites every node it can, in order. */
  run(): void {
    for (const name of this.nodes.map((n) => n.name)) {
      // Earlier rewrites may have renamed this node's inputs: take its current version.
      const node = this.nodes.find((n) => n.name === name);
      if (!node || isDequantize(node) || isQuantize(node)) continue;
      const rule = findOp(node)?.int8;
      if (!rule) continue;
      const plan = this.plan(node, rule);
      if (plan) this.commit(node, plan);
    }
  }

  private plan(node: Node, rule: Int8Rule): Plan | undefined {
    const outputs = node.outputs.filter((o) => o !== '');
    if (outputs.length !== 1 || node.outputs[0] !== outputs[0]) return undefined;
    const out = outputs[0];
    if (this.dtypeOf(out) !== 'float32' || this.dtypeOf(node.inputs[0]) !== 'float32') return undefined;
    const sources = node.inputs.map((i) => this.source(i));

    // The op's own rules see the dequantized constants as the constants they are.
    const base = loweringContext(this.current(), node);
    const ctx: LowerContext = {
      ...base,
      constants: base.constants.map((c, i) => {
        const s = sources[i];
        return s.kind === 'dequantized-constant' ? s.value : c;
      }),
    };
    try {
      if (rule.refuses?.(ctx)) return undefined;
    } catch (e) {
      if (e instanceof CompileError) return undefined;
      throw e;
    }
    const weights = rule.weights?.(ctx);

    const plan: Plan = {
      node, removed: new Set(), renamed: new Map(), before: [], after: [], initializers: [], quantization: new Map(),
      output: { name: out, shape: ctx.outputs[0].shape },
    };
    const claim = (name: string, q: Quantization): boolean => {
      const existing = this.quantization.get(name) ?? plan.quantization.get(name);
      if (existing && !sameQuantization(existing, q)) return false;
      plan.quantization.set(name, q);
      return true;
    };
    /** The int8 tensor behind a dequantized activation, converting uint8 ones that did not shift. */
    const int8Activation = (s: Extract<Source, { kind: 'activation' }>): { name: string; q: Quantization } | undefined => {
      if (s.dtype === 'int8') return claim(s.name, s.q) ? { name: s.name, q: s.q } : undefined;
      const q = { scales: s.q.scales, zeroPoints: [s.q.zeroPoints[0] - 128] };
      const name = `${s.dequantized}::int8`;
      if (this.producers.has(name)) return claim(name, q) ? { name, q } : undefined; // converted for an earlier reader
      // Dequantize then quantize at the same scale is exact: |q - zp| <= 255 survives float32.
      plan.initializers.push(
        { name: `${name}::scale`, dtype: 'float32', shape: [], data: Float32Array.of(q.scales[0]) },
        { name: `${name}::zero_point`, dtype: 'int8', shape: [], data: Int8Array.of(q.zeroPoints[0]) },
      );
      plan.before.push({ name: `${name}::quantize`, opType: 'QuantizeLinear', domain: '', inputs: [s.dequantized, `${name}::scale`, `${name}::zero_point`], outputs: [name], attributes: {} });
      return claim(name, q) ? { name, q } : undefined;
    };
    /** 8-bit constant data as int8 with its zero points, shifting uint8 by 128. */
    const asInt8 = (s: Extract<Source, { kind: 'dequantized-constant' }>) => {
      if (s.dtype !== 'int8' && s.dtype !== 'uint8') return undefined;
      const shift = s.dtype === 'uint8' ? 128 : 0;
      return { data: Int8Array.from(s.data, (v) => v - shift), zeroPoints: s.zeroPoints.map((z) => z - shift) };
    };

    const first = sources[0];
    if (first.kind !== 'activation') return undefined;
    const input = int8Activation(first);
    if (!input) return undefined;
    const inputs = [...node.inputs];
    inputs[0] = input.name;
    const inputScale = input.q.scales[0];
    let weightScales: number[] | undefined;

    for (let i = 1; i < inputs.length; i++) {
      const s = sources[i];
      if (inputs[i] === '' || s.kind === 'other') continue;
      if (weights && i === weights.input) {
        const shape = ctx.inputs[i]!.shape;
        const channels = shape[weights.axis];
        let data: Int8Array;
        if (s.kind === 'dequantized-constant') {
          const w = asInt8(s);
          if (!w || w.zeroPoints.some((z) => z !== 0)) return undefined; // asymmetric weights: the op stays float
          if (s.axis !== -1 && s.axis !== weights.axis) return undefined;
          data = w.data;
          weightScales = s.axis === -1 ? Array(channels).fill(s.scales[0]) : s.scales;
        } else if (s.kind === 'float-constant') {
          const q = quantizeWeightsPerChannel(s.value.data as Float32Array, shape, weights.axis);
          data = q.data;
          weightScales = Array.from(q.scales);
        } else {
          return undefined;
        }
        const name = `${node.name}::weights_int8`;
        plan.initializers.push({ name, dtype: 'int8', shape, data });
        claim(name, { scales: weightScales, zeroPoints: Array(channels).fill(0), axis: weights.axis });
        inputs[i] = name;
      } else if (weights && i === weights.bias) {
        const wScales = weightScales ?? this.quantization.get(inputs[weights.input])?.scales;
        if (!wScales) return undefined;
        const factor = weights.biasFactor ?? 1;
        const expected = wScales.map((sw) => inputScale * sw);
        let data: Int32Array;
        if (s.kind === 'dequantized-constant' && s.dtype === 'int32' && factor === 1 && s.data.length === wScales.length
          && s.zeroPoints.every((z) => z === 0)
          && expected.every((e, c) => Math.abs((s.scales.length === 1 ? s.scales[0] : s.scales[c]) - e) <= 1e-6 * e)) {
          data = s.data; // already at input × weight scale, as PyTorch and ONNX Runtime write it
        } else if (s.kind === 'dequantized-constant' || s.kind === 'float-constant') {
          const b = (s.value.data as Float32Array);
          const channelBias = Float32Array.from(wScales, (_, c) => Math.fround((b.length === 1 ? b[0] : b[c]) * factor));
          data = quantizeBias(channelBias, inputScale, Float32Array.from(wScales));
        } else {
          return undefined;
        }
        const name = `${node.name}::bias_int32`;
        plan.initializers.push({ name, dtype: 'int32', shape: [wScales.length], data });
        claim(name, { scales: expected, zeroPoints: Array(wScales.length).fill(0), axis: 0 });
        inputs[i] = name;
      } else if (s.kind === 'activation') {
        const a = int8Activation(s);
        if (!a || (rule.output === 'input' && !sameQuantization(a.q, input.q))) return undefined;
        inputs[i] = a.name;
      } else if (rule.output === 'table') {
        continue; // the table's float reference reads the constant (ctx.constants) as it is
      } else if (s.kind === 'dequantized-constant') {
        const c = asInt8(s);
        if (!c || s.scales.length !== 1) return undefined;
        const q = { scales: s.scales, zeroPoints: c.zeroPoints };
        if (rule.output === 'input' && !sameQuantization(q, input.q)) return undefined;
        const name = `${node.name}::input${i}_int8`;
        plan.initializers.push({ name, dtype: 'int8', shape: ctx.inputs[i]!.shape, data: c.data });
        claim(name, q);
        inputs[i] = name;
      } else {
        const data = s.value.data as Float32Array;
        let min = 0;
        let max = 0;
        for (const v of data) { min = Math.min(min, v); max = Math.max(max, v); }
        const p = activationParams(min, max);
        const q = rule.output === 'input' ? input.q : { scales: [Math.fround(p.scale)], zeroPoints: [p.zeroPoint] };
        const qp = { scale: q.scales[0], zeroPoint: q.zeroPoints[0] };
        const name = `${node.name}::input${i}_int8`;
        plan.initializers.push({ name, dtype: 'int8', shape: s.value.shape, data: Int8Array.from(data, (v) => quantizeValue(v, qp)) });
        claim(name, q);
        inputs[i] = name;
      }
    }

    // The output: read only by QuantizeLinear nodes, all to the same real values. int8 ones are
    // replaced by the op; where one writes uint8 (a graph output, say), the op writes int8 and a
    // DequantizeLinear gives the float value back to the model's own QuantizeLinear nodes:
    // dequantize then quantize at the same scale is exact.
    const graphOutputs = new Set(this.graph.outputs.map((o) => o.name));
    const readers = this.uses.get(out) ?? [];
    if (graphOutputs.has(out) || !readers.length) return undefined;
    let outputQ: Quantization | undefined;
    for (const r of readers) {
      if (!isQuantize(r) || r.inputs[0] !== out || r.inputs.slice(1).includes(out)) return undefined;
      const dtype = this.dtypeOf(r.outputs[0]);
      const scale = this.initializers.get(r.inputs[1]);
      const zp = r.inputs[2] ? this.initializers.get(r.inputs[2]) : undefined;
      if (!scale || (r.inputs[2] && !zp) || elementCount(scale.shape) !== 1 || (zp && elementCount(zp.shape) !== 1)) return undefined;
      if (dtype !== 'int8' && dtype !== 'uint8') return undefined;
      const q = { scales: [Number(scale.data[0])], zeroPoints: [Number(zp?.data[0] ?? 0) - (dtype === 'uint8' ? 128 : 0)] };
      if (outputQ && !sameQuantization(outputQ, q)) return undefined;
      outputQ = q;
    }
    const direct = readers.every((r) => this.dtypeOf(r.outputs[0]) === 'int8')
      && !readers.slice(1).some((r) => graphOutputs.has(r.outputs[0]));
    const written = direct ? readers[0].outputs[0] : `${out}::int8`;
    const fixed = rule.outputQuantization?.(ctx);
    if (fixed && !sameQuantization(fixed, outputQ!)) return undefined;
    if (rule.output === 'input' && !sameQuantization(outputQ!, input.q)) return undefined;
    if (!claim(written, outputQ!)) return undefined;
    if (direct) {
      for (const r of readers) {
        plan.removed.add(r.name);
        if (r.outputs[0] !== written) plan.renamed.set(r.outputs[0], written);
      }
    } else {
      plan.initializers.push(
        { name: `${written}::scale`, dtype: 'float32', shape: [], data: Float32Array.of(outputQ!.scales[0]) },
        { name: `${written}::zero_point`, dtype: 'int8', shape: [], data: Int8Array.of(outputQ!.zeroPoints[0]) },
      );
      plan.after.push({ name: `${written}::dequantize`, opType: 'DequantizeLinear', domain: '', inputs: [written, `${written}::scale`, `${written}::zero_point`], outputs: [out], attributes: {} });
    }
    plan.output.name = written;

    if (rule.output === 'table') {
      if (ctx.outputs[0].shape.join() !== ctx.inputs[0]!.shape.join()) return undefined;
      if (sources.some((s, i) => i > 0 && s.kind === 'activation')) return undefined;
      const tableName = `${node.name}::table`;
      plan.initializers.push({ name: tableName, dtype: 'int8', shape: [256], data: this.table(ctx, input.q, outputQ!) });
      plan.node = { name: node.name, opType: LOOKUP_OP, domain: FUSED_DOMAIN, inputs: [input.name, tableName], outputs: [written], attributes: {} };
    } else {
      plan.node = { ...node, inputs, outputs: [written] };
    }
    return plan;
  }

  /** The op on each of the 256 input levels, through its float reference, quantized. */
  private table(ctx: LowerContext, input: Quantization, output: Quantization): Int8Array {
    const levels = Float32Array.from({ length: 256 }, (_, i) => Math.fround(input.scales[0] * (i - 128 - input.zeroPoints[0])));
    const inputs = ctx.node.inputs.map((name, i) => (i === 0
      ? { name, dtype: 'float32' as const, shape: [256], data: levels }
      : ctx.constants[i]));
    const [result] = findOp(ctx.node)!.evaluate!({
      node: ctx.node, inputs,
      inputTypes: inputs.map((t) => (t ? { dtype: t.dtype, shape: t.shape } : undefined)),
      outputs: [{ dtype: 'float32', shape: [256] }],
      opset: ctx.opset,
    });
    const p = { scale: output.scales[0], zeroPoint: output.zeroPoints[0] };
    return Int8Array.from(result.data as Float32Array, (v) => quantizeValue(v, p));
  }

  private commit(original: Node, plan: Plan): void {
    for (const t of plan.initializers) this.initializers.set(t.name, t);
    for (const [name, q] of plan.quantization) this.quantization.set(name, q);
    for (const n of plan.before) {
      this.values.set(n.outputs[0], { name: n.outputs[0], dtype: 'int8', shape: this.values.get(n.inputs[0])!.shape });
      this.producers.set(n.outputs[0], n);
    }
    this.values.set(plan.output.name, { name: plan.output.name, dtype: 'int8', shape: plan.output.shape });
    const rename = (i: string) => plan.renamed.get(i) ?? i;
    const nodes: Node[] = [];
    for (const n of this.nodes) {
      if (plan.removed.has(n.name)) continue;
      if (n === original) {
        nodes.push(...plan.before, plan.node, ...plan.after);
        continue;
      }
      nodes.push(plan.renamed.size ? { ...n, inputs: n.inputs.map(rename) } : n);
    }
    this.nodes = nodes;
    this.producers.set(plan.output.name, plan.node);
    for (const n of plan.after) this.producers.set(n.outputs[0], n);
    this.uses = consumersOf(this.current());
  }
}

/** Dequantizations left over: constants fold now, the rest are ONNX DequantizeLinear again. */
function finish(graph: Graph): Graph {
  const initializers = new Map(graph.initializers);
  const opset = graph.opsets[''] ?? 1;
  const nodes: Node[] = [];
  for (const n of graph.nodes) {
    if (n.opType !== QDQ_DEQUANTIZE || n.domain !== FUSED_DOMAIN) {
      nodes.push(n);
    } else if (n.inputs.every((i) => i === '' || initializers.has(i))) {
      initializers.set(n.outputs[0], { ...evaluateConstantDequantize(graph, n, initializers), name: n.outputs[0] });
    } else {
      const scale = initializers.get(n.inputs[1]);
      const perTensor = scale !== undefined && elementCount(scale.shape) === 1;
      nodes.push(opset >= 13 || perTensor ? { ...n, opType: 'DequantizeLinear', domain: '' } : n);
    }
  }
  const pruned = removeDeadNodes({ ...graph, nodes, initializers });
  const read = new Set([...pruned.nodes.flatMap((n) => n.inputs), ...graph.outputs.map((o) => o.name)]);
  for (const name of [...initializers.keys()]) if (!read.has(name)) initializers.delete(name);
  const quantization = new Map([...(graph.quantization ?? new Map<string, Quantization>())].filter(([name]) => read.has(name) || pruned.nodes.some((n) => n.outputs.includes(name))));
  return { ...pruned, initializers, ...(quantization.size ? { quantization } : { quantization: undefined }) };
}

/** The QDQ patterns of a pre-quantized model as int8 ops; a graph without Q/DQ nodes is returned as it is. */
export function quantizeQdqPatterns(graph: Graph, file: string): Graph {
  if (!graph.nodes.some((n) => isDequantize(n) || isQuantize(n))) return graph;
  let g = dropSameTypeCasts(graph);
  g = foldPlainDequantizations(g, file);
  g = shiftUint8Borders(g);
  const rewriter = new Rewriter(g);
  rewriter.run();
  return finish(rewriter.current());
}
