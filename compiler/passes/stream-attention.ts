// Attention one query row at a time (DESIGN.md §5, below LOAD): MatMul(Q, Kᵀ) → [scale] →
// [additive mask] → Softmax or MaskedSoftmax (a padding mask) → MatMul(·, V), as exporters write it, becomes one StreamedRows node whose
// kernels run per row of Q, so the ℓ × ℓ score matrix never exists — only one row of it, in the
// node's scratch. The row kernels are the same kernels on a one-row shape, so the result is
// bit for bit the unfused one (int8 and float alike). Runs on the final graph (after int8
// quantization, whose calibration saw the whole score matrix), before scheduling and planning.
import type { Graph, Node, ValueInfo } from '../ir/graph.js';
import { consumersOf } from '../ir/uses.js';
import { attrInt } from '../ops/op.js';
import { FUSED_DOMAIN } from '../ops/fused.js';
import { STREAMED_ROWS_OP } from '../ops/streamed-rows.js';
import { MASKED_SOFTMAX_OP } from '../ops/softmax.js';
import { MATMUL_TRANSPOSED_B_OP } from '../ops/matmul.js';

interface Chain {
  nodes: Node[];
  output: string;
}

const shapeOf = (graph: Graph, name: string) => graph.values.get(name)?.shape as number[] | undefined;

/** The node after `node` in a chain: the only reader of its only output, which nothing else sees. */
function onlyReader(graph: Graph, uses: Map<string, Node[]>, outputs: Set<string>, node: Node): Node | undefined {
  const value = node.outputs[0];
  if (node.outputs.length !== 1 || outputs.has(value)) return undefined;
  const readers = uses.get(value) ?? [];
  return readers.length === 1 ? readers[0] : undefined;
}

/** Softmax over the last axis only, whatever the opset's default. */
function softmaxOverLastAxis(graph: Graph, node: Node): boolean {
  const rank = shapeOf(graph, node.inputs[0])?.length ?? 0;
  const opset = graph.opsets[''] ?? 13;
  const axis = attrInt(node, 'axis', opset < 13 ? 1 : -1);
  return axis === -1 || axis === rank - 1;
}

function matchChain(graph: Graph, uses: Map<string, Node[]>, outputs: Set<string>, scores: Node): Chain | undefined {
  const s = shapeOf(graph, scores.outputs[0]);
  const q = shapeOf(graph, scores.inputs[0]);
  if (!s || !q || s.length < 2 || q.length !== s.length || s.at(-2)! < 2) return undefined;
  const nodes = [scores];
  let node = onlyReader(graph, uses, outputs, scores);
  const constantScalar = (n: Node) => n.inputs.some((i) => i !== nodes.at(-1)!.outputs[0] && graph.initializers.get(i)?.shape.reduce((a, b) => a * b, 1) === 1);
  // An optional scale (Mul or Div by a constant scalar), then an optional additive mask.
  if (node && node.domain === '' && ((node.opType === 'Mul' && constantScalar(node)) || (node.opType === 'Div' && node.inputs[0] === nodes.at(-1)!.outputs[0] && constantScalar(node)))) {
    nodes.push(node);
    node = onlyReader(graph, uses, outputs, node);
  }
  if (node && node.domain === '' && node.opType === 'Add') {
    const mask = node.inputs.find((i) => i !== nodes.at(-1)!.outputs[0]);
    const m = mask === undefined ? undefined : shapeOf(graph, mask) ?? graph.initializers.get(mask)?.shape;
    // The mask must broadcast to the scores without growing them, and vary at most per row.
    const fits = m && m.length <= s.length && m.at(-1) === s.at(-1)
      && m.every((d, i) => d === 1 || d === s[s.length - m.length + i]);
    if (!fits) return undefined;
    nodes.push(node);
    node = onlyReader(graph, uses, outputs, node);
  }
  const maskedSoftmax = node?.domain === FUSED_DOMAIN && node.opType === MASKED_SOFTMAX_OP;
  if (!node || (!maskedSoftmax && (node.domain !== '' || node.opType !== 'Softmax' || !softmaxOverLastAxis(graph, node)))) return undefined;
  nodes.push(node);
  const values = onlyReader(graph, uses, outputs, node);
  if (!values || values.domain !== '' || values.opType !== 'MatMul' || values.inputs[0] !== node.outputs[0]) return undefined;
  const o = shapeOf(graph, values.outputs[0]);
  if (!o || o.length !== s.length || o.slice(0, -1).join() !== s.slice(0, -1).join()) return undefined;
  // Every intermediate is the shape of the scores (nothing broadcast them wider).
  if (nodes.some((n) => shapeOf(graph, n.outputs[0])?.join() !== s.join())) return undefined;
  nodes.push(values);
  return { nodes, output: values.outputs[0] };
}

/**
 * The Transpose that makes Kᵀ for an int8 Q · Kᵀ — the last two axes swapped, read by nothing
 * else — which o2m_matmul_i8 can do without (it takes B's strides); undefined otherwise.
 */
function transposedOperand(graph: Graph, uses: Map<string, Node[]>, outputs: Set<string>, scores: Node): Node | undefined {
  const kT = scores.inputs[1];
  const t = graph.nodes.find((n) => n.outputs[0] === kT);
  if (!t || t.opType !== 'Transpose' || t.domain !== '' || outputs.has(kT) || uses.get(kT)?.length !== 1) return undefined;
  if (graph.values.get(kT)?.dtype !== 'int8' || graph.values.get(scores.inputs[0])?.dtype !== 'int8') return undefined;
  const rank = shapeOf(graph, kT)?.length ?? 0;
  const perm = t.attributes.perm?.kind === 'ints' ? t.attributes.perm.value : [...Array(rank).keys()].reverse();
  const swapsLastTwo = rank >= 2 && perm.length === rank
    && perm.every((p, i) => (i < rank - 2 ? p === i : p === (i === rank - 2 ? rank - 1 : rank - 2)));
  return swapsLastTwo ? t : undefined;
}

/** The chain as one StreamedRows node, its body the chain's nodes. */
function streamedNode(graph: Graph, name: string, chain: Chain): Node {
  const produced = new Set(chain.nodes.flatMap((n) => n.outputs));
  const external = [...new Set(chain.nodes.flatMap((n) => n.inputs).filter((i) => i !== '' && !produced.has(i)))];
  const bodyValues = new Map<string, ValueInfo>();
  for (const value of [...external, ...produced]) {
    const v = graph.values.get(value);
    if (v) bodyValues.set(value, v);
  }
  const body: Graph = {
    name: `${name}_rows`,
    nodes: chain.nodes,
    inputs: external.filter((i) => !graph.initializers.has(i)).map((i) => graph.values.get(i)!),
    outputs: [graph.values.get(chain.output)!],
    initializers: new Map(external.filter((i) => graph.initializers.has(i)).map((i) => [i, graph.initializers.get(i)!])),
    values: bodyValues,
    opsets: graph.opsets,
    quantization: graph.quantization,
  };
  return {
    name: `${name}_streamed`, opType: STREAMED_ROWS_OP, domain: FUSED_DOMAIN,
    inputs: external, outputs: [chain.output], attributes: { body: { kind: 'graph', value: body } },
  };
}

/**
 * A Linear layer: MatMul(X, W) by a constant 2-D W whose only reader is an Add of a constant
 * bias of W's width. The two nodes, or undefined.
 */
function linearAt(graph: Graph, uses: Map<string, Node[]>, outputs: Set<string>, matmul: Node | undefined): Node[] | undefined {
  if (!matmul || matmul.opType !== 'MatMul' || matmul.domain !== '') return undefined;
  const weight = graph.initializers.get(matmul.inputs[1]);
  if (!weight || weight.shape.length !== 2 || graph.initializers.has(matmul.inputs[0])) return undefined;
  const add = onlyReader(graph, uses, outputs, matmul);
  const bias = add && add.domain === '' && add.opType === 'Add' ? add.inputs.find((i) => i !== matmul.outputs[0]) : undefined;
  const b = bias === undefined ? undefined : graph.initializers.get(bias);
  if (!add || !b || b.shape.reduce((p, d) => p * d, 1) !== weight.shape[1]) return undefined;
  return [matmul, add];
}

/**
 * A Linear layer on a sequence by a square W whose X dies there: row by row, each row's product
 * goes to scratch and the biased row over X's row, so the layer needs no second ℓ × d buffer
 * (StreamedRows writes in place).
 */
function matchLinearRows(graph: Graph, uses: Map<string, Node[]>, outputs: Set<string>, matmul: Node): Chain | undefined {
  const x = matmul.inputs[0];
  const xShape = shapeOf(graph, x);
  const nodes = linearAt(graph, uses, outputs, matmul);
  const w = graph.initializers.get(matmul.inputs[1]);
  if (!nodes || !xShape || xShape.length < 2 || xShape.at(-2)! < 2 || w?.shape[0] !== w?.shape[1]) return undefined;
  if (outputs.has(x) || uses.get(x)?.length !== 1 || graph.inputs.some((i) => i.name === x)) return undefined;
  if (shapeOf(graph, nodes[1].outputs[0])?.join() !== xShape.join()) return undefined;
  return { nodes, output: nodes[1].outputs[0] };
}

/**
 * Grows a row-wise chain by what follows it row for row: the output Linear (`projection`, for
 * attention), a scaling by a constant, and the residual Add or Sub. The result then takes the
 * residual's buffer, and neither the projection nor the scaled tensor exists whole.
 */
function widenAfter(graph: Graph, uses: Map<string, Node[]>, outputs: Set<string>, chain: Chain, projection: boolean): Node[] {
  const nodes = [...chain.nodes];
  const next = () => onlyReader(graph, uses, outputs, nodes.at(-1)!);
  const current = () => nodes.at(-1)!.outputs[0];
  const linear = projection ? linearAt(graph, uses, outputs, next()) : undefined;
  if (linear && linear[0].inputs[0] === current()) nodes.push(...linear);
  let node = next();
  const scalar = (i: string) => graph.initializers.get(i)?.shape.reduce((a, b) => a * b, 1) === 1;
  if (node && node.domain === '' && (node.opType === 'Mul' || (node.opType === 'Div' && node.inputs[0] === current())) && node.inputs.some((i) => i !== current() && scalar(i))) {
    nodes.push(node);
    node = next();
  }
  const residual = node?.inputs.find((i) => i !== current());
  const same = (a: string, b: string) => shapeOf(graph, a)?.join() === shapeOf(graph, b)?.join();
  if (node && node.domain === '' && (node.opType === 'Add' || node.opType === 'Sub') && residual && !graph.initializers.has(residual)
    && same(residual, current()) && same(node.outputs[0], current())) {
    nodes.push(node);
  }
  return nodes;
}

/**
 * An attention chain grown into the whole row-wise layer around it: the Linear that makes Q
 * (read by nothing but the scores) before it, and what widenAfter finds after it. Then no ℓ × d
 * tensor of the layer but its input and the residual exists: Q, the attention and its projection
 * are one row each.
 */
function widenToLayer(graph: Graph, uses: Map<string, Node[]>, outputs: Set<string>, chain: Chain): Chain {
  const nodes = widenAfter(graph, uses, outputs, chain, true);
  const q = nodes[0].inputs[0];
  const queryAdd = graph.nodes.find((n) => n.outputs.includes(q));
  const queryProduct = queryAdd?.inputs.find((i) => !graph.initializers.has(i));
  const query = linearAt(graph, uses, outputs, graph.nodes.find((n) => queryProduct !== undefined && n.outputs.includes(queryProduct)));
  if (query && query[1] === queryAdd && !outputs.has(q) && uses.get(q)?.length === 1) nodes.unshift(...query);
  return sameRows(graph, nodes) ? { nodes, output: nodes.at(-1)!.outputs[0] } : chain;
}

/** Every step runs on the same rows: their outputs differ at most in the last axis. */
function sameRows(graph: Graph, nodes: Node[]): boolean {
  const rows = (n: Node) => shapeOf(graph, n.outputs[0])?.slice(0, -1).join();
  return nodes.every((n) => rows(n) !== undefined && rows(n) === rows(nodes[0]));
}

export function streamAttention(graph: Graph): Graph {
  const uses = consumersOf(graph);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const replaced = new Map<Node, Node>();
  const removed = new Set<Node>();
  const fuse = (name: string, chain: Chain) => {
    // The fused node runs where the last node of the chain ran: every input is ready by then.
    for (const n of chain.nodes) removed.add(n);
    replaced.set(chain.nodes.at(-1)!, streamedNode(graph, name, chain));
  };
  for (const node of graph.nodes) {
    if (node.opType !== 'MatMul' || node.domain !== '' || removed.has(node)) continue;
    const attention = matchChain(graph, uses, outputs, node);
    if (!attention || attention.nodes.some((n) => removed.has(n))) continue;
    const chain = widenToLayer(graph, uses, outputs, attention);
    if (chain.nodes.some((n) => removed.has(n))) continue;
    const transposeOfK = transposedOperand(graph, uses, outputs, node);
    if (transposeOfK) {
      // int8: Q · Kᵀ reads K through strides, so the transposed copy of K is never made.
      chain.nodes[chain.nodes.indexOf(node)] = { ...node, opType: MATMUL_TRANSPOSED_B_OP, domain: FUSED_DOMAIN, inputs: [node.inputs[0], transposeOfK.inputs[0]] };
      removed.add(transposeOfK);
      removed.add(node);
    }
    fuse(node.name, chain);
  }
  for (const node of graph.nodes) {
    if (node.opType !== 'MatMul' || node.domain !== '' || removed.has(node)) continue;
    const linear = matchLinearRows(graph, uses, outputs, node);
    if (!linear) continue;
    const nodes = widenAfter(graph, uses, outputs, linear, false);
    const chain = sameRows(graph, nodes) ? { nodes, output: nodes.at(-1)!.outputs[0] } : linear;
    if (!chain.nodes.some((n) => removed.has(n))) fuse(node.name, chain);
  }
  if (replaced.size === 0) return graph;
  const nodes = graph.nodes.flatMap((n) => (replaced.has(n) ? [replaced.get(n)!] : removed.has(n) ? [] : [n]));
  return { ...graph, nodes };
}
