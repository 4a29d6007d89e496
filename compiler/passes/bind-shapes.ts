// Binds symbolic input dimensions (ONNX dim_param) to the sizes the user gave with --shape.
import { CompileError, formatShape, isStaticShape, type Graph } from '../ir/graph.js';

/** Parses `name=1x3x32x32` into a name and a shape. */
export function parseShapeOption(text: string): [string, number[]] {
  const eq = text.lastIndexOf('=');
  const name = text.slice(0, eq);
  const dims = text.slice(eq + 1).split(/[x,]/).map(Number);
  if (eq <= 0 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new CompileError(`--shape '${text}': expected <input>=<d0>x<d1>..., e.g. input=1x3x32x32`);
  }
  return [name, dims];
}

export function bindInputShapes(graph: Graph, shapes: Map<string, number[]>, file: string): Graph {
  for (const name of shapes.keys()) {
    if (!graph.inputs.some((i) => i.name === name)) {
      throw new CompileError(`--shape names '${name}', which is not an input of ${file} (inputs: ${graph.inputs.map((i) => i.name).join(', ')})`);
    }
  }
  const inputs = graph.inputs.map((input) => {
    const given = shapes.get(input.name);
    if (given) {
      const compatible = given.length === input.shape.length
        && input.shape.every((d, i) => typeof d === 'string' || d === given[i]);
      if (!compatible) {
        throw new CompileError(`--shape ${input.name}=${given.join('x')} does not match the model's shape ${formatShape(input.shape)} in ${file}`);
      }
      return { ...input, shape: given };
    }
    if (!isStaticShape(input.shape)) {
      throw new CompileError(
        `input '${input.name}' of ${file} has symbolic shape ${formatShape(input.shape)}; `
        + `give its size with --shape ${input.name}=${input.shape.map((d) => (typeof d === 'number' ? d : 1)).join('x')}`,
      );
    }
    return input;
  });
  const values = new Map(graph.values);
  for (const input of inputs) values.set(input.name, input);
  return { ...graph, inputs, values };
}
