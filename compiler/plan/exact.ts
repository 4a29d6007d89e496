// Exact placement by branch and bound, for graphs small enough.
//
// Why searching orders is enough: take any valid placement and list its buffers by ascending
// offset; move each in turn to the lowest offset clear of the buffers before it in the list.
// A buffer only moves down, and the buffers after it that conflict with it started at or above
// its old end, so nothing new overlaps and the arena does not grow. The result is what "each
// buffer at the lowest fitting offset, in this order" produces. So some order of the buffers,
// placed lowest-fit, reaches the optimum, and a search over orders that prunes only what cannot
// beat the best found is exact when it runs to the end.
//
// Pruning, at each partial order:
// - a buffer's lowest fit can only rise as more buffers are placed, so no completion ends
//   below max(lowest fit + size) over the buffers still to place;
// - at a step s, the buffers still to place that are live at s all lie above m, the lowest of
//   their lowest fits, and so do the parts above m of the placed ones live at s, so the arena
//   is at least m plus all those bytes;
// - two consecutive buffers that share no step can be swapped without changing any offset, and
//   buffers of equal size and lifetime can be exchanged, so only one of each such pair of
//   orders is searched;
// - the search stops as soon as it reaches LOAD.
// It starts from the best heuristic placement, so it never returns anything worse.
import { placeGreedyBySize } from './greedy.js';
import { lowestFit, placeBestFit, placeGreedyByConflicts, placeTwoEnded } from './heuristics.js';
import { lowerBound, overlapsInTime, type Buffer } from './lifetimes.js';

/** Above this many buffers the search is not attempted: the seed is returned as it is. */
export const EXACT_MAX_BUFFERS = 40;
/** Search nodes (partial orders) visited before giving up; a count, so results reproduce. */
export const EXACT_NODE_LIMIT = 20_000;

/** Partial placements remembered so as not to search them twice (bounds the memory used). */
const SEEN_LIMIT = 200_000;

export interface ExactOptions {
  nodeLimit?: number;
  /** A wall-clock limit on top of the node limit; makes the result depend on machine speed. */
  timeLimitMs?: number;
  /** A valid placement to start from (default: the best of the heuristics). */
  seed?: Map<string, number>;
}

export interface ExactResult {
  offsets: Map<string, number>;
  /** True when no placement of these buffers has a smaller arena. */
  provedOptimal: boolean;
  /** Search nodes visited. */
  nodes: number;
}

export function arenaOf(buffers: Buffer[], offsets: Map<string, number>): number {
  return Math.max(0, ...buffers.map((b) => offsets.get(b.name)! + b.bytes));
}

function bestHeuristic(buffers: Buffer[]): Map<string, number> {
  const candidates = [placeGreedyBySize, placeGreedyByConflicts, placeBestFit, placeTwoEnded].map((place) => place(buffers));
  return candidates.reduce((best, c) => (arenaOf(buffers, c) < arenaOf(buffers, best) ? c : best));
}

export function searchExact(input: Buffer[], options: ExactOptions = {}): ExactResult {
  const seed = options.seed ?? bestHeuristic(input);
  const load = lowerBound(input);
  let best = arenaOf(input, seed);
  if (best <= load) return { offsets: seed, provedOptimal: true, nodes: 0 };
  if (input.length > EXACT_MAX_BUFFERS) return { offsets: seed, provedOptimal: false, nodes: 0 };

  // A canonical index order, so that the result does not depend on the order of the input.
  const buffers = [...input].sort((a, b) => b.bytes - a.bytes || a.first - b.first || a.last - b.last || a.name.localeCompare(b.name));
  const n = buffers.length;
  const conflict = buffers.map((a) => buffers.map((b) => a !== b && overlapsInTime(a, b)));
  const neighbours = conflict.map((row) => row.flatMap((c, j) => (c ? [j] : [])));
  // The earlier buffer of the same size and lifetime, which must be placed first.
  const twinBefore = buffers.map((a, i) => {
    for (let j = i - 1; j >= 0; j--) {
      const b = buffers[j];
      if (b.bytes === a.bytes && b.first === a.first && b.last === a.last) return j;
    }
    return -1;
  });
  // The most bytes are live at the start of some buffer's life: check those steps only.
  const steps = [...new Set(buffers.map((b) => b.first))];
  const liveAt = steps.map((s) => buffers.flatMap((b, i) => (b.first <= s && s <= b.last ? [i] : [])));

  const offset: number[] = new Array(n).fill(-1);
  let bestOffsets = seed;
  let nodes = 0;
  let aborted = false;
  const nodeLimit = options.nodeLimit ?? EXACT_NODE_LIMIT;
  const deadline = options.timeLimitMs === undefined ? Infinity : Date.now() + options.timeLimitMs;

  const fitOf = (u: number): number => {
    const occupied = neighbours[u].filter((j) => offset[j] >= 0).map((j) => ({ offset: offset[j], bytes: buffers[j].bytes }));
    occupied.sort((a, b) => a.offset - b.offset);
    return lowestFit(buffers[u].bytes, occupied);
  };

  const seen = new Set<string>();
  const search = (depth: number, previous: number, top: number): void => {
    if (++nodes > nodeLimit || (nodes % 256 === 0 && Date.now() > deadline)) {
      aborted = true;
      return;
    }
    if (depth === n) {
      if (top < best) {
        best = top;
        bestOffsets = new Map(buffers.map((b, i) => [b.name, offset[i]]));
      }
      return;
    }
    // Different orders often reach the same partial placement: search it once (with the last
    // buffer placed, since that decides which orders below are searched).
    const state = `${previous}:${offset.join(',')}`;
    if (seen.has(state)) return;
    if (seen.size < SEEN_LIMIT) seen.add(state);
    const fit: number[] = new Array(n).fill(-1);
    let bound = top;
    for (let u = 0; u < n; u++) {
      if (offset[u] >= 0) continue;
      fit[u] = fitOf(u);
      bound = Math.max(bound, fit[u] + buffers[u].bytes);
    }
    for (const live of liveAt) {
      let lowest = Infinity;
      let unplacedBytes = 0;
      for (const u of live) {
        if (offset[u] < 0) {
          lowest = Math.min(lowest, fit[u]);
          unplacedBytes += buffers[u].bytes;
        }
      }
      if (lowest === Infinity) continue;
      let placedAbove = 0;
      for (const j of live) if (offset[j] >= 0) placedAbove += Math.max(0, offset[j] + buffers[j].bytes - Math.max(offset[j], lowest));
      bound = Math.max(bound, lowest + unplacedBytes + placedAbove);
    }
    if (bound >= best) return;

    const children: number[] = [];
    for (let u = 0; u < n; u++) {
      if (offset[u] >= 0) continue;
      if (twinBefore[u] >= 0 && offset[twinBefore[u]] < 0) continue;
      if (previous >= 0 && u < previous && !conflict[u][previous]) continue;
      children.push(u);
    }
    children.sort((a, b) => fit[a] - fit[b] || buffers[b].bytes - buffers[a].bytes || a - b);
    for (const u of children) {
      offset[u] = fit[u];
      search(depth + 1, u, Math.max(top, fit[u] + buffers[u].bytes));
      offset[u] = -1;
      if (aborted || best <= load) return;
    }
  };
  search(0, -1, 0);
  return { offsets: bestOffsets, provedOptimal: !aborted || best <= load, nodes };
}
