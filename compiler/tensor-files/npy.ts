// NumPy .npy files (format versions 1.0, 2.0 and 3.0), as described in numpy/lib/format.py:
// magic "\x93NUMPY", major and minor version bytes, a little-endian header length (uint16 in
// 1.0, uint32 later), then a Python dict literal giving descr, fortran_order and shape, padded
// with spaces and a newline so that the data starts at a multiple of 64 bytes.

import path from 'node:path';
import type { ConstTensor, DType } from '../ir/graph.js';
import { CompileError, DTYPE_BYTES, elementCount } from '../ir/graph.js';
import { decodeElements, tensorDataBytes } from '../onnx/tensor-bytes.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ARRAY_ALIGN = 64;
// numpy leaves room for the first dimension to grow to this many digits when it rewrites a header.
const GROWTH_AXIS_MAX_DIGITS = 21;

/** numpy typestr kind+size (without the byte-order character) for each dtype. */
const TYPESTR: Partial<Record<DType, string>> = {
  float32: 'f4', float64: 'f8', float16: 'f2',
  int8: 'i1', int16: 'i2', int32: 'i4', int64: 'i8',
  uint8: 'u1', uint16: 'u2', uint32: 'u4', uint64: 'u8',
  bool: 'b1',
};

const DTYPE_OF_TYPESTR = new Map(Object.entries(TYPESTR).map(([d, s]) => [s, d as DType]));

function fail(file: string, reason: string): never {
  throw new CompileError(`${file}: ${reason}`, 2, { file });
}

export function readNpy(bytes: Uint8Array, file: string): ConstTensor {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail(file, 'not a .npy file (bad magic)');
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (![1, 2, 3].includes(major) || minor !== 0) fail(file, `unsupported .npy format version ${major}.${minor}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) fail(file, 'truncated .npy header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (dataStart > bytes.length) fail(file, 'truncated .npy header');
  // Versions 1 and 2 write the header in latin1; version 3 allows UTF-8 (for field names).
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lengthBytes, dataStart));
  const { descr, fortranOrder, shape } = parseHeader(header, file);

  const match = /^([<>|=])([a-z]\d+)$/.exec(descr);
  const dtype = match ? DTYPE_OF_TYPESTR.get(match[2]!) : undefined;
  if (!match || dtype === undefined) {
    fail(file, `unsupported dtype '${descr}' (supported: ${Object.values(TYPESTR).join(' ')}; C order, no structured types)`);
  }
  if (fortranOrder && shape.length > 1) {
    fail(file, 'the array is stored in Fortran order; save it with np.save(f, np.ascontiguousarray(a))');
  }
  const count = elementCount(shape);
  const size = DTYPE_BYTES[dtype];
  const payload = bytes.subarray(dataStart);
  if (payload.length !== count * size) {
    fail(file, `shape (${shape.join(', ')}) of ${descr} needs ${count * size} data bytes, the file has ${payload.length}`);
  }
  const littleEndian = match[1] !== '>';
  return {
    name: path.basename(file).replace(/\.npy$/i, ''),
    dtype,
    shape,
    data: decodeElements(payload, dtype as Exclude<DType, 'string'>, count, littleEndian),
  };
}

/** Reads numpy's header dict without evaluating Python: only the three keys numpy writes. */
function parseHeader(header: string, file: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const text = header.trim();
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!text.startsWith('{') || !descr || !fortran || !shape) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) fail(file, 'structured dtypes are not supported');
    fail(file, `malformed .npy header: ${JSON.stringify(text)}`);
  }
  const dims = shape[1]!.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return {
    descr: descr[1]!,
    fortranOrder: fortran[1] === 'True',
    shape: dims.map((d) => {
      // Python 2 wrote long integers with an L suffix.
      const m = /^(\d+)L?$/.exec(d);
      if (!m) fail(file, `malformed shape in .npy header: (${shape[1]})`);
      return Number(m[1]);
    }),
  };
}

/** Writes format 1.0, little-endian, with the header numpy itself would write. */
export function writeNpy(t: ConstTensor): Uint8Array {
  const typestr = TYPESTR[t.dtype];
  if (typestr === undefined) {
    throw new CompileError(`tensor '${t.name}': ${t.dtype} tensors cannot be written as .npy`);
  }
  const byteOrder = DTYPE_BYTES[t.dtype] === 1 ? '|' : '<';
  const shapeRepr = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${byteOrder}${typestr}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (t.shape.length > 0) header += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(t.shape[0]).length);
  // numpy pads with 1..64 spaces (never 0) before the final newline.
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  const padding = ARRAY_ALIGN - (unpadded % ARRAY_ALIGN);
  header += ' '.repeat(padding) + '\n';
  if (header.length > 0xffff) {
    throw new CompileError(`tensor '${t.name}': rank ${t.shape.length} header too long for .npy version 1.0`);
  }
  const data = tensorDataBytes(t);
  const out = new Uint8Array(10 + header.length + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, 10 + header.length);
  return out;
}
