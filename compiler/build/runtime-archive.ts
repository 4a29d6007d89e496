// The host runtime compiled once into an archive, for callers that build many models with the
// same flags (the conformance suite, the tests): each model then compiles only model.c and main.c.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../boards/index.js';

/** Builds libonnx2mcu_host.a in `workDir` with the generated Makefile's host flags plus `extraCflags`. */
export function buildRuntimeArchive(workDir: string, extraCflags: string): string {
  const runtime = join(packageRoot(), 'runtime-c');
  const sources = [
    ...readdirSync(join(runtime, 'kernels')).filter((f) => f.endsWith('.c')).map((f) => join(runtime, 'kernels', f)),
    ...readdirSync(join(runtime, 'platform', 'host')).filter((f) => f.endsWith('.c')).map((f) => join(runtime, 'platform', 'host', f)),
  ];
  const flags = ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-ffunction-sections', '-fdata-sections', '-ffp-contract=off', `-I${join(runtime, 'include')}`, ...extraCflags.split(' ').filter(Boolean)];
  const objects = sources.map((src, i) => {
    const obj = join(workDir, `runtime_${i}.o`);
    const r = spawnSync('cc', [...flags, '-c', src, '-o', obj], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the runtime (${src}) failed:\n${r.stdout}${r.stderr}`);
    return obj;
  });
  const archive = join(workDir, 'libonnx2mcu_host.a');
  const r = spawnSync('ar', ['rcs', archive, ...objects], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ar failed: ${r.stderr}`);
  return archive;
}
