// Runs a model through the whole pipeline for a test: compile into a fresh folder, build for the
// host or the board, run on given inputs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard } from '../../compiler/boards/index.js';
import { buildModel, type BuildResult } from '../../compiler/build/index.js';
import { buildRuntimeArchive } from '../../compiler/build/runtime-archive.js';
import { compileModel, type Compiled } from '../../compiler/compile.js';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { runModel, type RunResult } from '../../compiler/run/index.js';

export function scratchDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `onnx2mcu-${label.replace(/[^A-Za-z0-9]/g, '_').slice(0, 40)}-`));
}

export interface PipelineResult {
  dir: string;
  compiled: Compiled;
  build: BuildResult;
  run: RunResult;
}

export interface BuildOptions {
  host?: boolean;
  board?: string;
  label?: string;
  extraCflags?: string;
  /** Compile attention whole rather than one row at a time (to compare the two). */
  streamAttention?: boolean;
}

const archives = new Map<string, string>();

/** The host runtime archive for these flags, built once per test worker: host builds then take
 * a fraction of a second instead of compiling every kernel again. */
function hostRuntime(extraCflags = ''): string {
  let archive = archives.get(extraCflags);
  if (!archive) {
    archive = buildRuntimeArchive(scratchDir('runtime'), extraCflags);
    archives.set(extraCflags, archive);
  }
  return archive;
}

export function compileAndBuild(model: Uint8Array | string, options: BuildOptions = {}): { dir: string; compiled: Compiled; build: BuildResult } {
  const dir = scratchDir(options.label ?? 'model');
  let modelPath: string;
  if (typeof model === 'string') {
    modelPath = model;
  } else {
    modelPath = join(dir, 'model.onnx');
    writeFileSync(modelPath, model);
  }
  const out = join(dir, 'out');
  const compiled = compileModel({
    modelPath, outDir: out, board: loadBoard(options.board ?? 'mps2-an386'), prefix: 'model', shapes: new Map(),
    streamAttention: options.streamAttention,
  });
  const build = buildModel(out, {
    host: options.host, extraCflags: options.extraCflags,
    hostRuntimeLib: options.host ? hostRuntime(options.extraCflags) : undefined,
  });
  return { dir: out, compiled, build };
}

export function runBuilt(dir: string, inputs: Record<string, ConstTensor>, options: { host?: boolean; expected?: Record<string, ConstTensor>; timeoutSeconds?: number } = {}): Promise<RunResult> {
  return runModel(dir, {
    host: options.host,
    inputs: new Map(Object.entries(inputs)),
    expected: options.expected ? new Map(Object.entries(options.expected)) : undefined,
    timeoutSeconds: options.timeoutSeconds ?? 120,
  });
}

export async function compileBuildRun(
  model: Uint8Array | string,
  inputs: Record<string, ConstTensor>,
  options: BuildOptions & { expected?: Record<string, ConstTensor> } = {},
): Promise<PipelineResult> {
  const built = compileAndBuild(model, options);
  return { ...built, run: await runBuilt(built.dir, inputs, options) };
}

/** The largest violation of |got - want| <= atol + rtol * |want|, or null if all elements pass. */
export function compareClose(got: ConstTensor, want: ConstTensor, rtol = 1e-3, atol = 1e-5): string | null {
  if (got.data.length !== want.data.length) return `length ${got.data.length} != ${want.data.length}`;
  if (got.shape.join('x') !== want.shape.join('x')) return `shape ${got.shape.join('x')} != ${want.shape.join('x')}`;
  for (let i = 0; i < got.data.length; i++) {
    const g = Number(got.data[i]);
    const w = Number(want.data[i]);
    if (Number.isNaN(g) && Number.isNaN(w)) continue;
    if (g === w) continue; // equal infinities
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) return `element ${i}: got ${g}, want ${w}`;
  }
  return null;
}
