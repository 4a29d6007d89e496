// A graph output that folding turned into a constant must still appear in the arena at its
// output offset, so one CopyConstant step writes it there.
import type { Graph } from '../ir/graph.js';
import { COPY_CONSTANT } from '../ops/copy.js';

export function materialiseConstantOutputs(graph: Graph): Graph {
  const initializers = new Map(graph.initializers);
  const nodes = [...graph.nodes];
  for (const output of graph.outputs) {
    const constant = initializers.get(output.name);
    if (!constant) continue;
    const source = `${output.name}__constant`;
    initializers.delete(output.name);
    initializers.set(source, { ...constant, name: source });
    for (const n of nodes) n.inputs.forEach((input, i) => { if (input === output.name) n.inputs[i] = source; });
    nodes.push({
      name: `copy_${output.name}`, opType: COPY_CONSTANT.opType, domain: COPY_CONSTANT.domain,
      inputs: [source], outputs: [output.name], attributes: {},
    });
  }
  return { ...graph, nodes, initializers };
}
