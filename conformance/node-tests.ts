// The ONNX backend node tests as onnx2mcu's operator conformance suite: every test's model is
// compiled, built for the host with -Wall -Wextra -Werror (optionally under sanitizers), run on
// its input_*.pb, and compared with its output_*.pb.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard, packageRoot, DEFAULT_BOARD } from '../compiler/boards/index.js';
import { compileModel, type Manifest } from '../compiler/compile.js';
import { CompileError, type ConstTensor } from '../compiler/ir/graph.js';
import { importModelFile } from '../compiler/onnx/import.js';
import { EXIT_TIMEOUT, runModel } from '../compiler/run/index.js';
import { buildRuntimeArchive } from '../compiler/build/runtime-archive.js';
import { readTensorFile } from '../compiler/tensor-files/index.js';

export const NODE_TESTS_DIR = '/usr/share/libonnx-testdata/data/node';
export const NODE_TESTS_PACKAGE = 'libonnx-testdata';

export type Status = 'passed' | 'failed' | 'unsupported';

export interface TestResult {
  name: string;
  /** The operator the test is about (expanded tests count for the op they expand). */
  op: string;
  status: Status;
  /** Why it failed or is unsupported: the first line of the error or the first mismatch. */
  reason?: string;
  /** Inputs compiled as constants from the test's data, because onnx2mcu needs them at compile time. */
  frozen?: string[];
}

export interface SuiteOptions {
  dir?: string;
  filter?: RegExp | ((name: string) => boolean);
  sanitize?: boolean;
  jobs?: number;
  onResult?: (r: TestResult, done: number, total: number) => void;
}

const SANITIZE_FLAGS = '-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer';

export function listNodeTests(dir = NODE_TESTS_DIR): string[] {
  if (!existsSync(dir)) {
    throw new Error(`${dir} is missing: install the ONNX node tests with apt-get install -y ${NODE_TESTS_PACKAGE} (npm run setup does)`);
  }
  return readdirSync(dir).filter((t) => existsSync(join(dir, t, 'model.onnx'))).sort();
}

const snake = (op: string) => op.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();

/** Test-name stems that are not the snake case of their operator's name. */
const STEM_ALIASES: Record<string, string> = {
  sce: 'SoftmaxCrossEntropyLoss', nllloss: 'NegativeLogLikelihoodLoss', logsoftmax: 'LogSoftmax',
  mvn: 'MeanVarianceNormalization',
};

/** The op a test is about: its only node's type, or the op whose name starts the test's name. */
export function testOperator(name: string, nodeOps: string[], knownOps: Set<string>): string {
  const distinct = [...new Set(nodeOps)];
  if (distinct.length === 1 && !name.includes('_expanded')) return distinct[0];
  const stem = name.replace(/^test_/, '');
  for (const [alias, op] of Object.entries(STEM_ALIASES)) {
    if (stem === alias || stem.startsWith(`${alias}_`)) return op;
  }
  let best = '';
  for (const op of knownOps) {
    const s = snake(op);
    if ((stem === s || stem.startsWith(`${s}_`)) && s.length > snake(best).length) best = op;
  }
  return best || distinct[0] || '?';
}

function run(command: string, args: string[], cwd?: string): Promise<{ code: number; log: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => { log += d; });
    child.stderr.on('data', (d) => { log += d; });
    child.on('close', (code) => done({ code: code ?? 128, log }));
  });
}

function readDataSet(dir: string, prefix: 'input' | 'output'): ConstTensor[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}_`) && f.endsWith('.pb'))
    .sort((a, b) => Number(a.slice(prefix.length + 1, -3)) - Number(b.slice(prefix.length + 1, -3)))
    .map((f) => readTensorFile(join(dir, f)));
}

/** First element outside the tolerance (floats) or different (everything else), or null. */
export function firstMismatch(got: ConstTensor, want: ConstTensor, rtol = 1e-3, atol = 1e-5): string | null {
  if (got.dtype !== want.dtype) return `dtype ${got.dtype}, expected ${want.dtype}`;
  if (got.shape.join('x') !== want.shape.join('x')) return `shape [${got.shape}], expected [${want.shape}]`;
  const isFloat = got.dtype === 'float32' || got.dtype === 'float64' || got.dtype === 'float16';
  for (let i = 0; i < want.data.length; i++) {
    const g = got.data[i];
    const w = want.data[i];
    if (isFloat) {
      const gn = Number(g);
      const wn = Number(w);
      if (Number.isNaN(gn) && Number.isNaN(wn)) continue;
      if (gn === wn) continue; // equal infinities
      if (Math.abs(gn - wn) <= atol + rtol * Math.abs(wn)) continue;
    } else if (g === w) {
      continue;
    }
    return `element ${i}: got ${g}, expected ${w}`;
  }
  return null;
}

async function runOne(name: string, dir: string, work: string, archive: string, extraCflags: string, knownOps: Set<string>): Promise<TestResult> {
  try {
    return await compileBuildAndCompare(name, dir, work, archive, extraCflags, knownOps);
  } catch (e) {
    // Test data onnx2mcu cannot read (sequences, optionals, strings) means the test is not for us.
    const op = testOperator(name, [], knownOps);
    if (e instanceof CompileError) return { name, op, status: 'unsupported', reason: e.message.split('\n')[0] };
    return { name, op, status: 'failed', reason: `internal error: ${(e as Error).message.split('\n')[0]}` };
  }
}

async function compileBuildAndCompare(name: string, dir: string, work: string, archive: string, extraCflags: string, knownOps: Set<string>): Promise<TestResult> {
  const testDir = join(dir, name);
  const modelPath = join(testDir, 'model.onnx');
  let nodeOps: string[] = [];
  try {
    nodeOps = importModelFile(modelPath).nodes.map((n) => n.opType);
  } catch { /* reported below by compile */ }
  const op = testOperator(name, nodeOps, knownOps);
  const out = join(work, name);
  const firstSet = readdirSync(testDir).filter((d) => d.startsWith('test_data_set_')).sort()[0];
  const firstInputs = firstSet ? readDataSet(join(testDir, firstSet), 'input') : [];
  const compile = (frozen: Map<string, ConstTensor>) => compileModel({
    modelPath, outDir: out, board: loadBoard(DEFAULT_BOARD), prefix: 'model', shapes: new Map(), frozen,
  }).manifest;
  let manifest: Manifest | undefined;
  let frozenNames: string[] = [];
  try {
    try {
      manifest = compile(new Map());
    } catch (e) {
      // Shape operands (Reshape's shape, Slice's starts, Resize's scales...) must be compile-time
      // constants on a microcontroller; the node tests feed them as inputs. Freeze those from the
      // test's data, integer inputs first, then every input but the first, then all, and retry.
      if (!(e instanceof CompileError) || !/must be a constant/.test(e.message)) throw e;
      const graphInputs = importModelFile(modelPath).inputs;
      const attempts = [
        graphInputs.filter((i) => i.dtype === 'int64' || i.dtype === 'int32'),
        graphInputs.slice(1),
        graphInputs, // NonZero and friends: the output's size depends on the data itself
      ];
      let lastError: unknown = e;
      for (const inputs of attempts) {
        if (inputs.length === 0) continue;
        const frozen = new Map(inputs.map((i) => [i.name, { ...firstInputs[graphInputs.indexOf(i)], name: i.name }]));
        try {
          manifest = compile(frozen);
          frozenNames = inputs.map((i) => i.name);
          lastError = undefined;
          break;
        } catch (again) {
          lastError = again;
        }
      }
      if (lastError) throw lastError;
    }
  } catch (e) {
    if (e instanceof CompileError) return { name, op, status: 'unsupported', reason: e.message.split('\n')[0].replace(`${modelPath}: `, '') };
    return { name, op, status: 'failed', reason: `internal error: ${(e as Error).message.split('\n')[0]}` };
  }
  if (!manifest) return { name, op, status: 'failed', reason: 'internal error: no manifest' };
  const frozen = frozenNames.length > 0 ? { frozen: frozenNames } : {};
  try {
    const make = await run('make', ['-s', '-C', out, 'host', `HOST_RUNTIME_LIB=${archive}`, `EXTRA_CFLAGS=${extraCflags}`]);
    if (make.code !== 0) return { name, op, status: 'failed', reason: `host build failed: ${make.log.split('\n').find((l) => /error/.test(l)) ?? make.log.slice(0, 200)}` };
    const sets = readdirSync(testDir).filter((d) => d.startsWith('test_data_set_')).sort();
    for (const set of sets) {
      const inputs = readDataSet(join(testDir, set), 'input');
      const expected = readDataSet(join(testDir, set), 'output');
      const graphInputNames = importModelFile(modelPath).inputs.map((i) => i.name);
      const feeds = new Map(manifest.inputs.map((info) => [info.name, inputs[graphInputNames.indexOf(info.name)]]));
      const result = await runModel(out, { host: true, inputs: feeds, timeoutSeconds: 60 });
      if (result.exitCode !== 0) {
        const why = result.exitCode === EXIT_TIMEOUT ? 'timed out' : `exit ${result.exitCode}: ${(result.stderr + result.stdout).trim().split('\n').slice(-3).join(' | ')}`;
        return { name, op, status: 'failed', reason: `${set}: ${why}`, ...frozen };
      }
      for (let i = 0; i < manifest.outputs.length; i++) {
        const info = manifest.outputs[i];
        const got = result.outputs.get(info.name);
        if (!got) return { name, op, status: 'failed', reason: `${set}: output '${info.name}' was not written` };
        const mismatch = firstMismatch({ ...got, shape: info.shape }, expected[i]);
        if (mismatch) return { name, op, status: 'failed', reason: `${set}: output '${info.name}' ${mismatch}`, ...frozen };
      }
    }
    return { name, op, status: 'passed', ...frozen };
  } catch (e) {
    if (e instanceof CompileError) return { name, op, status: 'unsupported', reason: e.message.split('\n')[0] };
    return { name, op, status: 'failed', reason: `internal error: ${(e as Error).message.split('\n')[0]}` };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export async function runNodeTests(options: SuiteOptions = {}): Promise<TestResult[]> {
  const dir = options.dir ?? NODE_TESTS_DIR;
  const all = listNodeTests(dir);
  const { filter } = options;
  const names = all.filter((t) => !filter || (typeof filter === 'function' ? filter(t) : filter.test(t)));
  const extraCflags = options.sanitize ? SANITIZE_FLAGS : '';
  const knownOps = new Set<string>();
  for (const t of all) {
    try {
      const g = importModelFile(join(dir, t, 'model.onnx'));
      if (g.nodes.length === 1) knownOps.add(g.nodes[0].opType);
    } catch { /* a model we cannot read names no op */ }
  }
  const work = mkdtempSync(join(tmpdir(), 'onnx2mcu-conformance-'));
  mkdirSync(work, { recursive: true });
  try {
    const archive = buildRuntimeArchive(work, extraCflags);
    const results: TestResult[] = new Array(names.length);
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < names.length) {
        const index = next++;
        results[index] = await runOne(names[index], dir, work, archive, extraCflags, knownOps);
        done += 1;
        options.onResult?.(results[index], done, names.length);
      }
    };
    await Promise.all(Array.from({ length: options.jobs ?? 3 }, worker));
    return results;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface OpSummary {
  op: string;
  tests: number;
  passed: number;
  failed: number;
  unsupported: number;
}

export function summarise(results: TestResult[]): { total: number; passed: number; failed: number; unsupported: number; ops: OpSummary[] } {
  const ops = new Map<string, OpSummary>();
  for (const r of results) {
    const s = ops.get(r.op) ?? { op: r.op, tests: 0, passed: 0, failed: 0, unsupported: 0 };
    s.tests += 1;
    s[r.status] += 1;
    ops.set(r.op, s);
  }
  const count = (status: Status) => results.filter((r) => r.status === status).length;
  return {
    total: results.length, passed: count('passed'), failed: count('failed'), unsupported: count('unsupported'),
    ops: [...ops.values()].sort((a, b) => a.op.localeCompare(b.op)),
  };
}

/** docs/SUPPORTED_OPS.md, entirely from a run's results. */
export function supportedOpsMarkdown(results: TestResult[]): string {
  const s = summarise(results);
  const pct = (n: number) => `${((100 * n) / Math.max(1, s.total)).toFixed(1)}%`;
  const lines = [
    '# Operator conformance',
    '',
    '<!-- Generated by `npm run conformance` from a run over the ONNX backend node tests; do not edit. -->',
    '',
    `The ONNX ${'1.12'} backend node tests (Debian's \`${NODE_TESTS_PACKAGE}\`, ${s.total} tests), each compiled by onnx2mcu, built for the host`,
    'with `-Wall -Wextra -Werror`, run on its inputs and compared with its expected outputs',
    '(rtol 1e-3, atol 1e-5 for floating point; exact for integers and booleans).',
    '',
    `**${s.passed} passed (${pct(s.passed)}), ${s.failed} failed, ${s.unsupported} unsupported.**`,
    '',
    `${results.filter((r) => r.status === 'passed' && r.frozen).length} of the passing tests feed a shape operand (Reshape's shape, Slice's starts, Resize's scales …)`,
    'as a graph input; onnx2mcu needs those at compile time, so they were compiled as constants from the',
    "test's data (`onnx2mcu compile --freeze <input>=<file>`); the list below names them.",
    '',
    '| operator | tests | passed | failed | unsupported |',
    '|---|---:|---:|---:|---:|',
    ...s.ops.map((o) => `| ${o.op} | ${o.tests} | ${o.passed} | ${o.failed} | ${o.unsupported} |`),
    '',
  ];
  const frozenTests = results.filter((r) => r.status === 'passed' && r.frozen);
  if (frozenTests.length > 0) {
    lines.push('## Passed with inputs frozen at compile time', '', ...frozenTests.map((r) => `- \`${r.name}\`: ${r.frozen!.join(', ')}`), '');
  }
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length > 0) {
    lines.push('## Failed', '', ...failed.map((r) => `- \`${r.name}\`: ${r.reason}`), '');
  }
  const unsupported = results.filter((r) => r.status === 'unsupported');
  if (unsupported.length > 0) {
    lines.push('## Unsupported', '', ...unsupported.map((r) => `- \`${r.name}\`: ${(r.reason ?? '').replace(/\|/g, '\\|')}`), '');
  }
  return lines.join('\n');
}

export function summaryJson(results: TestResult[]): string {
  const { ops, ...totals } = summarise(results);
  return `${JSON.stringify({ suite: `${NODE_TESTS_PACKAGE} (ONNX 1.12 node tests)`, ...totals, ops, tests: results }, null, 2)}\n`;
}

export function docsPaths(): { markdown: string; json: string } {
  const docs = join(packageRoot(), 'docs');
  return { markdown: join(docs, 'SUPPORTED_OPS.md'), json: join(docs, 'conformance.json') };
}

export function readCommitted(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}
