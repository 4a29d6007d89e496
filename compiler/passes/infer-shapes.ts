// Shape and type inference, with constant folding on the way: every value gets a static shape
// and a dtype through its op's rule, and a node whose inputs are all known at compile time
// (or, for Shape and Size, whose input shapes are) is replaced by its result, computed with the
// op's reference implementation.
import { CompileError, DTYPE_BYTES, elementCount, isStaticShape, type ConstTensor, type Graph, type ValueInfo } from '../ir/graph.js';
import type { OpFamily, TypedShape } from '../ops/op.js';
import { DEFAULT_OPSETS, findOp } from '../ops/registry.js';

/** Folding never trades a small kernel for a large table in flash (an Expand to 1 MB, say). */
const FOLD_GROWTH_LIMIT_BYTES = 4096;

/** The most bytes one tensor may take: a 32-bit microcontroller's whole address space. */
const MAX_TENSOR_BYTES = 2 ** 32;

function checkSize(file: string, node: string, name: string, t: TypedShape): void {
  if (t.shape.some((d) => !Number.isSafeInteger(d) || d < 0) || bytesOf(t) > MAX_TENSOR_BYTES) {
    throw new CompileError(
      `${file}: '${name}' (output of node '${node}') would have shape [${t.shape.join(', ')}]: `
      + `${bytesOf(t) > MAX_TENSOR_BYTES ? 'more bytes than a 32-bit microcontroller can address' : 'not a valid size'}`,
      2, { file, node },
    );
  }
}

function bytesOf(t: TypedShape): number {
  return elementCount(t.shape) * DTYPE_BYTES[t.dtype];
}

function shouldFold(family: OpFamily, inputs: (ConstTensor | undefined)[], outputs: TypedShape[]): boolean {
  if (!family.lower) return true; // the op has no kernel: folding is the only way to run it
  // float16 has no run-time type: a Cast from a float16 weight can only happen now.
  if (inputs.some((t) => t?.dtype === 'float16') || outputs.some((t) => t.dtype === 'float16')) return true;
  const inputBytes = inputs.reduce((s, t) => s + (t ? bytesOf({ dtype: t.dtype, shape: t.shape }) : 0), 0);
  return outputs.reduce((s, t) => s + bytesOf(t), 0) <= Math.max(FOLD_GROWTH_LIMIT_BYTES, inputBytes);
}

function withFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CompileError && !e.message.startsWith(file)) {
      throw new CompileError(`${file}: ${e.message}`, e.exitCode, { ...e.details, file });
    }
    throw e;
  }
}

export function inferShapes(graph: Graph, file: string, options: { fold?: boolean } = {}): Graph {
  const known = new Map<string, TypedShape>();
  for (const input of graph.inputs) {
    if (!isStaticShape(input.shape)) throw new CompileError(`input '${input.name}' of ${file} has no static shape`);
    checkSize(file, '(graph input)', input.name, { dtype: input.dtype, shape: input.shape });
    known.set(input.name, { dtype: input.dtype, shape: input.shape });
  }
  const initializers = new Map(graph.initializers);
  for (const [name, t] of initializers) known.set(name, { dtype: t.dtype, shape: t.shape });

  const values = new Map<string, ValueInfo>();
  const nodes: Graph['nodes'] = [];
  for (const node of graph.nodes) {
    const op = findOp(node);
    if (!op) {
      throw new CompileError(
        `${file}: node '${node.name}' uses operator ${node.domain ? `${node.domain}.` : ''}${node.opType}, which onnx2mcu does not support`,
        2, { file, node: node.name, opType: node.opType },
      );
    }
    const opset = graph.opsets[node.domain] ?? 1;
    const [low, high] = op.opsets ?? DEFAULT_OPSETS;
    if (node.domain === '' && (opset < low || opset > high)) {
      throw new CompileError(
        `${file}: node '${node.name}' (${node.opType}): opset ${opset} is not supported; onnx2mcu implements ${node.opType} for opsets ${low} to ${high}`,
        2, { file, node: node.name, opType: node.opType },
      );
    }
    const inputs = node.inputs.map((name) => {
      if (name === '') return undefined;
      const t = known.get(name);
      if (!t) throw new CompileError(`${file}: node '${node.name}' reads '${name}', which nothing produces (or the graph has a cycle)`, 2, { file, node: node.name });
      return t;
    });
    const constants = node.inputs.map((name) => initializers.get(name));
    const outputs = withFile(file, () => op.inferShapes({ node, inputs, constants, opset }));
    node.outputs.forEach((name, i) => {
      if (name === '' || !outputs[i]) return;
      checkSize(file, node.name, name, outputs[i]);
      known.set(name, outputs[i]);
    });

    const allConstant = node.inputs.every((name) => name === '' || initializers.has(name));
    if (options.fold && op.evaluate && (allConstant || op.foldsOnShapes) && shouldFold(op, constants, outputs)) {
      const results = withFile(file, () => op.evaluate!({ node, inputs: constants, inputTypes: inputs, outputs, opset }));
      node.outputs.forEach((name, i) => {
        if (name !== '') initializers.set(name, { ...results[i], name });
      });
      continue;
    }
    nodes.push(node);
    node.outputs.forEach((name, i) => {
      if (name !== '' && outputs[i]) values.set(name, { name, ...outputs[i] });
    });
  }
  for (const input of graph.inputs) values.set(input.name, input);
  const outputs = graph.outputs.map((o) => {
    const t = known.get(o.name);
    if (!t) throw new CompileError(`${file}: graph output '${o.name}' is not produced by any node`);
    return { name: o.name, ...t };
  });
  return { ...graph, nodes, values, outputs, initializers };
}
