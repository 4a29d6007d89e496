// The debug build's write check (build --check-writes): which arena buffers must be unchanged
// after each step, and which buffers' checksums to take, so that a kernel writing outside what
// it owns is caught at the step that did it. Computed from the memory plan; model.c carries the
// result only under O2M_CHECK_WRITES.
import type { LoweredStep } from '../lower/index.js';
import type { PlannedBuffer } from '../plan/index.js';

/** What codegen needs from the compile to emit the write check: the plan and its schedule. */
export interface WriteCheckSource {
  plan: { buffers: readonly PlannedBuffer[] };
  /** The schedule the plan's step numbers index (the graph's node order). */
  graph: { nodes: readonly { name: string }[] };
}

export interface CheckedBuffer {
  name: string;
  offset: number;
  bytes: number;
}

export interface StepChecks {
  /** The schedule step (graph node index) this lowered step belongs to. */
  node: number;
  /** Buffers (indices into WriteChecks.buffers) that must still hold their checksum. */
  verify: number[];
  /** Buffers whose checksum is taken after this step: their value is new, or was allowed to change. */
  record: number[];
}

export interface WriteChecks {
  buffers: CheckedBuffer[];
  /** Checksums taken before the first step: the graph inputs. */
  initial: number[];
  /** One per lowered step, in order. */
  steps: StepChecks[];
}

interface Range {
  offset: number;
  bytes: number;
}

const overlaps = (a: Range, b: Range) => a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;

/** The schedule step of every lowered step: lowered steps follow the schedule, skipping views. */
function scheduleSteps(steps: readonly LoweredStep[], schedule: readonly string[]): number[] {
  let s = 0;
  return steps.map((step) => {
    while (s < schedule.length && schedule[s] !== step.node) s++;
    if (s === schedule.length) throw new Error(`internal: lowered step of node '${step.node}' is not in the schedule`);
    return s;
  });
}

/**
 * A buffer is verified after a step when its value was complete before the step, is still needed
 * at that step (the step may read it), and the plan does not let the step write it: it overlaps
 * none of the buffers born at the step (outputs, scratch) nor the step's output (an in-place
 * output shares its input's bytes). A buffer that may have changed gets a fresh checksum once
 * its node's last call has run, if it is still needed afterwards.
 */
export function planWriteChecks(
  steps: readonly LoweredStep[], inputs: readonly string[], source: WriteCheckSource,
): WriteChecks {
  const buffers = source.plan.buffers;
  const isInput = new Set(inputs);
  const nodeOf = scheduleSteps(steps, source.graph.nodes.map((n) => n.name));
  const hasValueAfter = (b: PlannedBuffer, s: number) => isInput.has(b.name) || b.first <= s;

  const used = new Map<PlannedBuffer, number>();
  const checked: CheckedBuffer[] = [];
  const indexOf = (b: PlannedBuffer) => {
    let index = used.get(b);
    if (index === undefined) {
      index = checked.length;
      used.set(b, index);
      checked.push({ name: b.name, offset: b.offset, bytes: b.bytes });
    }
    return index;
  };

  let recorded = buffers.filter((b) => isInput.has(b.name));
  const initial = recorded.map(indexOf);
  const result: StepChecks[] = steps.map((step, k) => {
    const s = nodeOf[k];
    const written: Range[] = [
      ...buffers.filter((b) => b.first === s && !isInput.has(b.name)),
      ...steps.filter((_, j) => nodeOf[j] === s).map((t) => t.output),
    ];
    const verified = recorded.filter((b) => b.last >= s && !written.some((w) => overlaps(b, w)));
    const lastCallOfNode = nodeOf[k + 1] !== s;
    let record: PlannedBuffer[] = [];
    if (lastCallOfNode) {
      const unchanged = new Set(verified);
      const live = buffers.filter((b) => hasValueAfter(b, s) && b.last > s);
      record = live.filter((b) => !unchanged.has(b));
      recorded = live;
    }
    return { node: s, verify: verified.map(indexOf), record: record.map(indexOf) };
  });
  return { buffers: checked, initial, steps: result };
}
