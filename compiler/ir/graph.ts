// The graph IR: plain data that every stage of the pipeline reads and returns.
// Nothing here knows about protobuf or C; import builds it, later stages transform it.

export type DType =
  | 'float32' | 'float64' | 'float16'
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'bool' | 'string';

/** A dimension is a known size or a symbolic name (ONNX dim_param) still to be bound. */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  dtype: DType;
  shape: Dim[];
}

export type TensorData =
  | Float32Array | Float64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | string[];

/** A tensor whose value is known at compile time (initializer, Constant, folded). */
export interface ConstTensor {
  name: string;
  dtype: DType;
  shape: number[];
  /** float16 is widened to Float32Array on import; bool is Uint8Array of 0/1. */
  data: TensorData;
}

export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: ConstTensor }
  | { kind: 'graph'; value: Graph }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensors'; value: ConstTensor[] }
  | { kind: 'graphs'; value: Graph[] };

export interface Node {
  /** Unique within the graph; import names unnamed nodes `<OpType>_<index>`. */
  name: string;
  opType: string;
  /** '' for the default ONNX domain ('ai.onnx' is normalised to ''). */
  domain: string;
  /** '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttrValue>;
}

export interface Graph {
  name: string;
  /** Topologically ordered, as in the file. */
  nodes: Node[];
  /** Runtime inputs only: initializers listed as inputs are removed on import. */
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, ConstTensor>;
  /** Known type and shape of every intermediate value (filled by shape inference). */
  values: Map<string, ValueInfo>;
  /** Opset version per domain ('' = default ONNX domain). */
  opsets: Record<string, number>;
  /** How each integer tensor of a quantized graph maps to reals (absent in a float graph). */
  quantization?: Map<string, Quantization>;
}

/**
 * real = scale × (q − zeroPoint). One scale and zero point for the whole tensor, or one per
 * slice along `axis` (per-channel weights, whose zero points are all 0).
 */
export interface Quantization {
  scales: number[];
  zeroPoints: number[];
  axis?: number;
}

export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4, float64: 8, float16: 2,
  int8: 1, int16: 2, int32: 4, int64: 8,
  uint8: 1, uint16: 2, uint32: 4, uint64: 8,
  bool: 1, string: 0,
};

/** The C type a runtime buffer of this dtype is accessed through. */
export const DTYPE_CTYPE: Partial<Record<DType, string>> = {
  float32: 'float', float64: 'double',
  int8: 'int8_t', int16: 'int16_t', int32: 'int32_t', int64: 'int64_t',
  uint8: 'uint8_t', uint16: 'uint16_t', uint32: 'uint32_t', uint64: 'uint64_t',
  bool: 'uint8_t',
};

/** Every buffer in the arena starts on this boundary (model.h's <NAME>_ARENA_ALIGNMENT). */
export const ARENA_ALIGNMENT = 16;

/** The harness's guard band on each side of the arena (main.c.hbs), checked after every run. */
export const ARENA_GUARD_BYTES = 32;

/** Every weight array starts on this boundary (sections.h's O2M_WEIGHTS). */
export const WEIGHT_ALIGNMENT = 16;

export function alignUp(n: number, alignment = ARENA_ALIGNMENT): number {
  return Math.ceil(n / alignment) * alignment;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function isStaticShape(shape: readonly Dim[]): shape is number[] {
  return shape.every((d) => typeof d === 'number');
}

export function formatShape(shape: readonly Dim[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('x');
}

/** A compile error about the user's model: the CLI prints it and exits with `exitCode`. */
export class CompileError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 2,
    readonly details: { file?: string; node?: string; opType?: string } = {},
  ) {
    super(message);
    this.name = 'CompileError';
  }
}
