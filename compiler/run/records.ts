// The records a firmware run leaves in the compiled folder for the report: run.json after every
// successful `run`, profile.json after `run --profile`. Field names are snake_case because the
// files are read by other tools as well as by onnx2mcu's report.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileSha256 } from '../build/index.js';

export const RUN_FILE = 'run.json';
export const PROFILE_FILE = 'profile.json';

export interface RunRecord {
  /** The firmware.elf the figures belong to: a report compares it with build.json's. */
  firmware_sha256: string;
  board: string;
  instructions_per_inference: number;
  stack_peak_bytes: number;
}

export interface ProfileLayerRecord {
  /** The step's index in model.c (the manifest's layers[index]). */
  index: number;
  node: string;
  /** 0 for a step counted with the block of an earlier step (see in_block_of). */
  instructions: number;
  /** For a block's first step, over the MACs of the whole block; null without MACs or in a block. */
  instructions_per_mac: number | null;
  /** Present on a step of a streamed block that runs interleaved with the block's first step
   * inside one loop: its instructions are counted on that step. */
  in_block_of?: number;
}

export interface ProfileRecord {
  /** The user's firmware.elf the profile was taken next to (the profile ran a private build of
   * the same sources with the profiling hooks), or null when there was none. */
  firmware_sha256: string | null;
  board: string;
  /** The profiled build's total, hooks included. */
  instructions_per_inference: number;
  layers: ProfileLayerRecord[];
}

function writeRecord(dir: string, file: string, record: object): void {
  writeFileSync(join(dir, file), `${JSON.stringify(record, null, 2)}\n`);
}

export function firmwareSha256(dir: string): string | null {
  const elf = join(dir, 'firmware.elf');
  return existsSync(elf) ? fileSha256(elf) : null;
}

/** After a firmware run that exited 0: its figures, tied to the firmware.elf that produced them. */
export function writeRunRecord(dir: string, board: string, run: { instructions: number; stackPeakBytes: number }): void {
  const record: RunRecord = {
    firmware_sha256: fileSha256(join(dir, 'firmware.elf')),
    board,
    instructions_per_inference: run.instructions,
    stack_peak_bytes: run.stackPeakBytes,
  };
  writeRecord(dir, RUN_FILE, record);
}

export const writeProfileRecord = (dir: string, record: ProfileRecord) => writeRecord(dir, PROFILE_FILE, record);
