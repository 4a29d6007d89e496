// The placement strategies: every one valid on thousands of random lifetimes (checked here, not
// by the planner's own check), the exact search never worse than a heuristic and truly optimal
// when it says so, two-ended placement at LOAD on chains, and the figures of issue #5 on a
// MobileNetV1-0.25 96×96 int8 graph.
import { describe, expect, it } from 'vitest';
import { searchExact } from '../../compiler/plan/exact.js';
import { placeGreedyBySize } from '../../compiler/plan/greedy.js';
import { placeInOrder } from '../../compiler/plan/heuristics.js';
import type { Buffer } from '../../compiler/plan/lifetimes.js';
import { PLACEMENT_STRATEGIES, placeBest } from '../../compiler/plan/strategies.js';
import { mulberry32 } from '../helpers/random.js';

const ALIGN = 16;
const HEURISTICS = ['greedy-by-size', 'greedy-by-conflicts', 'best-fit', 'two-ended'];

const buffer = (name: string, bytes: number, first: number, last: number): Buffer => ({ name, bytes, first, last, views: [] });

/** The reason a placement is invalid, or undefined; written apart from the planner's checkPlan. */
function invalidity(buffers: Buffer[], offsets: Map<string, number>): string | undefined {
  if (offsets.size !== buffers.length) return `${offsets.size} offsets for ${buffers.length} buffers`;
  for (const b of buffers) {
    const o = offsets.get(b.name);
    if (o === undefined || !Number.isInteger(o) || o < 0 || o % ALIGN !== 0) return `'${b.name}' at ${o}`;
  }
  for (let i = 0; i < buffers.length; i++) {
    for (let j = i + 1; j < buffers.length; j++) {
      const [a, b] = [buffers[i], buffers[j]];
      const together = Math.max(a.first, b.first) <= Math.min(a.last, b.last);
      const [oa, ob] = [offsets.get(a.name)!, offsets.get(b.name)!];
      if (together && oa < ob + b.bytes && ob < oa + a.bytes) return `'${a.name}' and '${b.name}' overlap`;
    }
  }
  return undefined;
}

const arena = (buffers: Buffer[], offsets: Map<string, number>) => Math.max(0, ...buffers.map((b) => offsets.get(b.name)! + b.bytes));

/** LOAD, step by step. */
function load(buffers: Buffer[]): number {
  let peak = 0;
  for (let s = 0; s <= Math.max(0, ...buffers.map((b) => b.last)); s++) {
    peak = Math.max(peak, buffers.filter((b) => b.first <= s && s <= b.last).reduce((sum, b) => sum + b.bytes, 0));
  }
  return peak;
}

/** Random intervals over a short schedule; about one in four is a one-step scratch buffer. */
function randomIntervals(seed: number): Buffer[] {
  const next = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const steps = int(1, 16);
  return Array.from({ length: int(1, 14) }, (_, i) => {
    const first = int(0, steps);
    const last = next() < 0.25 ? first : int(first, steps);
    return buffer(`t${i}`, ALIGN * int(1, next() < 0.5 ? 8 : 64), first, last);
  });
}

/**
 * Lifetimes of a random DAG run in topological order: node k (step k) reads one to three earlier
 * values (the graph input included), so its output lives from k to its last reader; outputs
 * nobody reads are graph outputs, live until after the last step; some nodes have scratch.
 */
function randomDagLifetimes(seed: number): Buffer[] {
  const next = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const nodes = int(1, 12);
  const values = [buffer('input', ALIGN * int(1, 32), 0, 0)];
  const read = new Set<number>();
  const scratch: Buffer[] = [];
  for (let k = 0; k < nodes; k++) {
    const fanIn = int(1, Math.min(3, values.length));
    for (let r = 0; r < fanIn; r++) {
      // Mostly recent values, sometimes a long skip connection.
      const v = next() < 0.7 ? values.length - 1 - int(0, Math.min(1, values.length - 1)) : int(0, values.length - 1);
      values[v].last = Math.max(values[v].last, k);
      read.add(v);
    }
    values.push(buffer(`v${k}`, ALIGN * int(1, 32), k, k));
    if (next() < 0.2) scratch.push(buffer(`v${k}#scratch`, ALIGN * int(1, 16), k, k));
  }
  values.forEach((v, i) => {
    if (!read.has(i)) v.last = nodes;
  });
  return [...values, ...scratch];
}

/** Buffer k live at steps k and k+1: at most two adjacent tensors live at once. */
function randomChain(seed: number): Buffer[] {
  const next = mulberry32(seed);
  const length = 1 + Math.floor(next() * 30);
  return Array.from({ length }, (_, k) => buffer(`c${k}`, ALIGN * (1 + Math.floor(next() * 100)), k, k + 1));
}

/** The smallest arena over every aligned placement, by exhaustive search (tiny inputs only). */
function bruteForceOptimum(buffers: Buffer[]): number {
  const units = buffers.map((b) => b.bytes / ALIGN);
  const together = buffers.map((a) => buffers.map((b) => Math.max(a.first, b.first) <= Math.min(a.last, b.last)));
  const at: number[] = [];
  let best = units.reduce((s, u) => s + u, 0);
  const place = (i: number, top: number) => {
    if (top >= best) return;
    if (i === buffers.length) {
      best = top;
      return;
    }
    for (let o = 0; o + units[i] < best; o++) {
      let free = true;
      for (let j = 0; j < i && free; j++) free = !together[i][j] || o + units[i] <= at[j] || at[j] + units[j] <= o;
      if (!free) continue;
      at[i] = o;
      place(i + 1, Math.max(top, o + units[i]));
    }
  };
  place(0, 0);
  return best * ALIGN;
}

describe('placement strategies on random lifetimes', () => {
  const cases = [
    ...Array.from({ length: 2000 }, (_, i) => ({ kind: 'intervals', seed: 1000 + i, buffers: randomIntervals(1000 + i) })),
    ...Array.from({ length: 1500 }, (_, i) => ({ kind: 'dag', seed: 5000 + i, buffers: randomDagLifetimes(5000 + i) })),
  ];

  it('every strategy places every buffer validly; the exact search never does worse than a heuristic; nothing beats LOAD', () => {
    let exactImproved = 0;
    for (const { kind, seed, buffers } of cases) {
      const where = `${kind} seed ${seed}`;
      const arenas: Record<string, number> = {};
      for (const [name, strategy] of Object.entries(PLACEMENT_STRATEGIES)) {
        const offsets = strategy(buffers, { nodeLimit: 3000 });
        expect(invalidity(buffers, offsets), `${name} on ${where}`).toBeUndefined();
        arenas[name] = arena(buffers, offsets);
        expect(arenas[name], `${name} on ${where}`).toBeGreaterThanOrEqual(load(buffers));
      }
      const bestHeuristic = Math.min(...HEURISTICS.map((h) => arenas[h]));
      expect(arenas.exact, where).toBeLessThanOrEqual(bestHeuristic);
      if (arenas.exact < bestHeuristic) exactImproved++;

      const best = placeBest(buffers, { nodeLimit: 3000 });
      expect(invalidity(buffers, best.offsets), where).toBeUndefined();
      expect(best.arenaBytes, where).toBe(arena(buffers, best.offsets));
      expect(best.arenaBytes, where).toBe(Math.min(...Object.values(arenas)));
      expect(best.lowerBoundBytes, where).toBe(load(buffers));
      expect(best.baselineGreedyBytes, where).toBe(arenas['greedy-by-size']);
      if (best.arenaBytes === best.lowerBoundBytes) expect(best.provedOptimal, where).toBe(true);
    }
    // The search earns its place: it beats every heuristic on some of these inputs.
    expect(exactImproved).toBeGreaterThan(0);
  });

  it('finds the true optimum, by brute force, on small inputs where every heuristic misses LOAD', () => {
    // Such inputs are rare (about one in 150 of these), so draw until 40 of them are found.
    let found = 0;
    for (let seed = 0; found < 40; seed++) {
      const next = mulberry32(90_000 + seed);
      const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
      const steps = int(2, 6);
      const buffers = Array.from({ length: int(6, 8) }, (_, i) => {
        const first = int(0, steps);
        return buffer(`b${i}`, ALIGN * int(1, 4), first, Math.min(steps, first + int(0, 3)));
      });
      const heuristic = Math.min(...HEURISTICS.map((h) => arena(buffers, PLACEMENT_STRATEGIES[h](buffers))));
      if (heuristic === load(buffers)) continue;
      found++;
      const result = searchExact(buffers);
      expect(invalidity(buffers, result.offsets)).toBeUndefined();
      expect(result.provedOptimal, `seed ${seed}`).toBe(true);
      expect(arena(buffers, result.offsets), `seed ${seed}`).toBe(bruteForceOptimum(buffers));
    }
  });

  it('reaches LOAD with two-ended placement on chains', () => {
    for (let seed = 0; seed < 1000; seed++) {
      const buffers = randomChain(seed);
      const offsets = PLACEMENT_STRATEGIES['two-ended'](buffers);
      expect(invalidity(buffers, offsets)).toBeUndefined();
      expect(arena(buffers, offsets), `chain seed ${seed}`).toBe(load(buffers));
    }
  });

  it('returns the same placement for the same input', () => {
    for (const seed of [1, 2, 3]) {
      const buffers = randomDagLifetimes(seed);
      const a = placeBest(buffers);
      const b = placeBest([...buffers].reverse());
      expect([...b.offsets].sort()).toEqual([...a.offsets].sort());
      expect(b.strategy).toBe(a.strategy);
    }
  });

  it('runs one strategy by name and refuses an unknown one', () => {
    const buffers = randomDagLifetimes(7);
    expect(placeBest(buffers, { strategy: 'two-ended' }).strategy).toBe('two-ended');
    expect(() => placeBest(buffers, { strategy: 'first-fit' })).toThrow(/unknown planner 'first-fit'.*greedy-by-size/);
  });
});

describe('a case where greedy by size misses LOAD', () => {
  // The start of a MobileNet in miniature, sizes in units of 16 bytes, one node per step:
  //   x (3 units) at step 0; a = conv(x) (2) steps 0-1; b = dw(a) (2) steps 1-2;
  //   c = pw(b) (4) steps 2-3; d = dw(c) (1) steps 3-4.
  // LOAD = max(x+a, a+b, b+c, c+d) = max(5, 4, 6, 5) = 6 units = 96 bytes.
  // Greedy by size: c at 0 [0,4); x at 0 [0,3) (c is not live at step 0); a, equal in size to b
  // but used first, next: it must clear x, so [3,5); b must clear c [0,4) and a [3,5): [5,7);
  // d on top of c [4,5). Arena 7 units = 112 bytes.
  // Reaching 6: c [0,4), b [4,6) above it, a below b at [0,2), x on a at [2,5), d [4,5).
  const buffers = [buffer('x', 48, 0, 0), buffer('a', 32, 0, 1), buffer('b', 32, 1, 2), buffer('c', 64, 2, 3), buffer('d', 16, 3, 4)];

  it('greedy by size gives 112 bytes, the best strategy 96 = LOAD', () => {
    expect(load(buffers)).toBe(96);
    expect(arena(buffers, placeGreedyBySize(buffers))).toBe(112);
    const best = placeBest(buffers);
    expect(best.baselineGreedyBytes).toBe(112);
    expect(best.arenaBytes).toBe(96);
    expect(best.provedOptimal).toBe(true);
    expect(invalidity(buffers, best.offsets)).toBeUndefined();
    expect(Object.fromEntries(placeBest(buffers, { strategy: 'exact' }).offsets)).toEqual({ x: 32, a: 0, b: 64, c: 0, d: 64 });
  });
});

/**
 * MobileNetV1 with width 0.25 on a 96×96×3 int8 image, one byte per element, one node per step:
 * a 3×3 stride-2 convolution to 8 channels, 13 depthwise-separable blocks (a depthwise 3×3 then
 * a pointwise 1×1), a global average pool, a 1000-way fully connected layer and a softmax (the
 * flatten between pool and FC is a view and costs nothing). The graph input lives at step 0, each
 * output from its producer to its reader, the softmax output until after the last step.
 */
function mobileNetV1Quarter(): Buffer[] {
  const blocks: [channels: number, stride: number][] = [
    [16, 1], [32, 2], [32, 1], [64, 2], [64, 1], [128, 2], [128, 1], [128, 1], [128, 1], [128, 1], [128, 1], [256, 2], [256, 1],
  ];
  const buffers = [buffer('input', 96 * 96 * 3, 0, 0)];
  let side = 48;
  let channels = 8;
  const emit = (name: string, elements: number) => {
    const step = buffers.length - 1; // each node reads the previous buffer and writes the next
    buffers[buffers.length - 1].last = step;
    buffers.push(buffer(name, Math.ceil(elements / ALIGN) * ALIGN, step, step + 1));
  };
  emit('conv0', side * side * channels);
  blocks.forEach(([out, stride], i) => {
    side /= stride;
    emit(`dw${i + 1}`, side * side * channels);
    channels = out;
    emit(`pw${i + 1}`, side * side * channels);
  });
  emit('avgpool', channels);
  emit('fc', 1000);
  emit('softmax', 1000);
  return buffers;
}

describe('MobileNetV1-0.25, 96×96×3, int8', () => {
  const buffers = mobileNetV1Quarter();
  const bytes = (name: string) => buffers.find((b) => b.name === name)!.bytes;

  it('has the tensor sizes of the network', () => {
    expect(buffers.length).toBe(31);
    expect([bytes('input'), bytes('conv0'), bytes('dw1'), bytes('pw1'), bytes('dw2'), bytes('pw13'), bytes('fc')])
      .toEqual([27_648, 18_432, 18_432, 36_864, 9_216, 2_304, 1_008]);
  });

  it('reaches LOAD = 55,296 bytes where greedy by size does not', () => {
    // LOAD is at the first pointwise layer: its input dw1 (48·48·8 = 18,432) and its output pw1
    // (48·48·16 = 36,864) are live together: 55,296. Everywhere else less is live (input+conv0 =
    // 46,080, pw1+dw2 = 46,080, ...).
    expect(load(buffers)).toBe(55_296);

    // Greedy by size places pw1 (36,864, steps 2-3) at 0 and the input (27,648, step 0) at 0
    // as well. The three 18,432-byte tensors around them, conv0 (steps 0-1) and dw1 (steps 1-2)
    // first among them, then decide the arena:
    // - greedy.ts breaks the tie by first use: conv0 goes on the input at 27,648; dw1 must clear
    //   pw1 [0, 36,864) and conv0 [27,648, 46,080): at 46,080, ending at 64,512;
    const greedy = placeGreedyBySize(buffers);
    expect(arena(buffers, greedy)).toBe(64_512);
    // - in the order TFLM takes them on the MLPerf Tiny file, dw1 comes before conv0: dw1 at
    //   36,864 on pw1, then conv0 must clear the input [0, 27,648) and dw1 [36,864, 55,296),
    //   and the 9,216 bytes between them are too few: at 55,296, ending at 73,728, the figure
    //   of issue #5.
    const tflmOrder = [...buffers].sort((a, b) => b.bytes - a.bytes || b.first - a.first);
    expect(arena(buffers, placeInOrder(tflmOrder))).toBe(73_728);

    // LOAD is reachable: pw1 at 0, dw1 on it at 36,864, conv0 under dw1 at 0 (pw1 is not yet
    // live at steps 0-1), the input above conv0 at 18,432.
    const best = placeBest(buffers);
    expect(invalidity(buffers, best.offsets)).toBeUndefined();
    expect(best.arenaBytes).toBe(55_296);
    expect(best.lowerBoundBytes).toBe(55_296);
    expect(best.baselineGreedyBytes).toBe(64_512);
    expect(best.provedOptimal).toBe(true);
    for (const name of ['greedy-by-conflicts', 'best-fit', 'two-ended', 'exact']) {
      expect(arena(buffers, PLACEMENT_STRATEGIES[name](buffers)), name).toBe(55_296);
    }
  });
});
