// Buffers and their lifetimes over the schedule: the input of every placement strategy.
import { ARENA_ALIGNMENT, alignUp, DTYPE_BYTES, elementCount, isStaticShape, type Graph } from '../ir/graph.js';
import { loweringContext, scratchName, type KernelTarget } from '../ops/op.js';
import { findOp } from '../ops/registry.js';

export { ARENA_ALIGNMENT, alignUp };

export interface Buffer {
  /** The value that owns the bytes; views of it share them. */
  name: string;
  bytes: number;
  /** Schedule steps during which the buffer must hold its value, inclusive. */
  first: number;
  last: number;
  /**
   * Other values that live in these bytes: views (Reshape, Flatten, Squeeze …) and outputs that
   * an element-wise kernel wrote in place over this buffer's last value.
   */
  views: string[];
  /** Where a view lives inside the buffer when not at its start (a Concat input in its slot). */
  viewOffsets?: Map<string, number>;
}


/** The step at which each value is last read (graph outputs: after the last step). */
function lastReads(graph: Graph): Map<string, number> {
  const last = new Map<string, number>();
  graph.nodes.forEach((node, step) => node.inputs.forEach((input) => { if (input !== '') last.set(input, step); }));
  for (const output of graph.outputs) last.set(output.name, graph.nodes.length);
  return last;
}

/** Where a value lives when it is not in the arena: the caller's input or output buffer. */
export interface ExternalRef {
  direction: 'input' | 'output';
  index: number;
}

/**
 * With --io outside: the graph's inputs and outputs, and every view of them, by name. Outputs
 * must be written by a kernel (compile inserts a copy for an output that is only a view).
 */
export function externalValues(graph: Graph): Map<string, ExternalRef> {
  const external = new Map<string, ExternalRef>();
  graph.inputs.forEach((input, index) => external.set(input.name, { direction: 'input', index }));
  graph.outputs.forEach((output, index) => external.set(output.name, { direction: 'output', index }));
  for (const node of graph.nodes) {
    const ref = external.get(node.inputs[0]);
    if (findOp(node)?.view && ref) external.set(node.outputs[0], ref);
  }
  return external;
}

/**
 * One buffer per value computed at run time. Views fold into the value they alias; an output
 * that its kernel may write in place (OpFamily.inPlace) folds into an input buffer none of whose
 * values is read after this step; scratch is a buffer of its own, live at its step.
 */
export function bufferLifetimes(
  graph: Graph,
  options: { inPlace?: boolean; slots?: boolean; external?: Map<string, ExternalRef>; target?: KernelTarget } = {},
): Buffer[] {
  // Values in the caller's buffers (--io outside: externalValues) get no place in the arena.
  const external = options.external ?? new Map<string, ExternalRef>();
  const owner = new Map<string, string>();
  const buffers = new Map<string, Buffer>();
  const steps = graph.nodes.length;
  const lastRead = lastReads(graph);
  const bytesOf = (name: string) => {
    const info = graph.values.get(name);
    if (!info || !isStaticShape(info.shape)) throw new Error(`internal: no static shape for '${name}'`);
    return Math.max(1, elementCount(info.shape) * DTYPE_BYTES[info.dtype]);
  };

  const add = (name: string, step: number) => {
    buffers.set(name, { name, bytes: alignUp(bytesOf(name)), first: step, last: step, views: [] });
    owner.set(name, name);
  };
  const alias = (name: string, root: string, delta = 0) => {
    owner.set(name, root);
    const b = buffers.get(root)!;
    b.views.push(name);
    if (delta !== 0) (b.viewOffsets ??= new Map()).set(name, delta);
  };
  const deltaOf = (name: string) => buffers.get(owner.get(name) ?? '')?.viewOffsets?.get(name) ?? 0;
  const touch = (name: string, step: number) => {
    const b = buffers.get(owner.get(name) ?? '');
    if (b) b.last = Math.max(b.last, step);
  };
  /** A buffer whose every value is read for the last time at `step` (or never). */
  const diesAt = (root: string, step: number) => {
    const b = buffers.get(root)!;
    return [b.name, ...b.views].every((v) => (lastRead.get(v) ?? -1) <= step);
  };

  const graphInputs = new Set(graph.inputs.map((i) => i.name));
  /**
   * Folds Concat inputs into their slots of the output: the output's buffer then starts as
   * early as the first such input's producer, which writes straight into its slot.
   */
  const placeInSlots = (node: Graph['nodes'][number], slots: { input: number; byteOffset: number }[]) => {
    const out = buffers.get(node.outputs[0])!;
    for (const { input, byteOffset } of slots) {
      const v = node.inputs[input];
      const b = buffers.get(v);
      const movable = b !== undefined && owner.get(v) === v && b.views.length === 0 && !graphInputs.has(v)
        && !external.has(v) && node.inputs.filter((i) => i === v).length === 1 && byteOffset % ARENA_ALIGNMENT === 0;
      if (!movable) continue;
      buffers.delete(v);
      out.first = Math.min(out.first, b.first);
      out.last = Math.max(out.last, b.last);
      alias(v, out.name, byteOffset);
    }
  };

  for (const input of graph.inputs) if (!external.has(input.name)) add(input.name, 0);
  graph.nodes.forEach((node, step) => {
    for (const input of node.inputs) if (input !== '') touch(input, step);
    const op = findOp(node);
    if (op?.view && external.has(node.outputs[0])) return; // a view of the caller's buffer
    if (op?.view && owner.has(node.inputs[0])) {
      alias(node.outputs[0], owner.get(node.inputs[0])!, deltaOf(node.inputs[0]));
      return;
    }
    const ctx = op?.inPlace || op?.scratchBytes || op?.slots ? loweringContext(graph, node, options.target) : undefined;
    const overwritable = options.inPlace !== false && op?.inPlace ? op.inPlace(ctx!) : [];
    const target = (external.has(node.outputs[0]) ? [] : overwritable)
      .map((i) => node.inputs[i])
      .find((v) => {
        const root = owner.get(v);
        return root !== undefined && diesAt(root, step) && deltaOf(v) + bytesOf(node.outputs[0]) <= buffers.get(root)!.bytes;
      });
    node.outputs.forEach((output, i) => {
      if (output === '' || external.has(output)) return;
      if (i === 0 && target !== undefined) alias(output, owner.get(target)!, deltaOf(target));
      else add(output, step);
    });
    if (options.slots !== false && op?.slots && !external.has(node.outputs[0]) && buffers.has(node.outputs[0])) {
      placeInSlots(node, op.slots(ctx!));
    }
    const scratch = op?.scratchBytes?.(ctx!) ?? 0;
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
  return Math.max(0, ...liveBytesPerStep(buffers));
}

/** The bytes live at each schedule step, from step 0 to the last buffer's last step. */
export function liveBytesPerStep(buffers: Buffer[]): number[] {
  const live = new Array<number>(Math.max(0, ...buffers.map((b) => b.last)) + 1).fill(0);
  for (const b of buffers) for (let step = b.first; step <= b.last; step++) live[step] += b.bytes;
  return live;
}
