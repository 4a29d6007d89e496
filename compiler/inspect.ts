// inspect: what a model holds and whether onnx2mcu can compile it, before anyone compiles it.
import { DTYPE_BYTES, formatShape, isStaticShape, CompileError, type ValueInfo } from './ir/graph.js';
import { loadModelFile } from './compile.js';
import { lowerGraph } from './lower/index.js';
import { findOp } from './ops/registry.js';
import { runPasses } from './passes/index.js';
import { planMemory } from './plan/index.js';

export interface Inspection {
  file: string;
  opsets: Record<string, number>;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  operators: { opType: string; count: number; supported: boolean }[];
  parameters: number;
  parameterBytes: number;
  /** Multiply-accumulates per inference; null when shapes are unknown or ops unsupported. */
  macs: number | null;
  macsNote?: string;
  unsupported: { node: string; opType: string }[];
}

export function inspectModel(file: string, shapes: Map<string, number[]>): Inspection {
  const { graph } = loadModelFile(file);
  const counts = new Map<string, number>();
  for (const n of graph.nodes) {
    const key = n.domain ? `${n.domain}.${n.opType}` : n.opType;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const unsupported = graph.nodes.filter((n) => !findOp(n)).map((n) => ({ node: n.name, opType: n.opType }));
  const parameters = [...graph.initializers.values()].reduce((s, t) => s + t.data.length, 0);
  const parameterBytes = [...graph.initializers.values()].reduce((s, t) => s + t.data.length * DTYPE_BYTES[t.dtype], 0);

  let macs: number | null = null;
  let macsNote: string | undefined;
  if (unsupported.length > 0) {
    macsNote = 'unknown: the model has unsupported operators';
  } else if (!graph.inputs.every((i) => isStaticShape(i.shape) || shapes.has(i.name))) {
    macsNote = 'unknown: bind the symbolic input dimensions with --shape';
  } else {
    try {
      const g = runPasses(graph, { file, shapes });
      macs = lowerGraph(g, planMemory(g), 'inspect', file).steps.reduce((s, step) => s + step.macs, 0);
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      macsNote = `unknown: ${e.message}`;
    }
  }
  return {
    file,
    opsets: graph.opsets,
    inputs: graph.inputs,
    outputs: graph.outputs,
    operators: [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([opType, count]) => ({
      opType, count, supported: !unsupported.some((u) => u.opType === opType),
    })),
    parameters,
    parameterBytes,
    macs,
    macsNote,
    unsupported,
  };
}

export function formatInspection(i: Inspection): string {
  const io = (v: ValueInfo) => `  ${v.name}: ${v.dtype} ${formatShape(v.shape)}`;
  return [
    `${i.file} (opsets: ${Object.entries(i.opsets).map(([d, v]) => `${d || 'ai.onnx'} ${v}`).join(', ')})`,
    'inputs:', ...i.inputs.map(io),
    'outputs:', ...i.outputs.map(io),
    'operators:', ...i.operators.map((o) => `  ${String(o.count).padStart(4)}  ${o.opType}${o.supported ? '' : '   (unsupported)'}`),
    `parameters: ${i.parameters.toLocaleString('en')} (${i.parameterBytes.toLocaleString('en')} bytes)`,
    `MACs: ${i.macs === null ? i.macsNote : i.macs.toLocaleString('en')}`,
    i.unsupported.length === 0
      ? 'every operator is supported'
      : `unsupported nodes: ${i.unsupported.map((u) => `${u.node} (${u.opType})`).join(', ')}`,
  ].join('\n');
}
