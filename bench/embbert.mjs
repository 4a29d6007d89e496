#!/usr/bin/env node
// The EmbBERT flagship's figures (issue #7), measured rather than counted: each variant compiled
// in int8 for its board, linked, run under QEMU with -icount; accuracy of the host build over the
// committed held-back e-mails against the float model (ONNX Runtime) and the labels; the firmware's
// outputs under QEMU against the host build's, bit for bit. Prints a table and writes
// bench/embbert.json. Usage: node bench/embbert.mjs [full|small ...] [--qemu-samples N]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx2mcu, root } from './onnx2mcu-cli.mjs';

const example = join(root, 'examples', 'embbert');
const { runBatch } = await import(join(root, 'dist', 'compiler', 'run', 'index.js'));
const { readTensorFile, writeTensorFile } = await import(join(root, 'dist', 'compiler', 'tensor-files', 'index.js'));

const VARIANTS = {
  full: { model: 'embbert.onnx', length: 256, board: 'nrf52840dk' },
  small: { model: 'embbert-small.onnx', length: 128, board: 'mps2-an386' },
};
const argv = process.argv.slice(2);
const qemuAt = argv.indexOf('--qemu-samples');
const qemuSamples = qemuAt >= 0 ? Number(argv[qemuAt + 1]) : 24;
const chosen = argv.filter((a, i) => !a.startsWith('--') && (qemuAt < 0 || i !== qemuAt + 1));
const names = chosen.length ? chosen : Object.keys(VARIANTS);
for (const name of names) {
  if (!VARIANTS[name]) {
    console.error(`bench/embbert: unknown variant '${name}' (full, small)`);
    process.exit(2);
  }
}


/** The first `count` e-mails of the committed test set, as the model's inputs. */
function emails(length, count) {
  const ids = readTensorFile(join(example, 'test', `ids-${length}.npy`));
  return Array.from({ length: count }, (_, k) => new Map([['input_ids', {
    name: 'input_ids', dtype: 'int64', shape: [1, length], data: ids.data.slice(k * length, (k + 1) * length),
  }]]));
}

const results = {};
for (const name of names) {
  const v = VARIANTS[name];
  const dir = join(root, 'out', `embbert-${name}-${v.board}`);
  const ids = join(example, 'test', `ids-${v.length}.npy`);
  console.error(`${name}: compiling ${v.model} for ${v.board} (int8) …`);
  onnx2mcu('compile', join(example, v.model), '-o', dir, '--board', v.board, '--quantize', 'int8',
    '--calibration', join(example, `calibration-${v.length}.npy`));
  onnx2mcu('build', dir);
  onnx2mcu('build', dir, '--host');
  mkdirSync(join(dir, 'bench'), { recursive: true });
  const first = join(dir, 'bench', 'email-0.npy');
  writeTensorFile(first, emails(v.length, 1)[0].get('input_ids'));
  const run = JSON.parse(onnx2mcu('run', dir, '--input', `input_ids=${first}`, '--json'));
  const report = JSON.parse(onnx2mcu('report', dir, '--format', 'json'));
  console.error(`${name}: validating on the host over the committed test set …`);
  const validation = JSON.parse(onnx2mcu('validate', join(example, v.model), dir, '--data', ids,
    '--labels', join(example, 'test', 'labels.npy'), '--json'));
  console.error(`${name}: ${qemuSamples} e-mails under QEMU against the host build …`);
  const samples = emails(v.length, qemuSamples);
  const [host, firmware] = [await runBatch(dir, { host: true, samples }), await runBatch(dir, { host: false, samples })];
  const identical = samples.filter((_, k) => {
    const a = host.outputs[k].get('logits').data;
    const b = firmware.outputs[k].get('logits').data;
    return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
  }).length;
  const m = report.measured;
  const logits = validation.outputs.logits;
  results[name] = {
    model: v.model, board: v.board, qemu_machine: report.board.qemu_machine, macs: report.macs,
    weights_bytes: m.weights_bytes, code_bytes: m.code_bytes, data_bytes: m.data_bytes, arena_bytes: m.arena_bytes,
    arena_guard_bytes: m.arena_guard_bytes, stack_peak_bytes: m.stack_peak_bytes, stack_reserved_bytes: m.stack_bytes,
    flash_bytes: m.flash_bytes, ram_bytes: m.ram_bytes, in_use_bytes: m.in_use_bytes,
    instructions_per_inference: run.instructions,
    test_samples: validation.samples,
    float_accuracy: logits.referenceAccuracy, int8_accuracy: logits.accuracy, top1_agreement: logits.top1Agreement,
    qemu_samples: qemuSamples, qemu_bit_identical: identical,
  };
}

const n = (x) => (typeof x === 'number' ? x.toLocaleString('en') : String(x));
const pct = (x) => (typeof x === 'number' ? `${(100 * x).toFixed(2)} %` : '—');
const rows = [
  ['board (QEMU machine)', (r) => `${r.board} (${r.qemu_machine})`],
  ['weights (flash)', (r) => n(r.weights_bytes)], ['code (flash)', (r) => n(r.code_bytes)],
  ['arena (RAM)', (r) => n(r.arena_bytes)], ['static data + guards (RAM)', (r) => n(r.data_bytes + r.arena_guard_bytes)],
  ['stack, painted peak', (r) => n(r.stack_peak_bytes)],
  ['in use: flash + peak RAM', (r) => n(r.in_use_bytes)],
  ['linked flash / RAM (stack reserved)', (r) => `${n(r.flash_bytes)} / ${n(r.ram_bytes)}`],
  ['instructions per inference', (r) => n(r.instructions_per_inference)],
  ['instructions per MAC', (r) => (r.instructions_per_inference / r.macs).toFixed(2)],
  ['float accuracy', (r) => pct(r.float_accuracy)], ['int8 accuracy', (r) => pct(r.int8_accuracy)],
  ['int8 vs float top-1 agreement', (r) => pct(r.top1_agreement)],
  ['QEMU = host, bit for bit', (r) => `${r.qemu_bit_identical} of ${r.qemu_samples}`],
];
console.log(`| | ${names.join(' | ')} |\n|---|${names.map(() => '---').join('|')}|`);
for (const [what, f] of rows) console.log(`| ${what} | ${names.map((k) => f(results[k])).join(' | ')} |`);
writeFileSync(join(root, 'bench', 'embbert.json'), `${JSON.stringify(results, null, 2)}\n`);
