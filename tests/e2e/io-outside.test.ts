// --io outside: the model's inputs and outputs live in buffers of the caller's own, the arena
// holds only what the model computes in between, and the results are the same bits.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBatch } from '../../compiler/run/index.js';
import { loadDataset } from '../../compiler/tensor-files/dataset.js';
import { buildModel } from '../helpers/onnx-builder.js';
import { floats } from '../helpers/op-cases.js';
import { runOrt } from '../helpers/ort.js';
import { compareClose, scratchDir } from '../helpers/pipeline.js';
import { cli, cliOk } from '../helpers/cli.js';

const root = join(import.meta.dirname, '..', '..');
const mnist = join(root, 'examples', 'mnist');

describe('--io outside', () => {
  const work = scratchDir('io-outside');

  it('gives MNIST int8 the same bits as the arena build, on the host and under QEMU, and counts the I/O bytes', async () => {
    const samples = loadDataset(join(mnist, 'calibration.npy'), [{ name: 'input', dtype: 'float32', shape: [1, 1, 28, 28] }]).slice(0, 4);
    const results: Float32Array[][] = [];
    for (const io of ['arena', 'outside']) {
      const dir = join(work, io);
      const manifest = JSON.parse(cliOk(['compile', join(mnist, 'mnist.onnx'), '-o', dir, '--quantize', 'int8', '--calibration', join(mnist, 'calibration.npy'), '--io', io, '--json']));
      expect(manifest.memory.io).toBe(io);
      if (io === 'outside') {
        expect(manifest.memory.io_outside_bytes).toBe(1 * 28 * 28 * 4 + 10 * 4);
        expect(manifest.memory.tensors.map((t: { name: string }) => t.name)).not.toContain('input');
        expect(readFileSync(join(dir, 'model.h'), 'utf8')).toContain('int model_run(uint8_t *arena, const void *const *inputs, void *const *outputs);');
      }
      for (const host of [true, false]) {
        cliOk(['build', dir, ...(host ? ['--host'] : [])]);
        const batch = await runBatch(dir, { host, samples });
        expect(batch.exitCode, batch.stdout + batch.stderr).toBe(0);
        results.push(batch.outputs.map((o) => o.get('probabilities')!.data as Float32Array));
      }
    }
    for (const other of results.slice(1)) {
      other.forEach((o, k) => expect(Buffer.from(o.buffer).equals(Buffer.from(results[0][k].buffer)), `sample ${k}`).toBe(true));
    }
  });

  it('copies an output that is only a view into the caller\'s buffer, and lets the arena shrink by the I/O', async () => {
    const model = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [4, 64] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [{ name: 'shape', dtype: 'int64', shape: [2], data: [16, 16] }],
      nodes: [
        { op: 'Softmax', inputs: ['x'], outputs: ['s'], attrs: { axis: -1 } },
        { op: 'Reshape', inputs: ['s', 'shape'], outputs: ['y'] },
      ],
    });
    writeFileSync(join(work, 'view.onnx'), model);
    const inside = JSON.parse(cliOk(['compile', join(work, 'view.onnx'), '-o', join(work, 'view-in'), '--json']));
    const outside = JSON.parse(cliOk(['compile', join(work, 'view.onnx'), '-o', join(work, 'view-out'), '--io', 'outside', '--json']));
    expect(outside.layers.map((l: { kernel: string }) => l.kernel)).toEqual(['o2m_softmax_f32', 'o2m_copy_bytes']);
    expect(outside.memory.arena_bytes).toBe(1024); // only the softmax result; x and y are the caller's
    expect(inside.memory.arena_bytes).toBe(2048);
    cliOk(['build', join(work, 'view-out'), '--host']);
    const x = floats('x', [4, 64], 5);
    const batch = await runBatch(join(work, 'view-out'), { host: true, samples: [new Map([['x', x]])] });
    expect(batch.exitCode, batch.stderr).toBe(0);
    expect(compareClose(batch.outputs[0].get('y')!, (await runOrt(model, { x })).y)).toBeNull();
  });

  it('refuses an unknown --io and a model whose output is its input', () => {
    expect(cli(['compile', join(mnist, 'mnist.onnx'), '-o', join(work, 'bad'), '--io', 'elsewhere']).code).toBe(2);
    writeFileSync(join(work, 'pass.onnx'), buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [4] }],
      outputs: [{ name: 'x', dtype: 'float32' }, { name: 'y', dtype: 'float32' }],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
    }));
    const r = cli(['compile', join(work, 'pass.onnx'), '-o', join(work, 'pass'), '--io', 'outside']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'x' is both an input and an output");
  });
});
