// Finding the external tools onnx2mcu drives, and saying how to install the missing ones.
import { spawnSync } from 'node:child_process';
import { CompileError } from '../ir/graph.js';

export const APT_INSTALL = 'apt-get install -y --no-install-recommends gcc-arm-none-eabi qemu-system-arm';

export function hasTool(command: string): boolean {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Exit 4 with the install command when a tool is missing. */
export function requireTools(tools: string[]): void {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length === 0) return;
  const hint = missing.some((t) => t.startsWith('arm-none-eabi') || t.startsWith('qemu'))
    ? `install them with: sudo ${APT_INSTALL}`
    : `install them with: sudo apt-get install -y --no-install-recommends ${missing.includes('make') ? 'make ' : ''}gcc`;
  throw new CompileError(`${missing.join(', ')} not found; ${hint} (npm run setup does this)`, 4);
}
