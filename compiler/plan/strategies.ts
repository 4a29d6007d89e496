// The placement strategies behind one interface, and the choice among them: run them, check
// each result, keep the smallest arena.
import { arenaOf, searchExact, type ExactOptions } from './exact.js';
import { placeGreedyBySize } from './greedy.js';
import { placeBestFit, placeGreedyByConflicts, placeTwoEnded } from './heuristics.js';
import { ARENA_ALIGNMENT, lowerBound, overlapsInTime, type Buffer } from './lifetimes.js';

export type Strategy = (buffers: Buffer[], options?: ExactOptions) => Map<string, number>;

/** Every strategy by its --planner name, in order of preference when arenas tie. */
export const PLACEMENT_STRATEGIES: Record<string, Strategy> = {
  'greedy-by-size': placeGreedyBySize,
  'greedy-by-conflicts': placeGreedyByConflicts,
  'best-fit': placeBestFit,
  'two-ended': placeTwoEnded,
  exact: (buffers, options) => searchExact(buffers, options).offsets,
};

/** Throws if two buffers live at the same step share bytes, or an offset is misaligned. */
export function checkPlan(buffers: (Buffer & { offset: number })[]): void {
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

export interface Placement {
  offsets: Map<string, number>;
  arenaBytes: number;
  /** The strategy whose placement was kept. */
  strategy: string;
  /** TFLM's greedy by size on the same buffers, for comparison. */
  baselineGreedyBytes: number;
  /** LOAD: the most bytes live at one step. */
  lowerBoundBytes: number;
  /** True when no placement can be smaller: the arena is LOAD, or the exact search finished. */
  provedOptimal: boolean;
}

export interface PlaceOptions {
  /** One strategy by name; default: all of them. */
  strategy?: string;
  /** Budgets of the exact search (see exact.ts); a time limit makes results machine-dependent. */
  timeLimitMs?: number;
  nodeLimit?: number;
}

function checked(buffers: Buffer[], offsets: Map<string, number>): Map<string, number> {
  checkPlan(buffers.map((b) => {
    const offset = offsets.get(b.name);
    if (offset === undefined) throw new Error(`internal: plan has no offset for '${b.name}'`);
    return { ...b, offset };
  }));
  return offsets;
}

export function placeBest(buffers: Buffer[], options: PlaceOptions = {}): Placement {
  const names = options.strategy === undefined ? Object.keys(PLACEMENT_STRATEGIES) : [options.strategy];
  for (const name of names) {
    if (!(name in PLACEMENT_STRATEGIES)) {
      throw new Error(`unknown planner '${name}' (one of: ${Object.keys(PLACEMENT_STRATEGIES).join(', ')})`);
    }
  }
  const baseline = checked(buffers, placeGreedyBySize(buffers));
  let best: { name: string; offsets: Map<string, number>; arena: number } | undefined;
  let provedByExact = false;
  for (const name of names) {
    let offsets: Map<string, number>;
    if (name === 'exact') {
      // Seeded with the best heuristic found so far, so that it never does worse.
      const result = searchExact(buffers, { seed: best?.offsets, nodeLimit: options.nodeLimit, timeLimitMs: options.timeLimitMs });
      offsets = result.offsets;
      provedByExact = result.provedOptimal;
    } else {
      offsets = name === 'greedy-by-size' ? baseline : PLACEMENT_STRATEGIES[name](buffers);
    }
    const arena = arenaOf(buffers, checked(buffers, offsets));
    if (!best || arena < best.arena) best = { name, offsets, arena };
  }
  const lowerBoundBytes = lowerBound(buffers);
  return {
    offsets: best!.offsets,
    arenaBytes: best!.arena,
    strategy: best!.name,
    baselineGreedyBytes: arenaOf(buffers, baseline),
    lowerBoundBytes,
    provedOptimal: best!.arena <= lowerBoundBytes || provedByExact,
  };
}
