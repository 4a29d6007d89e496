#!/usr/bin/env node
// The installed command: runs the compiled TypeScript (npm run build writes dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/compiler/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('onnx2mcu: dist/ is missing; run `npm run setup` (or `npm run build`) first\n');
  process.exit(4);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
