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

/** The JSON schema every board file must follow (boards/board.schema.json). */
export const BOARD_SCHEMA_FILE = 'board.schema.json';

/**
 * The subset of JSON Schema that board.schema.json uses, and that validateAgainstSchema
 * understands: a schema using anything else is an internal error, not a silent pass.
 */
interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  minimum?: number;
  minLength?: number;
  pattern?: string;
  $defs?: Record<string, Schema>;
}

const UNDERSTOOD = new Set([
  '$schema', '$id', '$ref', '$defs', 'title', 'description', 'type', 'enum', 'required', 'properties',
  'additionalProperties', 'items', 'minItems', 'minimum', 'minLength', 'pattern',
]);

let boardSchema: Schema | undefined;

export function loadBoardSchema(): Schema {
  boardSchema ??= JSON.parse(readFileSync(join(boardsDir(), BOARD_SCHEMA_FILE), 'utf8')) as Schema;
  return boardSchema;
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  const actual = typeName(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

const ARTICLE: Record<string, string> = {
  string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', object: 'an object',
  array: 'an array', null: 'null',
};

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function resolveRef(schema: Schema, root: Schema): Schema {
  if (!schema.$ref) return schema;
  const match = /^#\/\$defs\/(.+)$/.exec(schema.$ref);
  const target = match && root.$defs?.[match[1]];
  if (!target) throw new Error(`internal: board schema reference ${schema.$ref} is not one of its $defs`);
  const { $ref: _ref, ...siblings } = schema;
  return resolveRef({ ...target, ...siblings }, root);
}

/**
 * The first way `value` breaks `schema`, as "<field path> <what is wrong>", or undefined when it
 * follows it. One error at a time: the CLI prints one line, and a fix usually reveals the next.
 */
export function schemaError(value: unknown, schema: Schema, root: Schema = schema, path = ''): string | undefined {
  const s = resolveRef(schema, root);
  for (const key of Object.keys(s)) {
    if (!UNDERSTOOD.has(key)) throw new Error(`internal: the board schema uses '${key}', which the validator does not understand`);
  }
  const field = path || 'the board';
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => hasType(value, t))) {
      return `${field} must be ${types.map((t) => ARTICLE[t] ?? t).join(' or ')} (got ${describe(value)})`;
    }
  }
  if (s.enum && !s.enum.some((e) => e === value)) {
    return `${field} must be one of ${s.enum.join(', ')} (got ${describe(value)})`;
  }
  if (typeof value === 'number' && s.minimum !== undefined && value < s.minimum) {
    return `${field} must be at least ${s.minimum} (got ${value})`;
  }
  if (typeof value === 'string') {
    if (s.minLength !== undefined && value.length < s.minLength) return `${field} must not be empty`;
    if (s.pattern !== undefined && !new RegExp(s.pattern).test(value)) {
      return `${field} must match ${s.pattern} (got ${describe(value)})`;
    }
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) return `${field} must list at least ${s.minItems} item(s)`;
    if (s.items) {
      for (let i = 0; i < value.length; i++) {
        const error = schemaError(value[i], s.items, root, childPath(path, i));
        if (error) return error;
      }
    }
  }
  if (typeName(value) === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of s.required ?? []) {
      if (!(key in object)) return `${childPath(path, key)} is missing`;
    }
    for (const [key, item] of Object.entries(object)) {
      const known = s.properties?.[key];
      const sub = known ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      if (!sub) {
        if (s.additionalProperties === false) {
          return `${childPath(path, key)} is not a board field (${path ? `${path} takes` : 'a board takes'} ${Object.keys(s.properties ?? {}).filter((k) => k !== '$schema').join(', ')})`;
        }
        continue;
      }
      const error = schemaError(item, sub, root, childPath(path, key));
      if (error) return error;
    }
  }
  return undefined;
}

/** Where each part of the firmware must go: code and weights are read-only, the rest is written. */
const PLACEMENT_KIND: Record<keyof Board['placement'], MemoryRegion['kind']> = {
  code: 'flash', weights: 'flash', data: 'ram', arena: 'ram', stack: 'ram',
};

/** What the schema cannot say: names that must refer to each other, and sizes that must compare. */
export function crossFieldError(board: Board): string | undefined {
  const regions = new Map<string, { region: MemoryRegion; index: number }>();
  for (const [index, region] of board.memory.entries()) {
    const earlier = regions.get(region.name);
    if (earlier) return `memory[${index}].name '${region.name}' is already the name of memory[${earlier.index}]; region names must be unique`;
    regions.set(region.name, { region, index });
  }
  const names = [...regions.keys()].join(', ');
  for (const [part, name] of Object.entries(board.placement) as [keyof Board['placement'], string][]) {
    const found = regions.get(name);
    if (!found) return `placement.${part} names region '${name}', which memory does not list (regions: ${names})`;
    const kind = PLACEMENT_KIND[part];
    if (found.region.kind !== kind) {
      return `placement.${part} names ${name}, a ${found.region.kind} region; the ${part} must be in a region of kind ${kind}`;
    }
  }
  for (const [name, bytes] of Object.entries(board.reserve)) {
    const found = regions.get(name);
    if (!found) return `reserve.${name} names no memory region (regions: ${names})`;
    if (bytes >= found.region.length) {
      return `reserve.${name} (${bytes} bytes) must be smaller than region ${name} (${found.region.length} bytes)`;
    }
  }
  return undefined;
}

/** Reads a board description, checked against board.schema.json and then across fields (exit 2). */
export function parseBoard(text: string, file: string): Board {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CompileError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const error = schemaError(value, loadBoardSchema()) ?? crossFieldError(value as Board);
  if (error) throw new CompileError(`${file}: ${error}`);
  const { $schema: _schema, ...board } = value as Board & { $schema?: string };
  return board;
}

export function boardsDir(): string {
  return join(packageRoot(), 'boards');
}

export function listBoards(): Board[] {
  return readdirSync(boardsDir())
    .filter((f) => f.endsWith('.json') && f !== BOARD_SCHEMA_FILE)
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
