// `onnx2mcu test`: runs the built firmware (or the host build) on a folder of test cases in one
// process start (runBatch) and judges every output here, in TypeScript, so a failure can name the
// case, the output and the worst element, and CI gets JUnit XML.
//
// Layout: <cases>/<case>/ holds one file per input, `<input-name>.npy|.pb` or `input_<i>.npy|.pb`
// (i = the input's position in the model), and one per expected output, `<output-name>.npy|.pb`
// or `output_<i>.npy|.pb`. This is the layout of the ONNX test suite's test_data_set_N folders,
// so a test's own folder (model.onnx beside test_data_set_0, _1 …) works as <cases>: files next
// to the case folders are ignored. Cases run in sorted name order. A <cases> folder holding no
// case folders but input files is one case by itself.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readManifest, type Manifest } from '../compile.js';
import { CompileError, elementCount, formatShape, type ConstTensor } from '../ir/graph.js';
import { readTensorFile } from '../tensor-files/index.js';
import { EXIT_TIMEOUT, runBatch } from './index.js';

// ---------------------------------------------------------------------------------------------
// Pure part: comparing tensors, judging cases, writing the report.

/** `exact` compares floats bit for bit (NaN equal to NaN); otherwise |got − want| ≤ atol + rtol·|want|. */
export interface Tolerance {
  rtol: number;
  atol: number;
  exact: boolean;
}

/** The defaults of `run --expect` and of the ONNX backend tests. */
export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-5, exact: false };

/** The element of one output furthest outside (or, when all pass, closest to) its bound. */
export interface WorstElement {
  output: string;
  index: number;
  got: number | bigint;
  want: number | bigint;
  /**
   * |got − want| as a multiple of what the tolerance allows (atol + rtol·|want|): ≤ 1 passes.
   * Exact comparisons (integers, --exact) score 0 when equal and more than 1, growing with the
   * difference, when not; NaN against a number and a wrong infinity score Infinity.
   */
  score: number;
}

export interface OutputComparison {
  pass: boolean;
  /** Why the output could not be compared element by element (dtype or size differs). */
  problem?: string;
  worst?: WorstElement;
}

const isFloat = (t: ConstTensor) => t.data instanceof Float32Array || t.data instanceof Float64Array;

/** Scores one float element; NaN matches only NaN, an infinity only itself (as numpy's allclose). */
function floatScore(got: number, want: number, tolerance: Tolerance): number {
  if (Number.isNaN(want) || Number.isNaN(got)) return Number.isNaN(want) && Number.isNaN(got) ? 0 : Infinity;
  if (!Number.isFinite(want) || !Number.isFinite(got)) return got === want ? 0 : Infinity;
  const difference = Math.abs(got - want);
  // Bit-exact: -0 differs from +0.
  if (tolerance.exact) return Object.is(got, want) ? 0 : 2 + difference;
  // A zero allowance (rtol = atol = 0) makes any difference Infinity.
  return difference === 0 ? 0 : difference / (tolerance.atol + tolerance.rtol * Math.abs(want));
}

/** Compares one output with its expected value: floats with the tolerance, everything else exactly. */
export function compareOutput(output: string, got: ConstTensor, want: ConstTensor, tolerance: Tolerance): OutputComparison {
  if (got.dtype !== want.dtype) {
    return { pass: false, problem: `output '${output}' is ${got.dtype}, the expected file holds ${want.dtype}` };
  }
  if (got.data.length !== want.data.length) {
    return { pass: false, problem: `output '${output}' has shape ${formatShape(got.shape)}, the expected file ${formatShape(want.shape)}` };
  }
  const float = isFloat(got);
  let worst: WorstElement | undefined;
  for (let i = 0; i < got.data.length; i++) {
    const g = got.data[i] as number | bigint | string;
    const w = want.data[i] as number | bigint | string;
    let score: number;
    if (float) {
      score = floatScore(g as number, w as number, tolerance);
    } else {
      // Integers, bool and strings exactly; a wrong integer scores by its distance, so the worst
      // element is the one furthest off.
      score = g === w ? 0 : typeof g === 'string' ? Infinity : 1 + Math.abs(Number(g) - Number(w));
    }
    if (!worst || score > worst.score) worst = { output, index: i, got: g as number | bigint, want: w as number | bigint, score };
  }
  return { pass: !worst || worst.score <= 1, worst };
}

export type CaseStatus = 'pass' | 'fail';

export interface CaseResult {
  name: string;
  status: CaseStatus;
  /** One line: what failed and where, or the worst element of a pass. */
  message: string;
  /** Instructions for the inference (0 on the host, or when the case never finished). */
  instructions: number;
}

/** Seven significant digits, enough to tell float32 values apart in a message. */
export function formatValue(v: number | bigint): string {
  if (typeof v === 'bigint' || Number.isInteger(v) || !Number.isFinite(v)) return String(v);
  const magnitude = Math.abs(v);
  return magnitude < 1e-3 || magnitude >= 1e7 ? v.toExponential(6) : String(Number(v.toPrecision(7)));
}

function formatRatio(score: number): string {
  if (score >= 100) return String(Math.round(score));
  return score < 0.01 ? score.toExponential(1) : score.toPrecision(2);
}

export function describeWorst(w: WorstElement, tolerance: Tolerance): string {
  const ratio = typeof w.got === 'number' && !tolerance.exact && Number.isFinite(w.score) && w.score > 0
    ? ` (${formatRatio(w.score)}× the tolerance)` : '';
  return `${w.output}[${w.index}]: got ${formatValue(w.got)}, want ${formatValue(w.want)}${ratio}`;
}

/**
 * Judges one finished case: every expected output against what the model produced. The case
 * fails on the first output out of tolerance; the message names that output's worst element.
 */
export function judgeCase(
  name: string,
  expected: Map<string, ConstTensor>,
  outputs: Map<string, ConstTensor>,
  tolerance: Tolerance,
  instructions: number,
): CaseResult {
  let closest: WorstElement | undefined;
  for (const [output, want] of expected) {
    const got = outputs.get(output);
    if (!got) return { name, status: 'fail', message: `output '${output}' was not written by the firmware`, instructions };
    const comparison = compareOutput(output, got, want, tolerance);
    if (comparison.problem) return { name, status: 'fail', message: comparison.problem, instructions };
    if (!comparison.pass) return { name, status: 'fail', message: describeWorst(comparison.worst!, tolerance), instructions };
    if (comparison.worst && (!closest || comparison.worst.score > closest.score)) closest = comparison.worst;
  }
  return { name, status: 'pass', message: closest ? `worst ${describeWorst(closest, tolerance)}` : 'no elements', instructions };
}

const EXIT_MEANINGS: Record<number, string> = {
  5: 'a kernel wrote past an end of the arena',
  6: 'a kernel changed a buffer it must not write',
  120: 'HardFault',
  121: 'MemManage fault',
  122: 'BusFault',
  123: 'UsageFault',
};

/** What a run that ended abnormally says about itself, as one line for every unfinished case. */
export function abnormalEnd(exitCode: number, timedOut: boolean, timeoutSeconds: number, consoleText: string): string {
  if (timedOut || exitCode === EXIT_TIMEOUT) return `timed out after ${timeoutSeconds} s (exit ${EXIT_TIMEOUT})`;
  // The firmware's own last words (the fault handler prints the fault and the PC) say the most.
  const lastWords = consoleText.split('\n').map((l) => l.trim())
    .filter((l) => l && !l.startsWith('onnx2mcu: instructions=')).slice(-3)
    .map((l) => l.replace(/^onnx2mcu: /, '')).join(' | ');
  const meaning = EXIT_MEANINGS[exitCode] ?? 'the firmware stopped';
  return `${meaning} (exit ${exitCode})${lastWords ? `: ${lastWords}` : ''}`;
}

export function summaryLine(results: CaseResult[]): string {
  const passed = results.filter((r) => r.status === 'pass').length;
  return `${passed} passed, ${results.length - passed} failed`;
}

export function caseLine(r: CaseResult): string {
  return `${r.status === 'pass' ? 'PASS' : 'FAIL'} ${r.name}: ${r.message}`;
}

/** Escapes text for XML attribute values and element content; drops characters XML 1.0 forbids. */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/**
 * JUnit XML: one <testsuite>, one <testcase> per case. `time` is left at 0 on purpose: what we
 * measure is instructions under QEMU, not wall-clock seconds, so they go in a <property> and in
 * <system-out> instead of pretending to be time.
 */
export function junitXml(suite: string, results: CaseResult[]): string {
  const failures = results.filter((r) => r.status === 'fail').length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite name="${escapeXml(suite)}" tests="${results.length}" failures="${failures}" errors="0" skipped="0" time="0">`,
  ];
  for (const r of results) {
    lines.push(`  <testcase classname="${escapeXml(suite)}" name="${escapeXml(r.name)}" time="0">`);
    lines.push('    <properties>', `      <property name="instructions" value="${r.instructions}"/>`, '    </properties>');
    if (r.status === 'fail') lines.push(`    <failure message="${escapeXml(r.message)}" type="mismatch">${escapeXml(r.message)}</failure>`);
    lines.push(`    <system-out>${escapeXml(`instructions=${r.instructions}\n${r.message}`)}</system-out>`);
    lines.push('  </testcase>');
  }
  lines.push('</testsuite>', '');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Reading the cases.

export interface TestCase {
  name: string;
  inputs: Map<string, ConstTensor>;
  expected: Map<string, ConstTensor>;
}

type IoInfo = Manifest['inputs'][number];

/** A tensor name as a file name: the same replacement `run` uses for its output files. */
const fileSafe = (name: string) => name.replace(/[/\\:*?"<>|]/g, '_');

/** The file for the tensor at `position`: by its name first, then by position (ONNX suite). */
function findTensorFile(folder: string, info: IoInfo, position: number, kind: 'input' | 'output'): string | undefined {
  const stems = [info.name, fileSafe(info.name), `${kind}_${position}`];
  return stems.flatMap((stem) => [`${stem}.npy`, `${stem}.pb`]).map((f) => join(folder, f)).find((f) => existsSync(f));
}

function readCase(folder: string, name: string, manifest: Manifest): TestCase {
  const inputs = new Map<string, ConstTensor>();
  manifest.inputs.forEach((info, i) => {
    const file = findTensorFile(folder, info, i, 'input');
    if (!file) throw new CompileError(`case ${name}: no ${info.name}.npy or input_${i}.pb for input '${info.name}' in ${folder}`);
    const t = readTensorFile(file);
    if (t.dtype !== info.dtype || elementCount(t.shape) !== elementCount(info.shape)) {
      throw new CompileError(`${file}: holds ${t.dtype} ${formatShape(t.shape)}; input '${info.name}' is ${info.dtype} ${formatShape(info.shape)}`);
    }
    inputs.set(info.name, { ...t, name: info.name, shape: [...info.shape] });
  });
  const expected = new Map<string, ConstTensor>();
  manifest.outputs.forEach((info, i) => {
    const file = findTensorFile(folder, info, i, 'output');
    if (file) expected.set(info.name, { ...readTensorFile(file), name: info.name });
  });
  if (expected.size === 0) {
    throw new CompileError(`case ${name}: no expected output in ${folder} (want ${manifest.outputs.map((o, i) => `${o.name}.npy or output_${i}.pb`).join(', ')})`);
  }
  return { name, inputs, expected };
}

export function loadCases(casesDir: string, manifest: Manifest): TestCase[] {
  if (!existsSync(casesDir) || !statSync(casesDir).isDirectory()) throw new CompileError(`--cases ${casesDir}: no such folder`);
  const folders = readdirSync(casesDir).sort().filter((e) => statSync(join(casesDir, e)).isDirectory());
  if (folders.length === 0) {
    const single = manifest.inputs.every((info, i) => findTensorFile(casesDir, info, i, 'input'));
    if (!single) throw new CompileError(`--cases ${casesDir}: holds no case folders (each with inputs and expected outputs as .npy or .pb)`);
    return [readCase(casesDir, basename(casesDir), manifest)];
  }
  return folders.map((f) => readCase(join(casesDir, f), f, manifest));
}

// ---------------------------------------------------------------------------------------------
// Running them.

export interface TestOptions {
  host?: boolean;
  tolerance?: Tolerance;
  timeoutSeconds?: number;
}

export interface TestReport {
  results: CaseResult[];
  /** 0 all passed, 1 a case failed, or the firmware's own status when it faulted or timed out. */
  exitCode: number;
  /** Set when the run ended abnormally: the message every unfinished case carries. */
  abnormal?: string;
}

export async function testModel(dir: string, casesDir: string, options: TestOptions = {}): Promise<TestReport> {
  const manifest = readManifest(dir);
  const cases = loadCases(casesDir, manifest);
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  const timeoutSeconds = options.timeoutSeconds ?? 600;
  const batch = await runBatch(dir, { host: options.host, samples: cases.map((c) => c.inputs), timeoutSeconds });
  // The firmware prints one line per finished case; cases after the last line never finished.
  const finished = batch.instructions.length;
  const abnormal = batch.exitCode === 0 && !batch.timedOut
    ? undefined
    : abnormalEnd(batch.exitCode, batch.timedOut, timeoutSeconds, `${batch.stdout}\n${batch.stderr}`);
  const results = cases.map((c, k): CaseResult => (k < finished
    ? judgeCase(c.name, c.expected, batch.outputs[k]!, tolerance, batch.instructions[k] ?? 0)
    : { name: c.name, status: 'fail', message: abnormal ?? 'the firmware ended before this case', instructions: 0 }));
  const anyFailed = results.some((r) => r.status === 'fail');
  const exitCode = abnormal ? (batch.timedOut ? EXIT_TIMEOUT : batch.exitCode) : anyFailed ? 1 : 0;
  return { results, exitCode, abnormal };
}
