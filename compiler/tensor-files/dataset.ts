// Data sets (for --calibration and validate --data), in the three layouts DESIGN.md §3 names:
// one .npy whose first axis indexes samples (single-input models); a folder of .npy/.pb files,
// one sample each (single-input models); a folder of sample folders holding <input>.npy for
// every input. Samples are taken in sorted name order.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CompileError, elementCount, formatShape, type ConstTensor, type ValueInfo } from '../ir/graph.js';
import { readTensorFile } from './index.js';

export type Sample = Map<string, ConstTensor>;

function checkFits(file: string, input: ValueInfo, t: ConstTensor): ConstTensor {
  const shape = input.shape as number[];
  if (t.dtype !== input.dtype) throw new CompileError(`${file}: holds ${t.dtype}; input '${input.name}' is ${input.dtype}`);
  if (elementCount(t.shape) !== elementCount(shape)) {
    throw new CompileError(`${file}: holds ${formatShape(t.shape)}; input '${input.name}' is ${formatShape(shape)}`);
  }
  return { ...t, name: input.name, shape };
}

export function loadDataset(path: string, inputs: ValueInfo[]): Sample[] {
  if (!existsSync(path)) throw new CompileError(`${path}: no such file or folder`);
  const single = inputs.length === 1 ? inputs[0] : undefined;
  if (statSync(path).isFile()) {
    if (!single) throw new CompileError(`${path}: a single file can only feed a model with one input; use a folder of sample folders`);
    const all = readTensorFile(path);
    const per = elementCount(single.shape as number[]);
    const count = all.shape[0] ?? 0;
    if (all.shape.length === 0 || count * per !== all.data.length) {
      throw new CompileError(`${path}: expected samples of ${formatShape(single.shape)} along the first axis, found ${formatShape(all.shape)}`);
    }
    return Array.from({ length: count }, (_, i) => new Map([[single.name, checkFits(path, single, {
      ...all, shape: all.shape.slice(1), data: all.data.slice(i * per, (i + 1) * per) as ConstTensor['data'],
    })]]));
  }
  const entries = readdirSync(path).sort();
  const folders = entries.filter((e) => statSync(join(path, e)).isDirectory());
  if (folders.length > 0) {
    return folders.map((folder) => new Map(inputs.map((input) => {
      const file = [`${input.name}.npy`, `${input.name}.pb`].map((f) => join(path, folder, f)).find(existsSync);
      if (!file) throw new CompileError(`${join(path, folder)}: no ${input.name}.npy for input '${input.name}'`);
      return [input.name, checkFits(file, input, readTensorFile(file))];
    })));
  }
  const files = entries.filter((e) => e.endsWith('.npy') || e.endsWith('.pb'));
  if (!single) throw new CompileError(`${path}: a folder of files can only feed a model with one input; use one folder per sample`);
  if (files.length === 0) throw new CompileError(`${path}: holds no .npy or .pb samples`);
  return files.map((f) => new Map([[single.name, checkFits(join(path, f), single, readTensorFile(join(path, f)))]]));
}
