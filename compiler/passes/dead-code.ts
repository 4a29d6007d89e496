// Nodes whose outputs reach no graph output are never run.
import type { Graph } from '../ir/graph.js';

export function removeDeadNodes(graph: Graph): Graph {
  const needed = new Set(graph.outputs.map((o) => o.name));
  const kept: Graph['nodes'] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (!node.outputs.some((o) => needed.has(o))) continue;
    kept.push(node);
    for (const input of node.inputs) if (input !== '') needed.add(input);
  }
  return { ...graph, nodes: kept.reverse() };
}
