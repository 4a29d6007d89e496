// validate: the compiled model against the original float model in ONNX Runtime, over a data
// set — per output the figures ST's validate gives (top-1 agreement, accuracy against labels,
// cosine similarity, RMSE, mean and max absolute error, L2 relative error), and with
// `perLayer` the same figures for every layer, naming the first where the error jumps.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel } from '../build/index.js';
import { readManifest, type Manifest } from '../compile.js';
import { CompileError, type ValueInfo } from '../ir/graph.js';
import { readUserFile } from '../read-user-file.js';
import { runBatch } from '../run/index.js';
import { loadDataset } from '../tensor-files/dataset.js';
import { readTensorFile } from '../tensor-files/index.js';
import { errorFigures, outputMetrics, type OutputMetrics } from './metrics.js';
import { referenceRunner } from './reference.js';

export interface ValidateOptions {
  modelPath: string;
  dir: string;
  data: string;
  labels?: string;
  /** Run the host build (default) or the firmware under QEMU. */
  host: boolean;
  perLayer?: boolean;
  /** --per-layer: the L2 relative error past which a layer is named. */
  threshold?: number;
  /** At most this many samples (all by default). */
  limit?: number;
  /**
   * Give up once no sample has finished for this long (300 s by default). A data set under QEMU
   * may take an hour (EmbBERT: 1.5 s an e-mail), so the whole run has no limit of its own.
   */
  stallSeconds?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface LayerFigures {
  step: number;
  node: string;
  opType: string;
  output: string;
  dtype: string;
  cosineSimilarity: number;
  l2RelativeError: number;
  maxAbsError: number;
}

export interface ValidateResult {
  model: string;
  compiled: string;
  target: string;
  samples: number;
  quantization: string;
  outputs: Record<string, OutputMetrics>;
  instructionsPerInference?: number;
  layers?: LayerFigures[];
  /** The first layer whose L2 relative error exceeds the threshold. */
  firstBadLayer?: LayerFigures;
  threshold?: number;
}

function readLabels(file: string, samples: number): number[] {
  const t = readTensorFile(file);
  const labels = Array.from(t.data as ArrayLike<number | bigint>, Number);
  if (labels.length < samples) throw new CompileError(`${file}: ${labels.length} labels for ${samples} samples`);
  return labels.slice(0, samples);
}

/** Float values of a step's output bytes: int8 dequantized with the step's scale and zero point. */
function layerValues(layer: Manifest['layers'][number], bytes: Uint8Array): Float32Array | undefined {
  if (layer.dtype === 'float32') return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (layer.dtype === 'int8' && layer.scale !== undefined) {
    return Float32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), (q) => (q - layer.zeroPoint!) * layer.scale!);
  }
  return undefined;
}

/** The original model's name for a compiled tensor (the int8 copy of `x` is `x::int8`). */
const originalName = (name: string) => name.split('::')[0];

export async function validateModel(options: ValidateOptions): Promise<ValidateResult> {
  const manifest = readManifest(options.dir);
  const modelBytes = readUserFile(options.modelPath, 'the model');
  const inputs: ValueInfo[] = manifest.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape }));
  let samples = loadDataset(options.data, inputs);
  if (options.limit !== undefined) samples = samples.slice(0, options.limit);
  if (samples.length === 0) throw new CompileError(`${options.data}: no samples`);
  const labels = options.labels ? readLabels(options.labels, samples.length) : undefined;

  // The last step that writes each tensor holds its final value (Concat writes in parts).
  const lastWriter = new Map<string, number>();
  manifest.layers.forEach((l, step) => lastWriter.set(l.output, step));
  const comparable = [...lastWriter.entries()]
    .filter(([name]) => !manifest.inputs.some((i) => i.name === originalName(name)))
    .map(([, step]) => step).sort((a, b) => a - b);

  const reference = await referenceRunner(modelBytes, options.modelPath,
    options.perLayer ? comparable.map((s) => originalName(manifest.layers[s].output)) : []);
  const referenceValues: Map<string, Float32Array>[] = [];
  try {
    for (const sample of samples) referenceValues.push(await reference.run(sample));
  } finally {
    await reference.release();
  }

  // The compiled side: one batch run; --per-layer uses a private host build that dumps layers.
  let runDir = options.dir;
  let scratch: string | undefined;
  if (options.perLayer) {
    scratch = mkdtempSync(join(tmpdir(), 'onnx2mcu-validate-'));
    runDir = join(scratch, 'model');
    cpSync(options.dir, runDir, { recursive: true });
    buildModel(runDir, { host: true, extraCflags: '-DO2M_DUMP_LAYERS' });
  } else {
    buildModel(options.dir, { host: options.host });
  }
  try {
    const batch = await runBatch(runDir, {
      host: options.host || options.perLayer, samples, stallSeconds: options.stallSeconds ?? 300,
      onProgress: (done) => options.onProgress?.(done, samples.length),
    });
    if (batch.exitCode !== 0 || batch.outputs.some((o) => o.size !== manifest.outputs.length)) {
      const tail = `${batch.stdout}${batch.stderr}`.trim().split('\n').slice(-5).join('\n');
      throw new CompileError(`the compiled model failed on the data set (exit ${batch.exitCode}${batch.timedOut ? ', timed out' : ''}):\n${tail}`, batch.exitCode || 1);
    }

    const outputs: Record<string, OutputMetrics> = {};
    for (const info of manifest.outputs) {
      const got = batch.outputs.map((o) => Array.from(o.get(info.name)!.data as ArrayLike<number>, Number));
      const want = referenceValues.map((r) => {
        const v = r.get(info.name);
        if (!v) throw new CompileError(`ONNX Runtime gave no output '${info.name}'`);
        return v;
      });
      outputs[info.name] = outputMetrics(got, want, info.shape.at(-1) ?? 1, labels);
    }
    const result: ValidateResult = {
      model: options.modelPath,
      compiled: options.dir,
      target: options.host || options.perLayer ? 'host' : manifest.board.id,
      samples: samples.length,
      quantization: manifest.quantization ? 'int8' : 'float32',
      outputs,
    };
    if (!options.host && !options.perLayer && batch.instructions.length) {
      result.instructionsPerInference = Math.round(batch.instructions.reduce((a, b) => a + b, 0) / batch.instructions.length);
    }
    if (options.perLayer) {
      const threshold = options.threshold ?? 0.1;
      result.threshold = threshold;
      result.layers = [];
      for (const step of comparable) {
        const layer = manifest.layers[step];
        const name = originalName(layer.output);
        if (!reference.intermediates.includes(name) && !manifest.outputs.some((o) => o.name === name)) continue;
        const got: number[] = [];
        const want: number[] = [];
        batch.layers.forEach((layers, k) => {
          const values = layers[step] ? layerValues(layer, layers[step]) : undefined;
          const ref = referenceValues[k].get(name);
          if (!values || !ref || ref.length !== values.length) return;
          got.push(...values);
          want.push(...ref);
        });
        if (want.length === 0) continue;
        const e = errorFigures(got, want);
        const figures: LayerFigures = {
          step, node: layer.node, opType: layer.opType, output: name, dtype: layer.dtype,
          cosineSimilarity: e.cosineSimilarity, l2RelativeError: e.l2RelativeError, maxAbsError: e.maxAbsError,
        };
        result.layers.push(figures);
        if (!result.firstBadLayer && e.l2RelativeError > threshold) result.firstBadLayer = figures;
      }
    }
    return result;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const num = (x: number) => (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(6) : x.toExponential(3));

export function formatValidation(r: ValidateResult): string {
  const lines = [
    `validated ${r.compiled} (${r.quantization}, on ${r.target}) against ${r.model} in ONNX Runtime, ${r.samples} samples`,
  ];
  for (const [name, m] of Object.entries(r.outputs)) {
    lines.push(`  output ${name}`);
    lines.push(`    top-1 agreement      ${pct(m.top1Agreement)}`);
    if (m.accuracy !== undefined) lines.push(`    accuracy (labels)    ${pct(m.accuracy)}   reference ${pct(m.referenceAccuracy!)}`);
    lines.push(`    cosine similarity    ${m.cosineSimilarity.toFixed(6)}`);
    lines.push(`    RMSE                 ${num(m.rmse)}`);
    lines.push(`    mean |error|         ${num(m.meanAbsError)}`);
    lines.push(`    max |error|          ${num(m.maxAbsError)}`);
    lines.push(`    L2 relative error    ${num(m.l2RelativeError)}`);
  }
  if (r.instructionsPerInference !== undefined) lines.push(`  ${r.instructionsPerInference.toLocaleString('en')} instructions per inference (mean)`);
  if (r.layers) {
    lines.push('', `  per layer (L2 relative error threshold ${r.threshold}):`);
    lines.push(`    ${'step'.padEnd(5)}${'node'.padEnd(32)}${'op'.padEnd(18)}${'dtype'.padEnd(8)}${'cosine'.padStart(10)}${'L2 rel'.padStart(12)}${'max |err|'.padStart(12)}`);
    for (const l of r.layers) {
      const mark = l === r.firstBadLayer ? '  <- first past the threshold' : '';
      lines.push(`    ${String(l.step).padEnd(5)}${l.node.slice(0, 31).padEnd(32)}${l.opType.slice(0, 17).padEnd(18)}${l.dtype.padEnd(8)}${l.cosineSimilarity.toFixed(5).padStart(10)}${num(l.l2RelativeError).padStart(12)}${num(l.maxAbsError).padStart(12)}${mark}`);
    }
    lines.push(r.firstBadLayer
      ? `  the error first grows past ${r.threshold} at step ${r.firstBadLayer.step}, ${r.firstBadLayer.node} (${r.firstBadLayer.opType})`
      : `  no layer's L2 relative error exceeds ${r.threshold}`);
  }
  return lines.join('\n');
}

