// Placement heuristics besides TFLM's greedy by size (greedy.ts, kept untouched as the baseline).
// Each is a pure function from buffers to offsets; every offset is a multiple of ARENA_ALIGNMENT
// and no two buffers live at the same step share a byte, whatever the input.
import { ARENA_ALIGNMENT, alignUp, lowerBound, overlapsInTime, type Buffer } from './lifetimes.js';

interface Placed {
  buffer: Buffer;
  offset: number;
}

/** Placed buffers live at some step that `buffer` is live, by ascending offset. */
function conflictsOf(buffer: Buffer, placed: Placed[]): Placed[] {
  return placed.filter((p) => overlapsInTime(p.buffer, buffer)).sort((a, b) => a.offset - b.offset);
}

/** The lowest aligned offset at which `bytes` fit between `occupied` (ascending by offset). */
export function lowestFit(bytes: number, occupied: { offset: number; bytes: number }[]): number {
  let offset = 0;
  for (const o of occupied) {
    if (offset + bytes <= o.offset) break;
    offset = Math.max(offset, alignUp(o.offset + o.bytes));
  }
  return offset;
}

/** Each buffer in the given order at the lowest offset clear of the conflicting ones placed so far. */
export function placeInOrder(order: Buffer[]): Map<string, number> {
  const placed: Placed[] = [];
  const offsets = new Map<string, number>();
  for (const buffer of order) {
    const offset = lowestFit(buffer.bytes, conflictsOf(buffer, placed).map((p) => ({ offset: p.offset, bytes: p.buffer.bytes })));
    placed.push({ buffer, offset });
    offsets.set(buffer.name, offset);
  }
  return offsets;
}

/**
 * Greedy by conflicts: the buffers that conflict (are live at a common step) with the most
 * others first, then the largest, each at the lowest fitting offset. A buffer squeezed between
 * many neighbours has few places that suit it, so it chooses before the loosely constrained
 * ones; on a chain this defers the graph input and output, which conflict with one tensor each,
 * and lets the big middle tensors settle at the bottom first.
 */
export function placeGreedyByConflicts(buffers: Buffer[]): Map<string, number> {
  const conflicts = new Map<Buffer, { count: number; bytes: number }>();
  for (const a of buffers) {
    let count = 0;
    let bytes = 0;
    for (const b of buffers) {
      if (a !== b && overlapsInTime(a, b)) {
        count++;
        bytes += b.bytes;
      }
    }
    conflicts.set(a, { count, bytes });
  }
  const order = [...buffers].sort((a, b) => {
    const ca = conflicts.get(a)!;
    const cb = conflicts.get(b)!;
    return cb.count - ca.count || b.bytes - a.bytes || cb.bytes - ca.bytes || a.first - b.first || a.name.localeCompare(b.name);
  });
  return placeInOrder(order);
}

/** Buffers by first use; at a common first step the largest, then the longest lived, first. */
function byFirstUse(buffers: Buffer[]): Buffer[] {
  return [...buffers].sort((a, b) => a.first - b.first || b.bytes - a.bytes || b.last - a.last || a.name.localeCompare(b.name));
}

/**
 * Best fit by lifetime: a simulated allocator that walks the schedule. Buffers are taken in
 * order of first use (ties: larger, then longer lived, then by name); every buffer already
 * placed that is still live then is a conflict, so the free space at that moment is the set of
 * gaps between the conflicting buffers, bounded above by the arena so far (the highest end of
 * any buffer placed). The buffer goes into the gap that fits it and leaves the fewest bytes
 * unused (ties: the lowest); when none fits, at the lowest offset clear of the conflicts, which
 * grows the arena by the least.
 */
export function placeBestFit(buffers: Buffer[]): Map<string, number> {
  const placed: Placed[] = [];
  const offsets = new Map<string, number>();
  let arena = 0;
  for (const buffer of byFirstUse(buffers)) {
    const occupied = conflictsOf(buffer, placed);
    let best: { offset: number; waste: number } | undefined;
    let gapStart = 0;
    const consider = (gapEnd: number) => {
      const size = gapEnd - gapStart;
      if (size >= buffer.bytes && (!best || size - buffer.bytes < best.waste)) best = { offset: gapStart, waste: size - buffer.bytes };
    };
    for (const o of occupied) {
      if (o.offset > gapStart) consider(o.offset);
      gapStart = Math.max(gapStart, alignUp(o.offset + o.buffer.bytes));
    }
    consider(arena);
    const offset = best ? best.offset : lowestFit(buffer.bytes, occupied.map((p) => ({ offset: p.offset, bytes: p.buffer.bytes })));
    placed.push({ buffer, offset });
    offsets.set(buffer.name, offset);
    arena = Math.max(arena, offset + buffer.bytes);
  }
  return offsets;
}

/**
 * Two-ended placement, for chains. The arena is taken to be LOAD bytes; buffers in order of
 * first use go alternately at the bottom (lowest fitting offset) and at the top (highest
 * offset whose end stays within LOAD): each goes on the side opposite to the most recently
 * placed buffer it conflicts with (the bottom if it conflicts with none). On a chain in which at
 * most two adjacent tensors are live at once, each tensor conflicts only with its neighbours,
 * which are on the other side, and two neighbours together never exceed LOAD, so the arena is
 * exactly LOAD. On any other graph a buffer that finds no room at the top within LOAD falls back
 * to the lowest fitting offset, so the placement stays valid and the arena may exceed LOAD.
 */
export function placeTwoEnded(buffers: Buffer[]): Map<string, number> {
  const top = alignUp(lowerBound(buffers));
  const placed: (Placed & { atTop: boolean })[] = [];
  const offsets = new Map<string, number>();
  for (const buffer of byFirstUse(buffers)) {
    const occupied = conflictsOf(buffer, placed);
    let lastNeighbour: (typeof placed)[number] | undefined;
    for (const p of placed) if (overlapsInTime(p.buffer, buffer)) lastNeighbour = p;
    const wantTop = lastNeighbour !== undefined && !lastNeighbour.atTop;
    const spans = occupied.map((p) => ({ offset: p.offset, bytes: p.buffer.bytes }));
    const high = wantTop ? highestFit(buffer.bytes, top, spans) : undefined;
    const offset = high ?? lowestFit(buffer.bytes, spans);
    placed.push({ buffer, offset, atTop: high !== undefined });
    offsets.set(buffer.name, offset);
  }
  return offsets;
}

/** The highest aligned offset at which `bytes` fit below `limit` and clear of `occupied`, if any. */
function highestFit(bytes: number, limit: number, occupied: { offset: number; bytes: number }[]): number | undefined {
  // The answer, if any, ends at the limit or right below the start of an occupied span.
  const candidates = [limit, ...occupied.map((o) => o.offset)]
    .map((end) => Math.floor((end - bytes) / ARENA_ALIGNMENT) * ARENA_ALIGNMENT)
    .filter((offset) => offset >= 0 && offset + bytes <= limit)
    .sort((a, b) => b - a);
  return candidates.find((offset) => occupied.every((o) => offset + bytes <= o.offset || o.offset + o.bytes <= offset));
}
