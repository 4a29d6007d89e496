// run --profile: instructions per layer. The folder is copied and built twice in private, as
// compiled and with -DO2M_PROFILE (model.c then calls the harness after every block of steps,
// which reads the instruction counter), so the user's firmware.elf stays as it is and the
// unprofiled total comes from exactly the sources the profile does.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildModel } from '../build/index.js';
import { readManifest } from '../compile.js';
import { CompileError } from '../ir/graph.js';
import { checkInputs, runModel, type RunOptions, type RunResult } from './index.js';
import { firmwareSha256, type ProfileRecord } from './records.js';

export interface LayerProfile {
  index: number;
  node: string;
  opType: string;
  kernel: string;
  macs: number;
  /** 0 for a step counted with its block's first step (inBlockOf). */
  instructions: number;
  /** For a block's first step, over the whole block's MACs; null without MACs or inside a block. */
  instructionsPerMac: number | null;
  /** Share of the profiled build's total, in percent. */
  percent: number;
  inBlockOf?: number;
}

export interface Profile {
  board: string;
  layers: LayerProfile[];
  /** The profiled build's total per inference, the hooks' own cost included. */
  profiledInstructions: number;
  /** The layers' sum, each block's reading less the hook's own cost. */
  layerSum: number;
  /** The same sources built without the hooks. */
  unprofiledInstructions: number;
  /** What one hook call costs, measured on an empty interval and taken off every block. */
  hookInstructions: number;
  /** The user's firmware.elf, if there is one. */
  firmwareSha256: string | null;
}

/** A run that did not end well: the caller reports it as `run` does. */
export interface FailedProfile {
  failed: RunResult;
}

const LAYER_LINE = /onnx2mcu: layer=(\d+) instructions=(\d+)(?: in_block_of=(\d+))?/g;
const HOOK_LINE = /onnx2mcu: profile_hook_instructions=(\d+)/;

/** Everything but what a build or a run leaves behind; the copy is built afresh. */
function copyCompiledFolder(dir: string, into: string): void {
  const leftovers = /^(build|outputs|firmware\.(elf|map|size)|model_host|(run|batch)-.*)$/;
  cpSync(dir, into, { recursive: true, filter: (src) => !leftovers.test(relative(dir, src)) });
}

/** `extraCflags` go into both private builds, e.g. -DO2M_PORTABLE_KERNELS to profile the baseline. */
export async function profileModel(dir: string, options: RunOptions, extraCflags = ''): Promise<Profile | FailedProfile> {
  if (options.host) throw new CompileError('--profile needs the firmware under QEMU: the host build has no instruction counter', 2);
  const manifest = readManifest(dir);
  checkInputs(manifest, options.inputs);
  const scratch = mkdtempSync(join(tmpdir(), 'onnx2mcu-profile-'));
  try {
    const plain = join(scratch, 'plain');
    const profiled = join(scratch, 'profiled');
    copyCompiledFolder(dir, plain);
    copyCompiledFolder(dir, profiled);
    buildModel(plain, { extraCflags: extraCflags || undefined });
    const unprofiled = await runModel(plain, options);
    if (unprofiled.exitCode !== 0) return { failed: unprofiled };
    buildModel(profiled, { extraCflags: `-DO2M_PROFILE ${extraCflags}`.trim() });
    const run = await runModel(profiled, options);
    if (run.exitCode !== 0) return { failed: run };

    const lines = [...run.stdout.matchAll(LAYER_LINE)];
    const hook = HOOK_LINE.exec(run.stdout);
    if (lines.length !== manifest.layers.length || !hook) {
      throw new Error(`the profiled firmware printed ${lines.length} layer lines for ${manifest.layers.length} layers`);
    }
    const instructions = lines.map((l) => Number(l[2]));
    const inBlockOf = lines.map((l) => (l[3] === undefined ? undefined : Number(l[3])));
    const blockMacs = manifest.layers.map((layer, i) => (inBlockOf[i] !== undefined ? 0
      : layer.macs + manifest.layers.reduce((sum, other, j) => sum + (inBlockOf[j] === i ? other.macs : 0), 0)));
    const layers = manifest.layers.map((layer, i): LayerProfile => ({
      index: i,
      node: layer.node,
      opType: layer.opType,
      kernel: layer.kernel,
      macs: layer.macs,
      instructions: instructions[i],
      instructionsPerMac: blockMacs[i] > 0 ? instructions[i] / blockMacs[i] : null,
      percent: run.instructions > 0 ? (100 * instructions[i]) / run.instructions : 0,
      ...(inBlockOf[i] !== undefined ? { inBlockOf: inBlockOf[i] } : {}),
    }));
    return {
      board: manifest.board.id,
      layers,
      profiledInstructions: run.instructions,
      layerSum: instructions.reduce((a, b) => a + b, 0),
      unprofiledInstructions: unprofiled.instructions,
      hookInstructions: Number(hook[1]),
      firmwareSha256: firmwareSha256(dir),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function profileRecord(profile: Profile): ProfileRecord {
  return {
    firmware_sha256: profile.firmwareSha256,
    board: profile.board,
    instructions_per_inference: profile.profiledInstructions,
    layers: profile.layers.map((l) => ({
      index: l.index,
      node: l.node,
      instructions: l.instructions,
      instructions_per_mac: l.instructionsPerMac,
      ...(l.inBlockOf !== undefined ? { in_block_of: l.inBlockOf } : {}),
    })),
  };
}

const count = (n: number) => n.toLocaleString('en');

/** The per-layer table the terminal shows. */
export function formatProfile(profile: Profile): string {
  const rows = profile.layers.map((l) => [
    String(l.index),
    l.node,
    l.opType,
    l.kernel,
    count(l.macs),
    l.inBlockOf !== undefined ? `(in ${l.inBlockOf})` : count(l.instructions),
    l.instructionsPerMac === null ? '—' : l.instructionsPerMac.toFixed(2),
    l.inBlockOf !== undefined ? '' : `${l.percent.toFixed(1)} %`,
  ]);
  const header = ['#', 'node', 'op', 'kernel', 'MACs', 'instructions', 'instr/MAC', 'share'];
  const numeric = [true, false, false, false, true, true, true, true];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  const blocks = profile.layers.filter((l) => l.inBlockOf === undefined && profile.layers.some((o) => o.inBlockOf === l.index));
  const sharePercent = (100 * profile.layerSum) / Math.max(1, profile.unprofiledInstructions);
  return [
    line(header),
    ...rows.map(line),
    '',
    `layers   ${count(profile.layerSum)} instructions per inference (${sharePercent.toFixed(2)} % of the unprofiled run's ${count(profile.unprofiledInstructions)})`,
    `profiled ${count(profile.profiledInstructions)} instructions with the hooks; each hook's own ${count(profile.hookInstructions)} taken off its layer`,
    ...blocks.map((b) => `block    steps ${[b.index, ...profile.layers.filter((o) => o.inBlockOf === b.index).map((o) => o.index)].join(', ')} run interleaved in one loop: `
      + `counted together on step ${b.index}, instr/MAC over the block's MACs`),
  ].join('\n');
}
