// StreamedRows: a chain of row-wise kernels run one row at a time (passes/stream-attention.ts
// makes it from attention). Its body is the original nodes; lowering gives each of them a
// one-row context — the same families, the same kernels, on shapes whose leading axes are one
// row — and a loop over the rows advances every pointer by its stride. Intermediate rows live in
// the node's scratch, so only one row of the score matrix ever exists.
import { alignUp, DTYPE_BYTES, DTYPE_CTYPE, elementCount, type Graph, type Node, type ValueInfo } from '../ir/graph.js';
import { FUSED_DOMAIN } from './fused.js';
import { MATMUL_TRANSPOSED_B_OP } from './matmul.js';
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
  /** Loop counts: the batch axes of the rows, then the rows. */
  counts: number[];
  /** External tensors (inputs and the output) by their name in the row graph. */
  access: Map<string, RowAccess & { source: string }>;
  /** Intermediate rows in scratch: byte offset and one-row shape. */
  intermediates: Map<string, { offset: number; shape: number[] }>;
  /** Where the body kernels' own scratch starts, and the scratch bytes in all. */
  kernelScratchOffset: number;
  scratchBytes: number;
  /** The body with one-row shapes, for the families' lowerings. */
  rowGraph: Graph;
}

const MATMUL_OPS = new Set(['MatMul', MATMUL_TRANSPOSED_B_OP]);

/** A MatMul's B operand is read whole on every row; every other operand one row at a time. */
const readsWhole = (node: Node, index: number) => index === 1 && MATMUL_OPS.has(node.opType);

/** The name a tensor read both ways takes in the row graph where it is read one row at a time. */
const rowAlias = (name: string) => `${name}@row`;

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
  const last = body.nodes[body.nodes.length - 1];
  const shape = (name: string): number[] => {
    const v = body.values.get(name) ?? body.initializers.get(name);
    if (!v) throw new Error(`internal: streamed body has no type for '${name}'`);
    return v.shape as number[];
  };
  // Every body node's output has the rows of the first one's (the matcher made sure).
  const rows = shape(body.nodes[0].outputs[0]);
  const counts = rows.slice(0, -1);
  const external = new Set(ctx.node.inputs);
  const readWhole = new Set(body.nodes.flatMap((n) => n.inputs.filter((name, i) => external.has(name) && readsWhole(n, i))));

  // A tensor read whole by one node and by rows by another (the keys and values of attention
  // that also make its queries) is two tensors of the row graph: the matrix, and its row.
  const access = new Map<string, RowAccess & { source: string }>();
  const rowNodes = body.nodes.map((n) => {
    const inputs = n.inputs.map((name, i) => {
      if (!external.has(name)) return name;
      if (readsWhole(n, i)) {
        access.set(name, { ...accessOf(shape(name), [...rows.slice(0, -2), 0, 0], 'matrix'), source: name });
        return name;
      }
      const alias = readWhole.has(name) ? rowAlias(name) : name;
      access.set(alias, { ...accessOf(shape(name), rows, 'row'), source: name });
      return alias;
    });
    const attributes = n.opType === 'Softmax' ? { ...n.attributes, axis: { kind: 'int' as const, value: 1 } } : n.attributes;
    return { ...n, inputs, attributes };
  });
  access.set(last.outputs[0], { ...accessOf(shape(last.outputs[0]), shape(last.outputs[0]), 'row'), source: last.outputs[0] });

  const intermediates = new Map<string, { offset: number; shape: number[] }>();
  let offset = 0;
  for (const n of body.nodes.slice(0, -1)) {
    const rowShape = [1, shape(n.outputs[0]).at(-1)!];
    const info = body.values.get(n.outputs[0])!;
    intermediates.set(n.outputs[0], { offset, shape: rowShape });
    offset += alignUp(elementCount(rowShape) * DTYPE_BYTES[info.dtype]);
  }

  const values = new Map<string, ValueInfo>();
  const initializers = new Map(body.initializers);
  const quantization = new Map(body.quantization ?? []);
  for (const [name, a] of access) {
    const info = body.values.get(a.source);
    if (info) values.set(name, { ...info, name, shape: a.rowShape });
    const c = body.initializers.get(a.source);
    if (c) initializers.set(name, { ...c, shape: a.rowShape, data: c.data.slice(0, elementCount(a.rowShape)) as typeof c.data });
    const q = body.quantization?.get(a.source);
    if (q) quantization.set(name, q);
  }
  for (const [name, m] of intermediates) values.set(name, { ...body.values.get(name)!, shape: m.shape });
  const rowGraph: Graph = { ...body, nodes: rowNodes, values, initializers, quantization: body.quantization ? quantization : undefined };

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

  // The output can take the place of an input read only one row at a time, never whole: row i
  // of it is read during pass i (into scratch, or element by element by the last kernel, which
  // writes the output's row i) and never again. That is Q in attention, or the residual the
  // streamed layer adds its result to.
  inPlace(ctx) {
    const body = bodyOf(ctx);
    const last = body.nodes[body.nodes.length - 1];
    const out = body.values.get(last.outputs[0]);
    const elementwiseLast = last.domain === '' && ['Add', 'Sub', 'Mul', 'Div'].includes(last.opType);
    return ctx.node.inputs.flatMap((name, index) => {
      const info = body.values.get(name);
      const uses = body.nodes.flatMap((n) => n.inputs.flatMap((input, i) => (input === name ? [{ n, i }] : [])));
      const rowsOnly = uses.every(({ n, i }) => !readsWhole(n, i) && (n !== last || elementwiseLast));
      const sameLayout = info && out && info.dtype === out.dtype && info.shape.join() === out.shape.join();
      return rowsOnly && sameLayout ? [index] : [];
    });
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
          return { ...arg, name: access.source, loopStrides: access.strides.map((s) => s * bytes) };
        });
        calls.push({ ...call, node: ctx.node.name, args, macs: call.macs * rows, loop: { counts: layout.counts } });
      }
    }
    return calls;
  },
};
