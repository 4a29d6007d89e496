// The small EmbBERT spam classifier (examples/embbert/embbert-small.onnx: vocabulary 2048,
// ℓ = 128) end to end: compiled int8 on the committed calibration e-mails, built for mps2-an386,
// run under QEMU on the first held-back test e-mails. Its predictions are the float model's
// (ONNX Runtime), the firmware's logits are the host build's bit for bit, and the memory the
// report claims is what the ELF holds. One compile and build serve the whole file.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { readManifest, type Manifest } from '../../compiler/compile.js';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { runBatch, type BatchResult } from '../../compiler/run/index.js';
import { loadDataset } from '../../compiler/tensor-files/dataset.js';
import { readTensorFile, writeTensorFile } from '../../compiler/tensor-files/index.js';
import type { ProfileRecord } from '../../compiler/run/records.js';
import { cliOk } from '../helpers/cli.js';
import { scratchDir } from '../helpers/pipeline.js';

const example = join(import.meta.dirname, '..', '..', 'examples', 'embbert');
const MODEL = join(example, 'embbert-small.onnx');
const TEST_IDS = join(example, 'test', 'ids-128.npy');
const TEST_LABELS = join(example, 'test', 'labels.npy');
/** The first e-mails of the held-back test set: ~0.45 s each under QEMU. */
const SAMPLES = 24;

const C_SIZES: Record<string, number> = { float: 4, int8_t: 1, uint8_t: 1, int16_t: 2, uint16_t: 2, int32_t: 4, uint32_t: 4, int64_t: 8 };

const argmax = (logits: ArrayLike<number>) => Array.from(logits).reduce((best, v, i, all) => (v > all[best] ? i : best), 0);
const logitsOf = (outputs: Map<string, ConstTensor>) => outputs.get('logits')!.data as Float32Array;

/** Symbol sizes from `arm-none-eabi-nm -S`, read here apart from the code under test. */
function symbolSizes(elf: string): Map<string, number> {
  const lines = execFileSync('arm-none-eabi-nm', ['-S', elf], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n');
  return new Map(lines.flatMap((line) => {
    const m = /^[0-9a-f]+ ([0-9a-f]+) \w (\S+)$/.exec(line);
    return m ? [[m[2], parseInt(m[1], 16)] as const] : [];
  }));
}

describe('EmbBERT small, int8, under QEMU on mps2-an386', () => {
  const dir = join(scratchDir('embbert-small'), 'out');
  let manifest: Manifest;
  let samples: Map<string, ConstTensor>[];
  let labels: number[];
  let float: Float32Array[];
  let host: BatchResult;
  let qemu: BatchResult;

  beforeAll(async () => {
    cliOk(['compile', MODEL, '--quantize', 'int8', '--calibration', join(example, 'calibration-128.npy'), '--board', 'mps2-an386', '-o', dir]);
    cliOk(['build', dir]);
    cliOk(['build', dir, '--host']);
    manifest = readManifest(dir);
    samples = loadDataset(TEST_IDS, manifest.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape }))).slice(0, SAMPLES);
    labels = Array.from(readTensorFile(TEST_LABELS).data as BigInt64Array, Number).slice(0, SAMPLES);

    const session = await ort.InferenceSession.create(MODEL);
    try {
      float = [];
      for (const sample of samples) {
        const ids = sample.get('input_ids')!;
        const result = await session.run({ input_ids: new ort.Tensor('int64', ids.data as BigInt64Array, ids.shape) });
        float.push((result.logits.data as Float32Array).slice());
      }
    } finally {
      await session.release();
    }
    host = await runBatch(dir, { host: true, samples });
    qemu = await runBatch(dir, { host: false, samples });
  });

  it('runs every sample on the host and under QEMU', () => {
    expect(samples).toHaveLength(SAMPLES);
    for (const [name, run] of [['host', host], ['QEMU', qemu]] as const) {
      expect(run.exitCode, `${name}: ${run.stdout}${run.stderr}`).toBe(0);
      expect(run.outputs).toHaveLength(SAMPLES);
      for (const outputs of run.outputs) expect(logitsOf(outputs)).toHaveLength(2);
    }
    expect(qemu.instructions).toHaveLength(SAMPLES);
    for (const count of qemu.instructions) expect(count).toBeGreaterThan(0);
  });

  /*
   * On these 24 e-mails the int8 logits come within 0.13 of the float ones (measured), and the
   * float logits' margin |logit₁ − logit₀| is 0.39 at the smallest (e-mail 5), so every int8
   * prediction is the float model's: 24 of 24. A prediction can only flip where the margin is
   * under twice the logit error; one such borderline e-mail could appear with a change of
   * rounding anywhere in the model without anything being wrong, two would mean the int8 model
   * has drifted — hence "all but one". The logit error itself may grow to 0.5 (a quarter of a
   * typical margin here) before this fails.
   */
  it('predicts what the float model predicts on all but at most one e-mail, with logits near the float ones', () => {
    let agree = 0;
    let worst = 0;
    let intCorrect = 0;
    let floatCorrect = 0;
    host.outputs.forEach((outputs, k) => {
      const got = logitsOf(outputs);
      if (argmax(got) === argmax(float[k])) agree++;
      got.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - float[k][i])); });
      if (argmax(got) === labels[k]) intCorrect++;
      if (argmax(float[k]) === labels[k]) floatCorrect++;
    });
    expect(agree).toBeGreaterThanOrEqual(SAMPLES - 1);
    expect(worst).toBeLessThan(0.5);
    expect(intCorrect).toBeGreaterThanOrEqual(floatCorrect - 1);
    // validate (ONNX Runtime against the host build) counts the same agreement.
    const validated = JSON.parse(cliOk(['validate', MODEL, dir, '--data', TEST_IDS, '--labels', TEST_LABELS, '--limit', String(SAMPLES), '--json']));
    expect(validated.samples).toBe(SAMPLES);
    expect(validated.outputs.logits.top1Agreement).toBeCloseTo(agree / SAMPLES, 10);
    expect(validated.outputs.logits.accuracy).toBeCloseTo(intCorrect / SAMPLES, 10);
  });

  it('gives under QEMU the host build\'s logits bit for bit', () => {
    qemu.outputs.forEach((outputs, k) => {
      const [got, want] = [logitsOf(outputs), logitsOf(host.outputs[k])];
      expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength)), `e-mail ${k}: ${Array.from(got)} vs ${Array.from(want)}`).toBe(true);
    });
  });

  it('has the arena and weights in the ELF that the manifest and report name, and a plan that fits them', () => {
    const elf = join(dir, 'firmware.elf');
    const sizes = symbolSizes(elf);
    const report = JSON.parse(cliOk(['report', dir, '--format', 'json']));
    const { measured } = report;
    expect(measured.arena_bytes).toBe(manifest.arenaBytes);
    expect(sizes.get('guarded_arena')).toBe(manifest.arenaBytes + measured.arena_guard_bytes);
    const declared = [...readFileSync(join(dir, 'model.c'), 'utf8').matchAll(/static const (\w+) (\w+)\[(\d+)\] O2M_WEIGHTS/g)];
    expect(declared.length).toBeGreaterThan(0);
    let weightBytes = 0;
    for (const [, ctype, name, count] of declared) {
      expect(sizes.get(name), name).toBe(Number(count) * C_SIZES[ctype]);
      weightBytes += Number(count) * C_SIZES[ctype];
    }
    expect(manifest.weightsBytes).toBe(weightBytes);
    expect(measured.weights_bytes).toBe(weightBytes);
    // Every tensor of the plan lies inside the arena, and no two buffers live at once in the
    // same bytes (views and in-place outputs name the buffer they share).
    const buffers = manifest.memory.tensors.filter((t) => t.alias_of === undefined);
    for (const t of manifest.memory.tensors) expect(t.offset + t.bytes, t.name).toBeLessThanOrEqual(manifest.arenaBytes);
    for (const [i, a] of buffers.entries()) {
      for (const b of buffers.slice(i + 1)) {
        const together = a.first <= b.last && b.first <= a.last;
        const overlap = a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
        expect(together && overlap, `${a.name} and ${b.name}`).toBe(false);
      }
    }
    expect(manifest.arenaBytes).toBeGreaterThanOrEqual(manifest.memory.lower_bound_bytes);
    // The run painted less stack than the board reserves.
    expect(qemu.stackPeakBytes).toBeGreaterThan(0);
    expect(qemu.stackPeakBytes).toBeLessThanOrEqual(report.memory.stack_reserved_bytes);
  });

  // The profiled firmware prints one line per layer, 77 here (over 3 KB): QEMU once dropped what
  // passed a couple of kilobytes when its console was a pipe, and the profile failed.
  it('profiles every layer under QEMU: the streamed blocks counted once, adding up to the unprofiled run', () => {
    const input = join(dir, 'email-0.npy');
    writeTensorFile(input, samples[0].get('input_ids')!);
    const printed = JSON.parse(cliOk(['run', dir, '--input', `input_ids=${input}`, '--profile', '--json']));
    const record = JSON.parse(readFileSync(join(dir, 'profile.json'), 'utf8')) as ProfileRecord;
    expect(record.layers.map((l) => l.node)).toEqual(manifest.layers.map((l) => l.node));
    const blocks = record.layers.filter((l) => l.in_block_of === undefined);
    const sum = blocks.reduce((total, l) => total + l.instructions, 0);
    expect(printed.unprofiledInstructions).toBe(qemu.instructions[0]);
    // Each hook's measured cost is taken off its block; what remains is a few instructions each.
    expect(Math.abs(sum - printed.unprofiledInstructions)).toBeLessThan(50 * blocks.length);
    // The attention of each layer runs as one block whose steps are counted on its first step.
    const streamed = record.layers.filter((l) => l.in_block_of !== undefined);
    expect(streamed.length).toBeGreaterThan(0);
    for (const l of streamed) expect(record.layers[l.in_block_of!].in_block_of).toBeUndefined();
  });
});
