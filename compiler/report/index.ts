// The report of a compiled model: what compile planned and estimated (onnx2mcu.json), what the
// linker made of it (build.json) and what the firmware did under QEMU (run.json, profile.json),
// side by side, as versioned JSON (snake_case), a table for a terminal, and one HTML page.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { percentOf, type Part } from '../boards/budget.js';
import { readBuildRecord, type BuildResult } from '../build/index.js';
import { readManifest, type Manifest, type ManifestIo, type MemoryReport } from '../compile.js';
import { PROFILE_FILE, RUN_FILE, type ProfileRecord, type RunRecord } from '../run/records.js';

/**
 * 2: board regions, layer weight bytes and instructions, model I/O quantization, the estimate,
 * the ELF measurement, the run's figures and the budget per region.
 */
export const REPORT_SCHEMA_VERSION = 2;

interface ReportIo {
  name: string; shape: number[]; dtype: string;
  /** real = scale × (q − zero_point) for an integer input or output; null for float. */
  scale: number | null; zero_point: number | null;
  /** null with --io outside: the caller's buffer holds it. */
  arena_offset: number | null; bytes: number;
}

interface ReportLayer {
  index: number; node: string; op: string; kernel: string; output: string;
  shape: number[]; dtype: string; macs: number; weight_bytes: number; arena_offset: number; bytes: number;
  scale?: number; zero_point?: number;
  /** From `run --profile`; null until a profile of this firmware exists. */
  instructions: number | null;
  instructions_per_mac: number | null;
  /** A step inside a loop block (streamed attention): its instructions are counted on this layer. */
  in_block_of?: number;
}

/** The byte counts the estimate and the ELF both give, so that they can stand side by side. */
export interface Footprint {
  code_bytes: number;
  weights_bytes: number;
  /** .data + .bss outside the arena, in RAM. */
  data_bytes: number;
  /** .data's initial values, in flash. */
  data_image_bytes: number;
  /** The plan's arena alone. */
  arena_bytes: number;
  /** The harness's guard bands on both sides of the arena (checked after every run). */
  arena_guard_bytes: number;
  /** The stack the board sets aside (the linker reserves it whole). */
  stack_bytes: number;
  /** What the linker leaves between sections to align them (weights arrays, the stack, the arena). */
  alignment_bytes: number;
  /** Every region of each kind from its origin to the end of its last section. */
  flash_bytes: number;
  ram_bytes: number;
}

export interface Measured extends Footprint {
  firmware_sha256: string;
  /** .o2m_weights: the arrays and the 16-byte alignment padding between them. */
  weights_section_bytes: number;
  /** The ELF's sections by kind (see ElfFootprint). */
  text: number; rodata: number; data: number; bss: number;
  /** The arena section with its guard bands; arena_bytes is the arena alone. */
  arena_section_bytes: number;
  regions: { name: string; kind: 'flash' | 'ram'; used: number; length: number }[];
  /** After `run`: the painted stack's deepest point and the instruction count (QEMU -icount). */
  stack_peak_bytes: number | null;
  instructions_per_inference: number | null;
  /** See Report['estimate']: null until a run painted the stack. */
  in_use_bytes: number | null;
}

interface BudgetRow {
  region: string; kind: 'flash' | 'ram'; length: number; reserve: number; available: number;
  parts: Partial<Record<Part, number>>;
  estimated_used: number; estimated_percent: number;
  /** From the ELF, null before a build. */
  measured_used: number | null; measured_percent: number | null;
  /** The measurement's verdict when there is one, else the estimate's. */
  fits: boolean;
}

export interface Report {
  schema_version: number;
  generator: string;
  model: { file: string; sha256: string; inputs: ReportIo[]; outputs: ReportIo[] };
  board: {
    id: string; name: string; core: string; fpu: string | null; dsp: boolean; mve: boolean; clock_hz: number;
    qemu_machine: string;
    regions: { name: string; kind: 'flash' | 'ram'; origin: string; length: number; reserve: number }[];
  };
  quantization: Manifest['quantization'] | null;
  macs: number;
  layers: ReportLayer[];
  memory: MemoryReport & {
    weights_bytes: number;
    /** The deepest call path's frames from -fstack-usage; stack_reserved_bytes is what the board sets aside. */
    stack_bytes: number;
    stack_reserved_bytes: number;
  };
  /**
   * in_use_bytes: the model's footprint as a device carries it — the flash the linker fills plus
   * the RAM at its fullest, which counts the stack as deep as it goes (the estimate's deepest call
   * path; the painted peak once a run measured it, null before) instead of all the board reserves.
   */
  estimate: Footprint & { weights_section_bytes: number; basis: string; in_use_bytes: number };
  measured: Measured | null;
  budget: { regions: BudgetRow[]; fits: boolean; basis: 'measured' | 'estimated' };
}

/** What the report is made from: compile's manifest and, when they exist, the later stages' records. */
export interface ReportInputs {
  manifest: Manifest;
  build?: BuildResult;
  run?: RunRecord;
  profile?: ProfileRecord;
}

function readJson<T>(path: string): T | undefined {
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) as T : undefined;
}

/**
 * The records in a compiled folder. A run or profile of another build than the current
 * firmware.elf (compiled again since) is left out: its figures would describe other code.
 */
export function readReportInputs(dir: string): ReportInputs {
  const manifest = readManifest(dir);
  const build = readBuildRecord(dir);
  const current = <T extends { firmware_sha256: string | null }>(r: T | undefined): T | undefined =>
    r !== undefined && build !== undefined && r.firmware_sha256 === build.sha256 ? r : undefined;
  return {
    manifest, build,
    run: current(readJson<RunRecord>(join(dir, RUN_FILE))),
    profile: current(readJson<ProfileRecord>(join(dir, PROFILE_FILE))),
  };
}

const io = (t: ManifestIo, ioOutside: boolean): ReportIo => ({
  name: t.name, shape: t.shape, dtype: t.dtype, scale: t.scale ?? null, zero_point: t.zeroPoint ?? null,
  arena_offset: ioOutside ? null : t.offset, bytes: t.bytes,
});

/** The parts of a footprint that sit in sections, without the padding between them. */
const sectionBytes = (f: Omit<Footprint, 'alignment_bytes' | 'flash_bytes' | 'ram_bytes'>) =>
  f.code_bytes + f.weights_bytes + f.data_image_bytes + f.data_bytes + f.arena_bytes + f.arena_guard_bytes + f.stack_bytes;

/** Flash and RAM as the linker counts them, with the stack as deep as it goes instead of as reserved. */
const inUse = (flash: number, ram: number, reservedStack: number, stackDepth: number) => flash + ram - reservedStack + stackDepth;

function estimateOf(m: Manifest): Report['estimate'] {
  const e = m.budget.estimate;
  const total = (kind: 'flash' | 'ram') => m.budget.regions.filter((r) => r.kind === kind).reduce((sum, r) => sum + r.used, 0);
  const parts = {
    code_bytes: e.codeBytes, weights_bytes: m.weightsBytes, data_image_bytes: e.dataImageBytes, data_bytes: e.dataBytes,
    arena_bytes: m.arenaBytes, arena_guard_bytes: e.arenaGuardBytes, stack_bytes: m.board.stackBytes,
  };
  const [flash, ram] = [total('flash'), total('ram')];
  return {
    ...parts, alignment_bytes: flash + ram - sectionBytes(parts), flash_bytes: flash, ram_bytes: ram,
    weights_section_bytes: m.weightsSectionBytes, basis: e.basis,
    in_use_bytes: inUse(flash, ram, parts.stack_bytes, m.budget.estimate.stackBytes),
  };
}

function measuredOf(m: Manifest, build: BuildResult, run: RunRecord | undefined): Measured | null {
  const f = build.footprint;
  if (!f) return null;
  const parts = {
    code_bytes: f.text + f.rodata, weights_bytes: f.weightSymbolBytes, data_image_bytes: f.data, data_bytes: f.data + f.bss,
    arena_bytes: f.arenaSymbolBytes, arena_guard_bytes: f.arenaSection - f.arenaSymbolBytes, stack_bytes: f.stack,
  };
  return {
    firmware_sha256: build.sha256, ...parts, weights_section_bytes: f.weights,
    alignment_bytes: build.flashBytes + build.ramBytes - sectionBytes(parts),
    flash_bytes: build.flashBytes, ram_bytes: build.ramBytes,
    text: f.text, rodata: f.rodata, data: f.data, bss: f.bss, arena_section_bytes: f.arenaSection,
    regions: build.regions,
    stack_peak_bytes: run?.stack_peak_bytes ?? null,
    instructions_per_inference: run?.instructions_per_inference ?? null,
    in_use_bytes: run ? inUse(build.flashBytes, build.ramBytes, f.stack, run.stack_peak_bytes) : null,
  };
}

function budgetOf(m: Manifest, measured: Measured | null): Report['budget'] {
  const regions = m.budget.regions.map((r): BudgetRow => {
    const region = m.board.memory.find((x) => x.name === r.region)!;
    const used = measured?.regions.find((x) => x.name === r.region)?.used ?? null;
    return {
      region: r.region, kind: r.kind, length: region.length, reserve: m.board.reserve[r.region] ?? 0, available: r.available,
      parts: r.parts, estimated_used: r.used, estimated_percent: r.percent,
      measured_used: used, measured_percent: used === null ? null : percentOf(used, r.available),
      fits: used === null ? r.fits : used <= r.available,
    };
  });
  return { regions, fits: regions.every((r) => r.fits), basis: measured ? 'measured' : 'estimated' };
}

export function buildReport({ manifest: m, build, run, profile }: ReportInputs): Report {
  const ioOutside = m.memory.io === 'outside';
  const profiled = new Map(profile?.layers.map((l) => [l.index, l]));
  const measured = build ? measuredOf(m, build, run) : null;
  return {
    schema_version: REPORT_SCHEMA_VERSION,
    generator: m.generator,
    model: { ...m.model, inputs: m.inputs.map((t) => io(t, ioOutside)), outputs: m.outputs.map((t) => io(t, ioOutside)) },
    board: {
      id: m.board.id, name: m.board.name, core: m.board.core, fpu: m.board.fpu, dsp: m.board.dsp, mve: m.board.mve,
      clock_hz: m.board.clockHz, qemu_machine: m.board.qemu.machine,
      regions: m.board.memory.map((r) => ({ name: r.name, kind: r.kind, origin: r.origin, length: r.length, reserve: m.board.reserve[r.name] ?? 0 })),
    },
    quantization: m.quantization ?? null,
    macs: m.macs,
    layers: m.layers.map((l, index) => {
      const p = profiled.get(index);
      return {
        index, node: l.node, op: l.opType, kernel: l.kernel, output: l.output, shape: l.shape, dtype: l.dtype,
        macs: l.macs, weight_bytes: l.weightBytes, arena_offset: l.offset, bytes: l.bytes,
        ...(l.scale !== undefined ? { scale: l.scale, zero_point: l.zeroPoint } : {}),
        instructions: p?.instructions ?? null,
        instructions_per_mac: p?.instructions_per_mac ?? null,
        ...(p?.in_block_of !== undefined ? { in_block_of: p.in_block_of } : {}),
      };
    }),
    memory: {
      ...m.memory, weights_bytes: m.weightsBytes,
      stack_bytes: m.budget.estimate.stackBytes, stack_reserved_bytes: m.board.stackBytes,
    },
    estimate: estimateOf(m),
    measured,
    budget: budgetOf(m, measured),
  };
}

const n = (x: number) => x.toLocaleString('en');
const orDash = (x: number | null | undefined, digits = 0) =>
  x === null || x === undefined ? '—' : digits ? x.toFixed(digits) : n(x);

/** The side-by-side rows of the footprint, for the table and the page. */
export function footprintRows(r: Report): { what: string; estimated: number; measured: number | null }[] {
  const keys: [string, keyof Footprint][] = [
    ['code (text + rodata)', 'code_bytes'], ['weights', 'weights_bytes'], ['initial data (flash)', 'data_image_bytes'],
    ['static data (data + bss)', 'data_bytes'], ['arena', 'arena_bytes'], ['arena guard bands', 'arena_guard_bytes'],
    ['stack (reserved)', 'stack_bytes'], ['alignment padding', 'alignment_bytes'], ['flash total', 'flash_bytes'], ['RAM total', 'ram_bytes'],
  ];
  return keys.map(([what, key]) => ({ what, estimated: r.estimate[key], measured: r.measured ? r.measured[key] : null }));
}

export function formatReport(r: Report): string {
  const m = r.memory;
  const profiled = r.layers.some((l) => l.instructions !== null);
  const lines = [
    `${r.model.file} on ${r.board.id} (${r.board.core}${r.board.fpu ? `, ${r.board.fpu}` : ''})${r.quantization ? `, int8 (${r.quantization.source})` : ', float32'}, ${n(r.macs)} MACs`,
    ...[...r.model.inputs.map((t) => ['input ', t] as const), ...r.model.outputs.map((t) => ['output', t] as const)].map(([kind, t]) =>
      `  ${kind} ${t.name}: ${t.dtype} ${t.shape.join('x')}${t.scale !== null ? ` (scale ${t.scale}, zero point ${t.zero_point})` : ''}`),
    '',
    `${'#'.padStart(3)}  ${'node'.padEnd(28)}${'op'.padEnd(16)}${'kernel'.padEnd(24)}${'output'.padEnd(14)}${'dtype'.padEnd(8)}${'MACs'.padStart(11)}${'weights'.padStart(9)}${'offset'.padStart(9)}${'bytes'.padStart(9)}${profiled ? `${'instr'.padStart(12)}${'/MAC'.padStart(7)}` : ''}`,
    ...r.layers.map((l) => `${String(l.index).padStart(3)}  ${l.node.slice(0, 27).padEnd(28)}${l.op.slice(0, 15).padEnd(16)}${l.kernel.slice(0, 23).padEnd(24)}${l.shape.join('x').slice(0, 13).padEnd(14)}${l.dtype.padEnd(8)}`
      + `${n(l.macs).padStart(11)}${n(l.weight_bytes).padStart(9)}${n(l.arena_offset).padStart(9)}${n(l.bytes).padStart(9)}`
      + (profiled ? `${(l.in_block_of !== undefined ? `(in ${l.in_block_of})` : orDash(l.instructions)).padStart(12)}${orDash(l.instructions_per_mac, 2).padStart(7)}` : '')),
    '',
    `${'footprint (bytes)'.padEnd(28)}${'estimated'.padStart(12)}${'measured'.padStart(12)}`,
    ...footprintRows(r).map((row) => `${row.what.padEnd(28)}${n(row.estimated).padStart(12)}${orDash(row.measured).padStart(12)}`),
    `${'stack: deepest call path'.padEnd(28)}${n(m.stack_bytes).padStart(12)}${orDash(r.measured?.stack_peak_bytes).padStart(12)}  (painted peak; ${n(m.stack_reserved_bytes)} reserved)`,
    `${'in use: flash + peak RAM'.padEnd(28)}${n(r.estimate.in_use_bytes).padStart(12)}${orDash(r.measured?.in_use_bytes).padStart(12)}  (RAM with the stack as deep as it goes)`,
    ...(r.measured?.instructions_per_inference ? [`instructions per inference ${n(r.measured.instructions_per_inference)} (${(r.measured.instructions_per_inference / Math.max(1, r.macs)).toFixed(2)} per MAC)`] : []),
    '',
    `budget (${r.budget.basis}):`,
    ...r.budget.regions.map((b) => {
      const used = b.measured_used ?? b.estimated_used;
      const pct = b.measured_percent ?? b.estimated_percent;
      return `  ${b.region.padEnd(10)}${b.kind.padEnd(6)}${n(used).padStart(12)} of ${n(b.available).padStart(12)}  ${pct.toFixed(1).padStart(5)}%  ${bar(used, b.available)}  ${b.fits ? 'fits' : 'DOES NOT FIT'}`;
    }),
    '',
    `arena    ${n(m.arena_bytes)} bytes, placed by ${m.strategy}${m.proved_optimal ? ' (no placement of these lifetimes is smaller)' : ''}`,
    `         lower bound (LOAD) ${n(m.lower_bound_bytes)}, TFLM's greedy by size ${n(m.baseline_greedy_bytes)}, arena / LOAD ${(m.arena_bytes / Math.max(1, m.lower_bound_bytes)).toFixed(3)}`,
    `schedule ${m.schedule.mode}: peak ${n(m.schedule.peak_bytes)} bytes (file order ${n(m.schedule.file_order_peak_bytes)})${m.schedule.exact ? ', the lowest any order reaches' : ''}`,
  ];
  return lines.join('\n');
}

/** A 20-character bar for a terminal: the used fraction of a region. */
function bar(used: number, available: number): string {
  const filled = Math.min(20, Math.round((used / Math.max(1, available)) * 20));
  return `[${'#'.repeat(filled)}${'.'.repeat(20 - filled)}]`;
}
