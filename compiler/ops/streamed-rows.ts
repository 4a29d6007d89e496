// StreamedRows: a chain of row-wise kernels run one row at a time (passes/stream-attention.ts
// makes it from attention). Its body is the original nodes; lowering gives each of them a
// one-row context — the same families, the same kernels, on shapes whose leading axes are one
// row — and a loop over the rows advances every pointer by its stride. Intermediate rows live in
// the node's scratch, so only one row of the score matrix ever exists.
import { alignUp, DTYPE_BYTES, DTYPE_CTYPE, elementCount, type Graph, type ValueInfo } from '../ir/graph.js';
import { FUSED_DOMAIN } from './fused.js';
import {
  loweringContext, nodeError, type KernelArg, type KernelCall, type LowerContext, type OpFamily,
} from './op.js';
import { findOp } from './registry.js';

export const STREAMED_ROWS_OP = 'StreamedRows';


function bodyOf(ctx: { node: LowerContext['node'] }): Graph {
  const body = ctx.node.attributes.body;
  if (body?.kind !== 'graph') throw nodeError(ctx.node, 'has no body');
  return body.value;
}

/** Strides (in elements) of a contiguous tensor of this shape. */
function contiguousStrides(shape: number[]): number[] {
  const strides = Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/**
 * How one tensor of the body is read or written per row: its one-row shape, and per loop level
 * (the score matrix's batch axes, then its rows) how many elements its pointer advances.
 */
interface RowAccess {
  rowShape: number[];
  strides: number[];
}

interface RowLayout {
  /** Loop counts: the batch axes of the scores, then their rows. */
  counts: number[];
  /** External tensors (inputs and the output), by name. */
  access: Map<string, RowAccess>;
  /** Intermediate rows in scratch: byte offset and one-row shape. */
  intermediates: Map<string, { offset: number; shape: number[] }>;
  /** Where the body kernels' own scratch starts, and the scratch bytes in all. */
  kernelScratchOffset: number;
  scratchBytes: number;
  /** The body with one-row shapes, for the families' lowerings. */
  rowGraph: Graph;
}

/**
 * Per-loop-level strides of `shape` read against `full` (right-aligned): a broadcast or missing
 * axis does not move; `matrix` tensors (the MatMuls' B operands) do not move with the row.
 */
function accessOf(shape: number[], full: number[], kind: 'row' | 'matrix'): RowAccess {
  const own = contiguousStrides(shape);
  const at = (axis: number) => axis - (full.length - shape.length); // axis of `full` in `shape`
  const batchAxes = full.length - 2;
  const strides: number[] = [];
  for (let a = 0; a < batchAxes; a++) {
    const i = at(a);
    strides.push(i >= 0 && shape[i] !== 1 ? own[i] : 0);
  }
  if (kind === 'matrix') {
    strides.push(0);
    return { rowShape: shape.slice(-2), strides };
  }
  const rowAxis = at(full.length - 2);
  strides.push(rowAxis >= 0 && shape[rowAxis] !== 1 ? own[rowAxis] : 0);
  return { rowShape: shape.length === 0 ? [] : [1, shape[shape.length - 1]], strides };
}

function rowLayout(ctx: LowerContext): RowLayout {
  const body = bodyOf(ctx);
  const first = body.nodes[0];
  const last = body.nodes[body.nodes.length - 1];
  const shape = (name: string): number[] => {
    const v = body.values.get(name) ?? body.initializers.get(name);
    if (!v) throw new Error(`internal: streamed body has no type for '${name}'`);
    return v.shape as number[];
  };
  const scores = shape(first.outputs[0]);
  const counts = scores.slice(0, -1);
  const access = new Map<string, RowAccess>();
  const matrixInputs = new Set([first.inputs[1], last.inputs[1]]);
  for (const name of ctx.node.inputs) {
    access.set(name, accessOf(shape(name), matrixInputs.has(name) ? [...scores.slice(0, -2), 0, 0] : scores, matrixInputs.has(name) ? 'matrix' : 'row'));
  }
  access.set(last.outputs[0], accessOf(shape(last.outputs[0]), shape(last.outputs[0]), 'row'));

  const intermediates = new Map<string, { offset: number; shape: number[] }>();
  let offset = 0;
  for (const n of body.nodes.slice(0, -1)) {
    const rowShape = [1, scores[scores.length - 1]];
    const info = body.values.get(n.outputs[0])!;
    intermediates.set(n.outputs[0], { offset, shape: rowShape });
    offset += alignUp(elementCount(rowShape) * DTYPE_BYTES[info.dtype]);
  }

  const values = new Map<string, ValueInfo>();
  const initializers = new Map(body.initializers);
  for (const [name, a] of access) {
    const info = body.values.get(name);
    if (info) values.set(name, { ...info, shape: a.rowShape });
    const c = body.initializers.get(name);
    if (c) initializers.set(name, { ...c, shape: a.rowShape, data: c.data.slice(0, elementCount(a.rowShape)) as typeof c.data });
  }
  for (const [name, m] of intermediates) values.set(name, { ...body.values.get(name)!, shape: m.shape });
  const rowNodes = body.nodes.map((n) => (n.opType === 'Softmax'
    ? { ...n, attributes: { ...n.attributes, axis: { kind: 'int' as const, value: 1 } } }
    : n));
  const rowGraph: Graph = { ...body, nodes: rowNodes, values, initializers };

  let kernelScratch = 0;
  for (const n of rowNodes) {
    kernelScratch = Math.max(kernelScratch, findOp(n)?.scratchBytes?.(loweringContext(rowGraph, n)) ?? 0);
  }
  return {
    counts, access, intermediates, rowGraph,
    kernelScratchOffset: offset,
    scratchBytes: offset + alignUp(kernelScratch),
  };
}

export const streamedRowsFamily: OpFamily = {
  opTypes: [STREAMED_ROWS_OP],
  domain: FUSED_DOMAIN,
  dtypes: ['float32', 'int8'],

  inferShapes(ctx) {
    const body = bodyOf(ctx);
    const out = body.outputs[0];
    return [{ dtype: out.dtype, shape: out.shape as number[] }];
  },

  scratchBytes: (ctx) => rowLayout(ctx).scratchBytes,

  // The output can take Q's place: each row of Q is read once, by the first kernel, into the
  // scores in scratch, before the last kernel writes the output's row — unless Q also serves as
  // another operand (self-attention with q = k = v), which later rows still read whole.
  inPlace(ctx) {
    const body = bodyOf(ctx);
    const q = body.nodes[0].inputs[0];
    const out = body.nodes[body.nodes.length - 1].outputs[0];
    const qInfo = body.values.get(q);
    const outInfo = body.values.get(out);
    const readElsewhere = body.nodes.some((n, i) => n.inputs.some((input, k) => input === q && (i > 0 || k > 0)));
    if (!qInfo || !outInfo || readElsewhere || qInfo.dtype !== outInfo.dtype || qInfo.shape.join() !== outInfo.shape.join()) return [];
    const index = ctx.node.inputs.indexOf(q);
    return index < 0 ? [] : [index];
  },

  lower(ctx): KernelCall[] {
    const layout = rowLayout(ctx);
    const rows = layout.counts.reduce((a, b) => a * b, 1);
    const calls: KernelCall[] = [];
    for (const n of layout.rowGraph.nodes) {
      const family = findOp(n);
      if (!family?.lower) throw nodeError(ctx.node, `its body node '${n.name}' (${n.opType}) has no kernel`);
      const lowered = family.lower(loweringContext(layout.rowGraph, n));
      for (const call of Array.isArray(lowered) ? lowered : [lowered]) {
        const args = call.args.map((arg): KernelArg => {
          if (arg.kind === 'scratch') return { ...arg, offset: layout.kernelScratchOffset + (arg.offset ?? 0) };
          if (arg.kind !== 'value' && arg.kind !== 'weight') return arg;
          const row = layout.intermediates.get(arg.name);
          if (row) return { kind: 'scratch', ctype: DTYPE_CTYPE[layout.rowGraph.values.get(arg.name)!.dtype]!, offset: row.offset };
          const access = layout.access.get(arg.name);
          if (!access) return arg;
          const bytes = DTYPE_BYTES[(layout.rowGraph.values.get(arg.name) ?? layout.rowGraph.initializers.get(arg.name))!.dtype];
          return { ...arg, loopStrides: access.strides.map((s) => s * bytes) };
        });
        calls.push({ ...call, node: ctx.node.name, args, macs: call.macs * rows, loop: { counts: layout.counts } });
      }
    }
    return calls;
  },
};
