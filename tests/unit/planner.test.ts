// The first memory planner: lifetimes over the schedule, reuse of dead buffers, views that cost
// nothing, and a check that refuses any plan with two live buffers sharing bytes.
import { describe, expect, it } from 'vitest';
import { importModel } from '../../compiler/onnx/import.js';
import { runPasses } from '../../compiler/passes/index.js';
import { placeGreedyBySize } from '../../compiler/plan/greedy.js';
import { checkPlan, planMemory } from '../../compiler/plan/index.js';
import { bufferLifetimes, lowerBound, type Buffer } from '../../compiler/plan/lifetimes.js';
import { buildModel, type NodeSpec } from '../helpers/onnx-builder.js';

function chain(nodes: NodeSpec[], output: string) {
  const bytes = buildModel({
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 256] }],
    outputs: [{ name: output, dtype: 'float32' }],
    initializers: [{ name: 's', dtype: 'int64', shape: [2], data: [16, 16] }],
    nodes,
  });
  return runPasses(importModel(bytes, { file: 'chain.onnx' }), { file: 'chain.onnx', shapes: new Map() });
}

const relu = (i: string, o: string): NodeSpec => ({ op: 'Relu', inputs: [i], outputs: [o] });

describe('memory plan', () => {
  it('reuses the buffers of dead tensors along a chain', () => {
    // x -> a -> b -> c -> d: at most two 1 KiB tensors are live at any step.
    const g = chain([relu('x', 'a'), relu('a', 'b'), relu('b', 'c'), relu('c', 'd')], 'd');
    const plan = planMemory(g);
    expect(plan.lowerBoundBytes).toBe(2048);
    expect(plan.arenaBytes).toBe(2048);
    expect(plan.offsets.get('a')).not.toBe(plan.offsets.get('b'));
    expect(plan.offsets.get('x')).toBe(plan.offsets.get('b'));
  });

  it('gives a view its input\'s bytes and keeps them alive as long as the view is read', () => {
    const g = chain([relu('x', 'a'), { op: 'Reshape', inputs: ['a', 's'], outputs: ['v'] }, relu('v', 'b'), relu('b', 'c')], 'c');
    const plan = planMemory(g);
    expect(plan.offsets.get('v')).toBe(plan.offsets.get('a'));
    const a = plan.buffers.find((b) => b.name === 'a')!;
    expect(a.views).toEqual(['v']);
    expect(a.last).toBe(2); // read through the view by the Relu at step 2
    expect(plan.buffers.some((b) => b.name === 'v')).toBe(false);
  });

  it('keeps graph inputs and outputs alive across the whole run', () => {
    const g = chain([relu('x', 'a'), relu('a', 'b')], 'b');
    const lifetimes = bufferLifetimes(g);
    expect(lifetimes.find((b) => b.name === 'x')!.first).toBe(0);
    expect(lifetimes.find((b) => b.name === 'b')!.last).toBe(g.nodes.length);
  });

  it('places overlapping lifetimes apart and lets disjoint ones share, aligned to 16', () => {
    const buffers: Buffer[] = [
      { name: 'p', bytes: 96, first: 0, last: 2, views: [] },
      { name: 'q', bytes: 48, first: 1, last: 3, views: [] },
      { name: 'r', bytes: 80, first: 3, last: 4, views: [] },
    ];
    const offsets = placeGreedyBySize(buffers);
    const placed = buffers.map((b) => ({ ...b, offset: offsets.get(b.name)! }));
    expect(() => checkPlan(placed)).not.toThrow();
    expect(offsets.get('r')).toBe(0); // p is dead by step 3
    expect(lowerBound(buffers)).toBe(144);
  });

  it('refuses a plan in which live buffers overlap or an offset is unaligned', () => {
    const base = { first: 0, last: 1, views: [] };
    expect(() => checkPlan([{ ...base, name: 'a', bytes: 32, offset: 0 }, { ...base, name: 'b', bytes: 32, offset: 16 }])).toThrow(/overlaps 'a' and 'b'/);
    expect(() => checkPlan([{ ...base, name: 'a', bytes: 32, offset: 8 }])).toThrow(/unaligned/);
  });
});
