// A one-layer single-head attention model as exporters write it (Q, K, V projections, Kᵀ by a
// Transpose, a scale, an additive padding mask, Softmax, the weighted sum, an output
// projection), shared by the attention streaming and board tests.
import { buildModel } from './onnx-builder.js';
import { floats } from './op-cases.js';

export const ATTENTION = { L: 256, D: 16 };

const { L, D } = ATTENTION;

export function attentionModel(): Uint8Array {
  const w = (name: string, seed: number) => ({ ...floats(name, [D, D], seed, 'float32', -0.5, 0.5), data: floats(name, [D, D], seed, 'float32', -0.5, 0.5).data as Float32Array });
  const mask = Float32Array.from({ length: L }, (_, i) => (i % 7 === 6 ? -1e4 : 0)); // padding positions
  return buildModel({
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, L, D] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: [
      w('wq', 1), w('wk', 2), w('wv', 3), w('wo', 4),
      { name: 'scale', dtype: 'float32', shape: [], data: [1 / Math.sqrt(D)] },
      { name: 'mask', dtype: 'float32', shape: [1, 1, L], data: mask },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'wq'], outputs: ['q'] },
      { op: 'MatMul', inputs: ['x', 'wk'], outputs: ['k'] },
      { op: 'MatMul', inputs: ['x', 'wv'], outputs: ['v'] },
      { op: 'Transpose', inputs: ['k'], outputs: ['kt'], attrs: { perm: [0, 2, 1] } },
      { op: 'MatMul', inputs: ['q', 'kt'], outputs: ['scores'] },
      { op: 'Mul', inputs: ['scores', 'scale'], outputs: ['scaled'] },
      { op: 'Add', inputs: ['scaled', 'mask'], outputs: ['masked'] },
      { op: 'Softmax', inputs: ['masked'], outputs: ['weights'], attrs: { axis: -1 } },
      { op: 'MatMul', inputs: ['weights', 'v'], outputs: ['context'] },
      { op: 'MatMul', inputs: ['context', 'wo'], outputs: ['y'] },
    ],
  });
}

