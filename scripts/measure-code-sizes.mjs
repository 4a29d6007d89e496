#!/usr/bin/env node
// Maintainer script: run by hand whenever runtime-c, templates/main.c.hbs or the firmware flags
// change (tests/e2e/code-size-table.test.ts fails when the default board's table is stale).
//
//   node scripts/measure-code-sizes.mjs            every distinct core of boards/*.json
//   node scripts/measure-code-sizes.mjs <key>...   only these (keys as in compiler/boards/code-size/)
//
// For each distinct set of CPU flags it compiles the harness (main.c of a representative model,
// examples/mnist) and every runtime source with the generated Makefile itself, so with exactly the
// firmware's flags, and reads those objects and libgcc.a. What it keeps is the graph that the
// linker's --gc-sections walks: every allocated input section (size, alignment, the sections its
// relocations reach, the function's stack frame), so that compiler/boards/code-size.ts can keep
// what the linker would keep for a given model and add it up. It also records sizeof and
// alignof of every kernel parameter struct, which model.c puts in .rodata, one per step.
// Needs dist/ (npx tsc -p .): the representative model is compiled by the compiler itself.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TABLE_DIR = join(root, 'compiler', 'boards', 'code-size');
/** Compiled for every core; its main.c stands for every model's (they differ only in constants). */
const REPRESENTATIVE_MODEL = join(root, 'examples', 'mnist', 'mnist.onnx');
const PARAMS_FILE = 'o2m_struct_sizes.c';

const SHT_SYMTAB = 2;
const SHT_REL = 9;
const SHF_ALLOC = 0x2;
const SHF_MERGE = 0x10;
const SHF_STRINGS = 0x20;
const SHF_LINK_ORDER = 0x80;
const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;
const STB_LOCAL = 0;
const STB_WEAK = 2;
const STT_FUNC = 2;

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...options });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The key of a core's table: core, FPU and float ABI, the flags that change the code. */
export function tableKey(board) {
  return [board.core, board.fpu ?? 'nofpu', board.floatAbi].join('-');
}

function cpuFlags(board) {
  const flags = [`-mcpu=${board.core}`, '-mthumb', `-mfloat-abi=${board.floatAbi}`];
  if (board.fpu) flags.push(`-mfpu=${board.fpu}`);
  return flags.join(' ');
}

function boards() {
  const dir = join(root, 'boards');
  return readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'board.schema.json').sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
}

/** An ELF32 little-endian relocatable object: its sections, symbols and relocations. */
function readElf(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at) => view.getUint32(at, true);
  const u16 = (at) => view.getUint16(at, true);
  const shoff = u32(0x20);
  const shentsize = u16(0x2e);
  const shnum = u16(0x30);
  const shstrndx = u16(0x32);
  const headers = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    headers.push({
      nameOffset: u32(at), type: u32(at + 4), flags: u32(at + 8), offset: u32(at + 16), size: u32(at + 20),
      link: u32(at + 24), info: u32(at + 28), align: Math.max(1, u32(at + 32)), entsize: u32(at + 36),
    });
  }
  const cString = (table, at) => {
    const start = headers[table].offset + at;
    let end = start;
    while (bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(start, end));
  };
  for (const h of headers) h.name = cString(shstrndx, h.nameOffset);
  const symtabIndex = headers.findIndex((h) => h.type === SHT_SYMTAB);
  const symbols = [];
  if (symtabIndex >= 0) {
    const t = headers[symtabIndex];
    for (let at = t.offset; at < t.offset + t.size; at += 16) {
      const info = bytes[at + 12];
      symbols.push({
        name: cString(t.link, u32(at)), value: u32(at + 4), size: u32(at + 8),
        bind: info >> 4, type: info & 15, shndx: u16(at + 14),
      });
    }
  }
  const relocations = new Map(); // section index → symbol indices
  headers.forEach((h) => {
    if (h.type !== SHT_REL) return;
    const list = relocations.get(h.info) ?? [];
    for (let at = h.offset; at < h.offset + h.size; at += 8) list.push(u32(at + 4) >>> 8);
    relocations.set(h.info, list);
  });
  const contents = (h) => bytes.subarray(h.offset, h.offset + h.size);
  return { headers, symbols, relocations, contents };
}

/** The members of an ar archive (GNU format), in archive order. */
function readArchive(bytes) {
  const members = [];
  let longNames = '';
  for (let at = 8; at + 60 <= bytes.length;) {
    const header = new TextDecoder().decode(bytes.subarray(at, at + 60));
    const size = Number(header.slice(48, 58).trim());
    let name = header.slice(0, 16).trim();
    const data = bytes.subarray(at + 60, at + 60 + size);
    if (name === '//') longNames = new TextDecoder().decode(data);
    else if (name.startsWith('/') && name !== '/') name = longNames.slice(Number(name.slice(1))).split('/\n')[0];
    if (name !== '/' && name !== '//') members.push({ name: name.replace(/\/$/, ''), data });
    at += 60 + size + (size % 2);
  }
  return members;
}

/** The strings of a mergeable string section, as the linker splits it (each at its alignment). */
function splitStrings(contents, align) {
  const strings = [];
  for (let at = 0; at < contents.length;) {
    let end = at;
    while (end < contents.length && contents[end] !== 0) end++;
    strings.push(new TextDecoder().decode(contents.subarray(at, end)));
    at = Math.ceil((end + 1) / align) * align;
  }
  return strings;
}

/**
 * Bytes pushed and reserved by a libgcc routine's prologue (libgcc is built without
 * -fstack-usage): PUSH/STMDB sp!, VPUSH and SUB sp among its first instructions.
 */
function prologueFrame(code) {
  let frame = 0;
  const bits = (n) => n.toString(2).replace(/0/g, '').length;
  for (let at = 0; at + 2 <= Math.min(code.length, 32);) {
    const half = code[at] | (code[at + 1] << 8);
    const wide = (half >>> 11) >= 0x1d;
    const next = wide ? code[at + 2] | (code[at + 3] << 8) : 0;
    if ((half & 0xfe00) === 0xb400) frame += 4 * (bits(half & 0xff) + ((half >> 8) & 1));
    else if ((half & 0xff80) === 0xb080) frame += 4 * (half & 0x7f);
    else if (half === 0xe92d) frame += 4 * bits(next & 0xffff);
    else if ((half & 0xffbf) === 0xed2d) frame += 4 * (next & 0xff);
    at += wide ? 4 : 2;
  }
  return frame;
}

/** Function name → stack frame bytes from a -fstack-usage file. */
function readStackUsage(path) {
  const frames = new Map();
  let text = '';
  try { text = readFileSync(path, 'utf8'); } catch { return frames; }
  for (const line of text.split('\n')) {
    const m = /:([^:\t]+)\t(\d+)\t/.exec(line);
    if (m) frames.set(m[1], Number(m[2]));
  }
  return frames;
}

/**
 * The graph of one core's objects in link order: a node per allocated input section, its
 * relocation targets resolved as the linker would (local symbols in the file, globals across the
 * objects, then libgcc's members, loaded like an archive: only those something asks for).
 */
function buildGraph(objects, libgcc) {
  const files = [];
  const definitions = new Map(); // global symbol → { file, section }, strong over weak
  const load = (name, elf, stackFrames) => {
    const file = { name, elf, stackFrames, nodes: new Map() };
    files.push(file);
    elf.symbols.forEach((s) => {
      if (s.bind === STB_LOCAL || s.shndx === SHN_UNDEF || s.shndx >= SHN_LORESERVE) return;
      const earlier = definitions.get(s.name);
      if (!earlier || (earlier.weak && s.bind !== STB_WEAK)) definitions.set(s.name, { file, section: s.shndx, weak: s.bind === STB_WEAK });
    });
    return file;
  };
  for (const o of objects) load(o.name, o.elf, o.stackFrames);
  const members = libgcc.map((m) => ({ ...m, elf: readElf(m.data) }));
  const loaded = new Set();
  for (let changed = true; changed;) {
    changed = false;
    const undefinedNames = new Set(files.flatMap((f) => f.elf.symbols.filter((s) => s.shndx === SHN_UNDEF && s.name).map((s) => s.name)));
    for (const m of members) {
      if (loaded.has(m.name)) continue;
      const provides = m.elf.symbols.some((s) => s.bind !== STB_LOCAL && s.shndx !== SHN_UNDEF && s.shndx < SHN_LORESERVE
        && undefinedNames.has(s.name) && !definitions.has(s.name));
      if (!provides) continue;
      load(`libgcc.a(${m.name})`, m.elf, null);
      loaded.add(m.name);
      changed = true;
    }
  }

  const nodes = [];
  for (const file of files) {
    const { elf } = file;
    elf.headers.forEach((h, index) => {
      if (!(h.flags & SHF_ALLOC) || (h.size === 0 && !(h.flags & SHF_LINK_ORDER))) return;
      const node = { id: nodes.length, file, index, name: h.name, size: h.size, align: h.align, edges: new Set(), external: new Set() };
      if (h.flags & SHF_MERGE && h.flags & SHF_STRINGS) node.strings = splitStrings(elf.contents(h), h.align);
      if (h.flags & SHF_LINK_ORDER) node.linkedTo = h.link;
      const functions = elf.symbols.filter((s) => s.shndx === index && s.type === STT_FUNC);
      if (functions.length > 0) {
        node.functions = functions.map((s) => s.name);
        node.frame = file.stackFrames
          ? Math.max(0, ...functions.map((s) => file.stackFrames.get(s.name) ?? 0))
          : Math.max(...functions.map((s) => prologueFrame(elf.contents(h).subarray(s.value & ~1))));
      }
      file.nodes.set(index, node);
      nodes.push(node);
    });
  }
  for (const file of files) {
    for (const [sectionIndex, symbolIndices] of file.elf.relocations) {
      const node = file.nodes.get(sectionIndex);
      if (!node) continue;
      for (const i of symbolIndices) {
        const s = file.elf.symbols[i];
        let target;
        if (s.shndx !== SHN_UNDEF && s.shndx < SHN_LORESERVE && (s.bind === STB_LOCAL || !definitions.has(s.name))) {
          target = file.nodes.get(s.shndx);
        } else if (definitions.has(s.name)) {
          const d = definitions.get(s.name);
          target = d.file.nodes.get(d.section);
        } else if (s.name) {
          node.external.add(s.name);
        }
        if (target && target !== node) node.edges.add(target.id);
      }
    }
    for (const node of file.nodes.values()) {
      if (node.linkedTo !== undefined) node.linkedTo = file.nodes.get(node.linkedTo)?.id;
    }
  }
  const globals = {};
  for (const [name, d] of definitions) {
    const node = d.file.nodes.get(d.section);
    if (node) globals[name] = node.id;
  }
  return { nodes, globals };
}

/** Every parameter struct the kernels take (paramsType) and o2m_io_info, for sizeof and alignof. */
function structTypes() {
  const dir = join(root, 'runtime-c', 'include', 'onnx2mcu');
  const types = new Set(['o2m_io_info']);
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.h'))) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/\}\s*(o2m_\w+_params)\s*;/g)) types.add(m[1]);
  }
  return [...types].sort();
}

function structSizesSource(types) {
  return [
    '#include "onnx2mcu/kernels.h"',
    '#include "onnx2mcu/model_api.h"',
    ...types.flatMap((t) => [
      `const unsigned char o2m_sizeof_${t}[sizeof(${t})] = {0};`,
      `const unsigned char o2m_alignof_${t}[__alignof__(${t})] = {0};`,
    ]),
    '',
  ].join('\n');
}

/**
 * One core's table: compile, read, and keep what code-size.ts needs, compactly. `compileModel` is
 * compile.ts's (the test passes the sources' own; by default dist's).
 */
export async function measureTable(board, compileModel) {
  compileModel ??= (await import(pathToFileURL(join(root, 'dist', 'compiler', 'compile.js')).href)).compileModel;
  const work = mkdtempSync(join(tmpdir(), 'o2m-code-size-'));
  try {
    const dir = join(work, 'model');
    const { manifest } = compileModel({ modelPath: REPRESENTATIVE_MODEL, outDir: dir, board, prefix: 'model', shapes: new Map() });
    const types = structTypes();
    writeFileSync(join(dir, PARAMS_FILE), structSizesSource(types));
    const sources = [
      'main.c',
      ...['kernels', 'platform/cortex_m'].flatMap((sub) => readdirSync(join(dir, 'runtime', sub))
        .filter((f) => f.endsWith('.c')).sort().map((f) => `runtime/${sub}/${f}`)),
    ];
    const objectOf = (source) => `build/firmware/${source.replace(/\.c$/, '.o')}`;
    run('make', ['-C', dir, '-j4', ...[...sources, PARAMS_FILE].map(objectOf)]);

    const structs = {};
    const paramsElf = readElf(readFileSync(join(dir, objectOf(PARAMS_FILE))));
    for (const t of types) {
      const size = paramsElf.symbols.find((s) => s.name === `o2m_sizeof_${t}`).size;
      const align = paramsElf.symbols.find((s) => s.name === `o2m_alignof_${t}`).size;
      structs[t] = [size, align];
    }

    const objects = sources.map((source) => ({
      name: source,
      elf: readElf(readFileSync(join(dir, objectOf(source)))),
      stackFrames: readStackUsage(join(dir, objectOf(source).replace(/\.o$/, '.su'))),
    }));
    const flags = cpuFlags(board);
    const libgccPath = run('arm-none-eabi-gcc', [...flags.split(' '), '-print-libgcc-file-name']).trim();
    const { nodes, globals } = buildGraph(objects, readArchive(readFileSync(libgccPath)));

    // The harness's arena is the model's arena between two guard bands: kept as a figure, not a node.
    const arenaNode = nodes.find((n) => n.file.name === 'main.c' && n.name === '.bss.o2m_arena');
    const harnessArenaExtraBytes = arenaNode.size - Math.max(1, manifest.arenaBytes);
    const vectors = nodes.filter((n) => n.name === '.o2m_vectors').map((n) => n.id);
    const kernels = {};
    for (const [name, id] of Object.entries(globals)) {
      if (nodes[id].file.name.startsWith('runtime/kernels/') && nodes[id].functions?.includes(name)) kernels[name] = id;
    }
    const fileNames = [...new Set(nodes.map((n) => n.file.name))];
    return {
      key: tableKey(board),
      cpuFlags: flags,
      compiler: run('arm-none-eabi-gcc', ['-dumpversion']).trim(),
      // The multilib directory, not the installation's path: the same on every machine.
      libgcc: libgccPath.replace(/^.*\/arm-none-eabi\/[^/]+\//, ''),
      files: fileNames,
      roots: { vectors, entry: globals.o2m_reset_handler, interrupt: globals.o2m_systick_handler },
      modelPrefix: 'model',
      harnessArenaExtraBytes,
      structs,
      kernels,
      // [file, name, size, align, edges, frame?, extra?]: extra holds what only some nodes have.
      sections: nodes.map((n) => {
        const extra = {};
        if (n.strings) extra.strings = n.strings;
        if (n.linkedTo !== undefined) extra.linkedTo = n.linkedTo;
        if (n.external.size > 0) extra.external = [...n.external].sort();
        const row = [fileNames.indexOf(n.file.name), n.name, n.size, n.align, [...n.edges].sort((a, b) => a - b)];
        if (n.frame !== undefined || Object.keys(extra).length > 0) row.push(n.frame ?? null);
        if (Object.keys(extra).length > 0) row.push(extra);
        return row;
      }),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The table as committed: one entry (a file, a struct, a section…) per line, so that a change reads as a small diff. */
export function formatTable(table) {
  const block = (value) => {
    if (typeof value !== 'object' || value === null) return JSON.stringify(value);
    const entries = Array.isArray(value)
      ? value.map((v) => JSON.stringify(v))
      : Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
    const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
    return `${open}\n  ${entries.join(',\n  ')}\n ${close}`;
  };
  return `{\n${Object.entries(table).map(([k, v]) => ` ${JSON.stringify(k)}: ${block(v)}`).join(',\n')}\n}\n`;
}

/** One board per distinct key, the first in file order. */
export function boardsByKey() {
  const byKey = new Map();
  for (const b of boards()) if (!byKey.has(tableKey(b))) byKey.set(tableKey(b), b);
  return byKey;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const wanted = process.argv.slice(2);
  for (const [key, board] of boardsByKey()) {
    if (wanted.length > 0 && !wanted.includes(key)) continue;
    const started = Date.now();
    writeFileSync(join(TABLE_DIR, `${key}.json`), formatTable(await measureTable(board)));
    console.log(`${key} (${board.id}): ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}
