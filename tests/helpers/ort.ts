// ONNX Runtime as the reference: tests run the same model through it and through the
// compiler and compare.

import ort from 'onnxruntime-node';
import type { ConstTensor, DType } from '../../compiler/ir/graph.js';
import { floatToHalf, halfToFloat } from '../../compiler/onnx/float16.js';

function toOrt(t: ConstTensor): ort.Tensor {
  const dims = [...t.shape];
  switch (t.dtype) {
    case 'float16': {
      // The IR holds float16 widened; ORT wants the half bits.
      const bits = Uint16Array.from(t.data as Float32Array, (v) => floatToHalf(v));
      return new ort.Tensor('float16', bits, dims);
    }
    case 'string':
      return new ort.Tensor('string', t.data as string[], dims);
    default:
      return new ort.Tensor(t.dtype, t.data as Exclude<ConstTensor['data'], string[]>, dims);
  }
}

const ORT_TYPES = new Set<string>([
  'float32', 'float64', 'float16', 'int8', 'int16', 'int32', 'int64',
  'uint8', 'uint16', 'uint32', 'uint64', 'bool', 'string',
]);

function fromOrt(name: string, t: ort.Tensor): ConstTensor {
  if (!ORT_TYPES.has(t.type)) throw new Error(`output '${name}': ORT type ${t.type} has no IR dtype`);
  const dtype = t.type as DType;
  const shape = [...t.dims];
  if (dtype === 'float16') {
    return { name, dtype, shape, data: Float32Array.from(t.data as Uint16Array, halfToFloat) };
  }
  if (dtype === 'string') return { name, dtype, shape, data: [...(t.data as string[])] };
  // Copy: ORT may hand out views of buffers it reuses.
  const data = t.data as Exclude<ConstTensor['data'], string[]>;
  return { name, dtype, shape, data: data.slice() };
}

export async function runOrt(
  modelBytes: Uint8Array,
  feeds: Record<string, ConstTensor>,
): Promise<Record<string, ConstTensor>> {
  const session = await ort.InferenceSession.create(modelBytes);
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrt(t);
    const results = await session.run(ortFeeds);
    const out: Record<string, ConstTensor> = {};
    for (const name of session.outputNames) out[name] = fromOrt(name, results[name]!);
    return out;
  } finally {
    await session.release();
  }
}
