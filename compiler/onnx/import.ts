// ONNX ModelProto bytes → graph IR. This stage only translates: names, types, shapes, tensors
// and attributes come out as they are in the file. Inlining model-local functions, folding and
// shape inference happen in later stages.

import path from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as pb } from 'onnx-proto';
import type { AttrValue, ConstTensor, Dim, DType, Graph, Node, ValueInfo } from '../ir/graph.js';
import { readUserFile } from '../read-user-file.js';
import { functionOpsets, inlineFunctions } from './functions.js';
import { CompileError } from '../ir/graph.js';
import { int64ToNumber, type Int64Field } from './int64.js';
import { decodeSparseTensor, decodeTensor, dtypeFromElemType, elemTypeName, type TensorContext } from './tensor.js';

const { onnx } = onnxProto;

export interface ImportOptions {
  /** Named in error messages. */
  file?: string;
  /** The model's folder: external data locations are resolved against it. */
  baseDir?: string;
}

interface ImportContext {
  file: string;
  baseDir?: string;
}

function fail(ctx: ImportContext, message: string, details: { node?: string; opType?: string } = {}): never {
  throw new CompileError(`${ctx.file}: ${message}`, 2, { file: ctx.file, ...details });
}

export function importModel(bytes: Uint8Array, options: ImportOptions = {}): Graph {
  const ctx: ImportContext = { file: options.file ?? 'model', baseDir: options.baseDir };
  let model: pb.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    fail(ctx, `not an ONNX model: ${(e as Error).message}`);
  }
  // Arbitrary bytes sometimes decode as a message made only of unknown fields.
  if (!model.graph) fail(ctx, 'not an ONNX model: it contains no graph');

  const functions = model.functions ?? [];
  const opsets = importOpsets(model.opsetImport ?? [], ctx);
  // A function body may use a domain the model does not import; the model's version wins elsewhere.
  for (const [domain, version] of Object.entries(importOpsets(functionOpsets(functions), ctx, true))) {
    opsets[domain] ??= version;
  }
  const graph = importGraph({ ...model.graph, node: inlineFunctions(model.graph.node ?? [], functions, ctx.file) }, ctx, true);
  graph.opsets = opsets;
  return graph;
}

export function importModelFile(file: string): Graph {
  return importModel(readUserFile(file, 'the model'), { file, baseDir: path.dirname(file) });
}

function normaliseDomain(domain: string | null | undefined): string {
  return !domain || domain === 'ai.onnx' ? '' : domain;
}

function importOpsets(entries: pb.IOperatorSetIdProto[], ctx: ImportContext, mayBeEmpty = false): Record<string, number> {
  if (entries.length === 0 && !mayBeEmpty) {
    fail(ctx, 'the model has no opset_import, so the meaning of its operators is unknown');
  }
  const opsets: Record<string, number> = {};
  for (const entry of entries) {
    const domain = normaliseDomain(entry.domain);
    const version = int64ToNumber((entry.version ?? 0) as Int64Field, `${ctx.file}: opset_import '${domain}'`, ctx.file);
    const previous = opsets[domain];
    if (previous !== undefined && previous !== version) {
      fail(ctx, `opset_import lists domain '${domain}' twice, with versions ${previous} and ${version}`);
    }
    opsets[domain] = version;
  }
  return opsets;
}

function importGraph(proto: pb.IGraphProto, ctx: ImportContext, isMain: boolean): Graph {
  const tensorCtx: TensorContext = { file: ctx.file, baseDir: ctx.baseDir };
  const initializers = new Map<string, ConstTensor>();
  const addInitializer = (t: ConstTensor): void => {
    if (!t.name) fail(ctx, 'an initializer has no name');
    if (initializers.has(t.name)) fail(ctx, `initializer '${t.name}' is defined twice`);
    initializers.set(t.name, t);
  };
  for (const t of proto.initializer ?? []) addInitializer(decodeTensor(t, tensorCtx));
  for (const s of proto.sparseInitializer ?? []) addInitializer(decodeSparseTensor(s, tensorCtx));

  // An initializer that is also listed as an input is a default the caller could override;
  // a compiled model has no way to take it at run time, so it stays a constant.
  const inputs: ValueInfo[] = [];
  for (const vi of proto.input ?? []) {
    if (initializers.has(vi.name ?? '')) continue;
    const info = importValueInfo(vi, ctx, 'input');
    if (info.shape === undefined) {
      if (isMain) fail(ctx, `input '${info.name}' has no shape; re-export the model with input shapes`);
      inputs.push({ name: info.name, dtype: info.dtype, shape: [] });
    } else {
      inputs.push({ name: info.name, dtype: info.dtype, shape: info.shape });
    }
  }

  // graph.values holds only declared shapes: an output without a shape in the file is listed
  // in graph.outputs with shape [] and left out of graph.values for shape inference to fill.
  const values = new Map<string, ValueInfo>();
  for (const vi of proto.valueInfo ?? []) {
    const info = importValueInfo(vi, ctx, 'value');
    if (info.shape !== undefined) values.set(info.name, { name: info.name, dtype: info.dtype, shape: info.shape });
  }
  const outputs: ValueInfo[] = [];
  for (const vi of proto.output ?? []) {
    const info = importValueInfo(vi, ctx, 'output');
    outputs.push({ name: info.name, dtype: info.dtype, shape: info.shape ?? [] });
    // A separate object, so a pass that rewrites one entry does not silently rewrite the other.
    if (info.shape !== undefined) values.set(info.name, { name: info.name, dtype: info.dtype, shape: [...info.shape] });
  }

  return {
    name: proto.name ?? '',
    nodes: importNodes(proto.node ?? [], ctx),
    inputs,
    outputs,
    initializers,
    values,
    // Subgraphs use the model's opsets; importModel fills this in for the main graph.
    opsets: {},
  };
}

/** `shape` is undefined when the file gives no shape at all (unknown rank). */
function importValueInfo(
  vi: pb.IValueInfoProto,
  ctx: ImportContext,
  role: 'input' | 'output' | 'value',
): { name: string; dtype: DType; shape?: Dim[] } {
  const name = vi.name ?? '';
  if (!name) fail(ctx, `a graph ${role} has no name`);
  const type = vi.type;
  if (!type) fail(ctx, `${role} '${name}' has no type`);
  if (!type.tensorType) {
    const kind = type.sequenceType ? 'a sequence' : type.mapType ? 'a map' : type.optionalType ? 'an optional'
      : type.sparseTensorType ? 'a sparse tensor' : 'not a tensor';
    fail(ctx, `${role} '${name}' is ${kind}; only dense tensors are supported`);
  }
  const elemType = type.tensorType.elemType ?? 0;
  const dtype = dtypeFromElemType(elemType);
  if (dtype === undefined) {
    fail(ctx, `${role} '${name}' has element type ${elemTypeName(elemType)}, which is not supported`);
  }
  const shapeProto = type.tensorType.shape;
  if (!shapeProto) return { name, dtype };
  const shape = (shapeProto.dim ?? []).map((d, axis): Dim => {
    // Decoded messages own a oneof member only when the file sets it; the prototype holds defaults.
    if (Object.hasOwn(d, 'dimValue') && d.dimValue !== null && d.dimValue !== undefined) {
      const n = int64ToNumber(d.dimValue as Int64Field, `${ctx.file}: ${role} '${name}' axis ${axis}`, ctx.file);
      if (n < 0) fail(ctx, `${role} '${name}' has negative dimension ${n} on axis ${axis}`);
      return n;
    }
    if (d.dimParam) return d.dimParam;
    // Neither value nor name: give the unknown its own symbol so it is never unified with another.
    return `?${name}_${axis}`;
  });
  return { name, dtype, shape };
}

function importNodes(protos: pb.INodeProto[], ctx: ImportContext): Node[] {
  // Names from the file win; generated names step around them.
  const taken = new Set<string>();
  const explicit = protos.map((p) => {
    const name = p.name ?? '';
    if (!name || taken.has(name)) return '';
    taken.add(name);
    return name;
  });
  return protos.map((p, index) => {
    const opType = p.opType ?? '';
    let name = explicit[index]!;
    if (!name) {
      const base = p.name || `${opType || 'Node'}_${index}`;
      name = base;
      for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
      taken.add(name);
    }
    if (!opType) fail(ctx, `node '${name}' has no op_type`, { node: name });
    const attributes: Record<string, AttrValue> = {};
    for (const a of p.attribute ?? []) {
      const attrName = a.name ?? '';
      if (!attrName) fail(ctx, `node '${name}' (${opType}) has an attribute without a name`, { node: name, opType });
      if (attrName in attributes) {
        fail(ctx, `node '${name}' (${opType}) has attribute '${attrName}' twice`, { node: name, opType });
      }
      attributes[attrName] = importAttribute(a, ctx, name, opType);
    }
    return {
      name,
      opType,
      domain: normaliseDomain(p.domain),
      inputs: [...(p.input ?? [])],
      outputs: [...(p.output ?? [])],
      attributes,
    };
  });
}

const AttributeType = onnx.AttributeProto.AttributeType;

function importAttribute(a: pb.IAttributeProto, ctx: ImportContext, node: string, opType: string): AttrValue {
  const where = `node '${node}' (${opType}) attribute '${a.name}'`;
  const details = { node, opType };
  if (a.refAttrName) {
    fail(ctx, `${where} refers to function attribute '${a.refAttrName}' outside a function`, details);
  }
  const toInt = (v: unknown): number => int64ToNumber(v as Int64Field, `${ctx.file}: ${where}`, ctx.file);
  const tensorCtx = (i?: number): TensorContext => ({
    file: ctx.file,
    baseDir: ctx.baseDir,
    name: `${node}.${a.name}${i === undefined ? '' : `.${i}`}`,
    where: i === undefined ? where : `${where} tensor ${i}`,
  });
  const decoder = new TextDecoder('utf-8');
  switch (a.type ? a.type : inferAttributeType(a)) {
    case AttributeType.FLOAT: return { kind: 'float', value: a.f ?? 0 };
    case AttributeType.INT: return { kind: 'int', value: toInt(a.i ?? 0) };
    case AttributeType.STRING: return { kind: 'string', value: decoder.decode(a.s ?? new Uint8Array()) };
    case AttributeType.TENSOR:
      if (!a.t) fail(ctx, `${where} has type TENSOR but no tensor`, details);
      return { kind: 'tensor', value: decodeTensor(a.t, tensorCtx()) };
    case AttributeType.SPARSE_TENSOR:
      if (!a.sparseTensor) fail(ctx, `${where} has type SPARSE_TENSOR but no tensor`, details);
      return { kind: 'tensor', value: decodeSparseTensor(a.sparseTensor, tensorCtx()) };
    case AttributeType.GRAPH:
      if (!a.g) fail(ctx, `${where} has type GRAPH but no graph`, details);
      return { kind: 'graph', value: importGraph(a.g, ctx, false) };
    case AttributeType.FLOATS: return { kind: 'floats', value: [...(a.floats ?? [])] };
    case AttributeType.INTS: return { kind: 'ints', value: (a.ints ?? []).map(toInt) };
    case AttributeType.STRINGS: return { kind: 'strings', value: (a.strings ?? []).map((s) => decoder.decode(s)) };
    case AttributeType.TENSORS:
      return { kind: 'tensors', value: (a.tensors ?? []).map((t, i) => decodeTensor(t, tensorCtx(i))) };
    case AttributeType.SPARSE_TENSORS:
      return { kind: 'tensors', value: (a.sparseTensors ?? []).map((t, i) => decodeSparseTensor(t, tensorCtx(i))) };
    case AttributeType.GRAPHS:
      return { kind: 'graphs', value: (a.graphs ?? []).map((g) => importGraph(g, ctx, false)) };
    case AttributeType.TYPE_PROTO:
    case AttributeType.TYPE_PROTOS:
      return fail(ctx, `${where} holds type protos, which are not supported`, details);
    default:
      return fail(ctx, `${where} has unknown attribute type ${a.type}`, details);
  }
}

/** Files from before IR version 3 may leave `type` unset; the populated field tells it. */
function inferAttributeType(a: pb.IAttributeProto): pb.AttributeProto.AttributeType {
  if (a.t) return AttributeType.TENSOR;
  if (a.g) return AttributeType.GRAPH;
  if (a.sparseTensor) return AttributeType.SPARSE_TENSOR;
  if (a.floats?.length) return AttributeType.FLOATS;
  if (a.ints?.length) return AttributeType.INTS;
  if (a.strings?.length) return AttributeType.STRINGS;
  if (a.tensors?.length) return AttributeType.TENSORS;
  if (a.graphs?.length) return AttributeType.GRAPHS;
  if (a.s?.length) return AttributeType.STRING;
  if (a.i !== undefined && a.i !== null && int64IsNonZero(a.i)) return AttributeType.INT;
  return AttributeType.FLOAT;
}

function int64IsNonZero(v: number | { low: number; high: number }): boolean {
  return typeof v === 'number' ? v !== 0 : v.low !== 0 || v.high !== 0;
}
