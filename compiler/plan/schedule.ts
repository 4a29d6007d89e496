// The op order: of the topological orders of a graph, one whose peak of live bytes (LOAD, as
// lifetimes.ts defines it) is smallest. Which buffers are live at a step depends only on which
// nodes have run so far, not on the order they ran in, so the search is a dynamic programme over
// the sets of executed nodes (down-sets), layer by layer: exact while the number of states stays
// within a budget, a beam search over the same states above it. The file's order is kept unless
// an order is found whose peak, measured by lifetimes.ts itself, is strictly lower.
import type { Graph, Node } from '../ir/graph.js';
import { scratchName } from '../ops/op.js';
import { bufferLifetimes, bufferOwners, lowerBound } from './lifetimes.js';

export type ScheduleMode = 'min-peak' | 'as-is';

export interface ScheduleOptions {
  mode: ScheduleMode;
  /** Transitions the exact search may explore before it gives up (a count, so results are reproducible). */
  searchBudget?: number;
  /** States kept per layer by the heuristic (beam) search. */
  beamWidth?: number;
}

export interface Schedule {
  /** The graph with its nodes in the chosen order (the input graph itself when the file order is kept). */
  graph: Graph;
  /** LOAD of the chosen order. */
  peakBytes: number;
  /** LOAD of the file's order. */
  fileOrderPeakBytes: number;
  /** True when no topological order has a lower peak than the chosen one. */
  exact: boolean;
}

export const DEFAULT_SEARCH_BUDGET = 200_000;
export const DEFAULT_BEAM_WIDTH = 64;

/** LOAD of the graph's nodes in their current order: the one definition, from lifetimes.ts. */
export function peakBytes(graph: Graph): number {
  return lowerBound(bufferLifetimes(graph));
}

export function scheduleForMemory(graph: Graph, options: ScheduleOptions): Schedule {
  const fileOrderPeakBytes = peakBytes(graph);
  const keepFileOrder = { graph, peakBytes: fileOrderPeakBytes, fileOrderPeakBytes, exact: false };
  if (options.mode === 'as-is') return keepFileOrder;
  if (graph.nodes.length < 2) return { ...keepFileOrder, exact: true }; // the only order there is

  const model = memoryModel(graph);
  const fileOrder = graph.nodes.map((_, i) => i);
  // The model must agree with lifetimes.ts; if it ever does not, its answers are only proposals.
  let best: Found = { order: fileOrder, peak: orderPeak(model, fileOrder) };
  const modelAgrees = best.peak === fileOrderPeakBytes;

  const beam = searchOrders(model, { bound: best.peak, width: options.beamWidth ?? DEFAULT_BEAM_WIDTH, budget: Infinity });
  if (beam.kind === 'found') best = beam;

  let optimal = best.peak <= model.peakLowerBound;
  if (!optimal) {
    const exact = searchOrders(model, { bound: best.peak, width: Infinity, budget: options.searchBudget ?? DEFAULT_SEARCH_BUDGET });
    if (exact.kind === 'found') best = exact;
    optimal = exact.kind !== 'over-budget';
  }

  const chosen = { ...graph, nodes: best.order.map((i) => graph.nodes[i]) };
  const chosenPeak = peakBytes(chosen);
  const exact = modelAgrees && optimal && chosenPeak === best.peak;
  if (chosenPeak >= fileOrderPeakBytes) return { ...keepFileOrder, exact: exact && chosenPeak === fileOrderPeakBytes };
  return { graph: chosen, peakBytes: chosenPeak, fileOrderPeakBytes, exact };
}

// ---- the memory model: what running one more node does to the live bytes -----------------------

/**
 * Nodes and buffers by index. Before a node runs, the resident bytes are those of the buffers
 * already produced that a node still to run reads (through a view or not) or that are graph
 * outputs. At the node's step the resident bytes, its own output buffers and its scratch are
 * live; after it, the buffers whose last reader it was are free.
 */
interface MemoryModel {
  nodeCount: number;
  /** Per node: the nodes producing its inputs. */
  predecessors: number[][];
  /** Per node: the nodes reading its outputs. */
  successors: number[][];
  /** Per node: bytes its step adds to the resident ones, its output buffers and its scratch. */
  stepBytes: number[];
  /** Per node: bytes of its outputs that stay resident after its step (read later, or graph outputs). */
  keptBytes: number[];
  /** Per node: the buffers it reads (views resolved to the buffer they alias). */
  reads: number[][];
  bufferBytes: number[];
  /** Per buffer: the nodes that read it; it is free once they have all run. */
  bufferReaders: number[][];
  /** Per buffer: a graph output (or aliased by one), resident until the end. */
  pinned: boolean[];
  /** Graph inputs read by a node or returned: resident from the start. */
  initialBytes: number;
  /** Graph inputs nobody reads: live at step 0 only. */
  unreadInputBytes: number;
  /** No order can do better: at every node's step its inputs, outputs and scratch are live. */
  peakLowerBound: number;
}

function memoryModel(graph: Graph): MemoryModel {
  const buffers = bufferLifetimes(graph);
  const owners = bufferOwners(buffers);
  const bufferIndex = new Map(buffers.map((b, i) => [b.name, i]));
  const bufferOf = (value: string) => (value === '' ? undefined : bufferIndex.get(owners.get(value) ?? ''));
  const producer = new Map<string, number>();
  graph.nodes.forEach((node, i) => { for (const o of node.outputs) if (o !== '') producer.set(o, i); });

  const n = graph.nodes.length;
  const predecessors = graph.nodes.map((node, i) => unique(node.inputs.map((v) => producer.get(v)).filter((p): p is number => p !== undefined && p !== i)));
  const successors: number[][] = graph.nodes.map(() => []);
  predecessors.forEach((preds, i) => { for (const p of preds) successors[p].push(i); });
  const reads = graph.nodes.map((node) => unique(node.inputs.map(bufferOf).filter((b): b is number => b !== undefined)));
  const bufferReaders: number[][] = buffers.map(() => []);
  reads.forEach((bs, i) => { for (const b of bs) bufferReaders[b].push(i); });
  const pinned = buffers.map(() => false);
  for (const o of graph.outputs) { const b = bufferOf(o.name); if (b !== undefined) pinned[b] = true; }
  const bufferBytes = buffers.map((b) => b.bytes);
  const kept = (b: number) => pinned[b] || bufferReaders[b].length > 0;

  // A node's own buffers: outputs that own their bytes (a view's output is another's) and scratch.
  const ownBuffers = graph.nodes.map((node: Node) => [
    ...node.outputs.filter((o) => o !== '' && owners.get(o) === o).map((o) => bufferIndex.get(o)!),
    ...(bufferIndex.has(scratchName(node)) ? [bufferIndex.get(scratchName(node))!] : []),
  ]);
  const sum = (bs: number[]) => bs.reduce((s, b) => s + bufferBytes[b], 0);
  const stepBytes = ownBuffers.map(sum);
  const keptBytes = ownBuffers.map((bs) => sum(bs.filter(kept)));

  const inputBuffers = graph.inputs.map((i) => bufferIndex.get(i.name)).filter((b): b is number => b !== undefined);
  const pinnedInputBytes = sum(inputBuffers.filter((b) => pinned[b]));
  const peakLowerBound = Math.max(0, ...graph.nodes.map((_, i) => pinnedInputBytes + stepBytes[i]
    + sum(reads[i].filter((b) => !(pinned[b] && inputBuffers.includes(b))))));

  return {
    nodeCount: n, predecessors, successors, stepBytes, keptBytes, reads, bufferBytes, bufferReaders, pinned,
    initialBytes: sum(inputBuffers.filter(kept)),
    unreadInputBytes: sum(inputBuffers.filter((b) => !kept(b))),
    peakLowerBound,
  };
}

function unique(xs: number[]): number[] {
  return [...new Set(xs)];
}

/** Bytes freed by running `node` after the nodes in `done`: buffers it was the last to read. */
function freedBytes(model: MemoryModel, done: Uint32Array, node: number): number {
  let freed = 0;
  for (const b of model.reads[node]) {
    if (model.pinned[b]) continue;
    if (model.bufferReaders[b].every((r) => r === node || has(done, r))) freed += model.bufferBytes[b];
  }
  return freed;
}

/** The model's peak for an order (used for the file's order; the search computes the same incrementally). */
function orderPeak(model: MemoryModel, order: number[]): number {
  const done = new Uint32Array(words(model.nodeCount));
  let resident = model.initialBytes;
  let peak = 0;
  order.forEach((node, step) => {
    peak = Math.max(peak, resident + model.stepBytes[node] + (step === 0 ? model.unreadInputBytes : 0));
    resident += model.keptBytes[node] - freedBytes(model, done, node);
    set(done, node);
  });
  return Math.max(peak, resident);
}

// ---- the search over down-sets ------------------------------------------------------------------

interface State {
  done: Uint32Array;
  /** A hash of `done` (XOR of a fixed random word per node), to find equal sets quickly. */
  hash: number;
  /** Nodes whose predecessors have all run, in file order. */
  ready: number[];
  resident: number;
  /** The highest live bytes of any step so far, on the best path to this set. */
  peak: number;
  /** Position in the nodes sorted by local bound of the first one not yet run. */
  boundCursor: number;
  previous?: State;
  node: number;
}

/** A state not built yet: most transitions are pruned or beaten, so only survivors are built. */
interface Candidate { previous: State; node: number; hash: number; peak: number; resident: number }

interface Found { order: number[]; peak: number }
type SearchResult = ({ kind: 'found' } & Found) | { kind: 'none-better' } | { kind: 'over-budget' };

/**
 * Layer k holds the sets of k executed nodes, each with the lowest peak of any order reaching
 * it (the future depends only on the set). With an unbounded width this is exact; a finite width
 * keeps the states with the lowest peak, then the fewest resident bytes (a beam search). Only
 * orders with a peak strictly below `bound` are looked for.
 */
function searchOrders(model: MemoryModel, limits: { bound: number; width: number; budget: number }): SearchResult {
  const n = model.nodeCount;
  const random = seededWords(n);
  // Nodes by their own lower bound, highest first: the first not yet run bounds the rest of any path.
  const localBound = model.predecessors.map((_, i) => model.stepBytes[i] + model.reads[i].reduce((s, b) => s + model.bufferBytes[b], 0));
  const byLocalBound = localBound.map((_, i) => i).sort((a, b) => localBound[b] - localBound[a] || a - b);
  let layer: State[] = [{
    done: new Uint32Array(words(n)),
    hash: 0,
    ready: model.predecessors.flatMap((p, i) => (p.length === 0 ? [i] : [])),
    resident: model.initialBytes,
    peak: 0,
    boundCursor: 0,
    node: -1,
  }];
  let transitions = 0;

  for (let k = 0; k < n; k++) {
    const buckets = new Map<number, Candidate[]>();
    for (const state of layer) {
      while (state.boundCursor < n && has(state.done, byLocalBound[state.boundCursor])) state.boundCursor++;
      if (state.boundCursor < n && localBound[byLocalBound[state.boundCursor]] >= limits.bound) continue;
      for (const node of state.ready) {
        if (++transitions > limits.budget) return { kind: 'over-budget' };
        const live = state.resident + model.stepBytes[node] + (k === 0 ? model.unreadInputBytes : 0);
        const peak = Math.max(state.peak, live);
        if (peak >= limits.bound) continue;
        const candidate = {
          previous: state, node, hash: (state.hash ^ random[node]) >>> 0, peak,
          resident: state.resident + model.keptBytes[node] - freedBytes(model, state.done, node),
        };
        const bucket = buckets.get(candidate.hash);
        if (!bucket) { buckets.set(candidate.hash, [candidate]); continue; }
        const same = bucket.findIndex((c) => sameSet(c, candidate));
        if (same < 0) bucket.push(candidate);
        else if (candidate.peak < bucket[same].peak) bucket[same] = candidate;
      }
    }
    let candidates = [...buckets.values()].flat();
    if (candidates.length === 0) return { kind: 'none-better' };
    if (candidates.length > limits.width) {
      candidates = candidates.sort((a, b) => a.peak - b.peak || a.resident - b.resident).slice(0, limits.width);
    }
    layer = candidates.map((c) => build(model, c));
  }

  const last = layer[0];
  const peak = Math.max(last.peak, last.resident);
  if (peak >= limits.bound) return { kind: 'none-better' };
  const order: number[] = [];
  for (let s: State | undefined = last; s?.previous; s = s.previous) order.push(s.node);
  return { kind: 'found', order: order.reverse(), peak };
}

function build(model: MemoryModel, c: Candidate): State {
  const done = c.previous.done.slice();
  set(done, c.node);
  const ready = c.previous.ready.filter((r) => r !== c.node);
  for (const s of model.successors[c.node]) {
    if (model.predecessors[s].every((p) => has(done, p))) ready.push(s);
  }
  ready.sort((a, b) => a - b);
  return { done, hash: c.hash, ready, resident: c.resident, peak: c.peak, boundCursor: c.previous.boundCursor, previous: c.previous, node: c.node };
}

/** Whether two candidates reach the same set of executed nodes. */
function sameSet(a: Candidate, b: Candidate): boolean {
  const x = a.previous.done;
  const y = b.previous.done;
  for (let w = 0; w < x.length; w++) {
    const bitA = (a.node >>> 5) === w ? 1 << (a.node & 31) : 0;
    const bitB = (b.node >>> 5) === w ? 1 << (b.node & 31) : 0;
    if ((x[w] | bitA) !== (y[w] | bitB)) return false;
  }
  return true;
}

/** Fixed pseudo-random words, one per node (mulberry32 from a constant seed: runs are reproducible). */
function seededWords(n: number): Uint32Array {
  const out = new Uint32Array(n);
  let state = 0x2545f491;
  for (let i = 0; i < n; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) >>> 0;
  }
  return out;
}

const words = (n: number) => Math.ceil(n / 32);
const has = (bits: Uint32Array, i: number) => (bits[i >>> 5] & (1 << (i & 31))) !== 0;
const set = (bits: Uint32Array, i: number) => { bits[i >>> 5] |= 1 << (i & 31); };
