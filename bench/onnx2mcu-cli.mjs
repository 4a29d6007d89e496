// The benchmarks drive onnx2mcu as a user does, through its command line; a failed step ends the
// run with the tool's own output and exit code.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function onnx2mcu(...args) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'onnx2mcu.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    console.error(`bench: onnx2mcu ${args.join(' ')} failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
  return r.stdout;
}
