#!/usr/bin/env node
// Installs what onnx2mcu needs and is missing: npm packages, the Arm toolchain and QEMU from
// Debian, and the compiled TypeScript. Safe to run again: it only acts on what is missing.
// Plain Node with no dependencies, because it runs before `npm install`.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = Boolean(process.env.CI) || !process.stdout.isTTY;
const say = (text) => { if (!quiet) process.stdout.write(`setup: ${text}\n`); };

function run(command, options = {}) {
  const result = spawnSync(command, { shell: true, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', cwd: root, ...options });
  if (result.status !== 0) {
    process.stderr.write(`setup: '${command}' failed with exit ${result.status}\n`);
    process.exit(4);
  }
}

const has = (tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;

// 1. npm packages, when absent or older than the lock file.
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
if (!existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs)) {
  say('installing npm packages');
  // onnxruntime-node's install script must not fetch CUDA builds: an environment variable says so
  // (an .npmrc key would make every npm command warn about an unknown config).
  run(existsSync(lock) ? 'npm ci --no-audit --no-fund' : 'npm install --no-audit --no-fund',
    { env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
}

// 2. Debian packages: the cross compiler, QEMU, a host compiler with make, the ONNX node tests.
const debianPackages = {
  'arm-none-eabi-gcc': 'gcc-arm-none-eabi',
  'qemu-system-arm': 'qemu-system-arm',
  make: 'make',
  cc: 'gcc',
};
const missing = Object.entries(debianPackages).filter(([tool]) => !has(tool)).map(([, pkg]) => pkg);
// The ONNX backend node tests: the operator conformance suite (npm run conformance, npm test).
if (!existsSync('/usr/share/libonnx-testdata/data/node')) missing.push('libonnx-testdata');
if (missing.length > 0) {
  const isRoot = process.getuid?.() === 0;
  const sudo = isRoot ? '' : has('sudo') ? 'sudo ' : null;
  if (sudo === null) {
    process.stderr.write(`setup: missing ${missing.join(', ')}; install them as root with:\n  apt-get install -y --no-install-recommends ${missing.join(' ')}\n`);
    process.exit(4);
  }
  say(`installing ${missing.join(', ')} from Debian (about 30 s)`);
  run(`${sudo}apt-get update -qq`);
  run(`${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`);
}

// 3. The compiler itself.
say('compiling the TypeScript');
run('npx --no-install tsc -p .');
if (!quiet) execSync('node bin/onnx2mcu.js --version', { cwd: root, stdio: 'ignore' });
