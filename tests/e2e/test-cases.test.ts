// `onnx2mcu test`: a folder of cases run in one process start, judged per case, reported as
// lines, a summary and JUnit XML, with the exit status CI acts on. Expected outputs come from
// ONNX Runtime, never from the code under test.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { compareOutput, DEFAULT_TOLERANCE, escapeXml } from '../../compiler/run/test-cases.js';
import { readTensorFile, writeTensorFile } from '../../compiler/tensor-files/index.js';
import { runOrt } from '../helpers/ort.js';
import { compileAndBuild, scratchDir } from '../helpers/pipeline.js';
import { cli } from '../helpers/cli.js';

const root = join(import.meta.dirname, '..', '..');
const mnist = join(root, 'examples', 'mnist');
const modelPath = join(mnist, 'mnist.onnx');
const samples = readdirSync(join(mnist, 'inputs')).filter((f) => /^sample_\d+\.npy$/.test(f)).sort();


interface JUnitCase { name: string; failure?: string; instructions: number }

/** A small reader for the XML the command writes: the suite's counts and each testcase. */
function parseJUnit(xml: string): { tests: number; failures: number; cases: JUnitCase[] } {
  const unescape = (s: string) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  const suite = /<testsuite [^>]*tests="(\d+)" failures="(\d+)"/.exec(xml);
  expect(xml.match(/<testsuite\b/g)).toHaveLength(1);
  const cases = [...xml.matchAll(/<testcase [^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)].map((m) => ({
    name: unescape(m[1]!),
    failure: /<failure message="([^"]*)"/.exec(m[2]!)?.[1] && unescape(/<failure message="([^"]*)"/.exec(m[2]!)![1]!),
    instructions: Number(/<property name="instructions" value="(\d+)"\/>/.exec(m[2]!)?.[1]),
  }));
  return { tests: Number(suite?.[1]), failures: Number(suite?.[2]), cases };
}

const f32 = (values: number[]): ConstTensor => ({ name: 'y', dtype: 'float32', shape: [values.length], data: Float32Array.from(values) });

describe('comparing outputs', () => {
  it('applies |got − want| ≤ atol + rtol·|want| and names the worst element', () => {
    const want = f32([1, 100, -2, 0]);
    expect(compareOutput('y', f32([1.0009, 100.09, -2, 0.000009]), want, DEFAULT_TOLERANCE).pass).toBe(true);
    const bad = compareOutput('y', f32([1, 100.2, -2.01, 0]), want, DEFAULT_TOLERANCE);
    expect(bad.pass).toBe(false);
    // 100.2 is 0.2 off against an allowance of 0.10001 (2×), -2.01 is 0.01 off against 0.00201
    // (about 5×): the worst is index 2.
    expect(bad.worst).toMatchObject({ output: 'y', index: 2, want: -2 });
    expect(bad.worst!.score).toBeCloseTo(0.01 / 0.00201, 2);
  });

  it('matches NaN only with NaN, Infinity only with itself, and bits with --exact', () => {
    expect(compareOutput('y', f32([NaN, Infinity]), f32([NaN, Infinity]), DEFAULT_TOLERANCE).pass).toBe(true);
    expect(compareOutput('y', f32([0]), f32([NaN]), DEFAULT_TOLERANCE).pass).toBe(false);
    expect(compareOutput('y', f32([-Infinity]), f32([Infinity]), DEFAULT_TOLERANCE).pass).toBe(false);
    const exact = { ...DEFAULT_TOLERANCE, exact: true };
    const close = Math.fround(1 + 2 ** -23);
    expect(compareOutput('y', f32([close]), f32([1]), DEFAULT_TOLERANCE).pass).toBe(true);
    expect(compareOutput('y', f32([close]), f32([1]), exact).pass).toBe(false);
    expect(compareOutput('y', f32([1]), f32([1]), exact).pass).toBe(true);
  });

  it('compares integers exactly and refuses a different dtype or size', () => {
    const i64 = (v: bigint[]): ConstTensor => ({ name: 'y', dtype: 'int64', shape: [v.length], data: BigInt64Array.from(v) });
    expect(compareOutput('y', i64([1n, 2n]), i64([1n, 2n]), DEFAULT_TOLERANCE).pass).toBe(true);
    expect(compareOutput('y', i64([1n, 3n]), i64([1n, 2n]), DEFAULT_TOLERANCE).worst).toMatchObject({ index: 1, got: 3n, want: 2n });
    expect(compareOutput('y', f32([1]), i64([1n]), DEFAULT_TOLERANCE).problem).toMatch(/float32.*int64/);
    expect(compareOutput('y', f32([1, 2]), f32([1]), DEFAULT_TOLERANCE).problem).toMatch(/shape/);
  });

  it('escapes text for XML', () => {
    expect(escapeXml(`a<b>&"c'\n\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;&#10;');
  });
});

describe('onnx2mcu test on the MNIST example', () => {
  let hostDir: string;
  let boardDir: string;
  let macs: number;
  let work: string;
  let cases: string;

  beforeAll(async () => {
    hostDir = compileAndBuild(modelPath, { host: true, label: 'test-cases-host' }).dir;
    const board = compileAndBuild(modelPath, { board: 'mps2-an386', label: 'test-cases-board' });
    boardDir = board.dir;
    macs = board.compiled.manifest.macs;
    // One case folder per sample: input.npy, and probabilities.npy as ONNX Runtime computes it.
    work = scratchDir('test-cases');
    cases = join(work, 'cases');
    const model = readFileSync(modelPath);
    for (const file of samples) {
      const folder = join(cases, file.replace('.npy', ''));
      mkdirSync(folder, { recursive: true });
      const input = { ...readTensorFile(join(mnist, 'inputs', file)), name: 'input' };
      writeTensorFile(join(folder, 'input.npy'), input);
      writeTensorFile(join(folder, 'probabilities.npy'), (await runOrt(model, { input })).probabilities!);
    }
  }, 120_000);

  it('passes every case on the host and under QEMU, exit 0, with JUnit XML', () => {
    expect(samples.length).toBeGreaterThanOrEqual(5);
    for (const [dir, extra] of [[hostDir, ['--host']], [boardDir, []]] as const) {
      const junit = join(work, `pass-${extra.length}.xml`);
      const r = cli(['test', dir, '--cases', cases, '--junit', junit, ...extra]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`${samples.length} passed, 0 failed`);
      for (const file of samples) expect(r.stdout).toMatch(new RegExp(`^PASS ${file.replace('.npy', '')}: worst probabilities\\[\\d+\\]`, 'm'));
      const report = parseJUnit(readFileSync(junit, 'utf8'));
      expect(report.tests).toBe(samples.length);
      expect(report.failures).toBe(0);
      expect(report.cases.map((c) => c.name)).toEqual(samples.map((f) => f.replace('.npy', '')));
      expect(report.cases.every((c) => c.failure === undefined)).toBe(true);
      // Under QEMU every case carries its instruction count (at least one per MAC); the host has none.
      for (const c of report.cases) {
        if (extra.length) expect(c.instructions).toBe(0);
        else expect(c.instructions).toBeGreaterThan(macs);
      }
    }
  });

  it('fails the case whose expected output is off, naming the output and the element, exit 1', () => {
    const failing = join(work, 'failing');
    cpSync(cases, failing, { recursive: true });
    const victim = samples[3]!.replace('.npy', '');
    const file = join(failing, victim, 'probabilities.npy');
    const want = readTensorFile(file);
    const data = Float32Array.from(want.data as Float32Array);
    data[7] += 0.05; // far beyond 1e-5 + 1e-3·|want| for a probability ≤ 1
    writeTensorFile(file, { ...want, data });

    const junit = join(work, 'fail.xml');
    const r = cli(['test', boardDir, '--cases', failing, '--junit', junit]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(`${samples.length - 1} passed, 1 failed`);
    expect(r.stdout).toMatch(new RegExp(`^FAIL ${victim}: probabilities\\[7\\]: got \\S+, want \\S+`, 'm'));
    const report = parseJUnit(readFileSync(junit, 'utf8'));
    expect(report.tests).toBe(samples.length);
    expect(report.failures).toBe(1);
    const failed = report.cases.filter((c) => c.failure !== undefined);
    expect(failed.map((c) => c.name)).toEqual([victim]);
    expect(failed[0]!.failure).toContain('probabilities[7]');
    const [, got, wanted] = /probabilities\[7\]: got (\S+), want (\S+)/.exec(failed[0]!.failure!)!;
    expect(Number(wanted)).toBeCloseTo(data[7]!, 6);
    expect(Math.abs(Number(got) - (want.data as Float32Array)[7]!)).toBeLessThan(1e-4); // the firmware's own value
  });

  it('runs an ONNX-suite case folder (input_0.pb, output_0.pb mapped by position)', async () => {
    const suite = join(work, 'suite');
    const set = join(suite, 'test_data_set_0');
    mkdirSync(set, { recursive: true });
    const input = { ...readTensorFile(join(mnist, 'inputs', samples[0]!)), name: 'some_other_name' };
    writeTensorFile(join(set, 'input_0.pb'), input);
    writeTensorFile(join(set, 'output_0.pb'), { ...(await runOrt(readFileSync(modelPath), { input: { ...input, name: 'input' } })).probabilities!, name: 'whatever' });
    cpSync(modelPath, join(suite, 'model.onnx')); // files beside the case folders are ignored, as in the suite
    const r = cli(['test', hostDir, '--host', '--cases', suite]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('1 passed, 0 failed');
    expect(r.stdout).toMatch(/^PASS test_data_set_0:/m);
  });

  /** The board firmware with `statement` run before the third case. */
  function patchedFirmware(name: string, statement: string): string {
    const copy = join(work, name);
    cpSync(boardDir, copy, { recursive: true });
    const main = join(copy, 'main.c');
    const loop = 'for (uint32_t k = 0; k < samples; ++k) {';
    const source = readFileSync(main, 'utf8');
    expect(source).toContain(loop);
    writeFileSync(main, source.replace(loop, `${loop}\n    if (k == 2) ${statement}`));
    const make = spawnSync('make', ['-C', copy, 'firmware'], { encoding: 'utf8' });
    expect(make.status, make.stderr).toBe(0);
    return copy;
  }

  it('judges the cases before a fault, fails the rest with the fault, and exits with its code', () => {
    // A read from an address with no memory behind it: a BusFault (or HardFault where escalated).
    const faulty = patchedFirmware('faulty', '(void)*(volatile uint32_t *)0xF0000000u;');
    const junit = join(work, 'fault.xml');
    const r = cli(['test', faulty, '--cases', cases, '--junit', junit]);
    expect(r.code, r.stdout + r.stderr).toBeGreaterThanOrEqual(120);
    expect(r.code).toBeLessThanOrEqual(123);
    expect(r.stdout).toContain(`2 passed, ${samples.length - 2} failed`);
    const unfinished = r.stdout.match(/^FAIL .*(HardFault|BusFault).*\(exit 12\d\)/gm);
    expect(unfinished).toHaveLength(samples.length - 2);
    const report = parseJUnit(readFileSync(junit, 'utf8'));
    expect(report.cases.slice(0, 2).every((c) => c.failure === undefined && c.instructions > macs)).toBe(true);
    expect(report.cases.slice(2).every((c) => /Fault/.test(c.failure ?? ''))).toBe(true);
  });

  it('fails every unfinished case when the firmware hangs, exit 124', () => {
    const hung = patchedFirmware('hung', 'for (;;) {}');
    const r = cli(['test', hung, '--cases', cases, '--timeout', '3']);
    expect(r.code, r.stdout + r.stderr).toBe(124);
    expect(r.stdout).toContain(`2 passed, ${samples.length - 2} failed`);
    expect(r.stdout.match(/^FAIL .*timed out after 3 s/gm)).toHaveLength(samples.length - 2);
  });
});

// The setup installs Debian's libonnx-testdata; if it is missing this fails loudly, never skips.
const nodeTest = '/usr/share/libonnx-testdata/data/node/test_relu';
describe('onnx2mcu test on an ONNX backend test folder as Debian ships it', () => {
  it('passes test_relu with its own model.onnx and test_data_set_0', () => {
    expect(existsSync(nodeTest), `${nodeTest} is missing: npm run setup installs libonnx-testdata`).toBe(true);
    const { dir } = compileAndBuild(join(nodeTest, 'model.onnx'), { host: true, label: 'test-cases-relu' });
    const r = cli(['test', dir, '--host', '--cases', nodeTest, '--exact']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('1 passed, 0 failed');
  });
});
