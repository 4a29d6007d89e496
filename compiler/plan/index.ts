// The memory plan: where every run-time value lives in the one arena.
import type { Graph } from '../ir/graph.js';
import { placeGreedyBySize } from './greedy.js';
import { ARENA_ALIGNMENT, bufferLifetimes, bufferOwners, lowerBound, overlapsInTime, type Buffer } from './lifetimes.js';

export interface PlannedBuffer extends Buffer {
  offset: number;
}

export interface MemoryPlan {
  arenaBytes: number;
  lowerBoundBytes: number;
  strategy: string;
  buffers: PlannedBuffer[];
  /** Arena offset of every run-time value, views included. */
  offsets: Map<string, number>;
}

/** Throws if two buffers live at the same step share bytes, or an offset is misaligned. */
export function checkPlan(buffers: PlannedBuffer[]): void {
  for (const a of buffers) {
    if (a.offset % ARENA_ALIGNMENT !== 0) throw new Error(`internal: plan puts '${a.name}' at unaligned offset ${a.offset}`);
    for (const b of buffers) {
      if (a === b || !overlapsInTime(a, b)) continue;
      if (a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes) {
        throw new Error(`internal: plan overlaps '${a.name}' and '${b.name}', both live at once`);
      }
    }
  }
}

export function planMemory(graph: Graph): MemoryPlan {
  const lifetimes = bufferLifetimes(graph);
  const placement = placeGreedyBySize(lifetimes);
  const buffers = lifetimes.map((b) => ({ ...b, offset: placement.get(b.name)! }));
  checkPlan(buffers);
  const offsets = new Map<string, number>();
  for (const [value, owner] of bufferOwners(buffers)) offsets.set(value, placement.get(owner)!);
  return {
    arenaBytes: Math.max(0, ...buffers.map((b) => b.offset + b.bytes)),
    lowerBoundBytes: lowerBound(buffers),
    strategy: 'greedy-by-size',
    buffers,
    offsets,
  };
}
