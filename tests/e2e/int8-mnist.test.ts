// The int8 path on a real model, as users drive it from the command line: the MNIST example
// compiled with --quantize int8 on its calibration samples keeps its accuracy on real held-out
// digits (measured by `validate` with labels), gives the same bits on the host and on two
// emulated cores, and `validate --per-layer` names the layer where int8 breaks.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTensorFile } from '../../compiler/tensor-files/index.js';
import { runBatch } from '../../compiler/run/index.js';
import { loadDataset } from '../../compiler/tensor-files/dataset.js';
import { buildModel } from '../helpers/onnx-builder.js';
import { floats } from '../helpers/op-cases.js';
import { scratchDir } from '../helpers/pipeline.js';
import { writeTensorFile } from '../../compiler/tensor-files/index.js';
import { cli, cliOk } from '../helpers/cli.js';

const root = join(import.meta.dirname, '..', '..');
const mnist = join(root, 'examples', 'mnist');
const model = join(mnist, 'mnist.onnx');
const calibration = join(mnist, 'calibration.npy');


const work = scratchDir('int8-mnist');
const testSet = join(work, 'test-set');

describe('MNIST in int8', () => {
  it('keeps its accuracy on 1,000 real held-out digits within 1 point of float (validate with labels)', () => {
    const made = spawnSync(process.execPath, [join(mnist, 'test-set.mjs'), testSet, '1000'], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    cliOk(['compile', model, '-o', join(work, 'float'), '--board', 'mps2-an386']);
    const compiled = JSON.parse(cliOk(['compile', model, '-o', join(work, 'int8'), '--board', 'mps2-an386', '--quantize', 'int8', '--calibration', calibration, '--json']));
    expect(compiled.quantization.calibration.samples).toBe(100);
    // Softmax has no int8 kernel yet or does: either way the compile says which nodes stayed float.
    for (const f of compiled.quantization.floatNodes) expect(f.reason.length).toBeGreaterThan(0);

    const args = (dir: string) => ['validate', model, join(work, dir), '--data', join(testSet, 'digits.npy'), '--labels', join(testSet, 'labels.npy'), '--json'];
    const float = JSON.parse(cliOk(args('float'))).outputs.probabilities;
    const int8 = JSON.parse(cliOk(args('int8'))).outputs.probabilities;
    expect(float.accuracy).toBeGreaterThan(0.95);
    expect(float.cosineSimilarity).toBeGreaterThan(0.999999); // the float build is ORT to rounding
    expect(Math.abs(int8.accuracy - float.accuracy)).toBeLessThanOrEqual(0.01);
    expect(int8.top1Agreement).toBeGreaterThan(0.98);
    expect(int8.cosineSimilarity).toBeGreaterThan(0.999);
    expect(int8.maxAbsError).toBeLessThan(0.2);

    // int8 weights take a quarter of the float ones, plus per-channel scales and int32 biases.
    const floatManifest = JSON.parse(cliOk(['compile', model, '-o', join(work, 'float'), '--json']));
    expect(compiled.weightsBytes).toBeLessThan(floatManifest.weightsBytes / 3);
    expect(compiled.arenaBytes).toBeLessThan(floatManifest.arenaBytes / 2);
  });

  it('gives bit-identical outputs on the host, mps2-an386 and mps3-an547', async () => {
    const samples = loadDataset(join(testSet, 'digits.npy'), [{ name: 'input', dtype: 'float32', shape: [1, 1, 28, 28] }]).slice(0, 12);
    const outputs: Float32Array[][] = [];
    for (const [board, host] of [['mps2-an386', true], ['mps2-an386', false], ['mps3-an547', false]] as const) {
      const dir = join(work, `bits-${board}-${host}`);
      cliOk(['compile', model, '-o', dir, '--board', board, '--quantize', 'int8', '--calibration', calibration]);
      cliOk(['build', dir, ...(host ? ['--host'] : [])]);
      const batch = await runBatch(dir, { host, samples });
      expect(batch.exitCode, batch.stdout + batch.stderr).toBe(0);
      if (!host) {
        expect(batch.instructions).toHaveLength(samples.length);
        // at least one instruction per 16 MACs, the most any instruction does (Helium's VMLADAVA.S8)
        for (const n of batch.instructions) expect(n).toBeGreaterThan(307_648 / 16);
      }
      outputs.push(batch.outputs.map((o) => o.get('probabilities')!.data as Float32Array));
    }
    for (const other of outputs.slice(1)) {
      other.forEach((o, k) => expect(Buffer.from(o.buffer).equals(Buffer.from(outputs[0][k].buffer)), `sample ${k}`).toBe(true));
    }
  });

  it('validates on the board under QEMU too, with instructions per inference', () => {
    const r = JSON.parse(cliOk(['validate', model, join(work, 'int8'), '--data', join(testSet, 'digits.npy'), '--labels', join(testSet, 'labels.npy'),
      '--board', 'mps2-an386', '--limit', '30', '--json']));
    expect(r.target).toBe('mps2-an386');
    expect(r.samples).toBe(30);
    expect(r.instructionsPerInference).toBeGreaterThan(307_648);
    expect(r.outputs.probabilities.top1Agreement).toBeGreaterThan(0.95);
    const wrongBoard = cli(['validate', model, join(work, 'int8'), '--data', join(testSet, 'digits.npy'), '--board', 'mps3-an547']);
    expect(wrongBoard.code).toBe(2);
    expect(wrongBoard.stderr).toContain('compiled for mps2-an386');
  });

  it('per layer: every layer close to ONNX Runtime on in-range data', () => {
    const r = JSON.parse(cliOk(['validate', model, join(work, 'int8'), '--data', join(testSet, 'digits.npy'), '--limit', '20', '--per-layer', '--json']));
    const names = r.layers.map((l: { node: string }) => l.node);
    for (const node of ['/conv1/Conv', '/pool1/MaxPool', '/conv2/Conv', '/fc1/Gemm', '/fc2/Gemm']) expect(names).toContain(node);
    expect(r.firstBadLayer).toBeUndefined();
    for (const l of r.layers) expect(l.cosineSimilarity, l.node).toBeGreaterThan(0.999);
  });
});

describe('validate --per-layer finds where int8 hurts', () => {
  it('names the first layer whose error jumps when the data leaves the calibrated range', () => {
    const dir = scratchDir('per-layer');
    const w1 = floats('w1', [4, 2, 3, 3], 1, 'float32', -0.5, 0.5);
    const w2 = floats('w2', [3, 4, 1, 1], 2, 'float32', -0.5, 0.5);
    writeFileSync(join(dir, 'm.onnx'), buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2, 6, 6] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [w1, w2].map((t) => ({ ...t, data: t.data as Float32Array })),
      nodes: [
        { op: 'Relu', name: 'pre', inputs: ['x'], outputs: ['r'] },
        { op: 'Conv', name: 'first_conv', inputs: ['r', 'w1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'Conv', name: 'second_conv', inputs: ['c1', 'w2'], outputs: ['y'] },
      ],
    }));
    // Calibrated on inputs in [-1, 1]; validated on [-40, 40]: the Relu table saturates first.
    writeTensorFile(join(dir, 'calibration.npy'), floats('x', [8, 1, 2, 6, 6], 3, 'float32', -1, 1));
    writeTensorFile(join(dir, 'wide.npy'), floats('x', [4, 1, 2, 6, 6], 4, 'float32', -40, 40));
    cliOk(['compile', join(dir, 'm.onnx'), '-o', join(dir, 'out'), '--quantize', 'int8', '--calibration', join(dir, 'calibration.npy')]);
    const inRange = JSON.parse(cliOk(['validate', join(dir, 'm.onnx'), join(dir, 'out'), '--data', join(dir, 'calibration.npy'), '--per-layer', '--json']));
    expect(inRange.firstBadLayer).toBeUndefined();
    const wide = JSON.parse(cliOk(['validate', join(dir, 'm.onnx'), join(dir, 'out'), '--data', join(dir, 'wide.npy'), '--per-layer', '--json']));
    expect(wide.firstBadLayer.node).toBe('pre');
    expect(wide.firstBadLayer.l2RelativeError).toBeGreaterThan(0.5);
    const text = cliOk(['validate', join(dir, 'm.onnx'), join(dir, 'out'), '--data', join(dir, 'wide.npy'), '--per-layer']);
    expect(text).toMatch(/first grows past 0\.1 at step \d+, pre \(Int8Lookup\)/);
  });
});

describe('compile --quantize int8: the options users get wrong', () => {
  it('refuses int8 without calibration data (exit 2), and says how to guess', () => {
    const r = cli(['compile', model, '-o', join(work, 'nocal'), '--quantize', 'int8']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--calibration');
    expect(r.stderr).toContain('random');
    expect(existsSync(join(work, 'nocal'))).toBe(false);
  });

  it('quantizes with --calibration random, warning that the ranges are guesses', () => {
    const r = cli(['compile', model, '-o', join(work, 'random'), '--quantize', 'int8', '--calibration', 'random']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: --calibration random: .*guesses/);
  });

  it('keeps named nodes and op types in float with --keep-float, and lists them', () => {
    const r = JSON.parse(cliOk(['compile', model, '-o', join(work, 'keep'), '--quantize', 'int8', '--calibration', calibration,
      '--keep-float', 'Gemm', '--keep-float', '/conv2/Conv', '--json']));
    const kept = r.quantization.floatNodes.filter((f: { reason: string }) => f.reason.includes('--keep-float')).map((f: { node: string }) => f.node);
    expect(kept.sort()).toEqual(['/conv2/Conv', '/fc1/Gemm', '/fc2/Gemm']);
    const kernels = r.layers.map((l: { node: string; kernel: string }) => `${l.node}:${l.kernel}`);
    expect(kernels).toContain('/conv1/Conv:o2m_conv2d_i8');
    expect(kernels).toContain('/conv2/Conv:o2m_conv2d_f32');
    expect(kernels).toContain('/fc1/Gemm:o2m_gemm_f32');
    const text = cliOk(['compile', model, '-o', join(work, 'keep'), '--quantize', 'int8', '--calibration', calibration, '--keep-float', 'Gemm']);
    expect(text).toMatch(/\/fc1\/Gemm \(Gemm\): kept in float by --keep-float/);
  });

  it('uses a pre-quantized model\'s own scales, and refuses to quantize it again', () => {
    const qdq = join(root, 'examples', 'qdq', 'model.onnx');
    const r = JSON.parse(cliOk(['compile', qdq, '-o', join(work, 'qdq'), '--json']));
    expect(r.quantization.source).toBe('pre-quantized');
    expect(r.quantization.floatNodes).toEqual([]);
    const again = cli(['compile', qdq, '-o', join(work, 'qdq2'), '--quantize', 'int8', '--calibration', 'random']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already quantized');
  });

  it('names an unknown --keep-float entry and a calibration file of the wrong shape', () => {
    const bad = cli(['compile', model, '-o', join(work, 'bad'), '--quantize', 'int8', '--calibration', calibration, '--keep-float', 'NoSuchNode']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('NoSuchNode');
    const file = join(work, 'wrong.npy');
    writeTensorFile(file, floats('x', [3, 1, 14, 14], 1));
    const wrong = cli(['compile', model, '-o', join(work, 'bad'), '--quantize', 'int8', '--calibration', file]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('wrong.npy');
    expect(readTensorFile(file).shape).toEqual([3, 1, 14, 14]);
  });
});
