// Build: the generated folder's Makefile turns it into firmware (arm-none-eabi-gcc) or a host
// executable (cc), and the ELF's sections are measured against the board's regions.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readManifest, type Manifest } from '../compile.js';
import { ARENA_GUARD_BYTES, CompileError } from '../ir/graph.js';
import { requireTools } from './toolchain.js';

export interface Section {
  name: string;
  size: number;
  vma: number;
  lma: number;
  load: boolean;
}

export interface RegionUse {
  name: string;
  kind: 'flash' | 'ram';
  used: number;
  length: number;
}

/**
 * The firmware's bytes by kind, from its sections (the names templates/linker.ld.hbs gives them)
 * and, for the weights and the arena, from the symbols in them.
 */
export interface ElfFootprint {
  /** .vectors + .text + .ARM.exidx: machine code, literal pools and the vector table. */
  text: number;
  /** .rodata: layer parameter structs, lookup tables, strings; not the weights. */
  rodata: number;
  /** .o2m_weights, alignment padding between the arrays included. */
  weights: number;
  data: number;
  bss: number;
  /** .o2m_arena: the arena and the harness's guard bands around it. */
  arenaSection: number;
  stack: number;
  /** The sizes of the weight arrays' symbols, summed: what compile's weights_bytes counts. */
  weightSymbolBytes: number;
  /** The arena symbol's size less its two guard bands: what compile's arena_bytes counts. */
  arenaSymbolBytes: number;
}

export interface BuildResult {
  target: 'firmware' | 'host';
  executable: string;
  /** sha256 of the executable, so records of runs can tell which build they belong to. */
  sha256: string;
  sections: Section[];
  flashBytes: number;
  ramBytes: number;
  regions: RegionUse[];
  /** Firmware only. */
  footprint?: ElfFootprint;
}

export const BUILD_FILE = 'build.json';

export interface BuildOptions {
  host?: boolean;
  /** Extra compiler flags, e.g. sanitizers for host builds. */
  extraCflags?: string;
  /** A prebuilt host runtime archive (runtime-archive.ts) to link instead of compiling the runtime. */
  hostRuntimeLib?: string;
}

/** Sections of an ELF from `objdump -h`: name, size, VMA, LMA and whether it is loaded. */
export function readSections(objdump: string, elf: string): Section[] {
  const out = spawnSync(objdump, ['-h', elf], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`internal: ${objdump} -h ${elf} failed: ${out.stderr}`);
  const lines = out.stdout.split('\n');
  const sections: Section[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+\S+/.exec(lines[i]);
    if (!m) continue;
    const flags = lines[i + 1] ?? '';
    if (!flags.includes('ALLOC')) continue;
    sections.push({
      name: m[1], size: parseInt(m[2], 16), vma: parseInt(m[3], 16), lma: parseInt(m[4], 16),
      load: flags.includes('LOAD'),
    });
  }
  return sections;
}

/** Symbols with a size from `nm -S`: name, address, size. */
export function readSymbols(nm: string, elf: string): { name: string; address: number; size: number }[] {
  const out = spawnSync(nm, ['-S', '-f', 'posix', elf], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (out.status !== 0) throw new Error(`internal: ${nm} -S ${elf} failed: ${out.stderr}`);
  return out.stdout.split('\n').flatMap((line) => {
    const m = /^(\S+) \S ([0-9a-f]+) ([0-9a-f]+)$/.exec(line.trim());
    return m ? [{ name: m[1], address: parseInt(m[2], 16), size: parseInt(m[3], 16) }] : [];
  });
}

/** The name main.c.hbs gives the arena with its guard bands. */
const ARENA_SYMBOL = 'guarded_arena';

export function footprintOf(elf: string, sections: Section[]): ElfFootprint {
  const size = (...names: string[]) => sections.filter((s) => names.includes(s.name)).reduce((sum, s) => sum + s.size, 0);
  const symbols = readSymbols('arm-none-eabi-nm', elf);
  const weights = sections.find((s) => s.name === '.o2m_weights');
  const inWeights = (address: number) => weights !== undefined && address >= weights.vma && address < weights.vma + weights.size;
  const arena = symbols.find((s) => s.name === ARENA_SYMBOL);
  if (!arena) throw new Error(`internal: ${elf} has no ${ARENA_SYMBOL} symbol`);
  return {
    text: size('.vectors', '.text', '.ARM.exidx'),
    rodata: size('.rodata'),
    weights: size('.o2m_weights'),
    data: size('.data'),
    bss: size('.bss'),
    arenaSection: size('.o2m_arena'),
    stack: size('.stack'),
    weightSymbolBytes: symbols.filter((s) => inWeights(s.address)).reduce((sum, s) => sum + s.size, 0),
    arenaSymbolBytes: arena.size - 2 * ARENA_GUARD_BYTES,
  };
}

/** One region the linker refused: by how much, what the plan put there, and what would help. */
function linkOverflow(manifest: Manifest, region: string, bytes: number): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  const planned = manifest.budget.regions.find((r) => r.region === region);
  const parts = Object.entries(planned?.parts ?? {}).filter(([, n]) => n > 0).map(([part, n]) => `${part} ${fmt(n)}`);
  const kind = planned?.kind ?? manifest.board.memory.find((r) => r.name === region)?.kind;
  const heaviest = [...manifest.layers].sort((a, b) => b.weightBytes - a.weightBytes).slice(0, 3).filter((l) => l.weightBytes > 0);
  const lines = [`${region} overflows by ${fmt(bytes)} bytes${parts.length ? ` (the plan put there ${parts.join(', ')}; code and data estimated)` : ''}`];
  if (planned?.parts.weights && heaviest.length) lines.push(`layers with the most weights: ${heaviest.map((l) => `${l.node} ${fmt(l.weightBytes)} bytes`).join(', ')}`);
  const help = [
    ...(manifest.quantization ? [] : ['quantize to int8 (--quantize int8 --calibration <samples>)']),
    `a board with more ${kind === 'flash' ? 'flash' : 'RAM'}`,
  ];
  lines.push(`would help: ${help.join('; ')}`);
  return lines.join('; ');
}

export function buildModel(dir: string, options: BuildOptions = {}): BuildResult {
  const manifest = readManifest(dir);
  const host = Boolean(options.host);
  requireTools(host ? ['make', 'cc'] : ['make', 'arm-none-eabi-gcc']);
  const args = ['-C', dir, host ? 'host' : 'firmware'];
  if (options.extraCflags) args.push(`EXTRA_CFLAGS=${options.extraCflags}`);
  if (host && options.hostRuntimeLib) args.push(`HOST_RUNTIME_LIB=${options.hostRuntimeLib}`);
  const make = spawnSync('make', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (make.status !== 0) {
    const log = `${make.stdout}\n${make.stderr}`;
    const overflow = [...log.matchAll(/region [`'"]?(\w+)['"]? overflowed by (\d+) bytes/g)];
    if (overflow.length > 0) {
      throw new CompileError(
        `the model does not fit board ${manifest.board.id} as linked: ${overflow.map((m) => linkOverflow(manifest, m[1], Number(m[2]))).join('. Also ')}`, 3,
      );
    }
    throw new CompileError(`building ${dir} failed:\n${log.trim().split('\n').slice(-30).join('\n')}`, 1);
  }

  const executable = join(dir, host ? 'model_host' : 'firmware.elf');
  const sections = readSections(host ? 'objdump' : 'arm-none-eabi-objdump', executable);
  const board = manifest.board;
  const regions: RegionUse[] = board.memory.map((r) => ({ name: r.name, kind: r.kind, used: 0, length: r.length }));
  const regionOf = (address: number) => board.memory.findIndex((r) => {
    const origin = Number(r.origin);
    return address >= origin && address < origin + r.length;
  });
  // A region is used from its origin to the end of its last section: the padding between
  // sections counts, as it does when the linker decides that a region overflows.
  if (!host) {
    for (const s of sections) {
      // A loaded section occupies its load address (flash for .data) and its run address.
      for (const address of new Set([s.vma, ...(s.load ? [s.lma] : [])])) {
        const index = regionOf(address);
        if (index < 0 || s.size === 0) continue;
        const end = address + s.size - Number(board.memory[index].origin);
        regions[index].used = Math.max(regions[index].used, end);
      }
    }
  }
  const total = (kind: 'flash' | 'ram') => regions.filter((r) => r.kind === kind).reduce((sum, r) => sum + r.used, 0);
  const flashBytes = total('flash');
  const ramBytes = total('ram');
  const result: BuildResult = {
    target: host ? 'host' : 'firmware', executable, sha256: fileSha256(executable), sections, flashBytes, ramBytes, regions,
    ...(host ? {} : { footprint: footprintOf(executable, sections) }),
  };
  // The record names the executable by its file name: no absolute path, so equal builds give equal bytes.
  writeFileSync(join(dir, host ? 'build-host.json' : BUILD_FILE), `${JSON.stringify({ ...result, executable: basename(executable) }, null, 2)}\n`);
  return result;
}

export function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The record of the last firmware build in `dir`, if there is one. */
export function readBuildRecord(dir: string): (BuildResult & { target: 'firmware' }) | undefined {
  const path = join(dir, BUILD_FILE);
  if (!existsSync(path)) return undefined;
  const record = JSON.parse(readFileSync(path, 'utf8')) as BuildResult;
  return record.target === 'firmware' ? record as BuildResult & { target: 'firmware' } : undefined;
}
