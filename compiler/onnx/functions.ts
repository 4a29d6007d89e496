// Model-local functions (ModelProto.functions) are expanded where they are called, so every
// later stage sees only operators. Attribute references (ref_attr_name) take the caller's value.
import type { onnx as pb } from 'onnx-proto';
import { CompileError } from '../ir/graph.js';

const MAX_DEPTH = 16;

function key(domain: string | null | undefined, name: string | null | undefined): string {
  return `${domain === 'ai.onnx' ? '' : domain ?? ''}:${name ?? ''}`;
}

function expandNode(
  call: pb.INodeProto, fn: pb.IFunctionProto, callIndex: number, file: string,
): pb.INodeProto[] {
  const prefix = `${call.name || fn.name}__${callIndex}`;
  const rename = new Map<string, string>();
  (fn.input ?? []).forEach((formal, i) => rename.set(formal, call.input?.[i] ?? ''));
  (fn.output ?? []).forEach((formal, i) => rename.set(formal, call.output?.[i] ?? ''));
  const local = (name: string) => {
    if (name === '') return '';
    if (!rename.has(name)) rename.set(name, `${prefix}/${name}`);
    return rename.get(name)!;
  };
  const callAttributes = new Map((call.attribute ?? []).map((a) => [a.name ?? '', a]));
  return (fn.node ?? []).map((body, i) => ({
    ...body,
    name: `${prefix}/${body.name || `${body.opType}_${i}`}`,
    input: (body.input ?? []).map(local),
    output: (body.output ?? []).map(local),
    attribute: (body.attribute ?? []).flatMap((a) => {
      if (!a.refAttrName) return [a];
      const given = callAttributes.get(a.refAttrName);
      if (!given) {
        if ((fn.attribute ?? []).includes(a.refAttrName)) return []; // left to the op's default
        throw new CompileError(`${file}: function '${fn.name}' refers to attribute '${a.refAttrName}', which it does not declare`);
      }
      return [{ ...given, name: a.name }];
    }),
  }));
}

/** The graph's nodes with every call of a model-local function replaced by its body. */
export function inlineFunctions(nodes: pb.INodeProto[], functions: pb.IFunctionProto[], file: string): pb.INodeProto[] {
  if (functions.length === 0) return nodes;
  const byKey = new Map(functions.map((f) => [key(f.domain, f.name), f]));
  let calls = 0;
  const expand = (list: pb.INodeProto[], depth: number): pb.INodeProto[] => list.flatMap((node) => {
    const fn = byKey.get(key(node.domain, node.opType));
    if (!fn) return [node];
    if (depth >= MAX_DEPTH) {
      throw new CompileError(`${file}: function '${fn.name}' calls itself (or nests deeper than ${MAX_DEPTH})`);
    }
    return expand(expandNode(node, fn, calls++, file), depth + 1);
  });
  return expand(nodes, 0);
}

/** Opsets the functions' bodies rely on, merged into the model's. */
export function functionOpsets(functions: pb.IFunctionProto[]): pb.IOperatorSetIdProto[] {
  return functions.flatMap((f) => f.opsetImport ?? []);
}
