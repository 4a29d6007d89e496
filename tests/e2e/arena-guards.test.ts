// The arena at run time (issue #5, item 8): the harness's guard bands on both sides of the arena
// catch a kernel that writes past either end (exit 5, in every build), and the debug build
// (`build --check-writes`, -DO2M_CHECK_WRITES) catches a kernel that changes a buffer it must
// not write at the step that did it (exit 6). The examples run with both intact; deliberately
// broken copies of them (a step's output pointer moved by editing model.c) are caught, on the
// host and under QEMU (mps2-an386).
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../compiler/boards/index.js';
import { buildModel } from '../../compiler/build/index.js';
import { buildRuntimeArchive } from '../../compiler/build/runtime-archive.js';
import { main as cli } from '../../compiler/cli.js';
import { planWriteChecks } from '../../compiler/codegen/write-checks.js';
import { compileModel, type Compiled } from '../../compiler/compile.js';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import type { LoweredStep } from '../../compiler/lower/index.js';
import type { PlannedBuffer } from '../../compiler/plan/index.js';
import { readTensorFile } from '../../compiler/tensor-files/index.js';
import { buildModel as buildOnnx } from '../helpers/onnx-builder.js';
import { scratchDir } from '../helpers/pipeline.js';
import { randomFloat32 } from '../helpers/random.js';
import { runModel } from '../../compiler/run/index.js';

const root = join(import.meta.dirname, '..', '..');
const examples = join(root, 'examples');
const CHECK_WRITES = '-DO2M_CHECK_WRITES';
const EXIT_ARENA_OVERRUN = 5;
const EXIT_KERNEL_OVERWRITE = 6;

const work = scratchDir('arena-guards');
// The kernels do not see the define: one host runtime archive serves every host build here.
const hostRuntimeLib = buildRuntimeArchive(scratchDir('arena-guards-runtime'), '');

interface Example {
  label: string;
  model: string;
  inputs: string;
  calibration?: string;
}

const EXAMPLES: Example[] = [
  { label: 'mnist-float', model: join(examples, 'mnist', 'mnist.onnx'), inputs: join(examples, 'mnist', 'inputs') },
  {
    label: 'mnist-int8', model: join(examples, 'mnist', 'mnist.onnx'), inputs: join(examples, 'mnist', 'inputs'),
    calibration: join(examples, 'mnist', 'calibration.npy'),
  },
  { label: 'qdq', model: join(examples, 'qdq', 'model.onnx'), inputs: join(examples, 'qdq', 'inputs') },
];

function compileExample(example: Example): { dir: string; compiled: Compiled } {
  const dir = join(work, example.label, 'out');
  const compiled = compileModel({
    modelPath: example.model, outDir: dir, board: loadBoard('mps2-an386'), prefix: 'model', shapes: new Map(),
    ...(example.calibration ? { int8: { calibration: example.calibration } } : {}),
  });
  return { dir, compiled };
}

/** Sample 3 of the example's inputs and its label. */
function sample(example: Example, compiled: Compiled): { inputs: Map<string, ConstTensor>; label: number } {
  const labels = JSON.parse(readFileSync(join(example.inputs, 'labels.json'), 'utf8'));
  const name = compiled.manifest.inputs[0].name;
  return { inputs: new Map([[name, { ...readTensorFile(join(example.inputs, 'sample_3.npy')), name }]]), label: labels['sample_3.npy'] };
}

const argmax = (t: ConstTensor) => Array.from(t.data, Number).reduce((best, v, i, all) => (v > all[best] ? i : best), 0);

function build(dir: string, host: boolean, checkWrites: boolean) {
  return buildModel(dir, { host, extraCflags: checkWrites ? CHECK_WRITES : undefined, hostRuntimeLib: host ? hostRuntimeLib : undefined });
}

/**
 * The runtime's firmware objects of one built folder, given to another folder for the same
 * board and flags (the runtime is the same for every model): then only model.c and main.c
 * compile there, as the host builds' runtime archive does for the host. Copied after compile,
 * and after the flags file they depend on, the objects are the newest, so make keeps them.
 */
function shareFirmwareRuntime(from: string, to: string): void {
  for (const part of ['flags', 'runtime']) {
    cpSync(join(from, 'build', 'firmware', part), join(to, 'build', 'firmware', part), { recursive: true });
  }
}

/**
 * A copy of a built folder in which step `step` writes its output at `offset` instead of where
 * the plan put it: a kernel writing where it must not. Timestamps are kept, so rebuilding the
 * copy with the same flags recompiles model.c alone.
 */
function misdirect(dir: string, label: string, step: number, offset: number): string {
  const copy = join(work, label);
  cpSync(dir, copy, { recursive: true, preserveTimestamps: true });
  const lines = readFileSync(join(copy, 'model.c'), 'utf8').split('\n');
  const call = lines.findIndex((l) => l.includes(`(&model_params_${step},`));
  expect(call).toBeGreaterThan(0);
  // The writable argument is the one cast without const (codegen's argExpression).
  const writable = /\((float|int8_t) \*\)\(arena \+ \d+\)/;
  expect(lines[call]).toMatch(writable);
  lines[call] = lines[call].replace(writable, `($1 *)(arena + ${offset})`);
  writeFileSync(join(copy, 'model.c'), lines.join('\n'));
  return copy;
}

async function run(dir: string, host: boolean, inputs: Map<string, ConstTensor>) {
  const result = await runModel(dir, { host, inputs, timeoutSeconds: 120 });
  return { ...result, log: result.stdout + result.stderr };
}

describe.each([
  { where: 'on the host', host: true },
  { where: 'under QEMU (mps2-an386)', host: false },
])('arena guards and the write check $where', ({ host }) => {
  const built = new Map<string, { dir: string; compiled: Compiled }>();
  beforeAll(() => {
    let first: string | undefined;
    for (const example of EXAMPLES) {
      const compiled = compileExample({ ...example, label: `${example.label}-${host ? 'host' : 'qemu'}` });
      if (!host && first) shareFirmwareRuntime(first, compiled.dir);
      build(compiled.dir, host, true);
      built.set(example.label, compiled);
      first ??= compiled.dir;
    }
  });

  it.each(EXAMPLES.map((e) => [e.label, e] as const))('%s runs checked with the guards intact and the right digit', async (_, example) => {
    const { dir, compiled } = built.get(example.label)!;
    const { inputs, label } = sample(example, compiled);
    const result = await run(dir, host, inputs);
    expect(result.exitCode, result.log).toBe(0);
    expect(argmax(result.outputs.get(compiled.manifest.outputs[0].name)!)).toBe(label);
  });

  it('a step writing into a buffer still live is caught at that step: exit 6, naming step, node and buffer', async () => {
    const { dir, compiled } = built.get('mnist-float')!;
    // fc1 reads the flattened pool2 output, which it must not write; send its output there.
    const layers = compiled.manifest.layers;
    const fc1 = layers.findIndex((l) => l.node === '/fc1/Gemm');
    const pool2 = layers[fc1 - 1];
    expect(pool2.node).toBe('/pool2/MaxPool');
    const node = compiled.graph.nodes.findIndex((n) => n.name === '/fc1/Gemm');
    const broken = misdirect(dir, `overwrite-${host ? 'host' : 'qemu'}`, fc1, pool2.offset);
    build(broken, host, true);
    const result = await run(broken, host, sample(EXAMPLES[0], compiled).inputs);
    expect(result.exitCode, result.log).toBe(EXIT_KERNEL_OVERWRITE);
    expect(result.log).toContain(
      `step ${fc1} (node ${node} '/fc1/Gemm', o2m_gemm_f32) changed buffer '${pool2.output}' at arena offset ${pool2.offset} (${pool2.bytes} bytes)`,
    );
    expect(result.log).not.toMatch(/instructions=/); // it stopped at the step, before the run ended
  });

  it('a step writing past the end of the arena damages the guard: exit 5 with the offset', async () => {
    const { dir, compiled } = built.get('mnist-float')!;
    // The last step's 40-byte output, moved to start 16 bytes before the end of the arena.
    const last = compiled.manifest.layers.length - 1;
    const arenaBytes = compiled.manifest.arenaBytes;
    const broken = misdirect(dir, `overrun-${host ? 'host' : 'qemu'}`, last, arenaBytes - 16);
    build(broken, host, true);
    const result = await run(broken, host, sample(EXAMPLES[0], compiled).inputs);
    expect(result.exitCode, result.log).toBe(EXIT_ARENA_OVERRUN);
    expect(result.log).toContain(`wrote past the end of the arena (${arenaBytes} bytes): its guard is damaged at arena offset ${arenaBytes}`);
  });
});

describe('arena guards in a release build (host)', () => {
  let dir: string;
  let compiled: Compiled;
  beforeAll(() => {
    ({ dir, compiled } = compileExample({ ...EXAMPLES[0], label: 'mnist-release' }));
    build(dir, true, false);
  });

  it('catch a write before the start of the arena: exit 5 with a negative offset', async () => {
    const broken = misdirect(dir, 'underrun-release', compiled.manifest.layers.length - 1, -16);
    build(broken, true, false);
    const result = await run(broken, true, sample(EXAMPLES[0], compiled).inputs);
    expect(result.exitCode, result.log).toBe(EXIT_ARENA_OVERRUN);
    expect(result.log).toContain('wrote past the start of the arena');
    expect(result.log).toContain('its guard is damaged at arena offset -1');
  });

  it('carry no write-check tables', () => {
    expect(readFileSync(join(dir, 'build', 'host', 'model.o')).includes('write_check_steps')).toBe(false);
  });

  it('`build --check-writes` compiles the tables in', async () => {
    const checked = join(work, 'mnist-cli');
    cpSync(dir, checked, { recursive: true, preserveTimestamps: true });
    process.env.HOST_RUNTIME_LIB = hostRuntimeLib; // the Makefile takes it from the environment
    try {
      expect(await cli(['build', checked, '--host', '--check-writes'])).toBe(0);
    } finally {
      delete process.env.HOST_RUNTIME_LIB;
    }
    expect(readFileSync(join(checked, 'build', 'host', 'model.o')).includes('write_check_steps')).toBe(true);
  });
});

describe('a residual block on the host', () => {
  // x stays live across conv and tanh for the Add: tanh writing over it is caught at tanh's
  // step, although x is not tanh's input.
  const model = buildOnnx({
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2, 6, 6] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: [{ name: 'w', dtype: 'float32', shape: [2, 2, 3, 3], data: randomFloat32(36, 11) }],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Tanh', inputs: ['c'], outputs: ['t'] },
      { op: 'Add', inputs: ['t', 'x'], outputs: ['y'] },
    ],
  });
  const x: ConstTensor = { name: 'x', dtype: 'float32', shape: [1, 2, 6, 6], data: randomFloat32(72, 12) };

  it('a step writing over the skip connection is caught: exit 6 naming the step and x', async () => {
    const modelPath = join(work, 'residual.onnx');
    writeFileSync(modelPath, model);
    const { dir, compiled } = compileExample({ label: 'residual', model: modelPath, inputs: '' });
    build(dir, true, true);
    expect((await run(dir, true, new Map([['x', x]]))).exitCode).toBe(0);

    const tanh = compiled.manifest.layers.findIndex((l) => l.opType === 'Tanh');
    const node = compiled.graph.nodes.findIndex((n) => n.opType === 'Tanh');
    const input = compiled.manifest.inputs[0];
    const broken = misdirect(dir, 'residual-overwrite', tanh, input.offset);
    build(broken, true, true);
    const result = await run(broken, true, new Map([['x', x]]));
    expect(result.exitCode, result.log).toBe(EXIT_KERNEL_OVERWRITE);
    const layer = compiled.manifest.layers[tanh];
    expect(result.log).toContain(
      `step ${tanh} (node ${node} '${layer.node}', ${layer.kernel}) changed buffer 'x' at arena offset ${input.offset} (${input.bytes} bytes)`,
    );
  });
});

describe('planWriteChecks', () => {
  const buffer = (name: string, offset: number, bytes: number, first: number, last: number): PlannedBuffer =>
    ({ name, offset, bytes, first, last, views: [] });
  const step = (node: string, offset: number, bytes: number) =>
    ({ node, output: { name: node, dtype: 'float32', shape: [bytes / 4], offset, bytes } }) as unknown as LoweredStep;
  /** The checks by buffer name, so that expectations read as the plan does. */
  function checksByName(steps: LoweredStep[], inputs: string[], buffers: PlannedBuffer[], schedule: string[]) {
    const checks = planWriteChecks(steps, inputs, { plan: { buffers }, graph: { nodes: schedule.map((name) => ({ name })) } });
    const names = (list: number[]) => list.map((i) => checks.buffers[i].name);
    return { initial: names(checks.initial), steps: checks.steps.map((c) => ({ node: c.node, verify: names(c.verify), record: names(c.record) })) };
  }

  it('verifies what is live across a step and not written by it; records what each step makes', () => {
    // x feeds conv and add; conv has scratch; tanh sits between them. Offsets overlap only
    // between buffers never live together.
    const buffers = [
      buffer('x', 0, 288, 0, 2), buffer('c', 288, 288, 0, 1), buffer('conv#scratch', 576, 16, 0, 0),
      buffer('t', 576, 288, 1, 2), buffer('y', 864, 288, 2, 3),
    ];
    const steps = [step('conv', 288, 288), step('tanh', 576, 288), step('add', 864, 288)];
    expect(checksByName(steps, ['x'], buffers, ['conv', 'tanh', 'add'])).toEqual({
      initial: ['x'],
      steps: [
        { node: 0, verify: ['x'], record: ['c'] },
        { node: 1, verify: ['x', 'c'], record: ['t'] },
        { node: 2, verify: ['x', 't'], record: ['y'] },
      ],
    });
  });

  it('follows the schedule past views, checks every call of a node and records after its last', () => {
    // a → flatten (a view: no call) → concat in two calls (one per half of its output) → out.
    const buffers = [buffer('in', 0, 64, 0, 1), buffer('a', 64, 64, 0, 2), buffer('cat', 128, 128, 2, 3)];
    const steps = [step('a', 64, 64), step('copy', 128, 128), step('copy', 128, 128)];
    expect(checksByName(steps, ['in'], buffers, ['a', 'flatten', 'copy'])).toEqual({
      initial: ['in'],
      steps: [
        { node: 0, verify: ['in'], record: ['a'] },
        { node: 2, verify: ['a'], record: [] },
        { node: 2, verify: ['a'], record: ['cat'] },
      ],
    });
  });

  it('lets an in-place step write over its input, and checks the result afterwards', () => {
    // relu writes over h, which dies at relu; k stays live across it.
    const buffers = [buffer('in', 0, 32, 0, 0), buffer('h', 32, 32, 0, 1), buffer('k', 64, 32, 0, 2), buffer('r', 32, 32, 1, 2), buffer('out', 0, 32, 2, 3)];
    const steps = [step('split', 32, 64), step('relu', 32, 32), step('add', 0, 32)];
    expect(checksByName(steps, ['in'], buffers, ['split', 'relu', 'add'])).toEqual({
      initial: ['in'],
      steps: [
        { node: 0, verify: ['in'], record: ['h', 'k'] },
        { node: 1, verify: ['k'], record: ['r'] },
        { node: 2, verify: ['k', 'r'], record: ['out'] },
      ],
    });
  });
});
