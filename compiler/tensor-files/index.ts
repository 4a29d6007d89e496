// The tensor files users hand to `run`, `validate` and `--calibration`, and the raw buffers
// exchanged with the firmware.

import fs from 'node:fs';
import path from 'node:path';
import type { ConstTensor, DType } from '../ir/graph.js';
import { readUserFile } from '../read-user-file.js';
import { CompileError, DTYPE_BYTES, elementCount, formatShape } from '../ir/graph.js';
import { decodeElements, tensorDataBytes } from '../onnx/tensor-bytes.js';
import { readNpy, writeNpy } from './npy.js';
import { readTensorProtoFile, writeTensorProto } from './tensor-proto.js';

export { readNpy, writeNpy } from './npy.js';
export { readTensorProtoFile, writeTensorProto } from './tensor-proto.js';

type Format = 'npy' | 'pb';

function formatOf(file: string): Format {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.npy') return 'npy';
  if (ext === '.pb') return 'pb';
  throw new CompileError(`${file}: unknown tensor file type '${ext}'; use .npy or .pb (a serialized TensorProto)`, 2, { file });
}

export function readTensorFile(file: string): ConstTensor {
  const format = formatOf(file);
  const bytes = readUserFile(file, 'tensor file');
  return format === 'npy' ? readNpy(bytes, file) : readTensorProtoFile(bytes, file);
}

export function writeTensorFile(file: string, t: ConstTensor): void {
  const bytes = formatOf(file) === 'npy' ? writeNpy(t) : writeTensorProto(t);
  fs.writeFileSync(file, bytes);
}

/** The firmware's buffer layout: packed little-endian elements, bool one byte each, float16 as half bits. */
export function tensorToBytes(t: ConstTensor): Uint8Array {
  return tensorDataBytes(t);
}

export function tensorFromBytes(bytes: Uint8Array, dtype: DType, shape: number[], name: string): ConstTensor {
  if (dtype === 'string') throw new CompileError(`tensor '${name}': string tensors have no byte layout`);
  const count = elementCount(shape);
  const expected = count * DTYPE_BYTES[dtype];
  if (bytes.length !== expected) {
    throw new CompileError(`tensor '${name}': shape ${formatShape(shape)} of ${dtype} needs ${expected} bytes, got ${bytes.length}`);
  }
  return { name, dtype, shape: [...shape], data: decodeElements(bytes, dtype, count) };
}
