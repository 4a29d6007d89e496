// Run: the firmware under QEMU (or the host executable) on one set of inputs. Inputs and
// outputs cross as raw little-endian files in a private working folder, through semihosting.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readManifest, type Manifest } from '../compile.js';
import { CompileError, DTYPE_BYTES, elementCount, formatShape, type ConstTensor } from '../ir/graph.js';
import { requireTools } from '../build/toolchain.js';
import { tensorFromBytes, tensorToBytes } from '../tensor-files/index.js';

export const EXIT_TIMEOUT = 124;

export interface RunOptions {
  host?: boolean;
  inputs: Map<string, ConstTensor>;
  /** Expected outputs: the firmware compares them itself and exits 1 on a mismatch. */
  expected?: Map<string, ConstTensor>;
  timeoutSeconds?: number;
}

export interface RunResult {
  exitCode: number;
  timedOut: boolean;
  /** Instructions per inference, counted by the firmware under QEMU -icount (0 on the host). */
  instructions: number;
  stackPeakBytes: number;
  outputs: Map<string, ConstTensor>;
  stdout: string;
  stderr: string;
}

export function qemuCommand(manifest: Manifest, elf: string): string[] {
  return [
    'qemu-system-arm', '-M', manifest.board.qemu.machine, '-nographic', '-monitor', 'none',
    '-semihosting-config', 'enable=on,target=native', '-icount', 'shift=10', '-kernel', elf,
  ];
}

/** Checks a user's tensor against the model's input and returns it as the firmware reads it. */
function inputBytes(info: Manifest['inputs'][number], tensor: ConstTensor): Uint8Array {
  if (tensor.dtype !== info.dtype) {
    throw new CompileError(`input '${info.name}' must be ${info.dtype}, but the file holds ${tensor.dtype}`);
  }
  if (elementCount(tensor.shape) !== elementCount(info.shape)) {
    throw new CompileError(`input '${info.name}' must have shape ${formatShape(info.shape)}, but the file holds ${formatShape(tensor.shape)}`);
  }
  return tensorToBytes(tensor);
}

interface ExecuteOptions {
  /** Kill the process after this long (exit 124); no limit when not finite. */
  timeoutSeconds: number;
  /** Also kill it once it has printed nothing for this long: a long batch that still progresses runs on. */
  stallSeconds?: number;
  /** Sees stdout as it grows. */
  onStdout?: (stdout: string) => void;
}

/**
 * Runs a command in `cwd` with its stdout in a file there. QEMU's console is non-blocking: what
 * the firmware prints through semihosting while a pipe's reader lags behind is dropped (a
 * profile's layer lines stopped after about 2 KB), and a file never refuses a write.
 */
function execute(command: string[], cwd: string, { timeoutSeconds, stallSeconds, onStdout }: ExecuteOptions) {
  return new Promise<{ code: number; timedOut: boolean; stdout: string; stderr: string }>((done, fail) => {
    const stdoutFile = join(cwd, 'stdout.txt');
    const fd = openSync(stdoutFile, 'w');
    const child = spawn(command[0], command.slice(1), { cwd, stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    const stdoutSoFar = () => readFileSync(stdoutFile, 'utf8');
    let stderr = '';
    let timedOut = false;
    const kill = () => { timedOut = true; child.kill('SIGKILL'); };
    child.stderr?.on('data', (d) => { stderr += d; });
    let printed = 0;
    let lastPrinted = Date.now();
    const poll = onStdout || stallSeconds ? setInterval(() => {
      const stdout = stdoutSoFar();
      if (stdout.length > printed) [printed, lastPrinted] = [stdout.length, Date.now()];
      else if (stallSeconds && Date.now() - lastPrinted > stallSeconds * 1000) kill();
      onStdout?.(stdout);
    }, 200) : undefined;
    const timer = Number.isFinite(timeoutSeconds) ? setTimeout(kill, timeoutSeconds * 1000) : undefined;
    const stop = () => { clearTimeout(timer); clearInterval(poll); };
    child.on('error', (e) => { stop(); fail(e); });
    child.on('close', (code, signal) => {
      stop();
      const stdout = stdoutSoFar();
      onStdout?.(stdout);
      // A process killed by a signal reports it the way a shell would (128 + number).
      const status = timedOut ? EXIT_TIMEOUT : code ?? (signal === 'SIGABRT' ? 134 : 128);
      done({ code: status, timedOut, stdout, stderr });
    });
  });
}

function readOutputs(manifest: Manifest, work: string, prefix: string): Map<string, ConstTensor> {
  const outputs = new Map<string, ConstTensor>();
  manifest.outputs.forEach((info, i) => {
    const file = join(work, `${prefix}output_${i}.bin`);
    if (!existsSync(file)) return;
    const bytes = readFileSync(file);
    if (bytes.length !== elementCount(info.shape) * DTYPE_BYTES[info.dtype]) return;
    outputs.set(info.name, tensorFromBytes(bytes, info.dtype, info.shape, info.name));
  });
  return outputs;
}

function checkInputNames(manifest: Manifest, inputs: Map<string, ConstTensor>): void {
  for (const name of inputs.keys()) {
    if (!manifest.inputs.some((i) => i.name === name)) {
      throw new CompileError(`'${name}' is not an input of the model (inputs: ${manifest.inputs.map((i) => i.name).join(', ')})`);
    }
  }
}

function inputTensor(info: Manifest['inputs'][number], inputs: Map<string, ConstTensor>): ConstTensor {
  const tensor = inputs.get(info.name);
  if (!tensor) throw new CompileError(`no value given for input '${info.name}' (${info.dtype} ${formatShape(info.shape)})`);
  return tensor;
}

/** Refuses inputs the firmware could not take, before anything slow (a build) is started. */
export function checkInputs(manifest: Manifest, inputs: Map<string, ConstTensor>): void {
  checkInputNames(manifest, inputs);
  for (const info of manifest.inputs) inputBytes(info, inputTensor(info, inputs));
}

function writeInputs(manifest: Manifest, work: string, prefix: string, inputs: Map<string, ConstTensor>): void {
  manifest.inputs.forEach((info, i) => {
    writeFileSync(join(work, `${prefix}input_${i}.bin`), inputBytes(info, inputTensor(info, inputs)));
  });
}

/** The executable to run, checked to exist, and the command that runs it. */
function prepare(dir: string, host: boolean): { manifest: Manifest; command: string[] } {
  const manifest = readManifest(dir);
  const executable = resolve(dir, host ? 'model_host' : 'firmware.elf');
  if (!existsSync(executable)) {
    throw new CompileError(`${executable} does not exist; run onnx2mcu build ${dir}${host ? ' --host' : ''} first`);
  }
  if (!host) requireTools(['qemu-system-arm']);
  return { manifest, command: host ? [executable] : qemuCommand(manifest, executable) };
}

const RESULT_LINE = /onnx2mcu: instructions=(\d+) stack_peak_bytes=(\d+)/g;

export async function runModel(dir: string, options: RunOptions): Promise<RunResult> {
  const host = Boolean(options.host);
  const { manifest, command } = prepare(dir, host);
  checkInputNames(manifest, options.inputs);
  // Each run gets its own folder: QEMU's semihosting resolves file names against its cwd.
  const work = mkdtempSync(join(resolve(dir), 'run-'));
  try {
    writeInputs(manifest, work, '', options.inputs);
    manifest.outputs.forEach((info, i) => {
      const tensor = options.expected?.get(info.name);
      if (tensor) writeFileSync(join(work, `expected_${i}.bin`), tensorToBytes(tensor));
    });

    const run = await execute(command, work, { timeoutSeconds: options.timeoutSeconds ?? 300 });
    const line = [...run.stdout.matchAll(RESULT_LINE)][0];
    return {
      exitCode: run.code,
      timedOut: run.timedOut,
      instructions: line ? Number(line[1]) : 0,
      stackPeakBytes: line ? Number(line[2]) : 0,
      outputs: readOutputs(manifest, work, ''),
      stdout: run.stdout,
      stderr: run.stderr,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface BatchResult {
  exitCode: number;
  timedOut: boolean;
  /** Per sample, in order. */
  outputs: Map<string, ConstTensor>[];
  instructions: number[];
  stackPeakBytes: number;
  /** Per sample, the raw bytes of every step's output (a build with -DO2M_DUMP_LAYERS only). */
  layers: Uint8Array[][];
  stdout: string;
  stderr: string;
}

/**
 * Runs many samples in one process (one QEMU start): the harness's batch mode. `onSample` is
 * told how many samples the firmware has finished as its lines arrive.
 */
export async function runBatch(
  dir: string,
  options: {
    host?: boolean; samples: Map<string, ConstTensor>[];
    /** The whole batch's limit (600 s unless stallSeconds is given: then none). */
    timeoutSeconds?: number;
    /** Kill the run once no sample has finished for this long. */
    stallSeconds?: number;
    onProgress?: (done: number) => void;
  },
): Promise<BatchResult> {
  const host = Boolean(options.host);
  const { manifest, command } = prepare(dir, host);
  const work = mkdtempSync(join(resolve(dir), 'batch-'));
  try {
    options.samples.forEach((sample, k) => {
      checkInputNames(manifest, sample);
      writeInputs(manifest, work, `s${k}_`, sample);
    });
    const count = new Uint8Array(4);
    new DataView(count.buffer).setUint32(0, options.samples.length, true);
    writeFileSync(join(work, 'batch.bin'), count);
    // Count result lines as whole lines arrive, scanning each part of the output once.
    let scanned = 0;
    let finished = 0;
    const onStdout = (stdout: string) => {
      const end = stdout.lastIndexOf('\n') + 1;
      if (end <= scanned || !options.onProgress) return;
      finished += (stdout.slice(scanned, end).match(RESULT_LINE) ?? []).length;
      scanned = end;
      options.onProgress(finished);
    };
    const run = await execute(command, work, {
      timeoutSeconds: options.timeoutSeconds ?? (options.stallSeconds ? Infinity : 600), stallSeconds: options.stallSeconds, onStdout,
    });
    const lines = [...run.stdout.matchAll(RESULT_LINE)];
    const layers = options.samples.map((_, k) => {
      const found: Uint8Array[] = [];
      for (let step = 0; existsSync(join(work, `s${k}_layer_${step}.bin`)); step++) {
        found.push(readFileSync(join(work, `s${k}_layer_${step}.bin`)));
      }
      return found;
    });
    return {
      exitCode: run.code,
      timedOut: run.timedOut,
      outputs: options.samples.map((_, k) => readOutputs(manifest, work, `s${k}_`)),
      instructions: lines.map((l) => Number(l[1])),
      stackPeakBytes: Math.max(0, ...lines.map((l) => Number(l[2]))),
      layers,
      stdout: run.stdout,
      stderr: run.stderr,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
