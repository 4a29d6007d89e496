// Board descriptions (boards/*.json): the target core, its memories, and how QEMU emulates it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompileError } from '../ir/graph.js';

export interface MemoryRegion {
  name: string;
  kind: 'flash' | 'ram';
  origin: string;
  length: number;
}

export interface Board {
  id: string;
  name: string;
  core: string;
  fpu: string | null;
  floatAbi: 'hard' | 'soft' | 'softfp';
  dsp: boolean;
  mve: boolean;
  clockHz: number;
  memory: MemoryRegion[];
  placement: { code: string; weights: string; data: string; arena: string; stack: string };
  stackBytes: number;
  reserve: Record<string, number>;
  /**
   * How the board is emulated: the QEMU machine (whose memory map the firmware is linked for,
   * with the board's own region sizes) and, when it differs from the board's clock, the
   * frequency of that machine's SysTick, which the instruction counter divides by.
   */
  qemu: { machine: string; systickHz?: number };
}

export const DEFAULT_BOARD = 'mps2-an386';

/** The repository's root: compiled code runs from dist/compiler/boards, sources from compiler/boards. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === 'onnx2mcu') return dir;
    } catch { /* not here, go up */ }
    dir = dirname(dir);
  }
  throw new Error('internal: cannot find the onnx2mcu package root');
}

const BOARD_KEYS: (keyof Board)[] = [
  'id', 'name', 'core', 'fpu', 'floatAbi', 'dsp', 'mve', 'clockHz', 'memory', 'placement', 'stackBytes', 'reserve', 'qemu',
];

export function parseBoard(text: string, file: string): Board {
  let board: Board;
  try {
    board = JSON.parse(text);
  } catch (e) {
    throw new CompileError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  for (const key of BOARD_KEYS) {
    if (!(key in board)) throw new CompileError(`${file}: board field '${key}' is missing`);
  }
  const regions = new Set(board.memory.map((r) => r.name));
  for (const [what, region] of Object.entries(board.placement)) {
    if (!regions.has(region)) throw new CompileError(`${file}: placement.${what} names region '${region}', which memory does not list`);
  }
  return board;
}

export function boardsDir(): string {
  return join(packageRoot(), 'boards');
}

export function listBoards(): Board[] {
  return readdirSync(boardsDir())
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseBoard(readFileSync(join(boardsDir(), f), 'utf8'), join('boards', f)));
}

export function loadBoard(id: string): Board {
  const board = listBoards().find((b) => b.id === id);
  if (!board) {
    throw new CompileError(`unknown board '${id}'; known boards: ${listBoards().map((b) => b.id).join(', ')} (or pass --board-file)`);
  }
  return board;
}

export function loadBoardFile(path: string): Board {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CompileError(`board file ${path} cannot be read`);
  }
  return parseBoard(text, path);
}

/** The gcc flags that select the board's core and floating-point ABI. */
export function cpuFlags(board: Board): string {
  const flags = [`-mcpu=${board.core}`, '-mthumb', `-mfloat-abi=${board.floatAbi}`];
  if (board.fpu) flags.push(`-mfpu=${board.fpu}`);
  return flags.join(' ');
}
