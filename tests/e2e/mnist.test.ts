// The bundled MNIST example end to end on emulated microcontrollers: its outputs match ONNX
// Runtime's and its predictions match the labels examples/mnist/README.md states.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTensorFile } from '../../compiler/tensor-files/index.js';
import { runOrt } from '../helpers/ort.js';
import { compareClose, compileAndBuild, runBuilt } from '../helpers/pipeline.js';

const example = join(import.meta.dirname, '..', '..', 'examples', 'mnist');
const modelPath = join(example, 'mnist.onnx');
const labels: Record<string, number> = JSON.parse(readFileSync(join(example, 'inputs', 'labels.json'), 'utf8'));
const readme = readFileSync(join(example, 'README.md'), 'utf8');

const argmax = (values: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
};

describe('examples/mnist', () => {
  it('states in its README the label of every sample', () => {
    for (const [file, label] of Object.entries(labels)) {
      expect(readme).toMatch(new RegExp(`${file.replace('.', '\\.')}\\W+\\|\\s*${label}\\s*\\|`));
    }
  });

  // Host outputs, computed once: every board must give the same bits (no fused multiply-adds,
  // our own expf), so the firmware's results are exactly what a host build predicts.
  const hostOutputs = new Map<string, Float32Array>();

  it('runs on the host build', async () => {
    const { dir } = compileAndBuild(modelPath, { host: true, label: 'mnist-host' });
    for (const file of Object.keys(labels)) {
      const input = { ...readTensorFile(join(example, 'inputs', file)), name: 'input' };
      const run = await runBuilt(dir, { input }, { host: true });
      expect(run.exitCode, run.stderr).toBe(0);
      hostOutputs.set(file, run.outputs.get('probabilities')!.data as Float32Array);
    }
  });

  for (const board of ['mps2-an385', 'mps2-an386', 'mps2-an500', 'mps3-an547']) {
    it(`matches ONNX Runtime, the labels and the host bit for bit on ${board} under QEMU`, async () => {
      const model = readFileSync(modelPath);
      const { dir, compiled } = compileAndBuild(modelPath, { board, label: `mnist-${board}` });
      for (const [file, label] of Object.entries(labels)) {
        const input = { ...readTensorFile(join(example, 'inputs', file)), name: 'input' };
        const want = (await runOrt(model, { input })).probabilities;
        const run = await runBuilt(dir, { input });
        expect(run.exitCode, run.stderr + run.stdout).toBe(0);
        const got = run.outputs.get('probabilities')!;
        expect(compareClose(got, want), file).toBeNull();
        expect(argmax(got.data as Float32Array), file).toBe(label);
        expect(Buffer.from((got.data as Float32Array).buffer).equals(Buffer.from(hostOutputs.get(file)!.buffer)), file).toBe(true);
        // Every MAC costs at least one instruction; a counter that reads 0 or garbage fails here.
        expect(run.instructions).toBeGreaterThan(compiled.manifest.macs);
        expect(run.instructions).toBeLessThan(100 * compiled.manifest.macs);
      }
    });
  }
});
