// Build: the generated folder's Makefile turns it into firmware (arm-none-eabi-gcc) or a host
// executable (cc), and the ELF's sections are measured against the board's regions.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readManifest } from '../compile.js';
import { CompileError } from '../ir/graph.js';
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

export interface BuildResult {
  target: 'firmware' | 'host';
  executable: string;
  sections: Section[];
  flashBytes: number;
  ramBytes: number;
  regions: RegionUse[];
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
      const what = overflow.map((m) => `${m[1]} by ${m[2]} bytes`).join(', ');
      throw new CompileError(
        `the model does not fit board ${manifest.board.id}: ${what} too much `
        + `(arena ${manifest.arenaBytes} bytes, weights ${manifest.weightsBytes} bytes)`, 3,
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
  let flashBytes = 0;
  let ramBytes = 0;
  if (!host) {
    for (const s of sections) {
      // A loaded section occupies its load address (flash for .data) and its run address.
      const places = new Set([regionOf(s.vma), ...(s.load ? [regionOf(s.lma)] : [])]);
      for (const index of places) {
        if (index < 0) continue;
        regions[index].used += s.size;
        if (regions[index].kind === 'flash') flashBytes += s.size; else ramBytes += s.size;
      }
    }
  }
  const result: BuildResult = { target: host ? 'host' : 'firmware', executable, sections, flashBytes, ramBytes, regions };
  // The record names the executable by its file name: no absolute path, so equal builds give equal bytes.
  writeFileSync(join(dir, host ? 'build-host.json' : BUILD_FILE), `${JSON.stringify({ ...result, executable: basename(executable) }, null, 2)}\n`);
  return result;
}
