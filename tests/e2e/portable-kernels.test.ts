// `build --portable-kernels`: the baseline the fast DSP/Helium kernel variants are measured and
// checked against (issue #8). The switch lives in runtime-c/include/onnx2mcu/arch.h; here, that
// each core's features turn its variants on and the flag turns them off, that the flag reaches
// the firmware's compiler and changes its code, and that the firmware computes the same bits as
// the default build and the host on MNIST in int8.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuFlags, loadBoard } from '../../compiler/boards/index.js';
import { runBatch } from '../../compiler/run/index.js';
import { readTensorFile } from '../../compiler/tensor-files/index.js';
import { cli, cliOk } from '../helpers/cli.js';
import { scratchDir } from '../helpers/pipeline.js';

const root = join(import.meta.dirname, '..', '..');
const mnist = join(root, 'examples', 'mnist');
const work = scratchDir('portable-kernels');

/** The O2M_KERNELS_* macros arch.h defines for `board`'s core, with `extra` flags. */
function kernelVariants(board: string, extra: string[] = []): string[] {
  const r = spawnSync('arm-none-eabi-gcc', [
    ...cpuFlags(loadBoard(board)).split(' '), ...extra, '-I', join(root, 'runtime-c', 'include'),
    '-E', '-dM', '-x', 'c', '-',
  ], { input: '#include "onnx2mcu/arch.h"\n', encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').flatMap((line) => /^#define (O2M_KERNELS_\w+) 1$/.exec(line)?.[1] ?? []).sort();
}

describe('build --portable-kernels', () => {
  it('arch.h selects DSP and FPU on Cortex-M4F and M7, Helium on the M55, nothing on the M0+, and nothing with O2M_PORTABLE_KERNELS', () => {
    expect(kernelVariants('mps2-an386')).toEqual(['O2M_KERNELS_DSP', 'O2M_KERNELS_FPU']);
    expect(kernelVariants('mps2-an500')).toEqual(['O2M_KERNELS_DSP', 'O2M_KERNELS_FPU']);
    expect(kernelVariants('mps3-an547')).toEqual(['O2M_KERNELS_DSP', 'O2M_KERNELS_FPU', 'O2M_KERNELS_MVE']);
    expect(kernelVariants('pico')).toEqual([]);
    for (const board of ['mps2-an386', 'mps2-an500', 'mps3-an547']) {
      expect(kernelVariants(board, ['-DO2M_PORTABLE_KERNELS']), board).toEqual([]);
    }
  });

  it('gives the same bits as the default build and the host on MNIST int8', async () => {
    const dir = join(work, 'mnist-int8');
    cliOk(['compile', join(mnist, 'mnist.onnx'), '-o', dir, '--board', 'mps2-an386', '--quantize', 'int8',
      '--calibration', join(mnist, 'calibration.npy')]);
    const samples = [0, 1, 2, 3].map((k) => new Map([['input', readTensorFile(join(mnist, 'inputs', `sample_${k}.npy`))]]));
    const outputs = async (host: boolean) => {
      const batch = await runBatch(dir, { host, samples });
      expect(batch.exitCode, batch.stdout + batch.stderr).toBe(0);
      return batch.outputs.map((o) => Buffer.from((o.get('probabilities')!.data as Float32Array).buffer));
    };

    const fastBuild = JSON.parse(cliOk(['build', dir, '--json']));
    const fast = await outputs(false);
    const portableBuild = JSON.parse(cliOk(['build', dir, '--portable-kernels', '--json']));
    // The Makefile records the compile command its objects were built with.
    expect(readFileSync(join(dir, 'build', 'firmware', 'flags'), 'utf8')).toContain('-DO2M_PORTABLE_KERNELS');
    // MNIST's Gemm layers run o2m_matmul_i8, which has a DSP variant on the Cortex-M4.
    expect(portableBuild.sha256).not.toBe(fastBuild.sha256);
    const portable = await outputs(false);
    cliOk(['build', dir, '--host']);
    const host = await outputs(true);

    samples.forEach((_, k) => {
      expect(portable[k].equals(fast[k]), `sample ${k}: portable firmware vs default firmware`).toBe(true);
      expect(portable[k].equals(host[k]), `sample ${k}: portable firmware vs host`).toBe(true);
    });
  });

  it('run --profile --portable-kernels profiles the portable build, and leaves profile.json to the fast one', () => {
    const dir = join(work, 'mnist-int8');
    cliOk(['build', dir]);
    const input = `input=${join(mnist, 'inputs', 'sample_0.npy')}`;
    const fast = JSON.parse(cliOk(['run', dir, '--input', input, '--profile', '--json']));
    const recorded = readFileSync(join(dir, 'profile.json'), 'utf8');
    const portable = JSON.parse(cliOk(['run', dir, '--input', input, '--profile', '--portable-kernels', '--json']));
    expect(readFileSync(join(dir, 'profile.json'), 'utf8')).toBe(recorded);
    const layer = (p: { layers: { kernel: string; instructions: number }[] }, kernel: string) =>
      p.layers.filter((l) => l.kernel === kernel).reduce((sum, l) => sum + l.instructions, 0);
    // the layers with a DSP variant cost more without it; those without one cost the same, to
    // within the few instructions the profile's hook calibration may differ by between builds
    for (const kernel of ['o2m_matmul_i8', 'o2m_conv2d_i8', 'o2m_maxpool3d_i8']) {
      expect(layer(portable, kernel), kernel).toBeGreaterThan(2 * layer(fast, kernel));
    }
    // the 10-class Softmax's DSP variant saves less on so short a row, but saves
    expect(layer(portable, 'o2m_softmax_i8')).toBeGreaterThan(layer(fast, 'o2m_softmax_i8'));
    expect(layer(fast, 'o2m_dequantize_linear_i8')).toBeGreaterThan(0);
    expect(Math.abs(layer(portable, 'o2m_dequantize_linear_i8') - layer(fast, 'o2m_dequantize_linear_i8'))).toBeLessThanOrEqual(50);
    const failed = cli(['run', dir, '--portable-kernels']);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/--portable-kernels on run goes with --profile/);
  });
});
