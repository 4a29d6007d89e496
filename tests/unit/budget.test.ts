// The compile-time budget check: each region's use from the plan against its length minus the
// reserve; a model that does not fit stops with exit 3, naming the region, the overflow in bytes,
// the largest consumers and what would help.
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  budgetOf, checkBudget, checkCompileBudget, CODE_BASE_BYTES, CODE_BYTES_PER_KERNEL, CODE_BYTES_PER_STEP,
  DATA_BYTES_ESTIMATE, estimateCodeBytes,
} from '../../compiler/boards/budget.js';
import { loadBoard, type Board } from '../../compiler/boards/index.js';
import { compileInMemory, type Compiled } from '../../compiler/compile.js';
import { buildModel } from '../helpers/onnx-builder.js';
import { compileError } from '../helpers/errors.js';

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

/** The code estimate, worked out here from the documented constants. */
function codeEstimate(kernels: string[]): number {
  return CODE_BASE_BYTES + new Set(kernels).size * CODE_BYTES_PER_KERNEL + kernels.length * CODE_BYTES_PER_STEP;
}

describe('compile-time budget', () => {
  it('the code estimate is above what the MNIST builds measured (see budget.ts)', () => {
    // Measured with arm-none-eabi-size on mps2-an386 builds: float32 11,984 bytes, int8 13,352 bytes of code.
    const float = compile(join(mnist, 'mnist.onnx'), big);
    expect(estimateCodeBytes(float.lowered.steps.map((s) => s.kernel))).toBeGreaterThan(11_984);
  });

  it('MNIST int8 fits nrf52840dk, with per-region figures', () => {
    const compiled = compile(join(mnist, 'mnist.onnx'), nrf, true);
    const budget = checkCompileBudget(nrf, compiled);
    expect(budget.fits).toBe(true);
    const weights = compiled.manifest.weightsBytes;
    const code = codeEstimate(compiled.manifest.layers.map((l) => l.kernel));
    const flash = budget.regions.find((r) => r.region === 'FLASH')!;
    expect(flash).toMatchObject({ kind: 'flash', parts: { code, weights }, used: code + weights, available: 1_048_576, fits: true });
    expect(flash.percent).toBeCloseTo(((code + weights) / 1_048_576) * 100, 1);
    const ram = budget.regions.find((r) => r.region === 'RAM')!;
    const ramUsed = compiled.manifest.arenaBytes + nrf.stackBytes + DATA_BYTES_ESTIMATE;
    expect(ram).toMatchObject({ kind: 'ram', used: ramUsed, available: 262_144, fits: true });
    expect(ram.parts).toEqual({ arena: compiled.manifest.arenaBytes, stack: nrf.stackBytes, data: DATA_BYTES_ESTIMATE });
    expect(JSON.parse(JSON.stringify(budget))).toEqual(budget); // fit for onnx2mcu.json as it is
  });

  it('the reserve is taken off a region', () => {
    const board: Board = { ...nrf, reserve: { FLASH: 65_536, RAM: 200_000 } };
    const usage = { weightsBytes: 0, codeBytesEstimate: 0, arenaBytes: 60_000, stackBytes: 8192, dataBytes: 0 };
    const budget = budgetOf(board, usage);
    expect(budget.regions.map((r) => [r.region, r.available])).toEqual([['FLASH', 1_048_576 - 65_536], ['RAM', 262_144 - 200_000]]);
    const error = compileError(() => checkBudget(board, usage));
    expect(error.message).toContain(`RAM (ram) overflows by ${(60_000 + 8192 - 62_144).toLocaleString('en-US')} bytes`);
    expect(error.message).toContain('200,000 of its 262,144 reserved');
  });

  it('int8 weights that still overflow are not told to quantize; the five largest are named', () => {
    const weights = [10, 400, 30, 200_000, 500, 600_000, 70].map((bytes, i) => ({ name: `w${i}`, bytes }));
    const usage = {
      weightsBytes: weights.reduce((sum, w) => sum + w.bytes, 0), codeBytesEstimate: 500_000, arenaBytes: 0, stackBytes: 8192,
      dataBytes: 0, weights, applied: { int8: true },
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
    // The same model on a 4 MB board gives the kernels, and so the code estimate, independently.
    const kernels = compile(model, big).lowered.steps.map((s) => s.kernel);
    const flashUsed = (600 * 600 + 600 * 400) * 4 + codeEstimate(kernels);
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
    const arena = compile(model, big).plan.arenaBytes;
    expect(arena).toBeGreaterThanOrEqual(16 * 5000 * 4);
    const error = compileError(() => compileChecked(model, nrf));
    expect(error.exitCode).toBe(3);
    const over = arena + nrf.stackBytes + DATA_BYTES_ESTIMATE - 262_144;
    expect(error.message).toContain(`RAM (ram) overflows by ${over.toLocaleString('en-US')} bytes`);
    expect(error.message).toMatch(/the arena peaks at step 1 \(layer 'widen'\) with [\d,]+ bytes live: y 320,000 bytes, x \(also r\) 64 bytes/);
    expect(error.message).toContain('a board with more RAM');
    expect(error.message).not.toContain('FLASH (flash) overflows');
  });
});
