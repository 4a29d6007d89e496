// Numpy-style broadcasting, shared by the element-wise and MatMul families.
import { nodeError } from './op.js';
import type { Node } from '../ir/graph.js';

export function broadcastShapes(node: Node, shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 1) continue;
      if (dim !== 1 && dim !== d) {
        throw nodeError(node, `shapes ${shapes.map((x) => `[${x.join(',')}]`).join(' and ')} do not broadcast`);
      }
      dim = d;
    }
    out.push(dim);
  }
  return out;
}

/** Element strides that read `shape` as if it had `outShape` (0 along broadcast axes). */
export function broadcastStrides(shape: number[], outShape: number[]): number[] {
  const strides = Array(outShape.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1, o = outShape.length - 1; i >= 0; i--, o--) {
    strides[o] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

/** Merges adjacent axes that both operands walk contiguously, so kernels loop over fewer axes. */
export function collapseAxes(outShape: number[], strides: number[][]): { shape: number[]; strides: number[][] } {
  const shape: number[] = [];
  const merged: number[][] = strides.map(() => []);
  for (let i = 0; i < outShape.length; i++) {
    if (outShape[i] === 1) continue;
    const last = shape.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => {
      const prev = merged[k][last];
      return prev === s[i] * outShape[i] || (prev === 0 && s[i] === 0);
    });
    if (mergeable) {
      shape[last] *= outShape[i];
      strides.forEach((s, k) => { merged[k][last] = s[i]; });
    } else {
      shape.push(outShape[i]);
      strides.forEach((s, k) => merged[k].push(s[i]));
    }
  }
  return { shape, strides: merged };
}
