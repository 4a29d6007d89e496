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
import { streamAttention } from './passes/stream-attention.js';
import { channelsLastConv } from './passes/channels-last-conv.js';
import { copyViewOutputs } from './passes/copy-view-outputs.js';
import { planMemory, type MemoryPlan } from './plan/index.js';
import { checkCompileBudget, type Budget } from './boards/budget.js';
import { weightSectionBytes } from './boards/code-size.js';
import { scheduleForMemory, type Schedule, type ScheduleMode } from './plan/schedule.js';
import { calibrate, type CalibrationMethod } from './quantize/calibrate.js';
import { quantizeGraph, type FloatNode } from './quantize/quantize-graph.js';
import { loadDataset, type Sample } from './tensor-files/dataset.js';

/** int8 quantisation settings (--quantize int8). */
export interface Int8Options {
  /** A data set path (DESIGN.md §3 layouts), or 'random' for guessed ranges. */
  calibration: string;
  method?: CalibrationMethod;
  /** Node names or op types kept in float. */
  keepFloat?: string[];
  /** Where warnings go (the CLI's stderr). */
  warn?: (message: string) => void;
}

export interface CompileOptions {
  modelPath: string;
  outDir: string;
  board: Board;
  prefix: string;
  shapes: Map<string, number[]>;
  /** Inputs fixed at compile time (--freeze). */
  frozen?: Map<string, ConstTensor>;
  /** Absent: a float32 model. */
  int8?: Int8Options;
  /** One placement strategy by name (--planner); default: the smallest of all. */
  planner?: string;
  /** The op order: the file's, or the one with the smallest peak (default). */
  schedule?: ScheduleMode;
  /**
   * Run attention one query row at a time (default true): the score matrix never exists whole.
   * The same switch lets a depthwise Conv1d between two Transposes run channels-last.
   */
  streamAttention?: boolean;
  /** Where the inputs and outputs live: in the arena (default), or in the caller's own buffers. */
  io?: 'arena' | 'outside';
}

/** The memory section of onnx2mcu.json (and of the report): what the planner decided and why. */
export interface MemoryReport {
  arena_bytes: number;
  /** LOAD of the chosen op order: no placement of these lifetimes can be smaller. */
  lower_bound_bytes: number;
  /** TFLM's greedy by size on the same lifetimes. */
  baseline_greedy_bytes: number;
  strategy: string;
  proved_optimal: boolean;
  schedule: { mode: ScheduleMode; peak_bytes: number; file_order_peak_bytes: number; exact: boolean };
  /** 'arena': inputs and outputs live in the arena; 'outside': in the caller's buffers, of io_outside_bytes in all. */
  io: 'arena' | 'outside';
  io_outside_bytes: number;
  /** Every value in the arena: its bytes, first and last step, offset; views and in-place outputs name the buffer they live in. */
  tensors: { name: string; bytes: number; first: number; last: number; offset: number; alias_of?: string }[];
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
  /** The weights' section as the linker lays it out: each array aligned, in declaration order. */
  weightsSectionBytes: number;
  macs: number;
  memory: MemoryReport;
  /** The compile-time budget: each region's estimated use against its length minus the reserve. */
  budget: Budget;
  /** How the model was quantized; absent for a float32 compile. */
  quantization?: {
    mode: 'int8';
    /** 'calibrated' by --quantize int8; 'pre-quantized' when the model brought its own scales (QDQ). */
    source: 'calibrated' | 'pre-quantized';
    calibration?: { source: string; samples: number; method: CalibrationMethod };
    /** Nodes that stayed float in the int8 model, with the reason. */
    floatNodes: FloatNode[];
  };
  /** The model's inputs and outputs; an int8/uint8 one carries its scale and zero point. */
  inputs: ManifestIo[];
  outputs: ManifestIo[];
  layers: {
    node: string; opType: string; kernel: string; macs: number;
    /** Bytes of the flash constants (weights, biases, tables) the step reads. */
    weightBytes: number;
    /** The tensor the step writes, its type and where it lives in the arena. */
    output: string; shape: number[]; dtype: string; offset: number; bytes: number;
    /** real = scale × (q − zeroPoint), for an int8 output. */
    scale?: number; zeroPoint?: number;
  }[];
}

export type ManifestIo = LoweredModel['inputs'][number] & { scale?: number; zeroPoint?: number };

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

/** How many random samples stand in for calibration data under --calibration random. */
const RANDOM_CALIBRATION_SAMPLES = 8;

/** Standard normal samples (seeded), for --calibration random: a guess, said to be one. */
function randomSamples(graph: Graph): Sample[] {
  let state = 0x9e3779b9;
  const uniform = () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return Array.from({ length: RANDOM_CALIBRATION_SAMPLES }, () => new Map(graph.inputs.map((input) => {
    if (input.dtype !== 'float32') {
      throw new CompileError(`--calibration random: input '${input.name}' is ${input.dtype}; random data is only guessed for float32 inputs, give real samples`);
    }
    const shape = input.shape as number[];
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, normal);
    return [input.name, { name: input.name, dtype: 'float32' as const, shape, data }];
  })));
}

function quantize(graph: Graph, file: string, int8: Int8Options): { graph: Graph; info: NonNullable<Manifest['quantization']> } {
  const method = int8.method ?? 'minmax';
  let samples: Sample[];
  if (int8.calibration === 'random') {
    int8.warn?.(`warning: --calibration random: the int8 ranges of ${file} are guesses from random inputs; give real samples for a model you will deploy`);
    samples = randomSamples(graph);
  } else {
    samples = loadDataset(int8.calibration, graph.inputs);
  }
  const ranges = calibrate(graph, samples, method);
  const quantized = quantizeGraph(graph, { file, ranges, keepFloat: int8.keepFloat });
  return {
    graph: quantized.graph,
    info: {
      mode: 'int8', source: 'calibrated',
      calibration: { source: int8.calibration === 'random' ? 'random' : basename(int8.calibration), samples: samples.length, method }, floatNodes: quantized.floatNodes,
    },
  };
}

const BORDER_OPS = new Set(['QuantizeLinear', 'DequantizeLinear']);

/** The nodes of a pre-quantized model that compute in float32: the model or its scales keep them there. */
function floatNodesOf(graph: Graph): FloatNode[] {
  return graph.nodes
    .filter((n) => !BORDER_OPS.has(n.opType) && n.outputs.some((o) => graph.values.get(o)?.dtype === 'float32'))
    .map((n) => ({
      node: n.name, opType: n.opType,
      reason: findOp(n)?.int8
        ? 'float in the model (no QuantizeLinear/DequantizeLinear around it), or its scales do not suit the int8 kernel'
        : 'no int8 kernel',
    }));
}

function memoryReport(plan: MemoryPlan, schedule: Schedule, mode: ScheduleMode, lowered: LoweredModel): MemoryReport {
  const tensors: MemoryReport['tensors'] = [];
  for (const b of plan.buffers) {
    tensors.push({ name: b.name, bytes: b.bytes, first: b.first, last: b.last, offset: b.offset });
    for (const v of b.views) tensors.push({ name: v, bytes: b.bytes, first: b.first, last: b.last, offset: b.offset, alias_of: b.name });
  }
  return {
    arena_bytes: plan.arenaBytes,
    lower_bound_bytes: plan.lowerBoundBytes,
    baseline_greedy_bytes: plan.baselineGreedyBytes,
    strategy: plan.strategy,
    proved_optimal: plan.provedOptimal,
    schedule: { mode, peak_bytes: schedule.peakBytes, file_order_peak_bytes: schedule.fileOrderPeakBytes, exact: schedule.exact },
    io: plan.ioOutside ? 'outside' : 'arena',
    io_outside_bytes: plan.ioOutside ? [...lowered.inputs, ...lowered.outputs].reduce((sum, t) => sum + t.bytes, 0) : 0,
    tensors,
  };
}

/** An integer input or output says how it maps to real numbers: real = scale × (q − zero point). */
function withQuantization(graph: Graph, t: LoweredModel['inputs'][number]): ManifestIo {
  const q = graph.quantization?.get(t.name);
  return q && q.scales.length === 1 ? { ...t, scale: q.scales[0], zeroPoint: q.zeroPoints[0] } : t;
}

/** The flash constants one step reads, each counted once. */
function weightBytesOf(step: LoweredModel['steps'][number], lowered: LoweredModel): number {
  const symbols = new Set(step.args.flatMap((a) => (a.kind === 'weight' ? [a.symbol] : [])));
  return lowered.weights.filter((w) => symbols.has(w.symbol)).reduce((sum, w) => sum + w.bytes, 0);
}

/** Everything compile computes, without writing a file. */
export function compileInMemory(options: Omit<CompileOptions, 'outDir'>): Compiled {
  const file = options.modelPath;
  const { bytes, graph: imported } = loadModelFile(file);
  checkSupported(imported, file);
  let graph = runPasses(imported, { file, shapes: options.shapes, frozen: options.frozen });
  let quantization: Manifest['quantization'];
  if (graph.quantization?.size) {
    if (options.int8) {
      throw new CompileError(`${file} is already quantized (QuantizeLinear/DequantizeLinear around its operators): `
        + 'compile it without --quantize, and its own scales are used');
    }
    quantization = { mode: 'int8', source: 'pre-quantized', floatNodes: floatNodesOf(graph) };
  } else if (options.int8) {
    ({ graph, info: quantization } = quantize(graph, file, options.int8));
  }
  if (options.streamAttention !== false) graph = streamAttention(graph); // after int8: calibration saw whole score matrices
  if (options.streamAttention !== false) graph = channelsLastConv(graph); // after int8, like streamAttention: the same switch
  const ioOutside = options.io === 'outside';
  if (ioOutside) graph = copyViewOutputs(graph);
  const schedule = scheduleForMemory(graph, { mode: options.schedule ?? 'min-peak' });
  graph = schedule.graph;
  const target = { dsp: options.board.dsp, mve: options.board.mve };
  const plan = planMemory(graph, { planner: options.planner, ioOutside, target });
  const lowered = lowerGraph(graph, plan, validatePrefix(options.prefix), file, target);
  const budget = checkCompileBudget(options.board, { graph, plan, lowered }, {
    int8: Boolean(quantization), planner: options.planner, streamAttention: options.streamAttention,
  });
  const manifest: Manifest = {
    generator: GENERATOR,
    model: { file: basename(file), sha256: createHash('sha256').update(bytes).digest('hex') },
    prefix: options.prefix,
    board: options.board,
    arenaBytes: plan.arenaBytes,
    lowerBoundBytes: plan.lowerBoundBytes,
    planner: plan.strategy,
    weightsBytes: lowered.weights.reduce((sum, w) => sum + w.bytes, 0),
    weightsSectionBytes: weightSectionBytes(lowered.weights),
    memory: memoryReport(plan, schedule, options.schedule ?? 'min-peak', lowered),
    budget,
    macs: lowered.steps.reduce((sum, s) => sum + s.macs, 0),
    ...(quantization ? { quantization } : {}),
    inputs: lowered.inputs.map((t) => withQuantization(graph, t)),
    outputs: lowered.outputs.map((t) => withQuantization(graph, t)),
    layers: lowered.steps.map((s) => {
      const q = graph.quantization?.get(s.output.name);
      return {
        node: s.node, opType: s.opType, kernel: s.kernel, macs: s.macs, weightBytes: weightBytesOf(s, lowered),
        output: s.output.name, shape: s.output.shape, dtype: s.output.dtype, offset: s.output.offset, bytes: s.output.bytes,
        ...(q && q.scales.length === 1 ? { scale: q.scales[0], zeroPoint: q.zeroPoints[0] } : {}),
      };
    }),
  };
  return { graph, plan, lowered, manifest };
}

export function compileModel(options: CompileOptions): Compiled {
  const compiled = compileInMemory(options);
  const files = {
    ...generateModelSources(compiled.lowered, compiled.plan.arenaBytes, compiled.manifest.model.file, compiled),
    ...generateBoardFiles(options.board, options.prefix, compiled.lowered),
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
