// With --io outside, every graph output lives in a buffer of the caller's that a kernel must
// write; an output that is only a view (a Reshape of a value in the arena) or a graph input
// passed straight through gets one Copy step into that buffer.
import { CompileError, type Graph, type Node } from '../ir/graph.js';
import { COPY } from '../ops/copy.js';
import { findOp } from '../ops/registry.js';

export function copyViewOutputs(graph: Graph): Graph {
  const producer = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const inputs = new Set(graph.inputs.map((i) => i.name));
  const nodes: Node[] = graph.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] }));
  const values = new Map(graph.values);
  for (const output of graph.outputs) {
    const p = producer.get(output.name);
    const isView = p !== undefined && findOp(p)?.view === true;
    if (!isView && !inputs.has(output.name)) continue;
    const source = inputs.has(output.name) ? output.name : `${output.name}::view`;
    if (isView) {
      const renamed = nodes.find((n) => n.name === p!.name)!;
      renamed.outputs = renamed.outputs.map((o) => (o === output.name ? source : o));
      for (const n of nodes) n.inputs = n.inputs.map((i) => (i === output.name ? source : i));
      values.set(source, { ...graph.values.get(output.name)!, name: source });
    }
    if (inputs.has(output.name)) {
      throw new CompileError(`'${output.name}' is both an input and an output of the model; with --io outside it would need to be in two of the caller's buffers at once`);
    }
    nodes.push({ name: `copy_${output.name}`, opType: COPY.opType, domain: COPY.domain, inputs: [source], outputs: [output.name], attributes: {} });
  }
  return { ...graph, nodes, values };
}
