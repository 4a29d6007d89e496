// The footprint report against the linker, for every example on the two boards the issue names
// and on the Pico (Cortex-M0+, no FPU, so libgcc's soft-float routines come in): the weights and
// the arena in report.json are the ELF's symbols to the byte, the flash and RAM estimated before
// linking are within 5 % of what the linker placed, the code within 0.5 %, the static data
// exact, the stack estimate covers the painted stack, the measured parts add up to the regions'
// totals, and a run's painted stack and instruction count land in the report.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../compiler/boards/index.js';
import { exceptionFrameBytes } from '../../compiler/boards/code-size.js';
import { readSymbols } from '../../compiler/build/index.js';
import { cliOk } from '../helpers/cli.js';
import { scratchDir } from '../helpers/pipeline.js';

const root = join(import.meta.dirname, '..', '..');
const mnist = join(root, 'examples', 'mnist');
const EXAMPLES: { name: string; args: string[]; input: string }[] = [
  { name: 'mnist float32', args: [join(mnist, 'mnist.onnx')], input: join(mnist, 'inputs', 'sample_0.npy') },
  {
    name: 'mnist int8', args: [join(mnist, 'mnist.onnx'), '--quantize', 'int8', '--calibration', join(mnist, 'calibration.npy')],
    input: join(mnist, 'inputs', 'sample_0.npy'),
  },
  { name: 'qdq (PyTorch int8)', args: [join(root, 'examples', 'qdq', 'model.onnx')], input: join(root, 'examples', 'qdq', 'inputs', 'sample_0.npy') },
];

const C_SIZES: Record<string, number> = { float: 4, int8_t: 1, uint8_t: 1, int16_t: 2, uint16_t: 2, int32_t: 4, uint32_t: 4, int64_t: 8, double: 8 };

/** Allocated sections from `objdump -h`, read here apart from the code under test. */
function sections(elf: string): { name: string; size: number; vma: number; lma: number; load: boolean }[] {
  const text = execFileSync('arm-none-eabi-objdump', ['-h', elf], { encoding: 'utf8' }).split('\n');
  return text.flatMap((line, i) => {
    const m = /^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(line);
    const flags = text[i + 1] ?? '';
    return m && flags.includes('ALLOC')
      ? [{ name: m[1], size: parseInt(m[2], 16), vma: parseInt(m[3], 16), lma: parseInt(m[4], 16), load: flags.includes('LOAD') }] : [];
  });
}

/*
 * The code bound: everything but model.c's run function is laid out from the runtime's own
 * measured sections, alignment and merged strings included, so what is left is the run function's
 * per-call model (within 4 bytes on these examples, see code-size.ts) and libgcc's member order.
 * 0.5 % is about 50 bytes here: room for a call or two mis-modelled, not for a lost function.
 */
const CODE_FRACTION = 0.005;
const TOTAL_FRACTION = 0.05;

const within = (estimated: number, measured: number, fraction: number) => Math.abs(estimated - measured) <= fraction * measured;

describe('report.json against the ELF', () => {
  const work = scratchDir('report-footprint');
  for (const board of ['nrf52840dk', 'nucleo-h743zi', 'pico']) {
    for (const example of EXAMPLES) {
      it(`${example.name} on ${board}`, () => {
        const dir = join(work, `${board}-${example.name.replace(/\W+/g, '_')}`);
        cliOk(['compile', ...example.args, '-o', dir, '--board', board]);
        const before = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
        expect(before.measured).toBeNull();
        expect(before.budget.basis).toBe('estimated');

        cliOk(['build', dir]);
        const run = JSON.parse(cliOk(['run', dir, '--input', example.input, '--json']));
        const report = JSON.parse(cliOk(['report', dir, '--format', 'json']));
        const { estimate, measured } = report;

        // Exact: what compile planned is what the linker holds.
        const elf = join(dir, 'firmware.elf');
        const symbols = readSymbols('arm-none-eabi-nm', elf);
        const arenaSymbol = symbols.find((s) => s.name === 'guarded_arena')!;
        expect(measured.arena_bytes).toBe(arenaSymbol.size - measured.arena_guard_bytes);
        expect(measured.arena_bytes).toBe(report.memory.arena_bytes);
        expect(estimate.arena_bytes).toBe(measured.arena_bytes);
        expect(estimate.arena_guard_bytes).toBe(measured.arena_guard_bytes);
        // The weight arrays model.c declares, each as big in the ELF as its C type says.
        const declared = [...readFileSync(join(dir, 'model.c'), 'utf8').matchAll(/static const (\w+) (\w+)\[(\d+)\] O2M_WEIGHTS/g)];
        expect(declared.length).toBeGreaterThan(0);
        let weightBytes = 0;
        for (const [, ctype, name, count] of declared) {
          const size = symbols.find((s) => s.name === name)!.size;
          expect(size, name).toBe(Number(count) * C_SIZES[ctype]);
          weightBytes += size;
        }
        expect(measured.weights_bytes).toBe(weightBytes);
        expect(measured.weights_bytes).toBe(report.memory.weights_bytes);
        expect(estimate.weights_bytes).toBe(measured.weights_bytes);

        // The measured parts add up to the regions' totals, as a reader of the report adds them.
        const flashUsed = measured.regions.filter((r: { kind: string }) => r.kind === 'flash').reduce((s: number, r: { used: number }) => s + r.used, 0);
        const ramUsed = measured.regions.filter((r: { kind: string }) => r.kind === 'ram').reduce((s: number, r: { used: number }) => s + r.used, 0);
        expect(measured.flash_bytes).toBe(flashUsed);
        expect(measured.ram_bytes).toBe(ramUsed);
        // Regions fill from their origins; the ELF's sections and the gaps the linker left between them.
        const elfSections = sections(elf);
        const gaps = measured.regions.reduce((sum: number, r: { used: number }) => sum + r.used, 0)
          - elfSections.reduce((sum, s) => sum + s.size * (s.load && s.lma !== s.vma ? 2 : 1), 0);
        expect(measured.alignment_bytes).toBe(gaps + (measured.weights_section_bytes - measured.weights_bytes));
        expect(measured.flash_bytes + measured.ram_bytes).toBe(measured.code_bytes + measured.weights_bytes + measured.data_image_bytes
          + measured.data_bytes + measured.arena_bytes + measured.arena_guard_bytes + measured.stack_bytes + measured.alignment_bytes);
        expect(measured.code_bytes + measured.weights_section_bytes + measured.data).toBeLessThanOrEqual(measured.flash_bytes);

        // Close: the estimate made before linking.
        expect(estimate.weights_bytes + estimate.arena_bytes + estimate.arena_guard_bytes + estimate.stack_bytes).toBe(
          measured.weights_bytes + measured.arena_bytes + measured.arena_guard_bytes + measured.stack_bytes);
        expect(estimate.basis).toBe('measured-runtime');
        expect(within(estimate.flash_bytes, measured.flash_bytes, TOTAL_FRACTION), `flash estimated ${estimate.flash_bytes}, linked ${measured.flash_bytes}`).toBe(true);
        expect(within(estimate.ram_bytes, measured.ram_bytes, TOTAL_FRACTION), `RAM estimated ${estimate.ram_bytes}, linked ${measured.ram_bytes}`).toBe(true);
        const size = (name: string) => elfSections.find((s) => s.name === name)?.size ?? 0;
        const code = ['.vectors', '.text', '.rodata', '.ARM.exidx'].reduce((sum, name) => sum + size(name), 0);
        expect(within(estimate.code_bytes, code, CODE_FRACTION), `code: estimated ${estimate.code_bytes}, linked ${code}`).toBe(true);
        // Static data comes whole from the measured objects: nothing in it is modelled.
        expect(estimate.data_image_bytes).toBe(size('.data'));
        expect(estimate.data_bytes).toBe(size('.data') + size('.bss'));

        // The run's figures, for this firmware.
        expect(measured.instructions_per_inference).toBe(run.instructions);
        expect(measured.stack_peak_bytes).toBe(run.stackPeakBytes);
        expect(measured.stack_peak_bytes).toBeGreaterThan(0);
        expect(measured.stack_peak_bytes).toBeLessThanOrEqual(report.memory.stack_reserved_bytes);
        // The deepest static call path covers the deepest point the run reached, without being a
        // blanket figure: within a quarter of it, leaving out the exception frame the estimate
        // reserves for an interrupt at that point (the run's paint holds one only if SysTick
        // happened to fire there).
        expect(report.memory.stack_bytes).toBeGreaterThanOrEqual(measured.stack_peak_bytes);
        expect(report.memory.stack_bytes - exceptionFrameBytes(loadBoard(board))).toBeLessThanOrEqual(measured.stack_peak_bytes * 1.25);
        // In use: what the regions hold, with the reserved .stack section (objdump's size) counted
        // only as deep as the run painted it.
        const regionsUsed = measured.regions.reduce((sum: number, r: { used: number }) => sum + r.used, 0);
        expect(size('.stack')).toBe(report.memory.stack_reserved_bytes);
        expect(measured.in_use_bytes).toBe(regionsUsed - size('.stack') + run.stackPeakBytes);

        // The budget's verdict now rests on the ELF.
        expect(report.budget.basis).toBe('measured');
        for (const r of report.budget.regions) {
          expect(r.measured_used).toBe(measured.regions.find((m: { name: string }) => m.name === r.region).used);
          expect(r.fits).toBe(r.measured_used <= r.available);
        }
        expect(readFileSync(join(dir, 'report.txt'), 'utf8')).toContain(measured.flash_bytes.toLocaleString('en'));

        // The weights' section as the plan lays it out, padding included.
        expect(estimate.weights_section_bytes).toBe(measured.weights_section_bytes);
        // Every weight array is read by some layer.
        const perLayer = report.layers.reduce((sum: number, l: { weight_bytes: number }) => sum + l.weight_bytes, 0);
        expect(perLayer).toBeGreaterThanOrEqual(measured.weights_bytes);

        // The page draws each region's parts at the budget's sizes and marks where the ELF's use ends.
        const html = readFileSync(join(dir, 'report.html'), 'utf8');
        for (const r of report.budget.regions) {
          const drawn = [...html.matchAll(new RegExp(`<rect class="part" data-region="${r.region}" data-part="(\\w+)" data-bytes="(\\d+)"`, 'g'))];
          expect(Object.fromEntries(drawn.map((m) => [m[1], Number(m[2])]))).toEqual(Object.fromEntries(Object.entries(r.parts).filter(([, b]) => (b as number) > 0)));
          expect(html).toContain(`<line class="measured" data-region="${r.region}" data-bytes="${r.measured_used}"`);
        }
      });
    }
  }
});
