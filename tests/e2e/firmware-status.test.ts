// The firmware's exit status reaches the caller: a wrong expected output fails the run, a
// hung firmware is killed by the runner's timeout, and instruction counts are deterministic.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { EXIT_TIMEOUT, runBatch, runModel } from '../../compiler/run/index.js';
import { buildModel as buildOnnx } from '../helpers/onnx-builder.js';
import { runOrt } from '../helpers/ort.js';
import { compileAndBuild, runBuilt } from '../helpers/pipeline.js';
import { randomFloat32 } from '../helpers/random.js';

const model = buildOnnx({
  inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2, 6, 6] }],
  outputs: [{ name: 'y', dtype: 'float32' }],
  initializers: [{ name: 'w', dtype: 'float32', shape: [3, 2, 3, 3], data: randomFloat32(54, 5) }],
  nodes: [
    { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c'], outputs: ['y'] },
  ],
});
const x: ConstTensor = { name: 'x', dtype: 'float32', shape: [1, 2, 6, 6], data: randomFloat32(72, 6) };

describe('firmware exit status under QEMU (mps2-an386)', () => {
  let dir: string;
  let want: ConstTensor;
  beforeAll(async () => {
    dir = compileAndBuild(model, { label: 'status' }).dir;
    want = (await runOrt(model, { x })).y;
  });

  it('exits 0 when the firmware agrees with the expected output, with a repeatable instruction count', async () => {
    const a = await runBuilt(dir, { x }, { expected: { y: want } });
    const b = await runBuilt(dir, { x }, { expected: { y: want } });
    expect(a.exitCode, a.stderr + a.stdout).toBe(0);
    expect(a.instructions).toBeGreaterThan(0);
    expect(b.instructions).toBe(a.instructions);
    expect(a.stackPeakBytes).toBeGreaterThan(0);
  });

  it('exits 1 when an expected output is deliberately wrong', async () => {
    const wrong = Float32Array.from(want.data as Float32Array);
    wrong[17] += 0.5;
    const run = await runBuilt(dir, { x }, { expected: { y: { ...want, data: wrong } } });
    expect(run.exitCode).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/17/);
  });

  it('kills a firmware that hangs and reports exit 124, in one run and in a batch', async () => {
    // The same build with a harness that never returns.
    const hung = compileAndBuild(model, { label: 'hung' }).dir;
    writeFileSync(join(hung, 'main.c'), 'int main(void) { for (;;) { } }\n');
    expect(spawnSync('make', ['-C', hung, 'firmware'], { encoding: 'utf8' }).status).toBe(0);
    const started = Date.now();
    const run = await runModel(hung, { inputs: new Map([['x', x]]), timeoutSeconds: 3 });
    expect(run.exitCode).toBe(EXIT_TIMEOUT);
    expect(run.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(30_000);
    // A batch (validate's) has no overall limit, only a watchdog on finished samples.
    const batchStarted = Date.now();
    const batch = await runBatch(hung, { samples: [new Map([['x', x]])], stallSeconds: 3 });
    expect(batch.exitCode).toBe(EXIT_TIMEOUT);
    expect(batch.timedOut).toBe(true);
    expect(Date.now() - batchStarted).toBeLessThan(30_000);
  });

  it('reports a fault with status 120 or more', async () => {
    const faulty = compileAndBuild(model, { label: 'fault' }).dir;
    // A read from an address with no memory behind it raises a bus fault (escalated to HardFault).
    writeFileSync(join(faulty, 'main.c'), '#include <stdint.h>\nint main(void) { return (int)*(volatile uint32_t *)0xF0000000u; }\n');
    expect(spawnSync('make', ['-C', faulty, 'firmware'], { encoding: 'utf8' }).status).toBe(0);
    const run = await runModel(faulty, { inputs: new Map([['x', x]]), timeoutSeconds: 30 });
    expect(run.exitCode).toBeGreaterThanOrEqual(120);
    expect(run.exitCode).toBeLessThan(124);
  });
});
