#!/usr/bin/env node
// The quick-start demo: compile the bundled MNIST model for the default board in int8 (and in
// float32, to compare), build the firmware, run every sample digit under QEMU, measure both
// builds' accuracy on the 2,000 held-out digits, and print what the microcontroller answered.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const example = join(root, 'examples', 'mnist');
const board = process.argv[2] ?? 'mps2-an386';
const outFloat = join(root, 'out', 'mnist-demo-float32');
const outInt8 = join(root, 'out', 'mnist-demo');
const testSet = join(root, 'out', 'mnist-test-set');

function run(command, args) {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    process.stderr.write(`demo: ${args.join(' ')} failed (exit ${r.status})\n`);
    process.exit(r.status ?? 1);
  }
  return r.stdout;
}
const onnx2mcu = (...args) => run(process.execPath, [join(root, 'bin', 'onnx2mcu.js'), ...args]);

const model = join(example, 'mnist.onnx');
process.stdout.write(onnx2mcu('compile', model, '-o', outInt8, '--board', board, '--name', 'mnist',
  '--quantize', 'int8', '--calibration', join(example, 'calibration.npy')));
onnx2mcu('compile', model, '-o', outFloat, '--board', board, '--name', 'mnist');
const builds = { int8: JSON.parse(onnx2mcu('build', outInt8, '--json')), float32: JSON.parse(onnx2mcu('build', outFloat, '--json')) };
const manifests = {
  int8: JSON.parse(readFileSync(join(outInt8, 'onnx2mcu.json'), 'utf8')),
  float32: JSON.parse(readFileSync(join(outFloat, 'onnx2mcu.json'), 'utf8')),
};

const labels = JSON.parse(readFileSync(join(example, 'inputs', 'labels.json'), 'utf8'));
console.log(`\nrunning ${Object.keys(labels).length} digits on ${board} under QEMU (int8):`);
console.log('sample          label  predicted  probability  instructions');
let correct = 0;
let stack = 0;
const instructions = {};
for (const [file, label] of Object.entries(labels)) {
  const r = JSON.parse(onnx2mcu('run', outInt8, '--input', join(example, 'inputs', file), '--out', join(outInt8, 'outputs', file.replace('.npy', '')), '--json'));
  const probs = readNpyFloats(r.outputs.probabilities);
  const predicted = probs.indexOf(Math.max(...probs));
  correct += predicted === label ? 1 : 0;
  instructions.int8 = r.instructions;
  stack = Math.max(stack, r.stackPeakBytes);
  console.log(`${file.padEnd(16)}${String(label).padStart(5)}${String(predicted).padStart(11)}${probs[predicted].toFixed(4).padStart(13)}${r.instructions.toLocaleString('en').padStart(14)}`);
}
console.log(`\n${correct}/${Object.keys(labels).length} digits correct`);
const floatRun = JSON.parse(onnx2mcu('run', outFloat, '--input', join(example, 'inputs', 'sample_0.npy'), '--json'));
instructions.float32 = floatRun.instructions;

console.log('\naccuracy on the 2,000 held-out digits (host build, onnx2mcu validate):');
run(process.execPath, [join(example, 'test-set.mjs'), testSet]);
const accuracy = {};
let agreement;
for (const [kind, dir] of [['float32', outFloat], ['int8', outInt8]]) {
  const v = JSON.parse(onnx2mcu('validate', model, dir, '--data', join(testSet, 'digits.npy'), '--labels', join(testSet, 'labels.npy'), '--json'));
  accuracy[kind] = v.outputs.probabilities;
  if (kind === 'int8') agreement = v.outputs.probabilities;
}

const row = (label, f, i) => console.log(`${label.padEnd(30)}${f.padStart(14)}${i.padStart(14)}`);
const n = (x) => x.toLocaleString('en');
console.log(`\nfloat32 vs int8 on ${board}:`);
row('', 'float32', 'int8');
row('flash (bytes)', n(builds.float32.flashBytes), n(builds.int8.flashBytes));
row('  of which weights', n(manifests.float32.weightsBytes), n(manifests.int8.weightsBytes));
row('RAM (bytes, with 16 KiB stack)', n(builds.float32.ramBytes), n(builds.int8.ramBytes));
row('  of which arena', n(manifests.float32.arenaBytes), n(manifests.int8.arenaBytes));
row('instructions per inference', n(instructions.float32), n(instructions.int8));
row('accuracy, 2,000 held-out', `${(100 * accuracy.float32.accuracy).toFixed(2)}%`, `${(100 * accuracy.int8.accuracy).toFixed(2)}%`);
console.log(`int8 vs float32 outputs: top-1 agreement ${(100 * agreement.top1Agreement).toFixed(2)}%, cosine similarity ${agreement.cosineSimilarity.toFixed(6)}`);
console.log(`stack peak (int8): ${stack} bytes`);

/** The float32 values of a little-endian .npy file (the demo reads its own outputs). */
function readNpyFloats(path) {
  const bytes = readFileSync(path);
  const headerLength = bytes.readUInt16LE(8);
  const data = bytes.subarray(10 + headerLength);
  return Array.from({ length: data.length / 4 }, (_, i) => data.readFloatLE(i * 4));
}
