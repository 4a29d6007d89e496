#!/usr/bin/env node
// Issue #8's bench (`npm run bench`). The five layers of the issue's table (same shapes, random
// weights, int8 with weights per output channel) sit side by side in one model, compiled for each
// QEMU machine and built twice: as usual (the fast kernel variants the core's features select,
// runtime-c/include/onnx2mcu/arch.h) and with -DO2M_PORTABLE_KERNELS (the plain C definitions,
// what `build --portable-kernels` makes). A layer's instructions are its own step's count from
// run --profile (QEMU -icount), so the model's input quantize and output dequantize steps are
// left out. MNIST and MobileNetV1-0.25 (bench/mobilenet.mjs) in int8 then run whole on each
// machine, and bench/embbert.mjs last (~9 min).
// Prints a table per machine and writes bench/results.json.
// Usage: node bench/layers.mjs [--layers-only | --no-embbert]   --layers-only: the five layers,
//        no examples; --no-embbert: the layers, MNIST and MobileNet.
//        BENCH_MACHINES=mps2-an386,… picks machines (default all three).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { mobileNetInput, mobileNetV1Quarter } from './mobilenet.mjs';
import { onnx2mcu, root } from './onnx2mcu-cli.mjs';

const dist = (...p) => import(join(root, 'dist', 'compiler', ...p));
const { buildModel } = await dist('build', 'index.js');
const { profileModel } = await dist('run', 'profile.js');
const { runModel } = await dist('run', 'index.js');
const { readTensorFile } = await dist('tensor-files', 'index.js');
const { onnx } = onnxProto;

const MACHINES = process.env.BENCH_MACHINES ? process.env.BENCH_MACHINES.split(',') : ['mps2-an386', 'mps2-an500', 'mps3-an547'];
const PORTABLE = '-DO2M_PORTABLE_KERNELS';

// The issue's anchor: CMSIS-NN at 99f736a, -O2 -mcpu=cortex-m4, counted on mps2-an386 (M4 only).
const LAYERS = [
  { name: 'conv 3×3, 48×48×8 → 16, stride 1, pad 1', cmsisNnPerMac: 2.87, op: 'Conv', input: [1, 8, 48, 48], weight: [16, 8, 3, 3], pads: 1 },
  { name: 'conv 1×1, 48×48×8 → 16', cmsisNnPerMac: 6.63, op: 'Conv', input: [1, 8, 48, 48], weight: [16, 8, 1, 1], pads: 0 },
  { name: 'depthwise 3×3, 48×48×16, stride 1, pad 1', cmsisNnPerMac: 8.44, op: 'Conv', input: [1, 16, 48, 48], weight: [16, 1, 3, 3], pads: 1, group: 16 },
  { name: 'fully connected 256 → 128', cmsisNnPerMac: 2.07, op: 'Gemm', input: [1, 256], weight: [128, 256] },
  { name: 'fully connected 1024 → 256', cmsisNnPerMac: 1.92, op: 'Gemm', input: [1, 1024], weight: [256, 1024] },
];

/** Seeded uniform numbers in [-1, 1): the same models on every run. */
function randomFloats(count, seed) {
  let state = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

const tensor = (name, shape, data) => ({ name, dims: shape, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer) });
const valueInfo = (name, shape) => ({
  name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
});
const ints = (name, values) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });
const int = (name, value) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });

/**
 * One float model holding the five layers side by side, each with its own input and output, so
 * a machine needs one firmware (builds, not runs, are what take time). --quantize int8 makes it
 * int8 with per-channel weight scales.
 */
function layersModel() {
  const count = (shape) => shape.reduce((a, b) => a * b, 1);
  const graph = { name: 'layers', node: [], initializer: [], input: [], output: [] };
  for (const [i, layer] of LAYERS.entries()) {
    const outChannels = layer.weight[0];
    const seed = 1000 + 17 * i;
    graph.initializer.push(
      tensor(`w${i}`, layer.weight, randomFloats(count(layer.weight), seed).map((v) => v * 0.5)),
      tensor(`b${i}`, [outChannels], randomFloats(outChannels, seed + 1).map((v) => v * 0.1)),
    );
    const conv = layer.op === 'Conv';
    const attribute = conv
      ? [ints('kernel_shape', layer.weight.slice(2)), ints('pads', Array(4).fill(layer.pads)), ints('strides', [1, 1]), int('group', layer.group ?? 1)]
      : [int('transB', 1)];
    graph.node.push({ opType: layer.op, input: [`x${i}`, `w${i}`, `b${i}`], output: [`y${i}`], name: layerNode(i), attribute });
    graph.input.push(valueInfo(`x${i}`, layer.input));
    graph.output.push(valueInfo(`y${i}`, conv ? [1, outChannels, layer.input[2], layer.input[3]] : [1, outChannels]));
  }
  const model = { irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

const layerNode = (i) => `layer${i}`;


const work = join(root, 'out', 'bench-layers');
mkdirSync(work, { recursive: true });

/** Each layer's step from run --profile, built with `cflags`. */
async function profileLayers(dir, inputs, cflags) {
  const profile = await profileModel(dir, { inputs }, cflags);
  if ('failed' in profile) throw new Error(`${dir}: the firmware exited ${profile.failed.exitCode}\n${profile.failed.stdout}${profile.failed.stderr}`);
  return LAYERS.map((_, i) => {
    const step = profile.layers.find((l) => l.node === layerNode(i));
    if (!step) throw new Error(`${dir}: no step for node ${layerNode(i)} in ${profile.layers.map((l) => l.node).join(', ')}`);
    return step;
  });
}

const results = { layers: {}, models: {}, notes: {} };
results.notes.layer_instructions = 'each layer\'s own step from run --profile (the hook\'s cost taken off): the model\'s input quantize and output dequantize steps are left out';
results.notes.cmsis_nn_per_mac = 'the issue\'s anchor: CMSIS-NN at 99f736a, -O2 for cortex-m4, on mps2-an386; not measured here';
const started = Date.now();
const modelFile = join(work, 'layers.onnx');
writeFileSync(modelFile, layersModel());
const inputs = new Map(LAYERS.map((layer, i) => [`x${i}`, {
  name: `x${i}`, dtype: 'float32', shape: layer.input, data: randomFloats(layer.input.reduce((a, b) => a * b, 1), 7 + i),
}]));
for (const machine of MACHINES) {
  const dir = join(work, `layers-${machine}`);
  process.stderr.write(`layers on ${machine} …\n`);
  onnx2mcu('compile', modelFile, '-o', dir, '--board', machine, '--quantize', 'int8', '--calibration', 'random');
  const fast = await profileLayers(dir, inputs, '');
  const portable = await profileLayers(dir, inputs, PORTABLE);
  results.layers[machine] = LAYERS.map((layer, i) => ({
    layer: layer.name, kernel: fast[i].kernel, macs: fast[i].macs,
    instructions: fast[i].instructions, instructions_per_mac: fast[i].instructions / fast[i].macs,
    portable_instructions: portable[i].instructions, portable_instructions_per_mac: portable[i].instructions / portable[i].macs,
    ratio_to_portable: fast[i].instructions / portable[i].instructions,
    ...(machine === 'mps2-an386' ? { cmsis_nn_per_mac_issue_anchor: layer.cmsisNnPerMac } : {}),
  }));
}
results.notes.layers_seconds = Math.round((Date.now() - started) / 1000);

/** A whole model's instructions per inference on one machine, fast and portable builds. */
async function benchModel(dir, inputs, model, macs) {
  const run = async (cflags) => {
    buildModel(dir, { extraCflags: cflags || undefined });
    const r = await runModel(dir, { inputs });
    if (r.exitCode !== 0) throw new Error(`${dir}: the firmware exited ${r.exitCode}\n${r.stdout}${r.stderr}`);
    return r.instructions;
  };
  const fast = await run('');
  const portable = await run(PORTABLE);
  return {
    model, macs, instructions: fast, instructions_per_mac: fast / macs,
    portable_instructions: portable, portable_instructions_per_mac: portable / macs, ratio_to_portable: fast / portable,
  };
}

const totalMacs = (manifest) => manifest.layers.reduce((sum, l) => sum + l.macs, 0);

if (!process.argv.includes('--layers-only')) {
  const mnist = join(root, 'examples', 'mnist');
  const sample = readTensorFile(join(mnist, 'inputs', 'sample_0.npy'));
  const mobilenetFile = join(work, 'mobilenet.onnx');
  writeFileSync(mobilenetFile, mobileNetV1Quarter());
  for (const machine of MACHINES) {
    const models = (results.models[machine] ??= []);
    const dir = join(work, `mnist-int8-${machine}`);
    process.stderr.write(`MNIST int8 on ${machine} …\n`);
    const manifest = JSON.parse(onnx2mcu('compile', join(mnist, 'mnist.onnx'), '-o', dir, '--board', machine,
      '--quantize', 'int8', '--calibration', join(mnist, 'calibration.npy'), '--json'));
    models.push(await benchModel(dir, new Map([['input', sample]]), 'MNIST int8 (whole inference, quantize and dequantize included)', totalMacs(manifest)));

    const mobilenetDir = join(work, `mobilenet-${machine}`);
    process.stderr.write(`MobileNetV1-0.25 96×96 int8 on ${machine} …\n`);
    const mobilenet = JSON.parse(onnx2mcu('compile', mobilenetFile, '-o', mobilenetDir, '--board', machine,
      '--quantize', 'int8', '--calibration', 'random', '--json'));
    models.push(await benchModel(mobilenetDir, new Map([['input', mobileNetInput()]]),
      'MobileNetV1-0.25 96×96 int8, random weights (whole inference, float input quantized)', totalMacs(mobilenet)));
  }
  if (!process.argv.includes('--no-embbert')) results.notes.embbert = 'measured by bench/embbert.mjs (bench/embbert.json), run after this script';
}

const n = (x) => x.toLocaleString('en');
const f = (x, digits = 2) => x.toFixed(digits);
for (const machine of MACHINES) {
  const anchor = machine === 'mps2-an386';
  console.log(`\n${machine}\n`);
  console.log(`| layer | kernel | MACs | instructions | per MAC | portable per MAC | fast / portable |${anchor ? ' CMSIS-NN per MAC (issue\'s anchor) |' : ''}`);
  console.log(`|---|---|---:|---:|---:|---:|---:|${anchor ? '---:|' : ''}`);
  for (const r of results.layers[machine]) {
    console.log(`| ${r.layer} | ${r.kernel} | ${n(r.macs)} | ${n(r.instructions)} | ${f(r.instructions_per_mac)} | ${f(r.portable_instructions_per_mac)} | ${f(r.ratio_to_portable, 3)} |${anchor ? ` ${f(r.cmsis_nn_per_mac_issue_anchor)} |` : ''}`);
  }
  for (const r of results.models[machine] ?? []) {
    console.log(`| ${r.model} | | ${n(r.macs)} | ${n(r.instructions)} | ${f(r.instructions_per_mac)} | ${f(r.portable_instructions_per_mac)} | ${f(r.ratio_to_portable, 3)} |${anchor ? ' — |' : ''}`);
  }
}
console.log(`\nlayer instructions: ${results.notes.layer_instructions}`);
writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

if (results.notes.embbert) {
  console.log('\nEmbBERT (bench/embbert.mjs):');
  const embbert = spawnSync(process.execPath, [join(root, 'bench', 'embbert.mjs')], { stdio: 'inherit' });
  process.exitCode = embbert.status ?? 1;
}
