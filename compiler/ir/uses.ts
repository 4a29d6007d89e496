// Who reads each value: the question every fusion and folding pass asks before rewriting.
import type { Graph, Node } from './graph.js';

export function consumersOf(graph: Graph): Map<string, Node[]> {
  const uses = new Map<string, Node[]>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) {
      if (input === '') continue;
      const list = uses.get(input) ?? [];
      list.push(node);
      uses.set(input, list);
    }
  }
  return uses;
}

/** True when `value` is read by exactly one node and is not a graph output: it may be fused away. */
export function hasSingleInternalUse(graph: Graph, uses: Map<string, Node[]>, value: string): boolean {
  return (uses.get(value)?.length ?? 0) === 1 && !graph.outputs.some((o) => o.name === value);
}
