// The compile-time budget check: from the plan, before any C is written, does the model fit the
// board? Weights, an estimate of the code, the arena with the harness's guard bands, the stack the
// board reserves and an estimate of the static data (whose initial values take flash too) go to
// the regions board.placement names; each region offers its length minus board.reserve.
// The link-time check (build/index.ts, from the ELF) stays the final word; this one answers
// first, and says what to change.
import { alignUp, ARENA_ALIGNMENT, ARENA_GUARD_BYTES, CompileError, WEIGHT_ALIGNMENT, type Graph } from '../ir/graph.js';
import type { LoweredModel } from '../lower/index.js';
import type { MemoryPlan } from '../plan/index.js';
import { estimateFootprint, largestMeasuredCodeBytes, weightSectionBytes } from './code-size.js';
import type { Board, MemoryRegion } from './index.js';

/*
 * The code, static data and stack come from code-size.ts: the runtime's input sections measured
 * per core (compiler/boards/code-size/<key>.json), kept as --gc-sections keeps them and laid out
 * as linker.ld.hbs lays them out. On the examples that is within 8 bytes of the linker's code
 * (tests/e2e/report-footprint.test.ts); code estimated / linked, in bytes:
 *                 nrf52840dk (M4F)   nucleo-h743zi (M7)   pico (M0+)
 *   MNIST float32  11,984 / 11,984    10,412 / 10,412      21,364 / 21,368
 *   MNIST int8     13,352 / 13,352    11,756 / 11,756      22,896 / 22,900
 *   examples/qdq   12,888 / 12,880    11,308 / 11,300      22,384 / 22,384
 * and .data (4 bytes) and .bss (532) exact in all nine. A board whose core has no table (a
 * --board-file with another core) gets the conservative guess below instead, and the budget says
 * so (basis).
 *
 * The guess, from examples/mnist/mnist.onnx built for mps2-an386 (arm-none-eabi-gcc -O2,
 * --gc-sections; code = .vectors + .text + .rodata + .ARM.exidx, weights excluded):
 *   float32: 4 distinct kernels, 7 steps: 11,984 bytes; the kernels' own functions 1,894 of them,
 *            so the rest, ~10,100.
 *   int8:    6 distinct kernels, 9 steps: 13,352 bytes; the kernels ~3,000, the rest ~10,350.
 * The rest is the runtime that every firmware carries: start-up, fault reporting, printing, the
 * instruction counter and the soft double routines printing uses. Across every kernel in
 * runtime-c/kernels compiled alone, the largest entry function is 1,948 bytes (o2m_reduce_f64).
 * So: 12 KB of base, 2 KB per distinct kernel (the largest, with room for its static helpers), and
 * 128 bytes per step (its call in model_run and its parameter struct in .rodata). MNIST float32 is
 * guessed at 21,376 bytes and int8 at 25,728, about twice the measured figures: a guess must not
 * let through a model the linker will refuse. It is never below what the most demanding measured
 * core would need for the model (code-size.ts), since the 2× margin is thin on Armv6-M, without
 * an FPU or most of Thumb-2 (Cortex-M0+, float32 MNIST: 21,368 bytes linked, 21,376 guessed).
 */
export const CODE_BASE_BYTES = 12 * 1024;
export const CODE_BYTES_PER_KERNEL = 2 * 1024;
export const CODE_BYTES_PER_STEP = 128;
/** The guess for .data + .bss outside the arena: 536 bytes measured in both MNIST builds; rounded up. */
export const DATA_BYTES_ESTIMATE = 1024;
/** The guess for .data's load image in flash: 4 bytes measured; rounded up. */
export const DATA_IMAGE_BYTES_ESTIMATE = 64;

/** The conservative guess of the code for these kernel calls (see the figures above). */
export function estimateCodeBytes(kernels: readonly string[]): number {
  return CODE_BASE_BYTES + new Set(kernels).size * CODE_BYTES_PER_KERNEL + kernels.length * CODE_BYTES_PER_STEP;
}

/**
 * How the estimate was made: from the runtime measured for the board's core, or, for a core with
 * no table, the conservative guess (code and data above, the whole reserved stack).
 */
export type EstimateBasis = 'measured-runtime' | 'conservative-guess';

/** The compile-time figures the build later measures, as onnx2mcu.json's budget.estimate. */
export interface FootprintEstimate {
  basis: EstimateBasis;
  /** .vectors + .text + .rodata + .ARM.exidx, weights excluded. */
  codeBytes: number;
  /** The code from its start to its end, with the gaps alignment leaves between its sections. */
  codeSpanBytes: number;
  /** .data + .bss outside the arena, in RAM. */
  dataBytes: number;
  /** .data's initial values, which also take flash. */
  dataImageBytes: number;
  /** The harness's guard bands on both sides of the arena, in the arena's region. */
  arenaGuardBytes: number;
  /** The deepest call path's stack frames (reset, harness, model, kernels) plus one interrupt. */
  stackBytes: number;
}

export type Part = keyof Board['placement'];

export interface BudgetUsage {
  /** The weights' section: the arrays and the alignment padding between them. */
  weightsBytes: number;
  arenaBytes: number;
  /** board.stackBytes: what the linker reserves, whatever the estimate of its use. */
  stackBytes: number;
  /** Code, static data, the harness's arena guard bands and the stack use, estimated. */
  estimate: FootprintEstimate;
  /** Every weight tensor, for naming the largest in a flash overflow. */
  weights?: { name: string; bytes: number }[];
  /** The step at which the most arena bytes are live, the layer it runs and the tensors live then. */
  arenaPeak?: { step: number; layer?: string; bytes: number; tensors: { name: string; bytes: number }[] };
  /** What was already applied, so that the advice does not repeat it. */
  applied?: { int8?: boolean; planner?: string; streamAttention?: boolean };
}

export interface RegionBudget {
  region: string;
  kind: MemoryRegion['kind'];
  /** What goes there, by part (only the parts placed in this region). */
  parts: Partial<Record<Part, number>>;
  /** The parts and the padding the linker puts between their sections. */
  used: number;
  alignmentBytes: number;
  /** length − reserve. */
  available: number;
  /** used / available × 100, to one decimal. */
  percent: number;
  fits: boolean;
}

/** The budget as onnx2mcu.json's `budget` section records it. */
export interface Budget {
  regions: RegionBudget[];
  fits: boolean;
  /** The code and data figures are estimates (see budget.ts); the build measures the real ones. */
  estimated: Part[];
  estimate: FootprintEstimate;
}

/** linker.ld.hbs's section alignments: the stack for its MPU guard, .bss for its 8-byte members. */
const STACK_ALIGNMENT = 256;
const WORD_ALIGNMENT = 4;
const BSS_ALIGNMENT = 8;

/**
 * How far each region is filled, laying the parts out in linker.ld.hbs's order with its
 * alignments, so the padding between output sections counts as the linker counts it.
 */
function regionEnds(board: Board, usage: BudgetUsage): Map<string, number> {
  const end = new Map<string, number>();
  const place = (region: string, bytes: number, alignment: number) => {
    if (bytes > 0) end.set(region, alignUp(end.get(region) ?? 0, alignment) + bytes);
  };
  const e = usage.estimate;
  const p = board.placement;
  place(p.code, e.codeSpanBytes, WORD_ALIGNMENT);
  place(p.weights, usage.weightsBytes, WEIGHT_ALIGNMENT);
  place(p.stack, usage.stackBytes, STACK_ALIGNMENT);
  place(p.data, e.dataImageBytes, WORD_ALIGNMENT);
  place(p.code, e.dataImageBytes, WORD_ALIGNMENT); // .data's initial values, loaded from beside the code
  place(p.arena, usage.arenaBytes + e.arenaGuardBytes, ARENA_ALIGNMENT);
  place(p.data, e.dataBytes - e.dataImageBytes, BSS_ALIGNMENT);
  return end;
}

/** used / available × 100 to one decimal, as every budget figure is given. */
export function percentOf(used: number, available: number): number {
  return available > 0 ? Math.round((used / available) * 1000) / 10 : Infinity;
}

/** Each region's use: pure, never throws (checkBudget does). */
export function budgetOf(board: Board, usage: BudgetUsage): Budget {
  const bytes: Record<Part, number> = {
    code: usage.estimate.codeBytes, weights: usage.weightsBytes, data: usage.estimate.dataBytes,
    arena: usage.arenaBytes + usage.estimate.arenaGuardBytes, stack: usage.stackBytes,
  };
  const ends = regionEnds(board, usage);
  const regions = board.memory.map((region): RegionBudget => {
    const parts: Partial<Record<Part, number>> = {};
    for (const part of Object.keys(bytes) as Part[]) {
      if (board.placement[part] === region.name) parts[part] = bytes[part];
    }
    // .data is copied at start-up from its image, which sits with the code (the flash region).
    if (usage.estimate.dataImageBytes > 0 && board.placement.code === region.name) parts.data = usage.estimate.dataImageBytes;
    const used = ends.get(region.name) ?? 0;
    const available = region.length - (board.reserve[region.name] ?? 0);
    return {
      region: region.name, kind: region.kind, parts,
      used, alignmentBytes: used - Object.values(parts).reduce((sum, n) => sum + n, 0), available,
      percent: percentOf(used, available),
      fits: used <= available,
    };
  });
  return {
    regions, fits: regions.every((r) => r.fits), estimated: ['code', 'data'], estimate: usage.estimate,
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');

function largest<T extends { bytes: number }>(items: readonly T[], count: number): T[] {
  return [...items].sort((a, b) => b.bytes - a.bytes).slice(0, count);
}

/** Why one region overflows, what fills it, and what would help. */
function overflowMessage(board: Board, r: RegionBudget, usage: BudgetUsage): string {
  const contents = (Object.entries(r.parts) as [Part, number][])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([part, n]) => `${part} ${part === 'code' || part === 'data' ? 'about ' : ''}${fmt(n)}`)
    .join(', ');
  const guessed = usage.estimate.basis === 'conservative-guess' && (r.parts.code !== undefined || r.parts.data !== undefined)
    ? `; the code and data figures are a conservative guess, as no runtime was measured for core ${board.core}` : '';
  const reserve = board.reserve[r.region] ?? 0;
  const lines = [
    `${r.region} (${r.kind}) overflows by ${fmt(r.used - r.available)} bytes: it needs ${fmt(r.used)} bytes (${contents}) `
    + `and has ${fmt(r.available)}${reserve ? ` (${fmt(reserve)} of its ${fmt(r.available + reserve)} reserved)` : ''}${guessed}`,
  ];
  const help: string[] = [];
  const applied = usage.applied ?? {};
  if (r.parts.weights !== undefined && usage.weights?.length) {
    lines.push(`largest weights: ${largest(usage.weights, 5).map((w) => `${w.name} ${fmt(w.bytes)} bytes`).join(', ')}`);
  }
  if (r.parts.arena !== undefined && usage.arenaPeak) {
    const peak = usage.arenaPeak;
    lines.push(`the arena peaks at step ${peak.step}${peak.layer ? ` (layer '${peak.layer}')` : ''} with ${fmt(peak.bytes)} bytes live: `
      + largest(peak.tensors, 5).map((t) => `${t.name} ${fmt(t.bytes)} bytes`).join(', '));
  }
  const weightsDominate = (r.parts.weights ?? 0) >= (r.parts.arena ?? 0);
  if (r.parts.weights && weightsDominate) {
    help.push(applied.int8
      ? 'the weights are already int8'
      : 'quantize to int8 (--quantize int8 --calibration <samples>) to cut weights about 4×');
  }
  if (r.parts.arena) {
    if (!applied.int8 && !weightsDominate) help.push('quantize to int8 (--quantize int8 --calibration <samples>) to cut activations about 4×');
    if (applied.planner) help.push(`drop --planner ${applied.planner} so that the smallest placement is chosen`);
    else help.push('the smallest arena placement is already chosen');
    if (applied.streamAttention === false) help.push('drop --no-stream-attention so that attention runs a row at a time');
  }
  help.push(`a board with more ${r.kind === 'flash' ? 'flash' : 'RAM'}`);
  lines.push(`would help: ${help.join('; ')}`);
  return lines.join('; ');
}

/**
 * The budget, or a CompileError (exit 3) when something does not fit, naming every region that
 * overflows, by how much, its largest consumers and what would help.
 */
export function checkBudget(board: Board, usage: BudgetUsage): Budget {
  const budget = budgetOf(board, usage);
  const over = budget.regions.filter((r) => !r.fits);
  if (over.length > 0) {
    throw new CompileError(
      `the model does not fit board ${board.id}: ${over.map((r) => overflowMessage(board, r, usage)).join('. Also ')}`, 3,
    );
  }
  return budget;
}

/** The step with the most live arena bytes, and what is live then (the first such step on a tie). */
export function arenaPeak(plan: MemoryPlan, graph: Graph): NonNullable<BudgetUsage['arenaPeak']> {
  const lastStep = Math.max(0, ...plan.buffers.map((b) => b.last));
  let best = { step: 0, bytes: -1 };
  for (let step = 0; step <= lastStep; step++) {
    const bytes = plan.buffers.reduce((sum, b) => sum + (b.first <= step && step <= b.last ? b.bytes : 0), 0);
    if (bytes > best.bytes) best = { step, bytes };
  }
  const tensors = plan.buffers
    .filter((b) => b.first <= best.step && best.step <= b.last)
    // A buffer holds its views and in-place outputs too: name them, they are what the model calls it.
    .map((b) => ({ name: b.views.length ? `${b.name} (also ${b.views.join(', ')})` : b.name, bytes: b.bytes }));
  // Step nodes.length is "after the last node": the graph's outputs waiting to be read.
  const layer = graph.nodes[best.step]?.name ?? (best.step >= graph.nodes.length ? '(outputs)' : undefined);
  return { step: best.step, layer, bytes: Math.max(0, best.bytes), tensors };
}

/** Code, data and stack from the runtime measured for the board's core, else the conservative guess. */
export function estimateOf(board: Board, lowered: LoweredModel): FootprintEstimate {
  const measured = estimateFootprint(board, lowered);
  if (measured) {
    return {
      basis: 'measured-runtime',
      codeBytes: measured.codeBytes,
      codeSpanBytes: measured.codeSpanBytes,
      dataBytes: measured.initializedDataBytes + measured.zeroedDataBytes,
      dataImageBytes: measured.initializedDataBytes,
      arenaGuardBytes: measured.arenaExtraBytes,
      stackBytes: measured.stackBytes,
    };
  }
  const guess = Math.max(estimateCodeBytes(lowered.steps.map((s) => s.kernel)), largestMeasuredCodeBytes(board, lowered));
  return {
    basis: 'conservative-guess',
    codeBytes: guess,
    codeSpanBytes: guess,
    dataBytes: DATA_BYTES_ESTIMATE,
    dataImageBytes: DATA_IMAGE_BYTES_ESTIMATE,
    arenaGuardBytes: 2 * ARENA_GUARD_BYTES,
    stackBytes: board.stackBytes,
  };
}

/** What compile knows right after the plan, as checkBudget's usage. */
export function usageOf(
  board: Board, compiled: { graph: Graph; plan: MemoryPlan; lowered: LoweredModel },
  applied: BudgetUsage['applied'] = {},
): BudgetUsage {
  const { graph, plan, lowered } = compiled;
  const estimate = estimateOf(board, lowered);
  return {
    weightsBytes: weightSectionBytes(lowered.weights),
    arenaBytes: plan.arenaBytes,
    stackBytes: board.stackBytes,
    estimate,
    weights: lowered.weights.map((w) => ({ name: w.tensor.name, bytes: w.bytes })),
    arenaPeak: arenaPeak(plan, graph),
    // A model whose weights are int8 (calibrated or pre-quantized) needs no advice to quantize.
    applied: { int8: lowered.weights.some((w) => w.tensor.dtype === 'int8'), ...applied },
  };
}

/**
 * For compile.ts, right after lowering: the budget for onnx2mcu.json, or exit 3 when the model
 * cannot fit. `applied` says what compile already did (int8, a forced planner, attention streaming).
 */
export function checkCompileBudget(
  board: Board, compiled: { graph: Graph; plan: MemoryPlan; lowered: LoweredModel },
  applied: BudgetUsage['applied'] = {},
): Budget {
  return checkBudget(board, usageOf(board, compiled, applied));
}
