// Constant nodes become initializers, so every later stage sees one kind of constant.
import { CompileError, type ConstTensor, type Graph } from '../ir/graph.js';

function constantValue(graph: Graph, node: Graph['nodes'][number]): ConstTensor {
  const name = node.outputs[0];
  const [key, attr] = Object.entries(node.attributes)[0] ?? [];
  switch (attr?.kind) {
    case 'tensor': return { ...attr.value, name };
    case 'float': return { name, dtype: 'float32', shape: [], data: Float32Array.of(attr.value) };
    case 'floats': return { name, dtype: 'float32', shape: [attr.value.length], data: Float32Array.from(attr.value) };
    case 'int': return { name, dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(attr.value)) };
    case 'ints': return { name, dtype: 'int64', shape: [attr.value.length], data: BigInt64Array.from(attr.value.map(BigInt)) };
    default:
      throw new CompileError(`node '${node.name}' (Constant): attribute '${key ?? '(none)'}' is not supported in ${graph.name}`, 2,
        { node: node.name, opType: 'Constant' });
  }
}

export function constantNodesToInitializers(graph: Graph): Graph {
  const initializers = new Map(graph.initializers);
  const nodes = graph.nodes.filter((node) => {
    if (node.opType !== 'Constant' || node.domain !== '') return true;
    initializers.set(node.outputs[0], constantValue(graph, node));
    return false;
  });
  return { ...graph, nodes, initializers };
}
