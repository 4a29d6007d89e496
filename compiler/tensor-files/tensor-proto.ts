// A serialized ONNX TensorProto on its own: the input_*.pb / output_*.pb files of the ONNX
// backend test suite.

import path from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as pb } from 'onnx-proto';
import type { ConstTensor } from '../ir/graph.js';
import { CompileError } from '../ir/graph.js';
import { decodeTensor, encodeTensor } from '../onnx/tensor.js';

const { onnx } = onnxProto;

export function readTensorProtoFile(bytes: Uint8Array, file: string): ConstTensor {
  let proto: pb.TensorProto;
  try {
    proto = onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new CompileError(`${file}: not a serialized TensorProto: ${(e as Error).message}`, 2, { file });
  }
  // Every real tensor file has a data type; an unset one means the bytes were something else.
  if (!proto.dataType) throw new CompileError(`${file}: not a serialized TensorProto: no data type`, 2, { file });
  const fallbackName = path.basename(file).replace(/\.pb$/i, '');
  return decodeTensor(proto, { file, baseDir: path.dirname(file), name: fallbackName });
}

export function writeTensorProto(t: ConstTensor): Uint8Array {
  return onnx.TensorProto.encode(encodeTensor(t)).finish();
}
