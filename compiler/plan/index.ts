// The memory plan: where every run-time value lives in the one arena. Lifetimes come from the
// schedule (lifetimes.ts), placements from every strategy (strategies.ts), of which the smallest
// checked one is kept; TFLM's greedy by size is reported beside it as the baseline.
import type { Graph } from '../ir/graph.js';
import { bufferLifetimes, bufferOwners, type Buffer } from './lifetimes.js';
import { checkPlan, placeBest } from './strategies.js';

export { checkPlan };

export interface PlannedBuffer extends Buffer {
  offset: number;
}

export interface MemoryPlan {
  arenaBytes: number;
  lowerBoundBytes: number;
  /** TFLM's greedy by size on the same lifetimes. */
  baselineGreedyBytes: number;
  strategy: string;
  /** True when no placement of these lifetimes can be smaller. */
  provedOptimal: boolean;
  buffers: PlannedBuffer[];
  /** Arena offset of every run-time value, views and in-place outputs included. */
  offsets: Map<string, number>;
}

export interface PlanOptions {
  /** One placement strategy by name (--planner); default: the best of all. */
  planner?: string;
}

export function planMemory(graph: Graph, options: PlanOptions = {}): MemoryPlan {
  const lifetimes = bufferLifetimes(graph);
  const placement = placeBest(lifetimes, { strategy: options.planner });
  const buffers = lifetimes.map((b) => ({ ...b, offset: placement.offsets.get(b.name)! }));
  checkPlan(buffers);
  const offsets = new Map<string, number>();
  for (const [value, owner] of bufferOwners(buffers)) offsets.set(value, placement.offsets.get(owner)!);
  return {
    arenaBytes: placement.arenaBytes,
    lowerBoundBytes: placement.lowerBoundBytes,
    baselineGreedyBytes: placement.baselineGreedyBytes,
    strategy: placement.strategy,
    provedOptimal: placement.provedOptimal,
    buffers,
    offsets,
  };
}
