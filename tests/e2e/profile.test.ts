// run --profile: instructions per layer from a private build with counter readings after every
// block, checked against the unprofiled run of the same model (the layers must add up to it),
// against itself (QEMU -icount makes it repeatable), against the manifest's MACs and against
// model.c's blocks; and the records run.json and profile.json the report reads.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../compiler/compile.js';
import type { ProfileRecord, RunRecord } from '../../compiler/run/records.js';
import { writeTensorFile } from '../../compiler/tensor-files/index.js';
import { ATTENTION, attentionModel } from '../helpers/attention-model.js';
import { cli, cliOk } from '../helpers/cli.js';
import { floats } from '../helpers/op-cases.js';
import { scratchDir } from '../helpers/pipeline.js';

const root = join(import.meta.dirname, '..', '..');
const mnist = join(root, 'examples', 'mnist');
const sample = join(mnist, 'inputs', 'sample_3.npy');

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const readJson = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;

function compileAndBuild(label: string, model: string, board: string, extra: string[] = []): string {
  const dir = join(scratchDir(label), 'out');
  cliOk(['compile', model, '-o', dir, '--board', board, ...extra]);
  cliOk(['build', dir]);
  return dir;
}

/** `run` as users run it, and the run.json it leaves, which must repeat what it printed. */
function unprofiledRun(dir: string, input: string): RunRecord {
  const printed = JSON.parse(cliOk(['run', dir, '--input', input, '--json']));
  const record = readJson<RunRecord>(join(dir, 'run.json'));
  expect(record).toEqual({
    firmware_sha256: sha256(join(dir, 'firmware.elf')),
    board: readJson<Manifest>(join(dir, 'onnx2mcu.json')).board.id,
    instructions_per_inference: printed.instructions,
    stack_peak_bytes: printed.stackPeakBytes,
  });
  expect(printed.instructions).toBeGreaterThan(0);
  return record;
}

function profile(dir: string, input: string): { printed: { layerSum: number; unprofiledInstructions: number }; record: ProfileRecord; text: string } {
  const printed = JSON.parse(cliOk(['run', dir, '--input', input, '--profile', '--json']));
  const text = readFileSync(join(dir, 'profile.json'), 'utf8');
  return { printed, record: JSON.parse(text) as ProfileRecord, text };
}

const layerSum = (record: ProfileRecord) => record.layers.reduce((sum, l) => sum + l.instructions, 0);

describe('run --profile on MNIST', () => {
  for (const variant of [
    { name: 'float32', extra: [] },
    { name: 'int8', extra: ['--quantize', 'int8', '--calibration', join(mnist, 'calibration.npy')] },
  ]) {
    it(`${variant.name}: one entry per layer, adding up to the unprofiled run, repeatable, the firmware untouched`, () => {
      const dir = compileAndBuild(`profile-${variant.name}`, join(mnist, 'mnist.onnx'), 'nrf52840dk', variant.extra);
      const manifest = readJson<Manifest>(join(dir, 'onnx2mcu.json'));
      const firmware = sha256(join(dir, 'firmware.elf'));
      const run = unprofiledRun(dir, sample);

      const first = profile(dir, sample);
      const second = profile(dir, sample);
      expect(second.text).toBe(first.text);

      const { record } = first;
      expect(record.firmware_sha256).toBe(firmware);
      expect(record.board).toBe('nrf52840dk');
      expect(record.layers.map((l) => [l.index, l.node])).toEqual(manifest.layers.map((l, i) => [i, l.node]));
      expect(record.layers.every((l) => l.instructions > 0 && l.in_block_of === undefined)).toBe(true);
      const sum = layerSum(record);
      expect(Math.abs(sum - run.instructions_per_inference) / run.instructions_per_inference).toBeLessThan(0.01);
      // The hooks cost something, and the profiled build's total says so.
      expect(record.instructions_per_inference).toBeGreaterThan(run.instructions_per_inference);
      expect(first.printed).toMatchObject({ layerSum: sum, unprofiledInstructions: run.instructions_per_inference });

      const convs = manifest.layers.map((l, i) => ({ ...l, i })).filter((l) => l.opType === 'Conv' || l.opType === 'QLinearConv');
      expect(convs.length).toBe(2);
      for (const conv of convs) {
        expect(conv.macs).toBeGreaterThan(0);
        expect(record.layers[conv.i].instructions_per_mac).toBe(record.layers[conv.i].instructions / conv.macs);
      }
      manifest.layers.forEach((l, i) => {
        if (l.macs === 0) expect(record.layers[i].instructions_per_mac).toBeNull();
      });

      expect(sha256(join(dir, 'firmware.elf'))).toBe(firmware);
      // The user's folder got the record, not the profiling build.
      expect(readJson<RunRecord>(join(dir, 'run.json')).firmware_sha256).toBe(firmware);
    });
  }

  it('prints a table with every layer, its kernel and share, and the totals', () => {
    const dir = compileAndBuild('profile-table', join(mnist, 'mnist.onnx'), 'mps2-an386');
    const manifest = readJson<Manifest>(join(dir, 'onnx2mcu.json'));
    const run = unprofiledRun(dir, sample);
    const text = cliOk(['run', dir, '--input', sample, '--profile']);
    const record = readJson<ProfileRecord>(join(dir, 'profile.json'));
    manifest.layers.forEach((l, i) => {
      const row = text.split('\n').find((line) => line.startsWith(`${i} `) && line.includes(l.node));
      expect(row, text).toBeDefined();
      expect(row).toContain(l.kernel);
      expect(row).toContain(record.layers[i].instructions.toLocaleString('en'));
      expect(row).toContain(l.macs === 0 ? '—' : record.layers[i].instructions_per_mac!.toFixed(2));
    });
    expect(text).toContain(`of the unprofiled run's ${run.instructions_per_inference.toLocaleString('en')}`);
    expect(text).toContain(`layers   ${layerSum(record).toLocaleString('en')} instructions`);
  });

  it('refuses --host --profile (exit 2) and a profile without the model\'s input', () => {
    // Both are refused before any build, so the folder need not be built.
    const dir = join(scratchDir('profile-refusals'), 'out');
    cliOk(['compile', join(mnist, 'mnist.onnx'), '-o', dir, '--board', 'mps2-an386']);
    const host = cli(['run', dir, '--host', '--profile', '--input', sample]);
    expect(host.code).toBe(2);
    expect(host.stderr).toContain('--profile needs the firmware under QEMU: the host build has no instruction counter');
    const missing = cli(['run', dir, '--profile']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("no value given for input 'input'");
  });
});

describe('run --profile on streamed attention', () => {
  it('counts each streamed block on its first step and marks the others as part of it', () => {
    const work = scratchDir('profile-attention');
    const model = join(work, 'attention.onnx');
    writeFileSync(model, attentionModel());
    const input = join(work, 'x.npy');
    writeTensorFile(input, floats('x', [1, ATTENTION.L, ATTENTION.D], 9, 'float32', -2, 2));
    const dir = compileAndBuild('profile-attention-out', model, 'mps2-an386');
    const run = unprofiledRun(dir, input);
    const { record } = profile(dir, input);

    // model.c's hooks name the blocks: LAYER_PROFILED(first step, steps in the block).
    const blocks = [...readFileSync(join(dir, 'model.c'), 'utf8').matchAll(/LAYER_PROFILED\((\d+), (\d+)\);/g)]
      .map((m) => ({ first: Number(m[1]), steps: Number(m[2]) }));
    expect(blocks.reduce((n, b) => n + b.steps, 0)).toBe(record.layers.length);
    const streamed = blocks.filter((b) => b.steps > 1);
    expect(streamed.length).toBeGreaterThan(0);
    for (const block of blocks) {
      expect(record.layers[block.first].in_block_of).toBeUndefined();
      expect(record.layers[block.first].instructions).toBeGreaterThan(0);
      for (let step = block.first + 1; step < block.first + block.steps; step++) {
        expect(record.layers[step]).toMatchObject({ instructions: 0, instructions_per_mac: null, in_block_of: block.first });
      }
    }
    const sum = layerSum(record);
    expect(Math.abs(sum - run.instructions_per_inference) / run.instructions_per_inference).toBeLessThan(0.01);

    const text = cliOk(['run', dir, '--input', input, '--profile']);
    for (const block of streamed) {
      expect(text).toContain(`counted together on step ${block.first}`);
      expect(text.split('\n').find((line) => line.startsWith(`${block.first + 1} `))).toContain(`(in ${block.first})`);
    }
  });
});
