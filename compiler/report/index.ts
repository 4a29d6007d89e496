// The report of a compiled model: what onnx2mcu.json knows, in the shape DESIGN.md's report.json
// has (snake_case, versioned), as a table for a terminal, and as one self-contained HTML page.
import type { Manifest, MemoryReport } from '../compile.js';

export const REPORT_SCHEMA_VERSION = 1;

export interface Report {
  schema_version: number;
  generator: string;
  model: { file: string; sha256: string; inputs: ReportIo[]; outputs: ReportIo[] };
  board: { id: string; core: string };
  quantization: Manifest['quantization'] | null;
  layers: {
    index: number; node: string; op: string; kernel: string; output: string;
    shape: number[]; dtype: string; macs: number; arena_offset: number; bytes: number;
    scale?: number; zero_point?: number;
  }[];
  memory: MemoryReport & { weights_bytes: number };
}

interface ReportIo {
  name: string; shape: number[]; dtype: string; arena_offset: number; bytes: number;
}

export function buildReport(manifest: Manifest): Report {
  const io = (t: Manifest['inputs'][number]): ReportIo => ({ name: t.name, shape: t.shape, dtype: t.dtype, arena_offset: t.offset, bytes: t.bytes });
  return {
    schema_version: REPORT_SCHEMA_VERSION,
    generator: manifest.generator,
    model: { ...manifest.model, inputs: manifest.inputs.map(io), outputs: manifest.outputs.map(io) },
    board: { id: manifest.board.id, core: manifest.board.core },
    quantization: manifest.quantization ?? null,
    layers: manifest.layers.map((l, index) => ({
      index, node: l.node, op: l.opType, kernel: l.kernel, output: l.output, shape: l.shape, dtype: l.dtype,
      macs: l.macs, arena_offset: l.offset, bytes: l.bytes,
      ...(l.scale !== undefined ? { scale: l.scale, zero_point: l.zeroPoint } : {}),
    })),
    memory: { ...manifest.memory, weights_bytes: manifest.weightsBytes },
  };
}

const n = (x: number) => x.toLocaleString('en');

export function formatReport(r: Report): string {
  const m = r.memory;
  const lines = [
    `${r.model.file} on ${r.board.id} (${r.board.core})${r.quantization ? `, int8 (${r.quantization.source})` : ', float32'}`,
    '',
    `${'#'.padStart(3)}  ${'node'.padEnd(30)}${'op'.padEnd(18)}${'kernel'.padEnd(26)}${'output'.padEnd(16)}${'dtype'.padEnd(8)}${'MACs'.padStart(11)}${'offset'.padStart(9)}${'bytes'.padStart(9)}`,
    ...r.layers.map((l) => `${String(l.index).padStart(3)}  ${l.node.slice(0, 29).padEnd(30)}${l.op.slice(0, 17).padEnd(18)}${l.kernel.slice(0, 25).padEnd(26)}${l.shape.join('x').padEnd(16)}${l.dtype.padEnd(8)}${n(l.macs).padStart(11)}${n(l.arena_offset).padStart(9)}${n(l.bytes).padStart(9)}`),
    '',
    `weights  ${n(m.weights_bytes)} bytes (flash)`,
    `arena    ${n(m.arena_bytes)} bytes (RAM), placed by ${m.strategy}${m.proved_optimal ? ' (no placement of these lifetimes is smaller)' : ''}`,
    `         lower bound (LOAD) ${n(m.lower_bound_bytes)}, TFLM's greedy by size ${n(m.baseline_greedy_bytes)}, arena / LOAD ${(m.arena_bytes / Math.max(1, m.lower_bound_bytes)).toFixed(3)}`,
    `schedule ${m.schedule.mode}: peak ${n(m.schedule.peak_bytes)} bytes (file order ${n(m.schedule.file_order_peak_bytes)})${m.schedule.exact ? ', the lowest any order reaches' : ''}`,
  ];
  return lines.join('\n');
}
