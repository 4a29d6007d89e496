// Buffers and their lifetimes over the schedule: the input of every placement strategy.
import { DTYPE_BYTES, elementCount, isStaticShape, type Graph } from '../ir/graph.js';
import { loweringContext, scratchName } from '../ops/op.js';
import { findOp } from '../ops/registry.js';

export const ARENA_ALIGNMENT = 16;

export interface Buffer {
  /** The value that owns the bytes; views of it share them. */
  name: string;
  bytes: number;
  /** Schedule steps during which the buffer must hold its value, inclusive. */
  first: number;
  last: number;
  /** Values that are views of this buffer (Reshape, Flatten). */
  views: string[];
}

export function alignUp(n: number, alignment = ARENA_ALIGNMENT): number {
  return Math.ceil(n / alignment) * alignment;
}

/** One buffer per value computed at run time, views folded into the value they alias. */
export function bufferLifetimes(graph: Graph): Buffer[] {
  const owner = new Map<string, string>();
  const buffers = new Map<string, Buffer>();
  const steps = graph.nodes.length;

  const add = (name: string, step: number) => {
    const info = graph.values.get(name);
    if (!info || !isStaticShape(info.shape)) throw new Error(`internal: no static shape for '${name}'`);
    const bytes = alignUp(Math.max(1, elementCount(info.shape) * DTYPE_BYTES[info.dtype]));
    buffers.set(name, { name, bytes, first: step, last: step, views: [] });
    owner.set(name, name);
  };
  const touch = (name: string, step: number) => {
    const b = buffers.get(owner.get(name) ?? '');
    if (b) b.last = Math.max(b.last, step);
  };

  for (const input of graph.inputs) add(input.name, 0);
  graph.nodes.forEach((node, step) => {
    for (const input of node.inputs) if (input !== '') touch(input, step);
    if (findOp(node)?.view && owner.has(node.inputs[0])) {
      const root = owner.get(node.inputs[0])!;
      owner.set(node.outputs[0], root);
      buffers.get(root)!.views.push(node.outputs[0]);
      return;
    }
    for (const output of node.outputs) if (output !== '') add(output, step);
    const op = findOp(node);
    const scratch = op?.scratchBytes?.(loweringContext(graph, node)) ?? 0;
    if (scratch > 0) {
      const name = scratchName(node);
      buffers.set(name, { name, bytes: alignUp(scratch), first: step, last: step, views: [] });
      owner.set(name, name);
    }
  });
  // Outputs are read by the caller after the last step.
  for (const output of graph.outputs) touch(output.name, steps);
  return [...buffers.values()];
}

/** The owner buffer of each value (itself, or the value it is a view of). */
export function bufferOwners(buffers: Buffer[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const b of buffers) {
    owners.set(b.name, b.name);
    for (const v of b.views) owners.set(v, b.name);
  }
  return owners;
}

export function overlapsInTime(a: Buffer, b: Buffer): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** LOAD: the most bytes live at any one step, a lower bound for any placement of these buffers. */
export function lowerBound(buffers: Buffer[]): number {
  const last = Math.max(0, ...buffers.map((b) => b.last));
  let peak = 0;
  for (let step = 0; step <= last; step++) {
    let live = 0;
    for (const b of buffers) if (b.first <= step && step <= b.last) live += b.bytes;
    peak = Math.max(peak, live);
  }
  return peak;
}
