// The real boards onnx2mcu ships, each emulated on the QEMU machine with its core and linked
// with the board's own flash and RAM: a model builds, runs, and gives the host's bits; a model
// too big for the nRF52840's 256 KB of RAM stops at the link with exit 3 and the overflow, and
// the same model fits once attention runs one row at a time.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../compiler/boards/index.js';
import { runBatch } from '../../compiler/run/index.js';
import { loadDataset } from '../../compiler/tensor-files/dataset.js';
import { attentionModel, ATTENTION } from '../helpers/attention-model.js';
import { floats } from '../helpers/op-cases.js';
import { runOrt } from '../helpers/ort.js';
import { compareClose, scratchDir } from '../helpers/pipeline.js';
import { cli, cliOk } from '../helpers/cli.js';

const root = join(import.meta.dirname, '..', '..');
const mnist = join(root, 'examples', 'mnist');

const REAL_BOARDS: [id: string, core: string, flash: number, ram: number][] = [
  ['nrf52840dk', 'cortex-m4', 1024 * 1024, 256 * 1024],
  ['nucleo-f746zg', 'cortex-m7', 1024 * 1024, 320 * 1024],
  ['nucleo-h743zi', 'cortex-m7', 2048 * 1024, 512 * 1024],
  ['pico', 'cortex-m0plus', 2048 * 1024, 264 * 1024],
];

describe('real boards under emulation', () => {
  const work = scratchDir('real-boards');
  const samples = loadDataset(join(mnist, 'calibration.npy'), [{ name: 'input', dtype: 'float32', shape: [1, 1, 28, 28] }]).slice(0, 3);
  const compileArgs = (dir: string, board: string) => ['compile', join(mnist, 'mnist.onnx'), '-o', dir, '--board', board,
    '--quantize', 'int8', '--calibration', join(mnist, 'calibration.npy')];

  it('lists them with core, flash and RAM', () => {
    const listed = JSON.parse(cliOk(['boards', '--json']));
    for (const [id, core, flash, ram] of REAL_BOARDS) {
      const b = listed.find((x: { id: string }) => x.id === id);
      expect(b.core).toBe(core);
      const total = (kind: string) => b.memory.filter((r: { kind: string }) => r.kind === kind).reduce((s: number, r: { length: number }) => s + r.length, 0);
      expect([total('flash'), total('ram')]).toEqual([flash, ram]);
    }
  });

  const hostDir = join(work, 'host');
  let host: Float32Array[] = [];

  for (const [id, , flash, ram] of REAL_BOARDS) {
    it(`${id}: MNIST int8 links into the board's own sizes and runs with the host's bits`, async () => {
      if (host.length === 0) {
        cliOk([...compileArgs(hostDir, 'mps2-an386')]);
        cliOk(['build', hostDir, '--host']);
        const h = await runBatch(hostDir, { host: true, samples });
        host = h.outputs.map((o) => o.get('probabilities')!.data as Float32Array);
      }
      const dir = join(work, id);
      cliOk(compileArgs(dir, id));
      const build = JSON.parse(cliOk(['build', dir, '--json']));
      expect(build.regions.map((r: { name: string; length: number }) => [r.name, r.length])).toEqual([['FLASH', flash], ['RAM', ram]]);
      const batch = await runBatch(dir, { samples });
      expect(batch.exitCode, batch.stdout + batch.stderr).toBe(0);
      batch.outputs.forEach((o, k) => {
        expect(Buffer.from((o.get('probabilities')!.data as Float32Array).buffer).equals(Buffer.from(host[k].buffer)), `sample ${k}`).toBe(true);
      });
      // The counter divides by the emulated machine's SysTick, not the real board's clock.
      expect(loadBoard(id).qemu.systickHz).toBe(25_000_000);
      for (const n of batch.instructions) expect(n).toBeGreaterThan(307_648);
    });
  }

  it('nrf52840dk: attention with a whole 256×256 score matrix does not fit (exit 3 at compile time, RAM, the overflow); row by row it does', async () => {
    const model = join(work, 'attention.onnx');
    writeFileSync(model, attentionModel());
    // Stopped at compile time, from the plan: nothing is written.
    const whole = cli(['compile', model, '-o', join(work, 'whole'), '--board', 'nrf52840dk', '--no-stream-attention']);
    expect(whole.code, whole.stderr).toBe(3);
    const over = /does not fit board nrf52840dk: RAM \(ram\) overflows by ([\d,]+) bytes/.exec(whole.stderr);
    expect(over, whole.stderr).not.toBeNull();
    expect(Number(over![1].replace(/,/g, ''))).toBeGreaterThan(540_672 - 256 * 1024); // the arena alone is 540,672
    expect(whole.stderr).toContain('--no-stream-attention');
    expect(existsSync(join(work, 'whole'))).toBe(false);

    cliOk(['compile', model, '-o', join(work, 'rows'), '--board', 'nrf52840dk']);
    const build = JSON.parse(cliOk(['build', join(work, 'rows'), '--json']));
    expect(build.ramBytes).toBeLessThan(256 * 1024);
    const x = floats('x', [1, ATTENTION.L, ATTENTION.D], 9, 'float32', -2, 2);
    const batch = await runBatch(join(work, 'rows'), { samples: [new Map([['x', x]])] });
    expect(batch.exitCode, batch.stdout + batch.stderr).toBe(0);
    expect(compareClose(batch.outputs[0].get('y')!, (await runOrt(attentionModel(), { x })).y)).toBeNull();
  });

  it('checks again at the link: a debug build that outgrows the flash the plan fitted stops with exit 3, the region and the linker\'s overflow', () => {
    // The release build fits a board with 64 bytes of flash to spare; the --check-writes build's
    // checksum tables do not, by as much as they take on a board where they fit.
    const roomy = join(work, 'roomy');
    cliOk([...compileArgs(roomy, 'nrf52840dk')]);
    const debugUse = JSON.parse(cliOk(['build', roomy, '--check-writes', '--json'])).flashBytes;
    const planned = JSON.parse(readFileSync(join(roomy, 'report.json'), 'utf8')).estimate.flash_bytes;
    const board = JSON.parse(readFileSync(join(root, 'boards', 'nrf52840dk.json'), 'utf8'));
    board.id = 'tight-flash';
    board.memory.find((r: { name: string }) => r.name === 'FLASH').length = planned + 64;
    const boardFile = join(work, 'tight-flash.json');
    writeFileSync(boardFile, JSON.stringify(board));

    const tight = join(work, 'tight');
    cliOk(['compile', join(mnist, 'mnist.onnx'), '-o', tight, '--board-file', boardFile, '--quantize', 'int8', '--calibration', join(mnist, 'calibration.npy')]);
    cliOk(['build', tight]);
    const debug = cli(['build', tight, '--check-writes']);
    expect(debug.code, debug.stderr).toBe(3);
    const over = /does not fit board tight-flash as linked: FLASH overflows by ([\d,]+) bytes/.exec(debug.stderr);
    expect(over, debug.stderr).not.toBeNull();
    expect(Number(over![1].replace(/,/g, ''))).toBe(debugUse - (planned + 64));
    expect(debug.stderr).toMatch(/layers with the most weights: \/fc1\/Gemm [\d,]+ bytes/);
    expect(debug.stderr).toContain('a board with more flash');
  });
});
