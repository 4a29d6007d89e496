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
 * A Linear layer on a sequence — MatMul(X, W) by a constant square W, then Add of a constant
 * bias — whose X dies there: row by row, each row's product goes to scratch and the biased row
 * over X's row, so the layer needs no second ℓ × d buffer (StreamedRows writes in place).
 */
function matchLinearRows(graph: Graph, uses: Map<string, Node[]>, outputs: Set<string>, matmul: Node): Chain | undefined {
  const [x, w] = matmul.inputs;
  const weight = graph.initializers.get(w);
  const xShape = shapeOf(graph, x);
  if (!weight || weight.shape.length !== 2 || weight.shape[0] !== weight.shape[1] || !xShape || xShape.length < 2 || xShape.at(-2)! < 2) return undefined;
  if (outputs.has(x) || uses.get(x)?.length !== 1 || graph.inputs.some((i) => i.name === x)) return undefined;
  const add = onlyReader(graph, uses, outputs, matmul);
  const bias = add && add.domain === '' && add.opType === 'Add' ? add.inputs.find((i) => i !== matmul.outputs[0]) : undefined;
  const b = bias === undefined ? undefined : graph.initializers.get(bias);
  if (!add || !b || b.shape.reduce((p, d) => p * d, 1) !== weight.shape[1] || shapeOf(graph, add.outputs[0])?.join() !== xShape.join()) return undefined;
  return { nodes: [matmul, add], output: add.outputs[0] };
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
    const chain = matchChain(graph, uses, outputs, node);
    if (!chain || chain.nodes.some((n) => removed.has(n))) continue;
    const transposeOfK = transposedOperand(graph, uses, outputs, node);
    if (transposeOfK) {
      // int8: Q · Kᵀ reads K through strides, so the transposed copy of K is never made.
      chain.nodes[0] = { ...node, opType: MATMUL_TRANSPOSED_B_OP, domain: FUSED_DOMAIN, inputs: [node.inputs[0], transposeOfK.inputs[0]] };
      removed.add(transposeOfK);
      removed.add(node);
    }
    fuse(node.name, chain);
  }
  for (const node of graph.nodes) {
    if (node.opType !== 'MatMul' || node.domain !== '' || removed.has(node)) continue;
    const chain = matchLinearRows(graph, uses, outputs, node);
    if (chain && !chain.nodes.some((n) => removed.has(n))) fuse(node.name, chain);
  }
  if (replaced.size === 0) return graph;
  const nodes = graph.nodes.flatMap((n) => (replaced.has(n) ? [replaced.get(n)!] : removed.has(n) ? [] : [n]));
  return { ...graph, nodes };
}
