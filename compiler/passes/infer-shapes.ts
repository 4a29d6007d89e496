// Shape and type inference: every value gets a static shape and a dtype, through each op's rule.
import { CompileError, isStaticShape, type Graph, type ValueInfo } from '../ir/graph.js';
import type { TypedShape } from '../ops/op.js';
import { findOp } from '../ops/registry.js';

export function unsupportedNodes(graph: Graph): Graph['nodes'] {
  return graph.nodes.filter((n) => !findOp(n));
}

export function inferShapes(graph: Graph, file: string): Graph {
  const known = new Map<string, TypedShape>();
  for (const input of graph.inputs) {
    if (!isStaticShape(input.shape)) throw new CompileError(`input '${input.name}' of ${file} has no static shape`);
    known.set(input.name, { dtype: input.dtype, shape: input.shape });
  }
  for (const [name, t] of graph.initializers) known.set(name, { dtype: t.dtype, shape: t.shape });

  const values = new Map<string, ValueInfo>();
  for (const node of graph.nodes) {
    const op = findOp(node);
    if (!op) {
      throw new CompileError(
        `${file}: node '${node.name}' uses operator ${node.domain ? `${node.domain}.` : ''}${node.opType}, which onnx2mcu does not support`,
        2, { file, node: node.name, opType: node.opType },
      );
    }
    const inputs = node.inputs.map((name) => {
      if (name === '') return undefined;
      const t = known.get(name);
      if (!t) throw new CompileError(`${file}: node '${node.name}' reads '${name}', which nothing produces`, 2, { file, node: node.name });
      return t;
    });
    const constants = node.inputs.map((name) => graph.initializers.get(name));
    let outputs: TypedShape[];
    try {
      outputs = op.inferShapes({ node, inputs, constants, opset: graph.opsets[node.domain] ?? 1 });
    } catch (e) {
      if (e instanceof CompileError) throw new CompileError(`${file}: ${e.message}`, e.exitCode, { ...e.details, file });
      throw e;
    }
    node.outputs.forEach((name, i) => {
      if (name === '' || !outputs[i]) return;
      known.set(name, outputs[i]);
      values.set(name, { name, ...outputs[i] });
    });
  }
  for (const input of graph.inputs) values.set(input.name, input);
  const outputs = graph.outputs.map((o) => {
    const t = known.get(o.name);
    if (!t) throw new CompileError(`${file}: graph output '${o.name}' is not produced by any node`);
    return { name: o.name, ...t };
  });
  return { ...graph, values, outputs };
}
