// The compile-time budget check: from the plan, before any C is written, does the model fit the
// board? Weights, an estimate of the code, the arena, the stack and an estimate of the static data
// go to the regions board.placement names; each region offers its length minus board.reserve.
// The link-time check (build/index.ts, from the ELF) stays the final word; this one answers
// first, and says what to change.
import { CompileError, type Graph } from '../ir/graph.js';
import type { LoweredModel } from '../lower/index.js';
import type { MemoryPlan } from '../plan/index.js';
import type { Board, MemoryRegion } from './index.js';

/*
 * The code estimate, measured on examples/mnist/mnist.onnx built for mps2-an386 (arm-none-eabi-gcc
 * -O2, --gc-sections; code = .vectors + .text + .rodata + .ARM.exidx, weights excluded):
 *   float32: 4 distinct kernels, 7 steps: 11,984 bytes; the kernels' own functions 1,894 of them
 *            (conv2d 854, gemm 324, maxpool 172 + 152, softmax 252 + 140), so the rest, ~10,100.
 *   int8:    6 distinct kernels, 9 steps: 13,352 bytes; the kernels ~3,000 (conv2d 868, matmul 600,
 *            maxpool3d 582 + 218, softmax 258, quantize 220, dequantize 134, rounding 132), rest ~10,350.
 * The rest is the runtime that every firmware carries: start-up, fault reporting, printing, the
 * instruction counter and the soft double routines printing uses. Across every kernel in
 * runtime-c/kernels compiled alone, the largest entry function is 1,948 bytes (o2m_reduce_f64).
 * So: 12 KB of base, 2 KB per distinct kernel (the largest, with room for its static helpers), and
 * 128 bytes per step (its call in model_run and its parameter struct in .rodata: model_run grew by
 * 124 bytes for 2 more steps between the two builds). MNIST float32 is estimated at 21,376 bytes
 * and int8 at 25,728, about twice the measured figures: an estimate must not let through a model
 * the linker will refuse.
 */
export const CODE_BASE_BYTES = 12 * 1024;
export const CODE_BYTES_PER_KERNEL = 2 * 1024;
export const CODE_BYTES_PER_STEP = 128;
/** .data + .bss outside the arena: 536 bytes measured in both MNIST builds above; rounded up. */
export const DATA_BYTES_ESTIMATE = 1024;

/** How many bytes of code a model with these kernel calls needs, at most (see the figures above). */
export function estimateCodeBytes(kernels: readonly string[]): number {
  return CODE_BASE_BYTES + new Set(kernels).size * CODE_BYTES_PER_KERNEL + kernels.length * CODE_BYTES_PER_STEP;
}

export type Part = keyof Board['placement'];

export interface BudgetUsage {
  weightsBytes: number;
  codeBytesEstimate: number;
  arenaBytes: number;
  /** board.stackBytes. */
  stackBytes: number;
  dataBytes: number;
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
  used: number;
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
}

/** Each region's use: pure, never throws (checkBudget does). */
export function budgetOf(board: Board, usage: BudgetUsage): Budget {
  const bytes: Record<Part, number> = {
    code: usage.codeBytesEstimate, weights: usage.weightsBytes, data: usage.dataBytes,
    arena: usage.arenaBytes, stack: usage.stackBytes,
  };
  const regions = board.memory.map((region): RegionBudget => {
    const parts: Partial<Record<Part, number>> = {};
    for (const part of Object.keys(bytes) as Part[]) {
      if (board.placement[part] === region.name) parts[part] = bytes[part];
    }
    const used = Object.values(parts).reduce((sum, n) => sum + n, 0);
    const available = region.length - (board.reserve[region.name] ?? 0);
    return {
      region: region.name, kind: region.kind, parts, used, available,
      percent: available > 0 ? Math.round((used / available) * 1000) / 10 : Infinity,
      fits: used <= available,
    };
  });
  return { regions, fits: regions.every((r) => r.fits), estimated: ['code', 'data'] };
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
  const reserve = board.reserve[r.region] ?? 0;
  const lines = [
    `${r.region} (${r.kind}) overflows by ${fmt(r.used - r.available)} bytes: it needs ${fmt(r.used)} bytes (${contents}) `
    + `and has ${fmt(r.available)}${reserve ? ` (${fmt(reserve)} of its ${fmt(r.available + reserve)} reserved)` : ''}`,
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

/** What compile knows right after the plan, as checkBudget's usage. */
export function usageOf(
  board: Board, compiled: { graph: Graph; plan: MemoryPlan; lowered: LoweredModel },
  applied: BudgetUsage['applied'] = {},
): BudgetUsage {
  const { graph, plan, lowered } = compiled;
  return {
    weightsBytes: lowered.weights.reduce((sum, w) => sum + w.bytes, 0),
    codeBytesEstimate: estimateCodeBytes(lowered.steps.map((s) => s.kernel)),
    arenaBytes: plan.arenaBytes,
    stackBytes: board.stackBytes,
    dataBytes: DATA_BYTES_ESTIMATE,
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
