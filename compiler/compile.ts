// The compile command's pipeline: import → passes → plan → lower → codegen, written to a folder
// only once everything has succeeded.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Board } from './boards/index.js';
import { copyRuntime, generateBoardFiles, generateModelSources, GENERATOR } from './codegen/index.js';
import { CompileError, type ConstTensor, type Graph } from './ir/graph.js';
import { lowerGraph, type LoweredModel } from './lower/index.js';
import { importModel } from './onnx/import.js';
import { readUserFile } from './read-user-file.js';
import { findOp } from './ops/registry.js';
import { runPasses } from './passes/index.js';
import { planMemory, type MemoryPlan } from './plan/index.js';

export interface CompileOptions {
  modelPath: string;
  outDir: string;
  board: Board;
  prefix: string;
  shapes: Map<string, number[]>;
  /** Inputs fixed at compile time (--freeze). */
  frozen?: Map<string, ConstTensor>;
}

/** What compile leaves in onnx2mcu.json for the build and run stages (and the report). */
export interface Manifest {
  generator: string;
  model: { file: string; sha256: string };
  prefix: string;
  board: Board;
  arenaBytes: number;
  lowerBoundBytes: number;
  planner: string;
  weightsBytes: number;
  macs: number;
  inputs: LoweredModel['inputs'];
  outputs: LoweredModel['outputs'];
  layers: { node: string; opType: string; kernel: string; macs: number; shape: number[]; dtype: string; offset: number; bytes: number }[];
}

export const MANIFEST_FILE = 'onnx2mcu.json';

export function loadModelFile(modelPath: string): { bytes: Uint8Array; graph: Graph } {
  const bytes = readUserFile(modelPath, 'the model');
  return { bytes, graph: importModel(bytes, { file: modelPath, baseDir: dirname(resolve(modelPath)) }) };
}

export function checkSupported(graph: Graph, file: string): void {
  const missing = graph.nodes.filter((n) => !findOp(n));
  if (missing.length === 0) return;
  const first = missing[0];
  const types = [...new Set(missing.map((n) => (n.domain ? `${n.domain}.${n.opType}` : n.opType)))];
  throw new CompileError(
    `${file}: node '${first.name}' uses operator ${first.opType}, which onnx2mcu does not support`
    + (missing.length > 1 ? ` (${missing.length} unsupported nodes in all, of types ${types.join(', ')})` : ''),
    2, { file, node: first.name, opType: first.opType },
  );
}

export function validatePrefix(prefix: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(prefix)) {
    throw new CompileError(`--name '${prefix}' is not a C identifier of at most 32 characters`);
  }
  return prefix;
}

export interface Compiled {
  graph: Graph;
  plan: MemoryPlan;
  lowered: LoweredModel;
  manifest: Manifest;
}

/** Everything compile computes, without writing a file. */
export function compileInMemory(options: Omit<CompileOptions, 'outDir'>): Compiled {
  const file = options.modelPath;
  const { bytes, graph: imported } = loadModelFile(file);
  checkSupported(imported, file);
  const graph = runPasses(imported, { file, shapes: options.shapes, frozen: options.frozen });
  const plan = planMemory(graph);
  const lowered = lowerGraph(graph, plan, validatePrefix(options.prefix), file);
  const manifest: Manifest = {
    generator: GENERATOR,
    model: { file: basename(file), sha256: createHash('sha256').update(bytes).digest('hex') },
    prefix: options.prefix,
    board: options.board,
    arenaBytes: plan.arenaBytes,
    lowerBoundBytes: plan.lowerBoundBytes,
    planner: plan.strategy,
    weightsBytes: lowered.weights.reduce((sum, w) => sum + w.bytes, 0),
    macs: lowered.steps.reduce((sum, s) => sum + s.macs, 0),
    inputs: lowered.inputs,
    outputs: lowered.outputs,
    layers: lowered.steps.map((s) => ({
      node: s.node, opType: s.opType, kernel: s.kernel, macs: s.macs,
      shape: s.output.shape, dtype: s.output.dtype, offset: s.output.offset, bytes: s.output.bytes,
    })),
  };
  return { graph, plan, lowered, manifest };
}

export function compileModel(options: CompileOptions): Compiled {
  const compiled = compileInMemory(options);
  const files = {
    ...generateModelSources(compiled.lowered, compiled.plan.arenaBytes, compiled.manifest.model.file),
    ...generateBoardFiles(options.board, options.prefix),
    [MANIFEST_FILE]: `${JSON.stringify(compiled.manifest, null, 2)}\n`,
  };
  // Write beside the target and swap it in at the end, so a failure never leaves a folder that
  // looks like a good compile.
  const out = resolve(options.outDir);
  const staging = `${out}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(staging, name), text);
    copyRuntime(staging);
    rmSync(out, { recursive: true, force: true });
    renameSync(staging, out);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  return compiled;
}

export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) throw new CompileError(`${dir} holds no compiled model (no ${MANIFEST_FILE}); run onnx2mcu compile first`);
  return JSON.parse(readFileSync(path, 'utf8'));
}
