// The byte layout of tensor elements: ONNX raw_data, .npy payloads and the buffers exchanged
// with the firmware all store elements packed, without padding, in a fixed byte order.

import type { ConstTensor, DType, TensorData } from '../ir/graph.js';
import { CompileError, DTYPE_BYTES, elementCount, formatShape } from '../ir/graph.js';
import { floatToHalf, halfToFloat } from './float16.js';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type NumericDType = Exclude<DType, 'string'>;

type NumericData = Exclude<TensorData, string[]>;

/** The typed array the IR holds each dtype in: float16 is widened to float32, bool is 0/1 bytes. */
const ARRAY_TYPES = {
  float32: Float32Array, float16: Float32Array, float64: Float64Array,
  int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array,
  uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array,
  bool: Uint8Array,
} as const;

export function allocateTensorData(dtype: NumericDType, count: number): NumericData {
  return new ARRAY_TYPES[dtype](count);
}

/**
 * Decodes `count` packed elements. `bytes` may be a view at any offset (protobufjs hands out
 * slices of the model buffer at odd offsets), so it is never reinterpreted in place.
 * The caller checks that `bytes.length` is `count × DTYPE_BYTES[dtype]`.
 */
export function decodeElements(
  bytes: Uint8Array,
  dtype: NumericDType,
  count: number,
  littleEndian = true,
): NumericData {
  const size = DTYPE_BYTES[dtype];
  if (bytes.length !== count * size) {
    throw new RangeError(`expected ${count * size} bytes for ${count} ${dtype}, got ${bytes.length}`);
  }
  if (dtype === 'float16') {
    const out = new Float32Array(count);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, littleEndian));
    return out;
  }
  if (dtype === 'bool') {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = bytes[i] !== 0 ? 1 : 0;
    return out;
  }
  if (littleEndian === HOST_LITTLE_ENDIAN || size === 1) {
    // Copy into a fresh, aligned ArrayBuffer the typed array can own. (Not bytes.slice():
    // on a Buffer that is a view, not a copy.)
    return new ARRAY_TYPES[dtype](new Uint8Array(bytes).buffer, 0, count);
  }
  // Written through an untyped view: each case stores the element kind its dtype holds.
  const out = allocateTensorData(dtype, count);
  const slots = out as unknown as { [i: number]: number | bigint };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    const at = i * size;
    switch (dtype) {
      case 'float32': slots[i] = view.getFloat32(at, littleEndian); break;
      case 'float64': slots[i] = view.getFloat64(at, littleEndian); break;
      case 'int16': slots[i] = view.getInt16(at, littleEndian); break;
      case 'int32': slots[i] = view.getInt32(at, littleEndian); break;
      case 'int64': slots[i] = view.getBigInt64(at, littleEndian); break;
      case 'uint16': slots[i] = view.getUint16(at, littleEndian); break;
      case 'uint32': slots[i] = view.getUint32(at, littleEndian); break;
      case 'uint64': slots[i] = view.getBigUint64(at, littleEndian); break;
      default: throw new Error(`unreachable: ${dtype}`);
    }
  }
  return out;
}

/** Packs elements little-endian; float16 data (widened in the IR) is narrowed back to half bits. */
export function encodeElements(dtype: NumericDType, data: TensorData): Uint8Array {
  if (Array.isArray(data)) throw new TypeError(`${dtype} tensor holds strings`);
  const count = data.length;
  const size = DTYPE_BYTES[dtype];
  const bytes = new Uint8Array(count * size);
  const view = new DataView(bytes.buffer);
  const values = data as ArrayLike<number | bigint>;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    const at = i * size;
    switch (dtype) {
      case 'float32': view.setFloat32(at, Number(v), true); break;
      case 'float64': view.setFloat64(at, Number(v), true); break;
      case 'float16': view.setUint16(at, floatToHalf(Number(v)), true); break;
      case 'int8': view.setInt8(at, Number(v)); break;
      case 'uint8': view.setUint8(at, Number(v)); break;
      case 'bool': view.setUint8(at, Number(v) !== 0 ? 1 : 0); break;
      case 'int16': view.setInt16(at, Number(v), true); break;
      case 'uint16': view.setUint16(at, Number(v), true); break;
      case 'int32': view.setInt32(at, Number(v), true); break;
      case 'uint32': view.setUint32(at, Number(v), true); break;
      case 'int64': view.setBigInt64(at, BigInt(v), true); break;
      case 'uint64': view.setBigUint64(at, BigInt(v), true); break;
    }
  }
  return bytes;
}

/** The packed little-endian bytes of a numeric tensor, after checking that data and shape agree. */
export function tensorDataBytes(t: ConstTensor): Uint8Array {
  if (t.dtype === 'string') throw new CompileError(`tensor '${t.name}': string tensors have no byte layout`);
  const count = elementCount(t.shape);
  if (t.data.length !== count) {
    throw new CompileError(`tensor '${t.name}': shape ${formatShape(t.shape)} needs ${count} elements, data has ${t.data.length}`);
  }
  return encodeElements(t.dtype, t.data);
}
