// The first memory planner: lifetimes over the schedule, reuse of dead buffers, views that cost
// nothing, and a check that refuses any plan with two live buffers sharing bytes.
import { describe, expect, it } from 'vitest';
import { importModel } from '../../compiler/onnx/import.js';
import { runPasses } from '../../compiler/passes/index.js';
import { placeGreedyBySize } from '../../compiler/plan/greedy.js';
import { checkPlan, planMemory } from '../../compiler/plan/index.js';
import { bufferLifetimes, lowerBound, type Buffer } from '../../compiler/plan/lifetimes.js';
import { join } from 'node:path';
import { loadBoard } from '../../compiler/boards/index.js';
import { compileInMemory } from '../../compiler/compile.js';
import { alignUp } from '../../compiler/ir/graph.js';
import { loweringContext, scratchName } from '../../compiler/ops/op.js';
import { findOp } from '../../compiler/ops/registry.js';
import { grantScratch } from '../../compiler/plan/scratch-grants.js';
import { buildModel, type NodeSpec } from '../helpers/onnx-builder.js';
import { runOrt } from '../helpers/ort.js';
import { compareClose, compileBuildRun } from '../helpers/pipeline.js';
import { randomFloat32 } from '../helpers/random.js';

function chain(nodes: NodeSpec[], output: string) {
  const bytes = buildModel({
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 256] }],
    outputs: [{ name: output, dtype: 'float32' }],
    initializers: [{ name: 's', dtype: 'int64', shape: [2], data: [16, 16] }],
    nodes,
  });
  return runPasses(importModel(bytes, { file: 'chain.onnx' }), { file: 'chain.onnx', shapes: new Map() });
}

// Softmax has no in-place kernel: chains of it show reuse of dead buffers alone.
const relu = (i: string, o: string): NodeSpec => ({ op: 'Softmax', inputs: [i], outputs: [o], attrs: { axis: -1 } });
const inPlaceRelu = (i: string, o: string): NodeSpec => ({ op: 'Relu', inputs: [i], outputs: [o] });

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
    expect(a.last).toBe(2); // read through the view by the node at step 2
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

  it('writes an element-wise output over an input that dies at that step', () => {
    const g = chain([inPlaceRelu('x', 'a'), inPlaceRelu('a', 'b'), inPlaceRelu('b', 'c')], 'c');
    const plan = planMemory(g);
    expect(plan.arenaBytes).toBe(1024);
    expect(new Set(['x', 'a', 'b', 'c'].map((v) => plan.offsets.get(v))).size).toBe(1);
    expect(plan.buffers.find((b) => b.name === 'x')!.views).toEqual(['a', 'b', 'c']);
    // without in-place writes the same chain needs two buffers
    expect(lowerBound(bufferLifetimes(g, { inPlace: false }))).toBe(2048);
  });

  it('never overwrites an input that is read later, nor one that is broadcast', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 256] }, { name: 'k', dtype: 'float32', shape: [1, 1] }],
      outputs: [{ name: 'c', dtype: 'float32' }],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['a'] },   // x is read again at step 1: a needs its own bytes
        { op: 'Add', inputs: ['a', 'x'], outputs: ['b'] }, // a and x both die here: b takes one of them
        { op: 'Mul', inputs: ['k', 'b'], outputs: ['c'] }, // k is broadcast: only b may be overwritten
      ],
    });
    const g = runPasses(importModel(bytes, { file: 'm.onnx' }), { file: 'm.onnx', shapes: new Map() });
    const plan = planMemory(g);
    expect(plan.offsets.get('a')).not.toBe(plan.offsets.get('x'));
    expect([plan.offsets.get('a'), plan.offsets.get('x')]).toContain(plan.offsets.get('b'));
    expect(plan.offsets.get('c')).toBe(plan.offsets.get('b'));
    expect(plan.offsets.get('c')).not.toBe(plan.offsets.get('k'));
  });

  it('computes the same results in place as ONNX Runtime, graph input overwritten included', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3, 8] }, { name: 'y', dtype: 'float32', shape: [2, 3, 8] }],
      outputs: [{ name: 'out', dtype: 'float32' }],
      initializers: [{ name: 'half', dtype: 'float32', shape: [8], data: Array.from({ length: 8 }, (_, i) => 0.5 + i / 8) }],
      nodes: [
        { op: 'Sigmoid', inputs: ['x'], outputs: ['s'] },
        { op: 'Sub', inputs: ['y', 's'], outputs: ['d'] },
        { op: 'Mul', inputs: ['d', 'half'], outputs: ['m'] },
        { op: 'Tanh', inputs: ['m'], outputs: ['t'] },
        { op: 'Clip', inputs: ['t', '', ''], outputs: ['out'] },
      ],
    });
    const x = { name: 'x', dtype: 'float32' as const, shape: [2, 3, 8], data: randomFloat32(48, 1, -3, 3) };
    const y = { name: 'y', dtype: 'float32' as const, shape: [2, 3, 8], data: randomFloat32(48, 2, -3, 3) };
    const want = (await runOrt(bytes, { x, y })).out;
    const { run, compiled } = await compileBuildRun(bytes, { x, y }, { host: true, label: 'in-place' });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(compareClose(run.outputs.get('out')!, want)).toBeNull();
    expect(compiled.plan.arenaBytes).toBe(2 * 192); // x and y; every result overwrites one of them
  });

  it('lets Concat inputs be computed straight into their slots of the output, and drops their copies', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4, 8, 8] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [
        { op: 'Sigmoid', inputs: ['x'], outputs: ['a'] },            // x is read again: a gets bytes of its own
        { op: 'Softmax', inputs: ['x'], outputs: ['b'], attrs: { axis: -1 } },
        { op: 'Tanh', inputs: ['x'], outputs: ['t'] },               // x dies here: t overwrites the input
        { op: 'Concat', inputs: ['a', 'b', 't'], outputs: ['c'], attrs: { axis: 1 } },
        { op: 'Relu', inputs: ['c'], outputs: ['y'] },               // in place over c
      ],
    });
    const g = runPasses(importModel(bytes, { file: 'm.onnx' }), { file: 'm.onnx', shapes: new Map() });
    const plan = planMemory(g);
    const slot = 4 * 8 * 8 * 4;
    expect(plan.offsets.get('a')).toBe(plan.offsets.get('c'));
    expect(plan.offsets.get('b')).toBe(plan.offsets.get('c')! + slot);
    expect(plan.offsets.get('t')).toBe(plan.offsets.get('x')); // in place over the input, which is no slot
    // at the Concat: c (3 KiB, a and b inside) and t, not a, b, t and c apart
    expect(lowerBound(bufferLifetimes(g))).toBe(4096);
    expect(lowerBound(bufferLifetimes(g, { slots: false }))).toBe(6144);
    const x = { name: 'x', dtype: 'float32' as const, shape: [1, 4, 8, 8], data: randomFloat32(256, 3, -2, 2) };
    const { run, compiled, dir } = await compileBuildRun(bytes, { x }, { host: true, label: 'concat-slots' });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(compareClose(run.outputs.get('y')!, (await runOrt(bytes, { x })).y)).toBeNull();
    // one copy remains: t's, from the input's bytes into its slot
    expect(compiled.lowered.steps.filter((s) => s.opType === 'Concat')).toHaveLength(1);
    // and the debug build agrees that no step wrote where it must not
    const checked = await compileBuildRun(bytes, { x }, { host: true, label: 'concat-slots-checked', extraCflags: '-DO2M_CHECK_WRITES' });
    expect(checked.run.exitCode, checked.run.stdout + checked.run.stderr).toBe(0);
    expect(dir).toBeTruthy();
  });
});

describe('scratch that grows into the arena\'s room', () => {
  // MNIST in int8 for the Cortex-M4: both Convs run the DSP kernel, whose pixel blocks may grow
  // (OpFamily.scratchGrowth). The peak lies elsewhere, so each gets what fits under it, no more.
  it('grants each Conv the pixel blocks that fit under the peak, never raising LOAD', () => {
    const root = join(import.meta.dirname, '..', '..');
    const target = { dsp: true, mve: false };
    const { graph, plan, lowered } = compileInMemory({
      modelPath: join(root, 'examples', 'mnist', 'mnist.onnx'), board: loadBoard('mps2-an386'), prefix: 'mnist',
      shapes: new Map(), int8: { calibration: join(root, 'examples', 'mnist', 'calibration.npy') },
    });
    const least = bufferLifetimes(graph, { target });
    const { buffers, grants } = grantScratch(graph, least, target);
    expect(lowerBound(buffers)).toBe(lowerBound(least));
    const convs = graph.nodes.filter((n) => n.opType === 'Conv');
    expect(convs).toHaveLength(2);
    for (const conv of convs) {
      const grant = grants.get(conv.name)!;
      expect(grant, conv.name).toBeGreaterThan(0);
      expect(plan.scratchGrants.get(conv.name)).toBe(grant);
      // The lowered kernel takes the granted blocks: 2 pixel pairs at the least, one more per unit.
      const step = lowered.steps.find((s) => s.node === conv.name)!;
      expect(step.params.block_pairs).toEqual({ int: 2 + grant });
      // One unit more would have raised the peak.
      const op = findOp(conv)!;
      const bytes = (units: number) => alignUp(op.scratchBytes!(loweringContext(graph, conv, target, units)));
      const scratch = least.find((b) => b.name === scratchName(conv))!;
      const at = graph.nodes.indexOf(conv);
      const live = least.filter((b) => b.first <= at && at <= b.last).reduce((sum, b) => sum + b.bytes, 0);
      expect(bytes(grant) - scratch.bytes).toBeLessThanOrEqual(lowerBound(least) - live);
      expect(bytes(grant + 1) - scratch.bytes).toBeGreaterThan(lowerBound(least) - live);
    }
    expect(plan.arenaBytes).toBe(lowerBound(least));
  });
});
