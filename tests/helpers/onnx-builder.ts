// Writes small ONNX models inside tests, so that operator tests can say what one node does
// without a Python step and import tests can produce every encoding the importer must read.
//
//   const bytes = buildModel({
//     inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 8, 8] }],
//     outputs: [{ name: 'y', dtype: 'float32' }],
//     initializers: [{ name: 'w', dtype: 'float32', shape: [4, 3, 3, 3], data: weights }],
//     nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { pads: [1, 1, 1, 1] } }],
//   });
//
// Attribute types follow the JavaScript value: an integer is INT, any other number FLOAT,
// an array of integers INTS, an array with a non-integer FLOATS, a string STRING, a boolean
// INT 0/1. Where the value cannot tell (a float that happens to be whole, an empty list), say
// it: { float: 1 }, { floats: [1, 2] }, { ints: [] }, { int: 3 }, { strings: [] },
// { tensor: {...} }, { tensors: [...] }, { graph: {...} }, { graphs: [...] }.

import onnxProto from 'onnx-proto';
import type { onnx as pb } from 'onnx-proto';
import type { Dim, DType } from '../../compiler/ir/graph.js';
import { floatToHalf } from '../../compiler/onnx/float16.js';

const { onnx } = onnxProto;

export type TensorValues =
  | ArrayLike<number>
  | ArrayLike<bigint>
  | readonly boolean[]
  | readonly string[];

export interface TensorSpec {
  name?: string;
  dtype: DType;
  shape: number[];
  /**
   * Element values. float16 accepts numbers (rounded to half) or a Uint16Array of raw half
   * bits; int64/uint64 accept bigints or safe-integer numbers; bool accepts booleans or 0/1.
   */
  data: TensorValues;
  /** 'raw' packs raw_data (default); 'typed' uses the typed field the ONNX spec assigns to the dtype. */
  encoding?: 'raw' | 'typed';
}

export interface InitializerSpec extends TensorSpec {
  name: string;
}

export interface ValueSpec {
  name: string;
  dtype: DType;
  /**
   * Omitted: no shape at all (unknown rank). A number is dim_value, a string dim_param,
   * null a dimension with neither.
   */
  shape?: (Dim | null)[];
}

export type AttrSpec =
  | number
  | string
  | boolean
  | readonly number[]
  | readonly string[]
  | { int: number }
  | { float: number }
  | { string: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { strings: readonly string[] }
  | { tensor: TensorSpec }
  | { tensors: readonly TensorSpec[] }
  | { graph: GraphSpec }
  | { graphs: readonly GraphSpec[] };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrSpec>;
  /** Omitted: the node is unnamed in the file. */
  name?: string;
  domain?: string;
}

export interface GraphSpec {
  name?: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers?: InitializerSpec[];
  nodes: NodeSpec[];
  valueInfo?: ValueSpec[];
}

export interface ModelSpec extends GraphSpec {
  /** Default-domain opset, 13 unless given. Ignored when `opsets` is given. */
  opset?: number;
  /** Full opset_import list by domain ('' = default); `{}` writes a model without one. */
  opsets?: Record<string, number>;
}

const ELEM_TYPE: Record<DType, number> = {
  float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7,
  string: 8, bool: 9, float16: 10, float64: 11, uint32: 12, uint64: 13,
};

const BYTES: Record<Exclude<DType, 'string'>, number> = {
  float32: 4, float64: 8, float16: 2, int8: 1, int16: 2, int32: 4, int64: 8,
  uint8: 1, uint16: 2, uint32: 4, uint64: 8, bool: 1,
};

export function buildModel(spec: ModelSpec): Uint8Array {
  return encodeModel(buildModelProto(spec));
}

/** The ModelProto before encoding, for tests that need to edit what the builder cannot say. */
export function buildModelProto(spec: ModelSpec): pb.IModelProto {
  const opsets = spec.opsets ?? { '': spec.opset ?? 13 };
  return {
    irVersion: 8,
    producerName: 'onnx2mcu-tests',
    opsetImport: Object.entries(opsets).map(([domain, version]) => ({ domain, version })),
    graph: buildGraph({ name: 'test', ...spec }),
  };
}

export function encodeModel(model: pb.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export function buildGraph(spec: GraphSpec): pb.IGraphProto {
  return {
    name: spec.name ?? 'graph',
    input: spec.inputs.map(makeValueInfo),
    output: spec.outputs.map(makeValueInfo),
    valueInfo: (spec.valueInfo ?? []).map(makeValueInfo),
    initializer: (spec.initializers ?? []).map(makeTensor),
    node: spec.nodes.map(makeNode),
  };
}

export function makeValueInfo(v: ValueSpec): pb.IValueInfoProto {
  const tensorType: pb.TypeProto.ITensor = { elemType: ELEM_TYPE[v.dtype] };
  if (v.shape) {
    tensorType.shape = {
      dim: v.shape.map((d) => (d === null ? {} : typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
    };
  }
  return { name: v.name, type: { tensorType } };
}

export function makeNode(n: NodeSpec): pb.INodeProto {
  const node: pb.INodeProto = {
    opType: n.op,
    input: n.inputs,
    output: n.outputs,
    attribute: Object.entries(n.attrs ?? {}).map(([name, value]) => makeAttribute(name, value)),
  };
  if (n.name !== undefined) node.name = n.name;
  if (n.domain !== undefined) node.domain = n.domain;
  return node;
}

const T = onnx.AttributeProto.AttributeType;

export function makeAttribute(name: string, value: AttrSpec): pb.IAttributeProto {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  if (typeof value === 'boolean') return { name, type: T.INT, i: value ? 1 : 0 };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: T.INT, i: value } : { name, type: T.FLOAT, f: value };
  }
  if (typeof value === 'string') return { name, type: T.STRING, s: utf8(value) };
  if (isArray(value)) {
    if (value.length === 0) {
      throw new Error(`attribute '${name}': an empty list is ambiguous; write { ints: [] }, { floats: [] } or { strings: [] }`);
    }
    if (value.every((v) => typeof v === 'string')) return { name, type: T.STRINGS, strings: (value as string[]).map(utf8) };
    const numbers = value as readonly number[];
    if (numbers.every((v) => Number.isInteger(v))) return { name, type: T.INTS, ints: [...numbers] };
    return { name, type: T.FLOATS, floats: [...numbers] };
  }
  if ('int' in value) return { name, type: T.INT, i: value.int };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('string' in value) return { name, type: T.STRING, s: utf8(value.string) };
  if ('ints' in value) return { name, type: T.INTS, ints: [...value.ints] };
  if ('floats' in value) return { name, type: T.FLOATS, floats: [...value.floats] };
  if ('strings' in value) return { name, type: T.STRINGS, strings: value.strings.map(utf8) };
  if ('tensor' in value) return { name, type: T.TENSOR, t: makeTensor(value.tensor) };
  if ('tensors' in value) return { name, type: T.TENSORS, tensors: value.tensors.map(makeTensor) };
  if ('graph' in value) return { name, type: T.GRAPH, g: buildGraph(value.graph) };
  return { name, type: T.GRAPHS, graphs: value.graphs.map(buildGraph) };
}

function isArray(v: unknown): v is readonly unknown[] {
  return Array.isArray(v);
}

function halfBits(data: TensorValues): number[] {
  // A Uint16Array is taken as raw half bits so tests can write NaN payloads, subnormals, -0.
  return data instanceof Uint16Array ? Array.from(data) : Array.from(data as ArrayLike<number>, (v) => floatToHalf(v));
}

/**
 * Deliberately independent of the compiler's own encoder (compiler/onnx/tensor-bytes.ts), so
 * that import tests compare the decoder against a second implementation, not against itself.
 */
export function makeTensor(spec: TensorSpec): pb.ITensorProto {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.data.length !== count) {
    throw new Error(`tensor '${spec.name ?? ''}': shape [${spec.shape}] needs ${count} values, got ${spec.data.length}`);
  }
  const proto: pb.ITensorProto = { dims: spec.shape, dataType: ELEM_TYPE[spec.dtype] };
  if (spec.name !== undefined) proto.name = spec.name;
  const values = Array.from(spec.data as ArrayLike<number | bigint | boolean | string>);

  if (spec.dtype === 'string') {
    proto.stringData = values.map((s) => new TextEncoder().encode(String(s)));
    return proto;
  }
  const num = (v: number | bigint | boolean | string): number => Number(v);
  const big = (v: number | bigint | boolean | string): bigint => BigInt(v as number | bigint);

  if ((spec.encoding ?? 'raw') === 'raw') {
    const size = BYTES[spec.dtype];
    const bytes = new Uint8Array(count * size);
    const view = new DataView(bytes.buffer);
    const bits = spec.dtype === 'float16' ? halfBits(spec.data) : [];
    values.forEach((v, i) => {
      const at = i * size;
      switch (spec.dtype) {
        case 'float32': view.setFloat32(at, num(v), true); break;
        case 'float64': view.setFloat64(at, num(v), true); break;
        case 'float16': view.setUint16(at, bits[i]!, true); break;
        case 'int8': view.setInt8(at, num(v)); break;
        case 'uint8': view.setUint8(at, num(v)); break;
        case 'bool': view.setUint8(at, v ? 1 : 0); break;
        case 'int16': view.setInt16(at, num(v), true); break;
        case 'uint16': view.setUint16(at, num(v), true); break;
        case 'int32': view.setInt32(at, num(v), true); break;
        case 'uint32': view.setUint32(at, num(v), true); break;
        case 'int64': view.setBigInt64(at, big(v), true); break;
        case 'uint64': view.setBigUint64(at, big(v), true); break;
      }
    });
    proto.rawData = bytes;
    return proto;
  }

  // protobufjs writes int64 fields from decimal strings without losing precision.
  switch (spec.dtype) {
    case 'float32': proto.floatData = values.map(num); break;
    case 'float64': proto.doubleData = values.map(num); break;
    case 'float16': proto.int32Data = halfBits(spec.data); break;
    case 'bool': proto.int32Data = values.map((v) => (v ? 1 : 0)); break;
    case 'int8': case 'int16': case 'int32': case 'uint8': case 'uint16':
      proto.int32Data = values.map(num);
      break;
    case 'int64':
      proto.int64Data = values.map((v) => String(big(v)) as unknown as number);
      break;
    case 'uint32': case 'uint64':
      proto.uint64Data = values.map((v) => String(big(v)) as unknown as number);
      break;
  }
  return proto;
}
