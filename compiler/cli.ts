// The onnx2mcu command line: the pipeline's stages as subcommands, in the shape stedgeai and
// tvmc users know. Errors about the user's input print one line and exit with DESIGN.md's codes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { DEFAULT_BOARD, listBoards, loadBoard, loadBoardFile, type Board } from './boards/index.js';
import { buildModel } from './build/index.js';
import { GENERATOR } from './codegen/index.js';
import { compileModel, readManifest, type Int8Options } from './compile.js';
import { inspectModel, formatInspection } from './inspect.js';
import { CompileError, formatShape, type ConstTensor } from './ir/graph.js';
import { supportedOps } from './ops/registry.js';
import { parseShapeOption } from './passes/bind-shapes.js';
import { PLACEMENT_STRATEGIES } from './plan/strategies.js';
import { runModel, type RunResult } from './run/index.js';
import { formatProfile, profileModel, profileRecord } from './run/profile.js';
import { PROFILE_FILE, writeProfileRecord, writeRunRecord } from './run/records.js';
import { renderHtml } from './report/html.js';
import { formatReport } from './report/index.js';
import { REPORT_FILES, writeReportFiles } from './report/write.js';
import { formatValidation, validateModel } from './validate/index.js';
import { readTensorFile, writeTensorFile } from './tensor-files/index.js';


/** A number option's value, refused with the flag's name when it is not a number ≥ 0. */
function nonNegative(flag: string, text: string): number {
  const value = Number(text);
  if (!(value >= 0) || text.trim() === '') throw new CompileError(`--${flag} ${text}: expected a non-negative number`);
  return value;
}

const EXIT_INTERNAL = 70;

const collect = (value: string, previous: string[]) => [...previous, value];

function shapesFrom(options: string[]): Map<string, number[]> {
  return new Map(options.map(parseShapeOption));
}

function boardFrom(options: { board?: string; boardFile?: string }): Board {
  if (options.board && options.boardFile) throw new CompileError('give --board or --board-file, not both');
  return options.boardFile ? loadBoardFile(options.boardFile) : loadBoard(options.board ?? DEFAULT_BOARD);
}

function frozenInputs(pairs: string[]): Map<string, ConstTensor> {
  return new Map(pairs.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CompileError(`--freeze '${pair}': expected <input>=<file.npy|file.pb>`);
    return [pair.slice(0, eq), readTensorFile(pair.slice(eq + 1))];
  }));
}

/** `name=file` pairs; a bare file names the model's only input (or output). */
function namedFiles(pairs: string[], names: string[], what: string): Map<string, ConstTensor> {
  const result = new Map<string, ConstTensor>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    let name: string;
    let file: string;
    if (eq > 0 && !names.includes(pair)) {
      [name, file] = [pair.slice(0, eq), pair.slice(eq + 1)];
    } else {
      if (names.length !== 1) throw new CompileError(`--${what} ${pair}: the model has ${names.length} ${what}s; write <name>=<file>`);
      [name, file] = [names[0], pair];
    }
    result.set(name, readTensorFile(file));
  }
  return result;
}

/** An output name as a file name: characters no file system takes become `_`. */
export function outputFileName(name: string): string {
  return `${name.replace(/[/\\:*?"<>|]/g, '_')}.npy`;
}

/** The C defines `build`'s debug and baseline switches stand for (runtime-c/include/onnx2mcu/arch.h). */
function buildCflags(o: { checkWrites?: boolean; portableKernels?: boolean }): string | undefined {
  const flags = [...(o.checkWrites ? ['-DO2M_CHECK_WRITES'] : []), ...(o.portableKernels ? ['-DO2M_PORTABLE_KERNELS'] : [])];
  return flags.length ? flags.join(' ') : undefined;
}

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

function summarise(t: ConstTensor): string {
  const values = Array.from(t.data as ArrayLike<number>, Number);
  const shown = values.slice(0, 10).map((v) => (Number.isInteger(v) ? String(v) : v.toPrecision(4))).join(' ');
  let argmax = 0;
  values.forEach((v, i) => { if (v > values[argmax]) argmax = i; });
  return `${t.dtype} ${formatShape(t.shape)}: ${shown}${values.length > 10 ? ' ...' : ''}  (argmax ${argmax})`;
}

/** A one-line progress bar on a terminal: `[#####.....] 50/100`. */
function progressBar(label: string): (done: number, total: number) => void {
  return (done, total) => {
    const width = 30;
    const filled = Math.round((width * done) / Math.max(1, total));
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  };
}

function int8Options(o: { quantize: string; calibration?: string; calibrationMethod: string; keepFloat: string[] }): Int8Options | undefined {
  if (o.quantize === 'none') {
    if (o.calibration || o.keepFloat.length) throw new CompileError('--calibration and --keep-float need --quantize int8');
    return undefined;
  }
  if (o.quantize !== 'int8') throw new CompileError(`--quantize ${o.quantize}: expected none or int8`);
  if (!o.calibration) {
    throw new CompileError('--quantize int8 needs --calibration <samples> (a .npy of samples or a folder); '
      + '--calibration random quantizes with guessed ranges');
  }
  if (o.calibrationMethod !== 'minmax' && o.calibrationMethod !== 'percentile') {
    throw new CompileError(`--calibration-method ${o.calibrationMethod}: expected minmax or percentile`);
  }
  return {
    calibration: o.calibration,
    method: o.calibrationMethod,
    keepFloat: o.keepFloat.flatMap((k) => k.split(',')).map((k) => k.trim()).filter(Boolean),
    warn: (message) => process.stderr.write(`${message}\n`),
  };
}

export function makeProgram(): Command {
  const program = new Command('onnx2mcu')
    .description('Compile ONNX models to C for microcontrollers, build the firmware and run it under QEMU')
    .version(GENERATOR.split(' ')[1])
    .exitOverride()
    .showHelpAfterError();

  program.command('compile')
    .description('compile a model to C sources, a Makefile and a linker script for a board')
    .argument('<model>', 'the .onnx file')
    .requiredOption('-o, --output <dir>', 'folder to write (replaced if it exists)')
    .option('--board <id>', `target board (see 'onnx2mcu boards')`)
    .option('--board-file <file>', 'a board description of your own (JSON)')
    .option('--quantize <mode>', 'none (float32) or int8', 'none')
    .option('--calibration <data>', 'int8: samples to calibrate ranges on (.npy, or a folder), or "random" to guess')
    .option('--calibration-method <method>', 'int8: minmax or percentile', 'minmax')
    .option('--keep-float <nodes>', 'int8: node names or op types to keep in float (comma-separated, repeatable)', collect, [])
    .option('--planner <name>', `arena placement: ${Object.keys(PLACEMENT_STRATEGIES).join(', ')} (default: the smallest of all)`)
    .option('--schedule <mode>', 'op order: min-peak (the order with the smallest peak memory) or as-is (the file\'s)', 'min-peak')
    .option('--io <where>', 'inputs and outputs in the arena (arena) or in buffers of the caller\'s own (outside)', 'arena')
    .option('--no-stream-attention', 'compute attention\'s score matrix whole instead of one query row at a time, and keep the Transposes around a Conv1d on a sequence')
    .option('--shape <input=dims>', 'bind an input with symbolic dimensions, e.g. input=1x3x32x32', collect, [])
    .option('--name <prefix>', 'C symbol prefix, so several models link into one firmware', 'model')
    .option('--freeze <input=file>', 'fix an input at compile time (.npy or .pb); it becomes a constant', collect, [])
    .option('--json', 'print a machine-readable summary')
    .action((model: string, o) => {
      if (o.planner !== undefined && !(o.planner in PLACEMENT_STRATEGIES)) {
        throw new CompileError(`--planner ${o.planner}: expected one of ${Object.keys(PLACEMENT_STRATEGIES).join(', ')}`);
      }
      if (o.schedule !== 'min-peak' && o.schedule !== 'as-is') throw new CompileError(`--schedule ${o.schedule}: expected min-peak or as-is`);
      if (o.io !== 'arena' && o.io !== 'outside') throw new CompileError(`--io ${o.io}: expected arena or outside`);
      const { manifest } = compileModel({
        modelPath: model, outDir: o.output, board: boardFrom(o), prefix: o.name, shapes: shapesFrom(o.shape),
        frozen: frozenInputs(o.freeze), int8: int8Options(o), planner: o.planner, schedule: o.schedule,
        streamAttention: o.streamAttention, io: o.io,
      });
      writeReportFiles(o.output);
      const memory = manifest.memory;
      const fallbacks = manifest.quantization?.floatNodes ?? [];
      print(o.json, { output: o.output, ...manifest }, [
        `compiled ${model} for ${manifest.board.id} into ${o.output}`,
        `  layers   ${manifest.layers.length} kernels, ${manifest.macs.toLocaleString('en')} MACs`,
        `  weights  ${manifest.weightsBytes.toLocaleString('en')} bytes (flash)`,
        `  arena    ${memory.arena_bytes.toLocaleString('en')} bytes (RAM; lower bound ${memory.lower_bound_bytes.toLocaleString('en')}, `
        + `TFLM's greedy by size ${memory.baseline_greedy_bytes.toLocaleString('en')}; placed by ${memory.strategy})`,
        ...(memory.io === 'outside' ? [`  io       ${memory.io_outside_bytes.toLocaleString('en')} bytes of inputs and outputs in the caller's buffers`] : []),
        ...(memory.schedule.peak_bytes < memory.schedule.file_order_peak_bytes
          ? [`  schedule op order changed: peak ${memory.schedule.file_order_peak_bytes.toLocaleString('en')} -> ${memory.schedule.peak_bytes.toLocaleString('en')} bytes`]
          : []),
        ...(manifest.quantization ? [
          `  int8     ${manifest.quantization.calibration
            ? `calibrated on ${manifest.quantization.calibration.samples} samples (${manifest.quantization.calibration.method})`
            : 'the model\'s own scales (pre-quantized)'}; `
          + `${fallbacks.length === 0 ? 'every node runs in int8' : `${fallbacks.length} node(s) stay float:`}`,
          ...fallbacks.map((f) => `           ${f.node} (${f.opType}): ${f.reason}`),
        ] : []),
        ...manifest.budget.regions.map((r) => `  ${r.region.padEnd(8)} ${r.used.toLocaleString('en')} of ${r.available.toLocaleString('en')} bytes (${r.percent.toFixed(1)} %, estimated before linking)`),
        `  report   ${join(o.output, REPORT_FILES.txt)}, .json, .html`,
      ].join('\n'));
    });

  program.command('build')
    .description('build firmware for the board (or a host executable with --host)')
    .argument('<dir>', 'a folder written by compile')
    .option('--host', 'build for this machine with cc')
    .option('--check-writes', 'debug build: after every step, check that no kernel changed a buffer it must not write (exit 6)')
    .option('--portable-kernels', 'only the portable C kernels, none of the DSP/Helium variants (the baseline they are measured and checked against)')
    .option('--json', 'print a machine-readable summary')
    .action((dir: string, o) => {
      const result = buildModel(dir, { host: o.host, extraCflags: buildCflags(o) });
      if (!o.host) writeReportFiles(dir);
      const regions = result.regions.map((r) => `  ${r.name.padEnd(8)} ${r.kind.padEnd(5)} ${r.used.toLocaleString('en').padStart(10)} of ${r.length.toLocaleString('en')} bytes`);
      print(o.json, result, o.host
        ? `built ${result.executable}`
        : [`built ${result.executable}: flash ${result.flashBytes.toLocaleString('en')} bytes, RAM ${result.ramBytes.toLocaleString('en')} bytes`, ...regions].join('\n'));
    });

  program.command('run')
    .description('run the built model once, under QEMU (or on the host with --host)')
    .argument('<dir>', 'a folder written by compile and built by build')
    .option('--host', 'run the host executable instead of the firmware')
    .option('--input <name=file>', 'an input as .npy or TensorProto .pb (repeat for each input)', collect, [])
    .option('--expect <name=file>', 'expected output: the firmware compares and exits 1 on a mismatch', collect, [])
    .option('--out <dir>', 'where to write <output>.npy files (default <dir>/outputs)')
    .option('--profile', 'instructions per layer, from a private build with counter readings after every layer (writes <dir>/profile.json)')
    .option('--portable-kernels', 'with --profile: profile a build of only the portable C kernels instead (printed; profile.json and the report keep the fast build\'s figures)')
    .option('--timeout <seconds>', 'kill the run after this long (exit 124)', '300')
    .option('--json', 'print a machine-readable summary')
    .action(async (dir: string, o) => {
      const manifest = readManifest(dir);
      const runOptions = {
        host: o.host,
        inputs: namedFiles(o.input, manifest.inputs.map((i) => i.name), 'input'),
        expected: namedFiles(o.expect, manifest.outputs.map((i) => i.name), 'expect'),
        timeoutSeconds: Number(o.timeout),
      };
      const reportFailure = (result: RunResult) => {
        process.stderr.write(`${result.stdout}${result.stderr}`.trim().split('\n').slice(-10).join('\n') + '\n');
        process.exitCode = result.exitCode;
      };
      if (o.portableKernels && !o.profile) {
        throw new CompileError('--portable-kernels on run goes with --profile (to run a portable build, build it with onnx2mcu build --portable-kernels)', 2);
      }
      if (o.profile) {
        const profile = await profileModel(dir, runOptions, buildCflags({ portableKernels: o.portableKernels }));
        if ('failed' in profile) {
          reportFailure(profile.failed);
          return;
        }
        if (o.portableKernels) {
          print(o.json, profile, `${formatProfile(profile)}\n(portable kernels only: ${join(dir, PROFILE_FILE)} and the report keep the fast build's figures)`);
          return;
        }
        writeProfileRecord(dir, profileRecord(profile));
        writeReportFiles(dir);
        print(o.json, profile, `${formatProfile(profile)}\nwrote ${join(dir, PROFILE_FILE)}`);
        return;
      }
      const result = await runModel(dir, runOptions);
      const outDir = o.out ?? join(dir, 'outputs');
      mkdirSync(outDir, { recursive: true });
      const written: Record<string, string> = {};
      for (const [name, tensor] of result.outputs) {
        written[name] = join(outDir, outputFileName(name));
        writeTensorFile(written[name], tensor);
      }
      if (!o.host && result.exitCode === 0) {
        writeRunRecord(dir, manifest.board.id, result);
        writeReportFiles(dir);
      }
      const status = result.timedOut ? `timed out after ${o.timeout} s` : `exit ${result.exitCode}`;
      print(o.json, {
        exitCode: result.exitCode, timedOut: result.timedOut, instructions: result.instructions,
        stackPeakBytes: result.stackPeakBytes, outputs: written,
      }, [
        ...[...result.outputs].map(([name, t]) => `${name} -> ${written[name]}\n  ${summarise(t)}`),
        `${status}${o.host ? '' : `, ${result.instructions.toLocaleString('en')} instructions per inference, stack peak ${result.stackPeakBytes} bytes`}`,
      ].join('\n'));
      if (result.exitCode !== 0) reportFailure(result);
    });

  program.command('test')
    .description('run the built model on a folder of test cases (one QEMU start) and report pass/fail per case')
    .argument('<dir>', 'a folder written by compile and built by build')
    .requiredOption('--cases <dir>', 'a folder of case folders, each with <input>.npy|input_<i>.pb and <output>.npy|output_<i>.pb')
    .option('--junit <file>', 'also write the results as JUnit XML')
    .option('--host', 'run the host executable instead of the firmware')
    .option('--rtol <r>', 'float outputs: relative tolerance', '1e-3')
    .option('--atol <a>', 'float outputs: absolute tolerance', '1e-5')
    .option('--exact', 'float outputs must match bit for bit')
    .option('--timeout <seconds>', 'kill the run after this long (every unfinished case fails, exit 124)', '600')
    .action(async (dir: string, o, command: Command) => {
      // Loaded here so the command stays one block in this file.
      const tests = await import('./run/test-cases.js');
      const rtol = nonNegative('rtol', o.rtol);
      const atol = nonNegative('atol', o.atol);
      const timeoutSeconds = nonNegative('timeout', o.timeout);
      const given = (flag: string) => command.getOptionValueSource(flag) === 'cli';
      if (o.exact && (given('rtol') || given('atol'))) throw new CompileError('give --exact or --rtol/--atol, not both');
      const report = await tests.testModel(dir, o.cases, { host: o.host, tolerance: { rtol, atol, exact: Boolean(o.exact) }, timeoutSeconds });
      for (const r of report.results) process.stdout.write(`${tests.caseLine(r)}\n`);
      process.stdout.write(`${tests.summaryLine(report.results)}\n`);
      if (report.abnormal) process.stderr.write(`onnx2mcu: ${report.abnormal}\n`);
      if (o.junit) {
        mkdirSync(join(o.junit, '..'), { recursive: true });
        writeFileSync(o.junit, tests.junitXml(`onnx2mcu.${o.host ? 'host' : readManifest(dir).board.id}`, report.results));
        process.stdout.write(`wrote ${o.junit}\n`);
      }
      process.exitCode = report.exitCode;
    });

  program.command('validate')
    .description('compare the compiled model with the original float model (ONNX Runtime) over a data set')
    .argument('<model>', 'the original .onnx file')
    .argument('<dir>', 'a folder written by compile')
    .requiredOption('--data <path>', 'samples: a .npy with samples along the first axis, or a folder')
    .option('--labels <file>', 'class labels (.npy of integers, one per sample): adds accuracy')
    .option('--host', 'run the host build (the default)')
    .option('--board <id>', 'run the firmware under QEMU instead (the board the folder was compiled for)')
    .option('--per-layer', 'compare every intermediate tensor and name the first layer whose error grows past --threshold')
    .option('--threshold <l2>', 'per-layer L2 relative error to flag', '0.1')
    .option('--limit <n>', 'use at most n samples')
    .option('--timeout <seconds>', 'give up when no sample has finished for this long (exit 124)', '300')
    .option('--json', 'print a machine-readable summary')
    .action(async (model: string, dir: string, o) => {
      if (o.host && o.board) throw new CompileError('give --host or --board, not both');
      const manifest = readManifest(dir);
      if (o.board && o.board !== manifest.board.id) {
        throw new CompileError(`${dir} was compiled for ${manifest.board.id}, not ${o.board}; compile it again with --board ${o.board}`);
      }
      const limit = o.limit === undefined ? undefined : Number(o.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new CompileError(`--limit ${o.limit}: expected a positive integer`);
      const threshold = Number(o.threshold);
      if (!(threshold > 0)) throw new CompileError(`--threshold ${o.threshold}: expected a positive number`);
      const bar = process.stderr.isTTY && !o.json ? progressBar('validate') : undefined;
      const result = await validateModel({
        modelPath: model, dir, data: o.data, labels: o.labels, host: !o.board, perLayer: o.perLayer,
        threshold, limit, stallSeconds: nonNegative('timeout', o.timeout), onProgress: bar,
      });
      if (bar) process.stderr.write('\n');
      print(o.json, result, formatValidation(result));
    });

  program.command('report')
    .description('the compiled model\'s report: estimate and measurement side by side, layers, the memory plan; writes report.json, report.txt and report.html in <dir>')
    .argument('<dir>', 'a folder written by compile (built and run for measured figures)')
    .option('--format <format>', 'what to print: txt, json or html', 'txt')
    .option('-o, --output <file>', 'also write the chosen format to this file')
    .action((dir: string, o) => {
      if (!['txt', 'json', 'html'].includes(o.format)) throw new CompileError(`--format ${o.format}: expected txt, json or html`);
      const report = writeReportFiles(dir);
      const text = o.format === 'json' ? `${JSON.stringify(report, null, 2)}\n`
        : o.format === 'html' ? renderHtml(report) : `${formatReport(report)}\n`;
      if (o.output) writeFileSync(o.output, text);
      else if (o.format === 'html') process.stdout.write(`wrote ${join(dir, REPORT_FILES.html)}\n`);
      else process.stdout.write(text);
    });

  program.command('inspect')
    .description('show a model\'s inputs, outputs, operators, parameters and MACs, and what is unsupported')
    .argument('<model>', 'the .onnx file')
    .option('--shape <input=dims>', 'bind symbolic input dimensions', collect, [])
    .option('--json', 'print a machine-readable summary')
    .action((model: string, o) => {
      const inspection = inspectModel(model, shapesFrom(o.shape));
      print(o.json, inspection, formatInspection(inspection));
      if (inspection.unsupported.length > 0) process.exitCode = 2;
    });

  program.command('boards')
    .description('list the boards onnx2mcu knows')
    .option('--json', 'print a machine-readable list')
    .action((o) => {
      const boards = listBoards();
      const total = (b: Board, kind: string) => b.memory.filter((r) => r.kind === kind).reduce((s, r) => s + r.length, 0);
      print(o.json, boards, [
        `${'id'.padEnd(16)}${'core'.padEnd(14)}${'flash'.padStart(10)}${'RAM'.padStart(10)}  name`,
        ...boards.map((b) => `${b.id.padEnd(16)}${b.core.padEnd(14)}${`${total(b, 'flash') / 1024} KB`.padStart(10)}${`${total(b, 'ram') / 1024} KB`.padStart(10)}  ${b.name}${b.id === DEFAULT_BOARD ? ' (default)' : ''}`),
      ].join('\n'));
    });

  program.command('ops')
    .description('list the ONNX operators onnx2mcu compiles, with their opsets and element types')
    .option('--json', 'print a machine-readable list')
    .action((o) => {
      const ops = supportedOps();
      print(o.json, ops, [
        `${'operator'.padEnd(28)}${'opsets'.padEnd(9)}dtypes`,
        ...ops.map((op) => `${op.opType.padEnd(28)}${`${op.opsets[0]}-${op.opsets[1]}`.padEnd(9)}${op.dtypes.join(' ')}`),
      ].join('\n'));
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await makeProgram().parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
    }
    if (e instanceof CompileError) {
      process.stderr.write(`onnx2mcu: error: ${e.message}\n`);
      return e.exitCode;
    }
    const err = e as Error;
    process.stderr.write(`onnx2mcu: internal error: ${err.message}\n`);
    if (process.env.ONNX2MCU_DEBUG) process.stderr.write(`${err.stack}\n`);
    else process.stderr.write('(set ONNX2MCU_DEBUG=1 to see where; please report it)\n');
    return EXIT_INTERNAL;
  }
}
