// Identity and inference-mode Dropout pass their input through: their readers read the input
// instead. Where the pass-through is itself a graph output, the producer writes that name.
import type { Graph, Node } from '../ir/graph.js';

function isPassThrough(node: Node): boolean {
  if (node.domain !== '') return false;
  if (node.opType === 'Identity') return true;
  // A Dropout whose mask nobody reads is the identity at inference (training_mode is false).
  return node.opType === 'Dropout' && (node.outputs[1] ?? '') === '' && (node.inputs[2] ?? '') === '';
}

export function removePassThroughs(graph: Graph): Graph {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const inputs = new Set([...graph.inputs.map((i) => i.name), ...graph.initializers.keys()]);
  let nodes = graph.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] }));
  const renamed = new Map<string, string>();
  const resolve = (name: string) => renamed.get(name) ?? name;

  for (const node of nodes) {
    if (!isPassThrough(node)) continue;
    const source = resolve(node.inputs[0]);
    const result = node.outputs[0];
    if (!outputs.has(result)) {
      renamed.set(result, source);
      node.opType = '';
    } else if (!inputs.has(source) && !outputs.has(source)) {
      // The producer of `source` writes the graph output's name directly.
      renamed.set(source, result);
      for (const other of nodes) other.outputs = other.outputs.map((o) => (o === source ? result : o));
      node.opType = '';
    }
    // Otherwise (a graph input or a constant passed straight to an output) the node stays: a
    // view of an input, or a constant that the output copies in.
  }
  nodes = nodes.filter((n) => n.opType !== '').map((n) => ({ ...n, inputs: n.inputs.map(resolve) }));
  return { ...graph, nodes };
}
