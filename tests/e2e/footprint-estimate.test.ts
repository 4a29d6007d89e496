// The compile-time footprint estimate (compiler/boards/code-size.ts, through the budget) against
// the linker: every example on the two boards issue #6 names and on the Pico (Cortex-M0+, no FPU,
// so libgcc's soft-float routines come in). The flash and RAM totals must be within 5 % of the
// ELF's, the code within 0.5 %, the static data exact, and the stack estimate must cover what
// the firmware's painted stack shows under QEMU. And the committed table for the default board's
// core must be what scripts/measure-code-sizes.mjs makes of the runtime today.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BOARD, loadBoard } from '../../compiler/boards/index.js';
import { codeSizeKey, codeSizeTableFile } from '../../compiler/boards/code-size.js';
import { buildModel } from '../../compiler/build/index.js';
import { compileModel, type CompileOptions } from '../../compiler/compile.js';
import { readTensorFile } from '../../compiler/tensor-files/index.js';
// @ts-expect-error: a plain .mjs maintainer script, without type declarations
import { formatTable, measureTable } from '../../scripts/measure-code-sizes.mjs';
import { scratchDir } from '../helpers/pipeline.js';

const root = join(import.meta.dirname, '..', '..');
const mnist = join(root, 'examples', 'mnist');
const EXAMPLES: { name: string; options: Pick<CompileOptions, 'modelPath' | 'int8'>; input: string }[] = [
  { name: 'mnist float32', options: { modelPath: join(mnist, 'mnist.onnx') }, input: join(mnist, 'inputs', 'sample_0.npy') },
  {
    name: 'mnist int8', options: { modelPath: join(mnist, 'mnist.onnx'), int8: { calibration: join(mnist, 'calibration.npy') } },
    input: join(mnist, 'inputs', 'sample_0.npy'),
  },
  { name: 'qdq', options: { modelPath: join(root, 'examples', 'qdq', 'model.onnx') }, input: join(root, 'examples', 'qdq', 'inputs', 'sample_0.npy') },
];
const BOARDS = ['nrf52840dk', 'nucleo-h743zi', 'pico'];
const CODE_SECTIONS = ['.vectors', '.text', '.rodata', '.ARM.exidx'];

/*
 * The code bound: everything but model.c's run function is laid out from the runtime's own
 * measured sections, alignment and merged strings included, so what is left is the run function's
 * per-call model (within 4 bytes on these examples, see code-size.ts) and libgcc's member order.
 * 0.5 % is about 50 bytes here: room for a call or two mis-modelled, not for a lost function.
 */
const CODE_FRACTION = 0.005;
const TOTAL_FRACTION = 0.05;

const within = (estimated: number, measured: number, fraction: number) => Math.abs(estimated - measured) <= fraction * measured;

describe('footprint estimate against the linker', () => {
  const work = scratchDir('footprint-estimate');
  for (const boardId of BOARDS) {
    for (const example of EXAMPLES) {
      it(`${example.name} on ${boardId}`, () => {
        const board = loadBoard(boardId);
        const dir = join(work, `${boardId}-${example.name.replace(/\W+/g, '_')}`);
        const { manifest } = compileModel({ ...example.options, outDir: dir, board, prefix: 'model', shapes: new Map() });
        const { estimate } = manifest.budget;
        expect(estimate.basis).toBe('measured-runtime');
        const build = buildModel(dir);
        const size = (name: string) => build.sections.find((s) => s.name === name)?.size ?? 0;

        const code = CODE_SECTIONS.reduce((sum, name) => sum + size(name), 0);
        expect(within(estimate.codeBytes, code, CODE_FRACTION), `code: estimated ${estimate.codeBytes}, linked ${code}`).toBe(true);
        // Static data comes whole from the measured objects: nothing in it is modelled.
        expect(estimate.dataImageBytes).toBe(size('.data'));
        expect(estimate.dataBytes).toBe(size('.data') + size('.bss'));
        expect(manifest.arenaBytes + estimate.arenaGuardBytes).toBe(size('.o2m_arena'));

        const estimatedUse = (kind: 'flash' | 'ram') => manifest.budget.regions.filter((r) => r.kind === kind).reduce((sum, r) => sum + r.used, 0);
        const flash = estimatedUse('flash');
        const ram = estimatedUse('ram');
        expect(within(flash, build.flashBytes, TOTAL_FRACTION), `flash: estimated ${flash}, linked ${build.flashBytes}`).toBe(true);
        expect(within(ram, build.ramBytes, TOTAL_FRACTION), `RAM: estimated ${ram}, linked ${build.ramBytes}`).toBe(true);

        // The stack: the deepest static call path must cover the deepest point the run reached
        // (the harness paints the stack and reports how much of it was overwritten).
        const input = readTensorFile(example.input);
        const data = input.data as Float32Array;
        writeFileSync(join(dir, 'input_0.bin'), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        const run = spawnSync('make', ['-s', '-C', dir, 'run'], { encoding: 'utf8' });
        expect(run.status, run.stdout + run.stderr).toBe(0);
        const peak = Number(/stack_peak_bytes=(\d+)/.exec(run.stdout)?.[1]);
        expect(peak).toBeGreaterThan(0);
        expect(estimate.stackBytes).toBeGreaterThanOrEqual(peak);
        // … without being a blanket figure: within a quarter of it.
        expect(estimate.stackBytes).toBeLessThanOrEqual(peak * 1.25);
      });
    }
  }

  it(`the committed table for ${DEFAULT_BOARD}'s core is what the runtime compiles to today`, async () => {
    const board = loadBoard(DEFAULT_BOARD);
    const measured = formatTable(await measureTable(board, compileModel));
    const committed = readFileSync(codeSizeTableFile(codeSizeKey(board)), 'utf8');
    // A failure here means runtime-c, main.c.hbs or the firmware flags changed:
    // run `npx tsc -p . && node scripts/measure-code-sizes.mjs` and commit the tables.
    expect(measured === committed, 'compiler/boards/code-size is stale: node scripts/measure-code-sizes.mjs').toBe(true);
  }, 60_000);
});
