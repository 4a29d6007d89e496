// Exporters spell normalisations, GELU and SiLU out node by node (PyTorch before opset 17 writes
// LayerNorm as ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add, RMSNorm as
// Pow/ReduceMean/Add/Sqrt/Div/Mul, GELU as Div/Erf/Add/Mul/Mul). One kernel for each pattern
// reads the tensor twice instead of writing and reading five intermediates, and int8 needs
// them whole. Attention's padding mask (Where → Softmax) becomes one masked softmax. Runs after folding and shape inference, so constants and ranks are known.
import type { ConstTensor, Graph, Node } from '../ir/graph.js';
import { consumersOf } from '../ir/uses.js';
import { FUSED_DOMAIN } from '../ops/fused.js';
import { findOp } from '../ops/registry.js';
import { MASKED_SOFTMAX_OP } from '../ops/softmax.js';

/**
 * The largest Where fill that fuses into MaskedSoftmax: exp(fill − max) must be zero in float32
 * (below e^-104) for every score the model can produce, which leaves scores above fill + 104.
 */
const MASK_FILL_AT_MOST = -1000;

interface Matcher {
  graph: Graph;
  producer: Map<string, Node>;
  uses: Map<string, Node[]>;
  outputs: Set<string>;
}

function scalar(m: Matcher, name: string): number | undefined {
  const c: ConstTensor | undefined = m.graph.initializers.get(name);
  return c && c.data.length === 1 ? Number(c.data[0]) : undefined;
}

/** The node producing `value` if it has the op type and `value` feeds nothing but `reader`. */
function privateProducer(m: Matcher, value: string, opType: string): Node | undefined {
  const p = m.producer.get(value);
  if (!p || p.opType !== opType || p.domain !== '') return undefined;
  if (m.outputs.has(value) || (m.uses.get(value)?.length ?? 0) !== 1) return undefined;
  return p;
}

/** For a commutative binary node: the operand other than `known`, or undefined. */
function otherOperand(node: Node, known: (name: string) => boolean): string | undefined {
  if (known(node.inputs[0])) return node.inputs[1];
  if (known(node.inputs[1])) return node.inputs[0];
  return undefined;
}

/** ReduceMean over the last axis only, keeping it. */
function isMeanOverLastAxis(m: Matcher, node: Node): boolean {
  const rank = (m.graph.values.get(node.inputs[0])?.shape.length ?? 0);
  const attr = node.attributes.axes;
  const axes = attr?.kind === 'ints' ? attr.value
    : node.inputs[1] ? Array.from(m.graph.initializers.get(node.inputs[1])?.data ?? [], Number) : [];
  const keep = node.attributes.keepdims?.kind === 'int' ? node.attributes.keepdims.value : 1;
  return keep === 1 && axes.length === 1 && (axes[0] === -1 || axes[0] === rank - 1);
}

/** sqrt(mean(base^2 over the last axis) + eps) feeding a Div: returns base, eps and the nodes. */
function matchRootMeanSquare(m: Matcher, sqrtOutput: string) {
  const sqrt = privateProducer(m, sqrtOutput, 'Sqrt');
  const add = sqrt && privateProducer(m, sqrt.inputs[0], 'Add');
  if (!add) return undefined;
  const epsName = otherOperand(add, (n) => m.producer.get(n)?.opType === 'ReduceMean');
  const eps = epsName === undefined ? undefined : scalar(m, epsName);
  const meanOutput = add.inputs.find((n) => n !== epsName)!;
  const mean = privateProducer(m, meanOutput, 'ReduceMean');
  if (eps === undefined || !mean || !isMeanOverLastAxis(m, mean)) return undefined;
  const square = m.producer.get(mean.inputs[0]);
  if (!square || m.outputs.has(mean.inputs[0]) || (m.uses.get(mean.inputs[0])?.length ?? 0) !== 1) return undefined;
  let base: string | undefined;
  if (square.opType === 'Pow' && scalar(m, square.inputs[1]) === 2) base = square.inputs[0];
  if (square.opType === 'Mul' && square.inputs[0] === square.inputs[1]) base = square.inputs[0];
  return base === undefined ? undefined : { base, eps, nodes: [sqrt!, add, mean, square] };
}

/** A Mul (then an Add) by per-feature constants after `value`, as LayerNorm's affine part. */
function matchAffine(m: Matcher, value: string, size: number, withBias: boolean) {
  const isVector = (n: string) => {
    const c = m.graph.initializers.get(n);
    return Boolean(c && c.dtype === 'float32' && c.data.length === size && c.shape.every((d, i) => i === c.shape.length - 1 || d === 1));
  };
  const only = (v: string) => (!m.outputs.has(v) && m.uses.get(v)?.length === 1 ? m.uses.get(v)![0] : undefined);
  const mul = only(value);
  const scale = mul?.opType === 'Mul' ? otherOperand(mul, (n) => n === value) : undefined;
  if (!mul || !scale || !isVector(scale)) return { scale: undefined, bias: undefined, nodes: [] as Node[], output: value };
  const add = withBias ? only(mul.outputs[0]) : undefined;
  const bias = add?.opType === 'Add' ? otherOperand(add, (n) => n === mul.outputs[0]) : undefined;
  if (!add || !bias || !isVector(bias)) return { scale, bias: undefined, nodes: [mul], output: mul.outputs[0] };
  return { scale, bias, nodes: [mul, add], output: add.outputs[0] };
}

const implemented = (opType: string) => Boolean(findOp({ domain: FUSED_DOMAIN, opType }));

export function fusePatterns(graph: Graph): Graph {
  const m: Matcher = {
    graph,
    producer: new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const))),
    uses: consumersOf(graph),
    outputs: new Set(graph.outputs.map((o) => o.name)),
  };
  const removed = new Set<Node>();
  const replacement = new Map<Node, Node>();
  const initializers = new Map(graph.initializers);

  for (const div of graph.nodes) {
    if (div.opType !== 'Div' || div.domain !== '' || removed.has(div)) continue;
    const rms = matchRootMeanSquare(m, div.inputs[1]);
    if (!rms || rms.nodes.some((n) => removed.has(n))) continue;
    const shape = graph.values.get(div.inputs[0])?.shape as number[] | undefined;
    if (!shape || graph.values.get(div.inputs[0])?.dtype !== 'float32') continue;
    const size = shape[shape.length - 1];
    if (rms.base !== div.inputs[0]) continue;
    // x - mean(x) as the numerator makes it a LayerNorm; anything else is an RMSNorm of it.
    const sub = m.producer.get(div.inputs[0]);
    const mean = sub?.opType === 'Sub' ? m.producer.get(sub.inputs[1]) : undefined;
    const centred = Boolean(sub && mean && mean.opType === 'ReduceMean' && mean.inputs[0] === sub.inputs[0]
      && isMeanOverLastAxis(m, mean) && !m.outputs.has(sub.outputs[0]) && !m.outputs.has(mean.outputs[0])
      && m.uses.get(sub.outputs[0])?.length === 2 && m.uses.get(mean.outputs[0])?.length === 1);

    if (centred && implemented('LayerNormalization')) {
      // LayerNorm: d = x - mean(x); d / sqrt(mean(d^2) + eps) [* scale + bias].
      const affine = matchAffine(m, div.outputs[0], size, true);
      const scaleName = affine.scale ?? `${div.name}_ones`;
      const biasName = affine.bias ?? `${div.name}_zeros`;
      if (!affine.scale) initializers.set(scaleName, { name: scaleName, dtype: 'float32', shape: [size], data: new Float32Array(size).fill(1) });
      if (!affine.bias) initializers.set(biasName, { name: biasName, dtype: 'float32', shape: [size], data: new Float32Array(size) });
      const fused: Node = {
        name: `${div.name}_layernorm`, opType: 'LayerNormalization', domain: FUSED_DOMAIN,
        inputs: [sub!.inputs[0], scaleName, biasName], outputs: [affine.output],
        attributes: { axis: { kind: 'int', value: -1 }, epsilon: { kind: 'float', value: rms.eps } },
      };
      for (const n of [...rms.nodes, sub!, mean!, ...affine.nodes]) removed.add(n);
      replacement.set(div, fused);
    } else if (!centred && implemented('RMSNormalization')) {
      // RMSNorm: x / sqrt(mean(x^2) + eps) [* scale]; x is read twice (the square and the Div).
      const affine = matchAffine(m, div.outputs[0], size, false);
      const fused: Node = {
        name: `${div.name}_rmsnorm`, opType: 'RMSNormalization', domain: FUSED_DOMAIN,
        inputs: [rms.base, ...(affine.scale ? [affine.scale] : [])], outputs: [affine.output],
        attributes: { epsilon: { kind: 'float', value: rms.eps } },
      };
      for (const n of [...rms.nodes, ...affine.nodes]) removed.add(n);
      replacement.set(div, fused);
    }
  }

  for (const erf of graph.nodes) {
    if (erf.opType !== 'Erf' || erf.domain !== '' || removed.has(erf) || !implemented('Gelu')) continue;
    const scaled = privateProducer(m, erf.inputs[0], 'Div') ?? privateProducer(m, erf.inputs[0], 'Mul');
    if (!scaled) continue;
    const factor = scalar(m, scaled.inputs[1]);
    const x = scaled.inputs[0];
    const isInvSqrt2 = factor !== undefined && (scaled.opType === 'Div'
      ? Math.abs(factor - Math.SQRT2) < 1e-5 : Math.abs(factor - Math.SQRT1_2) < 1e-5);
    if (!isInvSqrt2 || graph.values.get(x)?.dtype !== 'float32') continue;
    const plusOne = m.uses.get(erf.outputs[0])?.length === 1 ? m.uses.get(erf.outputs[0])![0] : undefined;
    if (!plusOne || plusOne.opType !== 'Add' || m.outputs.has(erf.outputs[0])
      || scalar(m, otherOperand(plusOne, (n) => n === erf.outputs[0]) ?? '') !== 1) continue;
    const product = m.uses.get(plusOne.outputs[0])?.length === 1 && !m.outputs.has(plusOne.outputs[0]) ? m.uses.get(plusOne.outputs[0])![0] : undefined;
    if (!product || product.opType !== 'Mul') continue;
    const other = otherOperand(product, (n) => n === plusOne.outputs[0])!;
    let half: Node | undefined;
    let output: string;
    if (other === x) {
      // 0.5 applied last: ((x * (1 + erf)) * 0.5)
      half = m.uses.get(product.outputs[0])?.length === 1 && !m.outputs.has(product.outputs[0]) ? m.uses.get(product.outputs[0])![0] : undefined;
      if (!half || half.opType !== 'Mul' || scalar(m, otherOperand(half, (n) => n === product.outputs[0]) ?? '') !== 0.5) continue;
      output = half.outputs[0];
    } else {
      // 0.5 applied first: (x * 0.5) * (1 + erf)
      half = privateProducer(m, other, 'Mul');
      if (!half || otherOperand(half, (n) => n === x) === undefined || scalar(m, otherOperand(half, (n) => n === x)!) !== 0.5) continue;
      output = product.outputs[0];
    }
    const fused: Node = {
      name: `${erf.name}_gelu`, opType: 'Gelu', domain: FUSED_DOMAIN,
      inputs: [x], outputs: [output], attributes: {},
    };
    for (const n of [scaled, erf, plusOne, product, half]) removed.add(n);
    replacement.set(erf, fused);
    removed.delete(erf);
  }

  // SiLU: x * sigmoid(x), the sigmoid read by nothing else.
  for (const sigmoid of graph.nodes) {
    if (sigmoid.opType !== 'Sigmoid' || sigmoid.domain !== '' || removed.has(sigmoid) || !implemented('Silu')) continue;
    const x = sigmoid.inputs[0];
    const mul = m.uses.get(sigmoid.outputs[0])?.length === 1 && !m.outputs.has(sigmoid.outputs[0]) ? m.uses.get(sigmoid.outputs[0])![0] : undefined;
    if (!mul || mul.opType !== 'Mul' || mul.domain !== '' || removed.has(mul) || graph.values.get(x)?.dtype !== 'float32') continue;
    if (otherOperand(mul, (n) => n === sigmoid.outputs[0]) !== x) continue;
    removed.add(mul);
    replacement.set(sigmoid, {
      name: `${sigmoid.name}_silu`, opType: 'Silu', domain: FUSED_DOMAIN, inputs: [x], outputs: [mul.outputs[0]], attributes: {},
    });
  }

  // Attention's padding mask: Softmax(Where(mask, fill, scores)) over the last axis, with one mask
  // row for every score row and a fill far below any score (a masked term must vanish).
  for (const softmax of graph.nodes) {
    if (softmax.opType !== 'Softmax' || softmax.domain !== '' || removed.has(softmax) || !implemented(MASKED_SOFTMAX_OP)) continue;
    const where = privateProducer(m, softmax.inputs[0], 'Where');
    const shape = graph.values.get(softmax.inputs[0])?.shape as number[] | undefined;
    if (!where || !shape || shape.length === 0 || removed.has(where)) continue;
    const rank = shape.length;
    const opset = graph.opsets[''] ?? 13;
    const axis = softmax.attributes.axis?.kind === 'int' ? softmax.attributes.axis.value : opset < 13 ? 1 : -1;
    if (axis !== -1 && axis !== rank - 1) continue;
    const [cond, whenTrue, whenFalse] = where.inputs;
    const mask = graph.values.get(cond);
    const maskShape = mask?.shape as number[] | undefined;
    if (!mask || mask.dtype !== 'bool' || !maskShape || maskShape.reduce((a, b) => a * b, 1) !== shape[rank - 1] || maskShape.at(-1) !== shape[rank - 1]) continue;
    const fillOf = (name: string) => {
      const c = graph.initializers.get(name);
      const first = c && c.data.length > 0 ? Number(c.data[0]) : undefined;
      return first !== undefined && first <= MASK_FILL_AT_MOST && Array.from(c!.data, Number).every((v) => v === first) ? first : undefined;
    };
    const fillTrue = fillOf(whenTrue);
    const fillFalse = fillOf(whenFalse);
    const [fill, x, maskedValue] = fillTrue !== undefined ? [fillTrue, whenFalse, 1] : [fillFalse, whenTrue, 0];
    const xInfo = graph.values.get(x);
    if (fill === undefined || !xInfo || xInfo.dtype !== 'float32' || (xInfo.shape as number[]).join() !== shape.join()) continue;
    removed.add(where);
    replacement.set(softmax, {
      name: `${softmax.name}_masked`, opType: MASKED_SOFTMAX_OP, domain: FUSED_DOMAIN, inputs: [x, cond], outputs: softmax.outputs,
      attributes: { masked_value: { kind: 'int', value: maskedValue }, fill: { kind: 'float', value: fill } },
    });
  }

  const nodes = graph.nodes.flatMap((n) => (replacement.has(n) ? [replacement.get(n)!] : removed.has(n) ? [] : [n]));
  return { ...graph, nodes, initializers };
}
