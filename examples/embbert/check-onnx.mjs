// Runs an exported model under ONNX Runtime on the committed test set and compares it with PyTorch.
// Usage: node check-onnx.mjs MODEL.onnx IDS.npy LABELS.npy [PYTORCH_LOGITS.npy]
// (train.py writes the PyTorch logits to /tmp/embbert-reference/logits-<length>.npy.)
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

function readNpy(path) {
  const bytes = readFileSync(path);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').filter((s) => s.trim()).map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran order is not supported`);
  const body = bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length);
  const Type = { '<i8': BigInt64Array, '<f4': Float32Array }[descr];
  if (!Type) throw new Error(`${path}: dtype ${descr} is not supported`);
  return { shape, data: new Type(body) };
}

const [modelPath, idsPath, labelsPath, referencePath] = process.argv.slice(2);
if (!labelsPath) {
  console.error('usage: node check-onnx.mjs MODEL.onnx IDS.npy LABELS.npy [PYTORCH_LOGITS.npy]');
  process.exit(2);
}
const session = await ort.InferenceSession.create(modelPath);
const ids = readNpy(idsPath);
const labels = readNpy(labelsPath);
const reference = referencePath ? readNpy(referencePath) : undefined;
const [count, length] = ids.shape;
let correct = 0, maxDiff = 0, disagreements = 0;
for (let i = 0; i < count; i++) {
  const input = new ort.Tensor('int64', ids.data.slice(i * length, (i + 1) * length), [1, length]);
  const logits = (await session.run({ input_ids: input })).logits.data;
  const predicted = logits[1] > logits[0] ? 1 : 0;
  if (BigInt(predicted) === labels.data[i]) correct++;
  if (reference) {
    const [r0, r1] = reference.data.slice(2 * i, 2 * i + 2);
    maxDiff = Math.max(maxDiff, Math.abs(logits[0] - r0), Math.abs(logits[1] - r1));
    if ((r1 > r0 ? 1 : 0) !== predicted) disagreements++;
  }
}
console.log(`${modelPath}: ${count} samples, ONNX Runtime accuracy ${(correct / count).toFixed(4)}` +
  (reference ? `, max |logit - PyTorch| ${maxDiff.toExponential(2)}, ${disagreements} class disagreements` : ''));
