#!/usr/bin/env node
// The quick-start demo: compile the bundled MNIST model for the default board, build the
// firmware, run every sample digit under QEMU, and print what the microcontroller answered.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const example = join(root, 'examples', 'mnist');
const out = join(root, 'out', 'mnist-demo');
const board = process.argv[2] ?? 'mps2-an386';

function onnx2mcu(...args) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'onnx2mcu.js'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    process.stderr.write(`demo: onnx2mcu ${args.join(' ')} failed (exit ${r.status})\n`);
    process.exit(r.status ?? 1);
  }
  return r.stdout;
}

process.stdout.write(onnx2mcu('compile', join(example, 'mnist.onnx'), '-o', out, '--board', board, '--name', 'mnist'));
const build = JSON.parse(onnx2mcu('build', out, '--json'));
const labels = JSON.parse(readFileSync(join(example, 'inputs', 'labels.json'), 'utf8'));

console.log(`\nrunning ${Object.keys(labels).length} digits on ${board} under QEMU:`);
console.log('sample          label  predicted  probability  instructions');
let correct = 0;
let instructions = 0;
let stack = 0;
for (const [file, label] of Object.entries(labels)) {
  const r = JSON.parse(onnx2mcu('run', out, '--input', join(example, 'inputs', file), '--out', join(out, 'outputs', file.replace('.npy', '')), '--json'));
  const probs = readNpyFloats(r.outputs.probabilities);
  const predicted = probs.indexOf(Math.max(...probs));
  correct += predicted === label ? 1 : 0;
  instructions = r.instructions;
  stack = Math.max(stack, r.stackPeakBytes);
  console.log(`${file.padEnd(16)}${String(label).padStart(5)}${String(predicted).padStart(11)}${probs[predicted].toFixed(4).padStart(13)}${r.instructions.toLocaleString('en').padStart(14)}`);
}
console.log(`\n${correct}/${Object.keys(labels).length} digits correct`);
console.log(`instructions per inference: ${instructions.toLocaleString('en')}`);
console.log(`flash used: ${build.flashBytes.toLocaleString('en')} bytes, RAM used: ${build.ramBytes.toLocaleString('en')} bytes (stack peak ${stack} bytes)`);

/** The float32 values of a little-endian .npy file (the demo reads its own outputs). */
function readNpyFloats(path) {
  const bytes = readFileSync(path);
  const headerLength = bytes.readUInt16LE(8);
  const data = bytes.subarray(10 + headerLength);
  return Array.from({ length: data.length / 4 }, (_, i) => data.readFloatLE(i * 4));
}
