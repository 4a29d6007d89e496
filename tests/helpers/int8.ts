// int8 tests: compile a float model with --quantize int8 on given calibration samples, run it,
// and hand the test everything it needs to recompute the int8 result on its own — the
// quantized graph (weights, biases, scales, zero points), the int8 inputs as the border
// QuantizeLinear made them, and the int8 outputs before the border DequantizeLinear.
// The references themselves live in tests/helpers/int8-reference.ts, written from TFLite's
// reference kernels, not from ours.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBoard } from '../../compiler/boards/index.js';
import { buildModel as buildFirmware } from '../../compiler/build/index.js';
import { compileModel, type Compiled } from '../../compiler/compile.js';
import type { ConstTensor, Graph, Node, Quantization } from '../../compiler/ir/graph.js';
import { runModel } from '../../compiler/run/index.js';
import { writeTensorFile } from '../../compiler/tensor-files/index.js';
import { floats } from './op-cases.js';
import { scratchDir } from './pipeline.js';
import { buildRuntimeArchive } from '../../compiler/build/runtime-archive.js';

export type Sample = Record<string, ConstTensor>;

let hostArchive: string | undefined;

/** Writes samples as DESIGN.md's folder of sample folders, one <input>.npy each. */
export function writeCalibration(dir: string, samples: Sample[]): string {
  const root = join(dir, 'calibration');
  samples.forEach((sample, i) => {
    const folder = join(root, `sample_${String(i).padStart(4, '0')}`);
    mkdirSync(folder, { recursive: true });
    for (const [name, t] of Object.entries(sample)) writeTensorFile(join(folder, `${name}.npy`), t);
  });
  return root;
}

export interface Int8Model {
  dir: string;
  compiled: Compiled;
  graph: Graph;
  quant(name: string): Quantization;
  /** The one node of this op type in the quantized graph (after lookup-table rewriting). */
  node(opType: string): Node;
  constant(name: string): ConstTensor;
}

export function compileInt8(model: Uint8Array, calibration: Sample[], options: { board?: string; host?: boolean; keepFloat?: string[]; label?: string; streamAttention?: boolean } = {}): Int8Model {
  const dir = scratchDir(options.label ?? 'int8');
  const modelPath = join(dir, 'model.onnx');
  writeFileSync(modelPath, model);
  const out = join(dir, 'out');
  const compiled = compileModel({
    modelPath, outDir: out, board: loadBoard(options.board ?? 'mps2-an386'), prefix: 'model', shapes: new Map(),
    int8: { calibration: writeCalibration(dir, calibration), keepFloat: options.keepFloat },
    streamAttention: options.streamAttention,
  });
  if (options.host !== false) {
    hostArchive ??= buildRuntimeArchive(scratchDir('runtime'), '');
  }
  buildFirmware(out, { host: options.host !== false, hostRuntimeLib: options.host !== false ? hostArchive : undefined });
  const graph = compiled.graph;
  return {
    dir: out, compiled, graph,
    quant(name) {
      const q = graph.quantization?.get(name);
      if (!q) throw new Error(`no quantization for '${name}'`);
      return q;
    },
    node(opType) {
      const found = graph.nodes.filter((n) => n.opType === opType);
      if (found.length !== 1) throw new Error(`${found.length} ${opType} nodes in the quantized graph: ${graph.nodes.map((n) => n.opType).join(', ')}`);
      return found[0];
    },
    constant(name) {
      const t = graph.initializers.get(name);
      if (!t) throw new Error(`no constant '${name}'`);
      return t;
    },
  };
}

/** Runs the built model (host or QEMU) and returns its float outputs. */
export async function runInt8(m: Int8Model, inputs: Sample, host = true): Promise<Map<string, ConstTensor>> {
  const result = await runModel(m.dir, { host, inputs: new Map(Object.entries(inputs)), timeoutSeconds: 120 });
  if (result.exitCode !== 0) throw new Error(`run failed (exit ${result.exitCode}): ${result.stdout}${result.stderr}`);
  return result.outputs;
}

/** ONNX QuantizeLinear on a float tensor: round half to even, saturate to int8. */
export function quantizeLinear(data: Float32Array, q: Quantization): Int8Array {
  const [scale, zeroPoint] = [q.scales[0], q.zeroPoints[0]];
  return Int8Array.from(data, (x) => {
    const v = Math.fround(x / scale);
    let r = Math.round(v);
    if (Math.abs(v % 1) === 0.5 && r % 2 !== 0) r -= 1;
    return Math.max(-128, Math.min(127, r + zeroPoint));
  });
}

/** The int8 levels behind a dequantized output ((q - zp) * scale in float32 is exact to invert). */
export function levelsOf(output: ConstTensor, q: Quantization): Int8Array {
  const [scale, zeroPoint] = [q.scales[0], q.zeroPoints[0]];
  return Int8Array.from(output.data as Float32Array, (f) => Math.round(f / scale) + zeroPoint);
}

/** Calibration samples of one input drawn in [lo, hi]. */
export function calibration(name: string, shape: number[], lo: number, hi: number, count = 4): Sample[] {
  return Array.from({ length: count }, (_, i) => ({ [name]: floats(name, shape, 100 + i, 'float32', lo, hi) }));
}

/** A test input spanning 1.5× the calibrated [lo, hi], so the border quantization saturates. */
export function wideInput(name: string, shape: number[], lo: number, hi: number, seed = 7): ConstTensor {
  const mid = (lo + hi) / 2;
  const half = 0.75 * (hi - lo);
  return floats(name, shape, seed, 'float32', mid - half, mid + half);
}

/** The single scale and zero point of a per-tensor quantized value of the compiled model. */
export const perTensorOf = (m: Int8Model, name: string) => ({ scale: m.quant(name).scales[0], zeroPoint: m.quant(name).zeroPoints[0] });

/** Exact equality of int8 arrays, naming the first element that differs. */
export function firstDifference(got: ArrayLike<number>, want: ArrayLike<number>): string | null {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return `element ${i}: got ${got[i]}, want ${want[i]}`;
  return null;
}
