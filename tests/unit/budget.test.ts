// The compile-time budget check: each region's use from the plan against its length minus the
// reserve; a model that does not fit stops with exit 3, naming the region, the overflow in bytes,
// the largest consumers and what would help.
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  budgetOf, checkBudget, checkCompileBudget, CODE_BASE_BYTES, CODE_BYTES_PER_KERNEL, CODE_BYTES_PER_STEP,
  DATA_BYTES_ESTIMATE, DATA_IMAGE_BYTES_ESTIMATE, type FootprintEstimate,
} from '../../compiler/boards/budget.js';
import { codeSizeKey, loadCodeSizeTable } from '../../compiler/boards/code-size.js';
import { listBoards, loadBoard, type Board } from '../../compiler/boards/index.js';
import { compileInMemory, type Compiled } from '../../compiler/compile.js';
import { buildModel } from '../helpers/onnx-builder.js';
import { compileError } from '../helpers/errors.js';
import { alignUp, ARENA_GUARD_BYTES } from '../../compiler/ir/graph.js';

const mnist = join(import.meta.dirname, '..', '..', 'examples', 'mnist');
const nrf = loadBoard('nrf52840dk');
const big = loadBoard('mps2-an386'); // 4 MB of each: room for what nrf52840dk refuses

function writeModel(bytes: Uint8Array): string {
  const path = join(mkdtempSync(join(tmpdir(), 'onnx2mcu-budget-')), 'model.onnx');
  writeFileSync(path, bytes);
  return path;
}

function compile(modelPath: string, board: Board, int8 = false): Compiled {
  return compileInMemory({
    modelPath, board, prefix: 'model', shapes: new Map(),
    int8: int8 ? { calibration: join(mnist, 'calibration.npy') } : undefined,
  });
}

/** Compile and check the budget, whether or not compile.ts already calls the check itself. */
function compileChecked(modelPath: string, board: Board) {
  return checkCompileBudget(board, compile(modelPath, board));
}

/** The conservative guess of the code, worked out here from the documented constants. */
function codeGuess(kernels: string[]): number {
  return CODE_BASE_BYTES + new Set(kernels).size * CODE_BYTES_PER_KERNEL + kernels.length * CODE_BYTES_PER_STEP;
}

/** A usage for budgetOf alone: code and data as given, nothing else estimated. */
function estimate(codeBytes: number, dataBytes = 0): FootprintEstimate {
  return { basis: 'measured-runtime', codeBytes, codeSpanBytes: codeBytes, dataBytes, dataImageBytes: 0, arenaGuardBytes: 0, stackBytes: 0 };
}

describe('compile-time budget', () => {
  it('every shipped board\'s core has a measured runtime table', () => {
    for (const board of listBoards()) expect(loadCodeSizeTable(board), codeSizeKey(board)).toBeDefined();
  });

  it('a core with no measured runtime gets the conservative guess, and the budget says so', () => {
    // Armv8-M Baseline: no table. The guess must cover what the linker made of MNIST float32 on
    // every measured core: 11,984 bytes of code on Cortex-M4, 21,368 on Cortex-M0+ (soft float).
    const board: Board = { ...nrf, core: 'cortex-m23', fpu: null, floatAbi: 'soft' };
    const compiled = compile(join(mnist, 'mnist.onnx'), board);
    const budget = checkCompileBudget(board, compiled);
    expect(budget.estimate.basis).toBe('conservative-guess');
    expect(budget.estimate.codeBytes).toBeGreaterThanOrEqual(codeGuess(compiled.lowered.steps.map((s) => s.kernel)));
    expect(budget.estimate.codeBytes).toBeGreaterThan(21_368);
    expect(budget.estimate).toMatchObject({
      dataBytes: DATA_BYTES_ESTIMATE, dataImageBytes: DATA_IMAGE_BYTES_ESTIMATE, arenaGuardBytes: 2 * ARENA_GUARD_BYTES,
      stackBytes: board.stackBytes,
    });
    const tiny: Board = { ...board, memory: board.memory.map((r) => (r.kind === 'flash' ? { ...r, length: 16_384 } : r)) };
    const error = compileError(() => checkCompileBudget(tiny, compiled));
    expect(error.message).toContain('the code and data figures are a conservative guess, as no runtime was measured for core cortex-m23');
  });

  it('MNIST int8 fits nrf52840dk, with per-region figures', () => {
    const compiled = compile(join(mnist, 'mnist.onnx'), nrf, true);
    const budget = checkCompileBudget(nrf, compiled);
    expect(budget.fits).toBe(true);
    const weights = compiled.manifest.weightsSectionBytes; // the arrays with the padding between them
    const { estimate: e } = budget;
    expect(e.basis).toBe('measured-runtime');
    const code = e.codeBytes;
    const flash = budget.regions.find((r) => r.region === 'FLASH')!;
    // .data's initial values are in flash too, with the code.
    expect(flash.parts).toEqual({ code, weights, data: e.dataImageBytes });
    // As linker.ld.hbs lays them out: the weights 16-byte aligned after the code — after its span,
    // which counts the gaps alignment leaves between its sections — .data's image after them.
    expect(e.codeSpanBytes).toBeGreaterThanOrEqual(code);
    const flashUsed = alignUp(e.codeSpanBytes, 16) + weights + e.dataImageBytes;
    expect(flash).toMatchObject({ kind: 'flash', used: flashUsed, available: 1_048_576, fits: true });
    expect(flash.percent).toBeCloseTo((flashUsed / 1_048_576) * 100, 1);
    const ram = budget.regions.find((r) => r.region === 'RAM')!;
    const arena = compiled.manifest.arenaBytes + e.arenaGuardBytes;
    // The stack first, .data after it, the arena 16-byte aligned, then .bss.
    const ramUsed = alignUp(nrf.stackBytes + e.dataImageBytes, 16) + arena + (e.dataBytes - e.dataImageBytes);
    expect(ram).toMatchObject({ kind: 'ram', used: ramUsed, available: 262_144, fits: true });
    expect(ram.parts).toEqual({ arena, stack: nrf.stackBytes, data: e.dataBytes });
    // The stack estimate is the deepest call path, well inside what the board reserves.
    expect(e.stackBytes).toBeGreaterThan(0);
    expect(e.stackBytes).toBeLessThan(nrf.stackBytes);
    expect(JSON.parse(JSON.stringify(budget))).toEqual(budget); // fit for onnx2mcu.json as it is
  });

  it('the reserve is taken off a region', () => {
    const board: Board = { ...nrf, reserve: { FLASH: 65_536, RAM: 200_000 } };
    const usage = { weightsBytes: 0, arenaBytes: 60_000, stackBytes: 8192, estimate: estimate(0) };
    const budget = budgetOf(board, usage);
    expect(budget.regions.map((r) => [r.region, r.available])).toEqual([['FLASH', 1_048_576 - 65_536], ['RAM', 262_144 - 200_000]]);
    const error = compileError(() => checkBudget(board, usage));
    expect(error.message).toContain(`RAM (ram) overflows by ${(60_000 + 8192 - 62_144).toLocaleString('en-US')} bytes`);
    expect(error.message).toContain('200,000 of its 262,144 reserved');
  });

  it('int8 weights that still overflow are not told to quantize; the five largest are named', () => {
    const weights = [10, 400, 30, 200_000, 500, 600_000, 70].map((bytes, i) => ({ name: `w${i}`, bytes }));
    const usage = {
      weightsBytes: weights.reduce((sum, w) => sum + w.bytes, 0), arenaBytes: 0, stackBytes: 8192,
      estimate: estimate(500_000), weights, applied: { int8: true },
    };
    const message = compileError(() => checkBudget(nrf, usage)).message;
    expect(message).toContain(`FLASH (flash) overflows by ${(usage.weightsBytes + 500_000 - 1_048_576).toLocaleString('en-US')} bytes`);
    expect(message).toContain('largest weights: w5 600,000 bytes, w3 200,000 bytes, w4 500 bytes, w1 400 bytes, w6 70 bytes;');
    expect(message).toContain('the weights are already int8');
    expect(message).not.toContain('--quantize');
    expect(message).toContain('a board with more flash');
  });

  it('float weights over 1 MB of flash: exit 3 naming FLASH, the overflow and the biggest weight', () => {
    const model = writeModel(buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 600] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [
        { name: 'wide_weight', dtype: 'float32', shape: [600, 600], data: new Float32Array(600 * 600).fill(0.001) },
        { name: 'narrow_weight', dtype: 'float32', shape: [600, 400], data: new Float32Array(600 * 400).fill(0.002) },
      ],
      nodes: [
        { op: 'Gemm', inputs: ['x', 'wide_weight'], outputs: ['h'] },
        { op: 'Gemm', inputs: ['h', 'narrow_weight'], outputs: ['y'] },
      ],
    }));
    // The same model on a 4 MB board with the same core gives the code estimate independently.
    expect(codeSizeKey(big)).toBe(codeSizeKey(nrf));
    const { estimate: e } = compile(model, big).manifest.budget;
    const flashUsed = alignUp(e.codeBytes, 16) + (600 * 600 + 600 * 400) * 4 + e.dataImageBytes;
    const error = compileError(() => compileChecked(model, nrf));
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('does not fit board nrf52840dk');
    expect(error.message).toContain(`FLASH (flash) overflows by ${(flashUsed - 1_048_576).toLocaleString('en-US')} bytes`);
    expect(error.message).toMatch(/largest weights: wide_weight 1,440,000 bytes, narrow_weight 960,000 bytes/);
    expect(error.message).toContain('quantize to int8 (--quantize int8');
    expect(error.message).not.toContain('RAM (ram) overflows');
  });

  it('an arena over 256 KB of RAM: exit 3 naming RAM and the layer at the peak', () => {
    const model = writeModel(buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 16] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [{ name: 'repeats', dtype: 'int64', shape: [2], data: [1, 5000] }],
      nodes: [
        { name: 'small_relu', op: 'Relu', inputs: ['x'], outputs: ['r'] },
        { name: 'widen', op: 'Tile', inputs: ['r', 'repeats'], outputs: ['y'] },
      ],
    }));
    const onBig = compile(model, big);
    const arena = onBig.plan.arenaBytes;
    const { estimate: e } = onBig.manifest.budget;
    expect(arena).toBeGreaterThanOrEqual(16 * 5000 * 4);
    const error = compileError(() => compileChecked(model, nrf));
    expect(error.exitCode).toBe(3);
    const over = alignUp(nrf.stackBytes + e.dataImageBytes, 16) + arena + e.arenaGuardBytes + (e.dataBytes - e.dataImageBytes) - 262_144;
    expect(error.message).toContain(`RAM (ram) overflows by ${over.toLocaleString('en-US')} bytes`);
    expect(error.message).toMatch(/the arena peaks at step 1 \(layer 'widen'\) with [\d,]+ bytes live: y 320,000 bytes, x \(also r\) 64 bytes/);
    expect(error.message).toContain('a board with more RAM');
    expect(error.message).not.toContain('FLASH (flash) overflows');
  });
});
