// npm run conformance: the ONNX node tests through onnx2mcu, writing docs/SUPPORTED_OPS.md and
// docs/conformance.json from the run.
//   --filter <regex>   only tests whose name matches
//   --sanitize         build with AddressSanitizer and UndefinedBehaviorSanitizer
//   --jobs <n>         tests in flight at once (default 3)
//   --no-write         print the summary only
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { docsPaths, runNodeTests, summarise, summaryJson, supportedOpsMarkdown } from './node-tests.js';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const filter = option('--filter');
const tty = process.stdout.isTTY && !process.env.CI;

const results = await runNodeTests({
  filter: filter ? new RegExp(filter) : undefined,
  sanitize: args.includes('--sanitize'),
  jobs: option('--jobs') ? Number(option('--jobs')) : undefined,
  onResult: (r, done, total) => {
    if (tty) process.stdout.write(`\r${done}/${total} ${r.name.padEnd(60).slice(0, 60)}`);
    if (r.status === 'failed' && (tty || args.includes('--verbose'))) process.stdout.write(`${tty ? '\n' : ''}FAILED ${r.name}: ${r.reason}\n`);
  },
});
if (tty) process.stdout.write('\n');
const s = summarise(results);
if (!filter && !args.includes('--no-write') && !args.includes('--sanitize')) {
  const paths = docsPaths();
  mkdirSync(dirname(paths.markdown), { recursive: true });
  writeFileSync(paths.markdown, supportedOpsMarkdown(results));
  writeFileSync(paths.json, summaryJson(results));
  console.log(`wrote ${paths.markdown} and ${paths.json}`);
}
for (const r of results.filter((x) => x.status === 'failed')) console.log(`failed: ${r.name}: ${r.reason}`);
console.log(`${s.passed} of ${s.total} node tests passed (${((100 * s.passed) / Math.max(1, s.total)).toFixed(1)}%), ${s.failed} failed, ${s.unsupported} unsupported${args.includes('--sanitize') ? ' (sanitizers on)' : ''}`);
process.exitCode = s.failed > 0 ? 1 : 0;
