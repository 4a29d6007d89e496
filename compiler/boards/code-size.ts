// The firmware's code, static data and stack, estimated before any C is written, from a table of
// the runtime's compiled input sections per core (compiler/boards/code-size/<key>.json, made by
// scripts/measure-code-sizes.mjs). The linker's --gc-sections keeps what the vector table, the
// reset handler and the model's kernel calls reach; so does this, then lays the kept sections out
// as templates/linker.ld.hbs does, alignment padding included. model.c is not compiled yet, so
// its own part comes from a small model of what GCC emits for it (see modelRunBytes).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alignUp, WEIGHT_ALIGNMENT } from '../ir/graph.js';
import type { LoweredModel } from '../lower/index.js';
import { packageRoot, type Board } from './index.js';

/** [file, section name, size, alignment, sections its relocations reach, stack frame?, extra?] */
type SectionRow = [number, string, number, number, number[], (number | null)?, SectionExtra?];

interface SectionExtra {
  /** A mergeable string section: the linker keeps each distinct string once. */
  strings?: string[];
  /** .ARM.exidx: kept with the section it describes. */
  linkedTo?: number;
  /** Symbols no runtime object defines: the model's (model_run, model_inputs, …). */
  external?: string[];
}

export interface CodeSizeTable {
  key: string;
  cpuFlags: string;
  files: string[];
  roots: { vectors: number[]; entry: number; interrupt: number };
  modelPrefix: string;
  /** The harness's guard bands around the arena, in the arena's section. */
  harnessArenaExtraBytes: number;
  /** sizeof and alignof of every kernel parameter struct and of o2m_io_info. */
  structs: Record<string, [number, number]>;
  /** Kernel function → the section defining it. */
  kernels: Record<string, number>;
  sections: SectionRow[];
}

export interface Footprint {
  /** .vectors + .text + .rodata + .ARM.exidx, weights excluded. */
  codeBytes: number;
  /** The same sections from the first one's start to the last one's end: with the gaps alignment leaves. */
  codeSpanBytes: number;
  /** .data: in RAM, and its load image in flash. */
  initializedDataBytes: number;
  /** .bss outside the arena. */
  zeroedDataBytes: number;
  /** What the harness adds to the arena's section (its guard bands). */
  arenaExtraBytes: number;
  /** The deepest call path from reset through the model's kernels, plus one SysTick interrupt. */
  stackBytes: number;
}

/** Which table a board uses: the flags that change the code (cpuFlags in boards/index.ts). */
export function codeSizeKey(board: Pick<Board, 'core' | 'fpu' | 'floatAbi'>): string {
  return [board.core, board.fpu ?? 'nofpu', board.floatAbi].join('-');
}

export function codeSizeTableDir(): string {
  return join(packageRoot(), 'compiler', 'boards', 'code-size');
}

export function codeSizeTableFile(key: string): string {
  return join(codeSizeTableDir(), `${key}.json`);
}

const tables = new Map<string, CodeSizeTable | undefined>();

/** The measured table for the board's core, or undefined when none was measured for it. */
export function loadCodeSizeTable(board: Pick<Board, 'core' | 'fpu' | 'floatAbi'>): CodeSizeTable | undefined {
  return loadTable(codeSizeKey(board));
}

function loadTable(key: string): CodeSizeTable | undefined {
  if (!tables.has(key)) {
    let table: CodeSizeTable | undefined;
    try {
      table = JSON.parse(readFileSync(codeSizeTableFile(key), 'utf8')) as CodeSizeTable;
    } catch {
      table = undefined;
    }
    tables.set(key, table);
  }
  return tables.get(key);
}

/*
 * model.c's run function: one call per step. Measured with arm-none-eabi-gcc 12.2 -O2 on the
 * three examples (MNIST float32: 7 calls, 8 weight arguments, 14 arena ones, 4 passed on the
 * stack: 172 bytes on Cortex-M4 and M7, 176 on M0+; MNIST int8: 9 calls, 21, 18, 14: 296 / 300;
 * examples/qdq: 7 calls, 16, 14, 11: 232 / 236) and on the attention model of
 * tests/e2e/real-boards.test.ts (10 calls, 6, 22, none, in a 2-level loop nest with 2 strided
 * arguments: 240 on M4). A call is a BL and the parameter struct's address from the literal pool
 * (4 + 2 + 4 bytes); a weight is a literal load (2 + 4); an arena argument mostly reuses a
 * register that holds arena + offset (about 1 byte on average); every argument after the third
 * is stored to the stack (2); a loop level is its counter's set-up, increment, compare and
 * branch (20) and a strided argument an add (4). The prologue, the epilogue and `return 0` are
 * the rest: 32 bytes. These reproduce the four within 4 bytes (M0+ adds 4 more).
 */
const RUN_BASE_BYTES = 32;
const RUN_CALL_BYTES = 10;
const RUN_WEIGHT_ARG_BYTES = 6;
const RUN_REGISTER_ARG_BYTES = 1;
const RUN_STACK_ARG_BYTES = 2;
const RUN_LOOP_LEVEL_BYTES = 20;
const RUN_STRIDED_ARG_BYTES = 4;
/** Arguments AAPCS passes in registers: r0 to r3, the parameter struct's address in r0. */
const REGISTER_ARGS = 4;
/**
 * The run function's frame: the registers it saves and its outgoing stack arguments, rounded to
 * 8 (AAPCS). Measured (-fstack-usage) on the examples: float32 MNIST, one stack argument at most,
 * 24 bytes on Cortex-M4 and M0+ and 32 on M7; int8 MNIST and qdq, three, 32 bytes on all three.
 * 24 bytes of saved registers plus 4 per stack argument covers each, over by at most 8. A loop
 * nest keeps its counters and advanced pointers in more saved registers: the attention model
 * takes 48 bytes with no stack argument, hence 24 more with loops.
 */
const RUN_SAVED_REGISTER_BYTES = 24;
const RUN_LOOP_REGISTER_BYTES = 24;

function modelRunBytes(model: LoweredModel): number {
  let bytes = RUN_BASE_BYTES;
  let previousLoopNode: string | undefined;
  for (const step of model.steps) {
    bytes += RUN_CALL_BYTES;
    step.args.forEach((arg, index) => {
      bytes += arg.kind === 'weight' ? RUN_WEIGHT_ARG_BYTES : RUN_REGISTER_ARG_BYTES;
      if (index + 1 >= REGISTER_ARGS) bytes += RUN_STACK_ARG_BYTES;
      if (arg.kind !== 'null' && arg.strides?.some((s) => s !== 0)) bytes += RUN_STRIDED_ARG_BYTES;
    });
    if (step.loop && previousLoopNode !== step.node) bytes += step.loop.counts.length * RUN_LOOP_LEVEL_BYTES;
    previousLoopNode = step.loop ? step.node : undefined;
  }
  return alignUp(bytes, 4);
}

function modelRunFrame(model: LoweredModel): number {
  const stackArgs = Math.max(0, ...model.steps.map((s) => s.args.length + 1 - REGISTER_ARGS));
  const loops = model.steps.some((s) => s.loop) ? RUN_LOOP_REGISTER_BYTES : 0;
  return alignUp(RUN_SAVED_REGISTER_BYTES + loops + 4 * stackArgs, 8);
}

/**
 * What an exception entry pushes: 8 words, with an FPU in use 18 more (lazy stacking reserves
 * them), and 4 bytes of padding when it finds the stack pointer off 8-byte alignment.
 */
export function exceptionFrameBytes(board: Board): number {
  return (board.fpu && board.floatAbi !== 'soft' ? 104 : 32) + 4;
}

type Output = 'vectors' | 'text' | 'rodata' | 'exidx' | 'data' | 'bss';

/** The output section linker.ld.hbs puts an input section in, and the ALIGN() it asks for. */
function outputOf(name: string): Output | undefined {
  if (name === '.o2m_vectors') return 'vectors';
  if (name === '.text' || name.startsWith('.text.')) return 'text';
  if (name === '.rodata' || name.startsWith('.rodata.')) return 'rodata';
  if (name.startsWith('.ARM.exidx')) return 'exidx';
  if (name === '.data' || name.startsWith('.data.')) return 'data';
  if (name === '.bss.o2m_arena') return undefined;
  if (name === '.bss' || name.startsWith('.bss.')) return 'bss';
  return undefined;
}
const FLASH_OUTPUTS: { output: Output; align: number }[] = [
  { output: 'vectors', align: 1 }, { output: 'text', align: 1 }, { output: 'rodata', align: 4 }, { output: 'exidx', align: 4 },
];

interface Piece {
  size: number;
  align: number;
  strings?: string[];
}

const byteLength = (text: string) => new TextEncoder().encode(text).length;

/**
 * The strings of mergeable sections that the linker folds into a longer one ending the same way
 * (GNU ld merges suffixes: "" and "\n" go into any string ending in them), when the suffix
 * would start at the strings' alignment.
 */
function suffixesOfOthers(pieces: Piece[], align: number): Set<string> {
  const all = [...new Set(pieces.filter((p) => p.strings && p.align === align).flatMap((p) => p.strings!))];
  return new Set(all.filter((s) => all.some((t) => t !== s && t.endsWith(s) && (byteLength(t) - byteLength(s)) % align === 0)));
}

/**
 * One output section's size when these input sections go in it, in link order, each at its
 * alignment. A mergeable string section stays where it is with only the strings that no earlier
 * section of its kind (alignment) had and that no longer string ends with, each at that
 * alignment. `start` is the output section's address, for the padding that depends on it.
 */
function outputSize(pieces: Piece[], start: number, statementAlign: number): { start: number; size: number } {
  const align = Math.max(statementAlign, ...pieces.map((p) => p.align));
  const begin = alignUp(start, align);
  let at = begin;
  const kept = new Map<number, Set<string>>();
  for (const p of pieces) {
    if (!p.strings) {
      at = alignUp(at, p.align) + p.size;
      continue;
    }
    if (!kept.has(p.align)) kept.set(p.align, suffixesOfOthers(pieces, p.align));
    const kind = kept.get(p.align)!;
    const fresh = [...new Set(p.strings)].filter((text) => !kind.has(text));
    fresh.forEach((text) => {
      kind.add(text);
      at = alignUp(at, p.align) + byteLength(text) + 1;
    });
  }
  return { start: begin, size: at - begin };
}

/**
 * The weights' section as the linker lays it out: every array WEIGHT_ALIGNMENT-aligned, and GCC
 * emits a file's static arrays last-defined first, so the first weight ends the section.
 */
export function weightSectionBytes(weights: readonly { bytes: number }[]): number {
  return weights.reduceRight((end, w) => alignUp(end, WEIGHT_ALIGNMENT) + w.bytes, 0);
}

/**
 * The footprint of `model` on `board`, or undefined when no table was measured for its core, or
 * the table predates a kernel or parameter struct the model uses (then the budget falls back on
 * its conservative guess rather than stop a compile; the staleness test catches such a table).
 */
export function estimateFootprint(board: Board, model: LoweredModel): Footprint | undefined {
  const table = loadCodeSizeTable(board);
  return table && footprintFrom(table, board, model);
}

/**
 * The most code any measured core needs for `model`: a floor for the guess on a core without a
 * table, which is likelier to resemble one of them (Armv6-M without an FPU has the most) than not.
 */
export function largestMeasuredCodeBytes(board: Board, model: LoweredModel): number {
  const keys = readdirSync(codeSizeTableDir()).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
  return Math.max(0, ...keys.map((key) => footprintFrom(loadTable(key)!, board, model)?.codeBytes ?? 0));
}

function footprintFrom(table: CodeSizeTable, board: Board, model: LoweredModel): Footprint | undefined {
  const rows = table.sections;
  const kernelNodes = [...new Set(model.steps.map((s) => s.kernel))].map((k) => table.kernels[k]);
  const known = kernelNodes.every((n) => n !== undefined) && model.steps.every((s) => table.structs[s.paramsType]);
  if (!known) return undefined;

  // --gc-sections: everything reachable from the vector table, the entry and the model's calls.
  const kept = new Set<number>();
  const pending = [...table.roots.vectors, table.roots.entry, ...kernelNodes];
  const keep = (id: number) => {
    if (!kept.has(id)) { kept.add(id); pending.push(id); }
  };
  for (;;) {
    while (pending.length > 0) {
      const id = pending.pop()!;
      kept.add(id);
      for (const to of rows[id][4]) keep(to);
    }
    const described = rows.findIndex((r, id) => !kept.has(id) && r[6]?.linkedTo !== undefined && kept.has(r[6].linkedTo));
    if (described < 0) break;
    keep(described);
  }

  // model.c is first in the link; its sections join the table's in the same output sections.
  const modelPieces: Record<Output, Piece[]> = { vectors: [], text: [], rodata: [], exidx: [], data: [], bss: [] };
  modelPieces.text.push({ size: modelRunBytes(model), align: 4 });
  for (const step of model.steps) {
    const [size, align] = table.structs[step.paramsType];
    modelPieces.rodata.push({ size, align });
  }
  const [ioSize, ioAlign] = table.structs.o2m_io_info;
  for (const io of [model.outputs, model.inputs]) modelPieces.rodata.push({ size: Math.max(1, io.length) * ioSize, align: ioAlign });
  // GCC gives string constants word alignment on Arm at -O2 (.rodata.str1.4); the io names are
  // the model's only strings.
  modelPieces.rodata.push({ size: 0, align: 4, strings: [...model.inputs, ...model.outputs].map((t) => t.name) });
  // --io outside: the harness holds the inputs and outputs in static buffers of its own.
  if (model.ioOutside) {
    for (const t of [...model.inputs, ...model.outputs]) modelPieces.bss.push({ size: Math.max(1, t.bytes), align: 16 });
  }

  const piecesOf = (output: Output): Piece[] => [
    ...modelPieces[output],
    ...[...kept].sort((a, b) => a - b).filter((id) => outputOf(rows[id][1]) === output).map((id): Piece => {
      const [, , size, align, , , extra] = rows[id];
      return { size, align, strings: extra?.strings };
    }),
  ];
  let address = 0;
  let codeBytes = 0;
  for (const { output, align } of FLASH_OUTPUTS) {
    const laid = outputSize(piecesOf(output), address, align);
    codeBytes += laid.size;
    address = laid.start + laid.size;
  }
  const initializedDataBytes = alignUp(outputSize(piecesOf('data'), 0, 4).size, 4);
  const zeroedDataBytes = alignUp(outputSize(piecesOf('bss'), 0, 4).size, 4);

  // The stack: the deepest chain of frames along call edges (references to code), the model's
  // run function standing where the harness refers to it.
  const isCode = (id: number) => outputOf(rows[id][1]) === 'text';
  const depth = new Map<number, number>();
  const onPath = new Set<number>();
  const deepest = (id: number): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (onPath.has(id)) return 0; // recursion: counted once
    onPath.add(id);
    const [, , , , edges, frame, extra] = rows[id];
    let below = Math.max(0, ...edges.filter(isCode).map(deepest));
    if (extra?.external?.includes(`${table.modelPrefix}_run`)) below = Math.max(below, modelRunFrame(model) + Math.max(0, ...kernelNodes.map(deepest)));
    onPath.delete(id);
    const total = (frame ?? 0) + below;
    depth.set(id, total);
    return total;
  };
  const stackBytes = deepest(table.roots.entry) + deepest(table.roots.interrupt) + exceptionFrameBytes(board);

  return {
    codeBytes, codeSpanBytes: address, initializedDataBytes, zeroedDataBytes, arenaExtraBytes: table.harnessArenaExtraBytes, stackBytes,
  };
}
