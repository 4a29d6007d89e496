// The memory plan: where every run-time value lives in the one arena. Lifetimes come from the
// schedule (lifetimes.ts), placements from every strategy (strategies.ts), of which the smallest
// checked one is kept; TFLM's greedy by size is reported beside it as the baseline.
import type { Graph } from '../ir/graph.js';
import type { KernelTarget } from '../ops/op.js';
import { bufferLifetimes, bufferOwners, externalValues, type Buffer, type ExternalRef } from './lifetimes.js';
import { grantScratch } from './scratch-grants.js';
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
  /** --io outside: the values that live in the caller's buffers instead (empty otherwise). */
  external: Map<string, ExternalRef>;
  ioOutside: boolean;
  /** Extra scratch units granted per node name (grantScratch), which lowering must use. */
  scratchGrants: Map<string, number>;
}

export interface PlanOptions {
  /** One placement strategy by name (--planner); default: the best of all. */
  planner?: string;
  /** Inputs and outputs in the caller's own buffers (--io outside), not in the arena. */
  ioOutside?: boolean;
  /** The core the code will be lowered for, where a kernel's scratch depends on it (the int8 Conv's). */
  target?: KernelTarget;
}

export function planMemory(graph: Graph, options: PlanOptions = {}): MemoryPlan {
  const external = options.ioOutside ? externalValues(graph) : new Map<string, ExternalRef>();
  const least = bufferLifetimes(graph, { external, target: options.target });
  let { buffers: lifetimes, grants } = grantScratch(graph, least, options.target);
  let placement = placeBest(lifetimes, { strategy: options.planner });
  if (grants.size > 0) {
    // Grown scratch leaves LOAD as it was, but may cost the placement bytes: then none is granted.
    const ungrown = placeBest(least, { strategy: options.planner });
    if (ungrown.arenaBytes < placement.arenaBytes) [lifetimes, grants, placement] = [least, new Map(), ungrown];
  }
  const buffers = lifetimes.map((b) => ({ ...b, offset: placement.offsets.get(b.name)! }));
  checkPlan(buffers);
  const offsets = new Map<string, number>();
  const byName = new Map(buffers.map((b) => [b.name, b]));
  for (const [value, owner] of bufferOwners(buffers)) {
    offsets.set(value, placement.offsets.get(owner)! + (byName.get(owner)!.viewOffsets?.get(value) ?? 0));
  }
  return {
    arenaBytes: placement.arenaBytes,
    lowerBoundBytes: placement.lowerBoundBytes,
    baselineGreedyBytes: placement.baselineGreedyBytes,
    strategy: placement.strategy,
    provedOptimal: placement.provedOptimal,
    buffers,
    offsets,
    external,
    ioOutside: options.ioOutside ?? false,
    scratchGrants: grants,
  };
}
