// Inputs the user fixes at compile time (--freeze name=file) become constants: shape operands,
// fixed masks or position ids then fold away instead of needing a kernel that takes them live.
import { CompileError, elementCount, formatShape, type ConstTensor, type Graph } from '../ir/graph.js';

export function freezeInputs(graph: Graph, frozen: Map<string, ConstTensor>, file: string): Graph {
  if (frozen.size === 0) return graph;
  const initializers = new Map(graph.initializers);
  for (const [name, value] of frozen) {
    const input = graph.inputs.find((i) => i.name === name);
    if (!input) {
      throw new CompileError(`--freeze names '${name}', which is not an input of ${file} (inputs: ${graph.inputs.map((i) => i.name).join(', ')})`);
    }
    if (value.dtype !== input.dtype) {
      throw new CompileError(`--freeze ${name}: the model's input is ${input.dtype}, the file holds ${value.dtype}`);
    }
    const fits = value.shape.length === input.shape.length
      && input.shape.every((d, i) => typeof d === 'string' || d === value.shape[i]);
    if (!fits || elementCount(value.shape) !== value.data.length) {
      throw new CompileError(`--freeze ${name}: the model's input has shape ${formatShape(input.shape)}, the file holds ${formatShape(value.shape)}`);
    }
    initializers.set(name, { ...value, name });
  }
  return { ...graph, inputs: graph.inputs.filter((i) => !frozen.has(i.name)), initializers };
}
