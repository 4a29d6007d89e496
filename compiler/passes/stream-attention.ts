// Attention one query row at a time (DESIGN.md §5, below LOAD): MatMul(Q, Kᵀ) → [scale] →
// [mask] → Softmax → MatMul(·, V), as exporters write it, becomes one StreamedRows node whose
// kernels run per row of Q, so the ℓ × ℓ score matrix never exists — only one row of it, in the
// node's scratch. The row kernels are the same kernels on a one-row shape, so the result is
// bit for bit the unfused one (int8 and float alike). Runs on the final graph (after int8
// quantization, whose calibration saw the whole score matrix), before scheduling and planning.
import type { Graph, Node, ValueInfo } from '../ir/graph.js';
import { consumersOf } from '../ir/uses.js';
import { attrInt } from '../ops/op.js';
import { FUSED_DOMAIN } from '../ops/fused.js';
import { STREAMED_ROWS_OP } from '../ops/streamed-rows.js';

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
  if (!node || node.domain !== '' || node.opType !== 'Softmax' || !softmaxOverLastAxis(graph, node)) return undefined;
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

export function streamAttention(graph: Graph): Graph {
  const uses = consumersOf(graph);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const replaced = new Map<Node, Node>();
  const removed = new Set<Node>();
  for (const node of graph.nodes) {
    if (node.opType !== 'MatMul' || node.domain !== '' || removed.has(node)) continue;
    const chain = matchChain(graph, uses, outputs, node);
    if (!chain || chain.nodes.some((n) => removed.has(n))) continue;
    const produced = new Set(chain.nodes.flatMap((n) => n.outputs));
    const external = [...new Set(chain.nodes.flatMap((n) => n.inputs).filter((i) => i !== '' && !produced.has(i)))];
    const bodyValues = new Map<string, ValueInfo>();
    for (const name of [...external, ...produced]) {
      const v = graph.values.get(name);
      if (v) bodyValues.set(name, v);
    }
    const body: Graph = {
      name: `${node.name}_rows`,
      nodes: chain.nodes,
      inputs: external.filter((i) => !graph.initializers.has(i)).map((i) => graph.values.get(i)!),
      outputs: [graph.values.get(chain.output)!],
      initializers: new Map(external.filter((i) => graph.initializers.has(i)).map((i) => [i, graph.initializers.get(i)!])),
      values: bodyValues,
      opsets: graph.opsets,
      quantization: graph.quantization,
    };
    const streamed: Node = {
      name: `${node.name}_streamed`, opType: STREAMED_ROWS_OP, domain: FUSED_DOMAIN,
      inputs: external, outputs: [chain.output], attributes: { body: { kind: 'graph', value: body } },
    };
    // The fused node runs where the last node of the chain ran: every input is ready by then.
    for (const n of chain.nodes) removed.add(n);
    replaced.set(chain.nodes.at(-1)!, streamed);
  }
  if (replaced.size === 0) return graph;
  const nodes = graph.nodes.flatMap((n) => (replaced.has(n) ? [replaced.get(n)!] : removed.has(n) ? [] : [n]));
  return { ...graph, nodes };
}
