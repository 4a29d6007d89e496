// ONNX requires nodes in topological order, and some exporters get it wrong. Put them in order
// (keeping the file's order wherever it already works), or name the nodes of a cycle.
import { CompileError, type Graph, type Node } from '../ir/graph.js';

export function sortTopologically(graph: Graph, file: string): Graph {
  const producer = new Map<string, Node>();
  for (const node of graph.nodes) for (const o of node.outputs) if (o !== '') producer.set(o, node);
  const placed = new Set<Node>();
  const visiting = new Set<Node>();
  const order: Node[] = [];

  const visit = (node: Node, path: Node[]) => {
    if (placed.has(node)) return;
    if (visiting.has(node)) {
      const cycle = path.slice(path.indexOf(node)).map((n) => `'${n.name}'`);
      throw new CompileError(`${file}: the graph has a cycle: ${cycle.join(' -> ')} -> '${node.name}'`, 2, { file, node: node.name });
    }
    visiting.add(node);
    for (const input of node.inputs) {
      const p = producer.get(input);
      if (p && p !== node) visit(p, [...path, node]);
      else if (p === node) throw new CompileError(`${file}: node '${node.name}' reads its own output '${input}'`, 2, { file, node: node.name });
    }
    visiting.delete(node);
    placed.add(node);
    order.push(node);
  };
  for (const node of graph.nodes) visit(node, []);
  return { ...graph, nodes: order };
}
