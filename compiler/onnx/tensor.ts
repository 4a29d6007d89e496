// TensorProto <-> ConstTensor. A TensorProto can carry its payload in raw_data, in one of the
// typed repeated fields, or in a separate file (external data); all of them end up as the one
// typed-array layout the IR uses.

import fs from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as pb } from 'onnx-proto';
import type { ConstTensor, DType, TensorData } from '../ir/graph.js';
import { CompileError, DTYPE_BYTES, elementCount } from '../ir/graph.js';
import { halfToFloat } from './float16.js';
import { int64ToBigInt, int64ToNumber, type Int64Field } from './int64.js';
import { allocateTensorData, decodeElements, tensorDataBytes } from './tensor-bytes.js';

const { onnx } = onnxProto;

/** TensorProto.DataType values that the IR represents. */
const DTYPE_OF_ELEM_TYPE: Record<number, DType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64',
  8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
};

const ELEM_TYPE_OF_DTYPE = Object.fromEntries(
  Object.entries(DTYPE_OF_ELEM_TYPE).map(([code, dtype]) => [dtype, Number(code)]),
) as Record<DType, number>;

// Named so that an error says "BFLOAT16" rather than "16"; the onnx-proto schema (ONNX 1.10)
// stops at 16, newer files may carry the later float8/int4 codes.
const ELEM_TYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED', 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32',
  7: 'INT64', 8: 'STRING', 9: 'BOOL', 10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64',
  14: 'COMPLEX64', 15: 'COMPLEX128', 16: 'BFLOAT16', 17: 'FLOAT8E4M3FN', 18: 'FLOAT8E4M3FNUZ',
  19: 'FLOAT8E5M2', 20: 'FLOAT8E5M2FNUZ', 21: 'UINT4', 22: 'INT4', 23: 'FLOAT4E2M1',
};

export function dtypeFromElemType(elemType: number): DType | undefined {
  return DTYPE_OF_ELEM_TYPE[elemType];
}

export function elemTypeFromDType(dtype: DType): number {
  return ELEM_TYPE_OF_DTYPE[dtype];
}

export function elemTypeName(elemType: number): string {
  return ELEM_TYPE_NAMES[elemType] ?? `element type ${elemType}`;
}

export interface TensorContext {
  /** The model (or tensor) file named in error messages. */
  file?: string;
  /** The folder that external data locations are relative to. */
  baseDir?: string;
  /** Name to use when the proto has none (e.g. a Constant's `value` attribute). */
  name?: string;
  /** How errors refer to the tensor; defaults to `tensor '<name>'`. */
  where?: string;
}

function prefix(ctx: TensorContext, where: string): string {
  return ctx.file === undefined ? where : `${ctx.file}: ${where}`;
}

function fail(ctx: TensorContext, where: string, reason: string): never {
  throw new CompileError(`${prefix(ctx, where)}: ${reason}`, 2, ctx.file === undefined ? {} : { file: ctx.file });
}

export function decodeTensor(proto: pb.ITensorProto, ctx: TensorContext = {}): ConstTensor {
  const name = proto.name || ctx.name || '';
  const where = ctx.where ?? `tensor '${name}'`;
  const elemType = proto.dataType ?? 0;
  const dtype = dtypeFromElemType(elemType);
  if (dtype === undefined) fail(ctx, where, `element type ${elemTypeName(elemType)} is not supported`);

  const shape = (proto.dims ?? []).map((d) => {
    const n = int64ToNumber(d as Int64Field, prefix(ctx, `${where} dims`), ctx.file);
    if (n < 0) fail(ctx, where, `negative dimension ${n}`);
    return n;
  });
  const count = elementCount(shape);
  if (!Number.isSafeInteger(count)) fail(ctx, where, `shape ${shape.join('x')} is too large`);
  if (proto.segment) fail(ctx, where, 'segmented tensors are not supported');

  let data: TensorData;
  if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    if (dtype === 'string') fail(ctx, where, 'string tensors cannot use external data');
    data = decodeElements(readExternalData(proto, dtype, count, ctx, where), dtype, count);
  } else if (proto.rawData && proto.rawData.length > 0) {
    if (dtype === 'string') fail(ctx, where, 'string tensors cannot use raw_data');
    const expected = count * DTYPE_BYTES[dtype];
    if (proto.rawData.length !== expected) {
      fail(ctx, where, `raw_data holds ${proto.rawData.length} bytes, shape ${shape.join('x') || 'scalar'} of ${dtype} needs ${expected}`);
    }
    data = decodeElements(proto.rawData, dtype, count);
  } else {
    data = decodeTypedFields(proto, dtype, count, ctx, where);
  }
  return { name, dtype, shape, data };
}

/** The typed repeated fields, as the ONNX spec assigns them to element types. */
function decodeTypedFields(
  proto: pb.ITensorProto,
  dtype: DType,
  count: number,
  ctx: TensorContext,
  where: string,
): TensorData {
  const take = <T>(field: string, values: T[] | null | undefined): T[] => {
    const list = values ?? [];
    if (list.length !== count) {
      fail(ctx, where, `expected ${count} value${count === 1 ? '' : 's'} in ${field}, found ${list.length}`);
    }
    return list;
  };
  switch (dtype) {
    case 'float32':
      return Float32Array.from(take('float_data', proto.floatData));
    case 'float64':
      return Float64Array.from(take('double_data', proto.doubleData));
    case 'int32':
      return Int32Array.from(take('int32_data', proto.int32Data));
    case 'int16':
      return Int16Array.from(take('int32_data', proto.int32Data));
    case 'int8':
      return Int8Array.from(take('int32_data', proto.int32Data));
    case 'uint16':
      return Uint16Array.from(take('int32_data', proto.int32Data));
    case 'uint8':
      return Uint8Array.from(take('int32_data', proto.int32Data));
    case 'bool':
      return Uint8Array.from(take('int32_data', proto.int32Data), (v) => (v !== 0 ? 1 : 0));
    case 'float16': {
      // int32_data carries the half-precision bit patterns, one per element.
      return Float32Array.from(take('int32_data', proto.int32Data), (v) => halfToFloat(v & 0xffff));
    }
    case 'int64':
      return BigInt64Array.from(take('int64_data', proto.int64Data), (v) =>
        BigInt.asIntN(64, int64ToBigInt(v as Int64Field)),
      );
    case 'uint64':
      return BigUint64Array.from(take('uint64_data', proto.uint64Data), (v) =>
        BigInt.asUintN(64, int64ToBigInt(v as Int64Field)),
      );
    case 'uint32':
      return Uint32Array.from(take('uint64_data', proto.uint64Data), (v) => {
        const big = BigInt.asUintN(64, int64ToBigInt(v as Int64Field));
        if (big > 0xffffffffn) fail(ctx, where, `uint32 value ${big} out of range`);
        return Number(big);
      });
    case 'string': {
      const decoder = new TextDecoder('utf-8');
      return take('string_data', proto.stringData).map((b) => decoder.decode(b));
    }
  }
}

/** ONNX external data: `location` relative to the model's folder, optional `offset` and `length`. */
function readExternalData(
  proto: pb.ITensorProto,
  dtype: Exclude<DType, 'string'>,
  count: number,
  ctx: TensorContext,
  where: string,
): Uint8Array {
  const entries = new Map((proto.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (!location) fail(ctx, where, 'external data without a location');
  // A model must not make the compiler read files outside its own folder.
  if (path.posix.isAbsolute(location) || path.win32.isAbsolute(location)) {
    fail(ctx, where, `external data location '${location}' is an absolute path; it must be relative to the model's folder`);
  }
  if (location.split(/[\\/]/).includes('..')) {
    fail(ctx, where, `external data location '${location}' contains '..'; it must stay inside the model's folder`);
  }
  if (ctx.baseDir === undefined) {
    fail(ctx, where, `external data in '${location}' needs the model's folder; load the model from a file`);
  }
  const parseSize = (key: string): number | undefined => {
    const text = entries.get(key);
    if (text === undefined || text === '') return undefined;
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
      fail(ctx, where, `external data ${key} '${text}' is not a non-negative integer`);
    }
    return Number(text);
  };
  const offset = parseSize('offset') ?? 0;
  const expected = count * DTYPE_BYTES[dtype];
  const length = parseSize('length') ?? expected;
  if (length !== expected) {
    fail(ctx, where, `external data length ${length} does not match the ${expected} bytes its shape needs`);
  }
  const full = path.join(ctx.baseDir, location);
  let fd: number;
  try {
    fd = fs.openSync(full, 'r');
  } catch (e) {
    fail(ctx, where, `cannot open external data file '${full}': ${(e as Error).message}`);
  }
  try {
    const bytes = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, bytes, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    if (done < length) {
      fail(ctx, where, `external data file '${full}' ends before offset ${offset} + length ${length}`);
    }
    return bytes;
  } finally {
    fs.closeSync(fd);
  }
}

/** Sparse tensors (sparse_initializer, Constant's sparse_value) are made dense on import. */
export function decodeSparseTensor(proto: pb.ISparseTensorProto, ctx: TensorContext = {}): ConstTensor {
  const valuesProto = proto.values ?? {};
  const name = valuesProto.name || ctx.name || '';
  const where = ctx.where ?? `sparse tensor '${name}'`;
  const values = decodeTensor(valuesProto, { ...ctx, name, where: `${where} values` });
  const indices = decodeTensor(proto.indices ?? { dataType: 7 }, { ...ctx, name, where: `${where} indices` });
  const shape = (proto.dims ?? []).map((d) => int64ToNumber(d as Int64Field, prefix(ctx, `${where} dims`), ctx.file));
  const nnz = values.shape[0] ?? 0;
  if (values.shape.length !== 1) fail(ctx, where, 'values must be one-dimensional');
  if (indices.dtype !== 'int64') fail(ctx, where, 'indices must be int64');
  const idx = indices.data as BigInt64Array;
  const rank = shape.length;
  const coordinateForm = indices.shape.length === 2;
  if (!(indices.shape.length === 1 && indices.shape[0] === nnz) &&
      !(coordinateForm && indices.shape[0] === nnz && indices.shape[1] === rank)) {
    fail(ctx, where, `indices of shape ${indices.shape.join('x')} do not fit ${nnz} values of a rank-${rank} tensor`);
  }
  const total = elementCount(shape);
  const dense: TensorData = values.dtype === 'string'
    ? new Array<string>(total).fill('')
    : allocateTensorData(values.dtype, total);
  const src = values.data as ArrayLike<unknown>;
  const dst = dense as unknown as { [i: number]: unknown };
  for (let k = 0; k < nnz; k++) {
    let linear = 0;
    if (coordinateForm) {
      for (let a = 0; a < rank; a++) {
        const c = Number(idx[k * rank + a]);
        if (c < 0 || c >= shape[a]!) fail(ctx, where, `index ${c} out of range on axis ${a}`);
        linear = linear * shape[a]! + c;
      }
    } else {
      linear = Number(idx[k]);
      if (linear < 0 || linear >= total) fail(ctx, where, `index ${linear} out of range`);
    }
    dst[linear] = src[k];
  }
  return { name, dtype: values.dtype, shape, data: dense };
}

/**
 * Numeric tensors go to raw_data (little-endian, float16 narrowed back to half bits),
 * strings to string_data.
 */
export function encodeTensor(t: ConstTensor): pb.ITensorProto {
  const proto: pb.ITensorProto = {
    name: t.name,
    dims: [...t.shape],
    dataType: elemTypeFromDType(t.dtype),
  };
  if (t.dtype === 'string') {
    if (t.data.length !== elementCount(t.shape)) {
      throw new CompileError(`tensor '${t.name}': shape ${t.shape.join('x')} needs ${elementCount(t.shape)} strings, data has ${t.data.length}`);
    }
    const encoder = new TextEncoder();
    proto.stringData = (t.data as string[]).map((s) => encoder.encode(s));
  } else {
    proto.rawData = tensorDataBytes(t);
  }
  return proto;
}
