// The command line as users run it: a real `node bin/onnx2mcu.js` process, its exit code and
// its output, for the end-to-end tests.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'onnx2mcu.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], env: NodeJS.ProcessEnv = process.env): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command that must succeed, and returns what it printed. */
export function cliOk(args: string[]): string {
  const r = cli(args);
  expect(r.code, `${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}
