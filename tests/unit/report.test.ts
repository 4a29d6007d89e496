// The report's memory section and its arena picture: every buffer drawn where the plan put it,
// the LOAD line where LOAD is, and nothing drawn that the plan does not hold.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARENA_PICTURE } from '../../compiler/report/html.js';
import { buildModel } from '../helpers/onnx-builder.js';
import { compileAndBuild } from '../helpers/pipeline.js';
import { cli } from '../helpers/cli.js';


// Two branches from x joined by Add, a Softmax, and a Reshape view: several buffers, reuse, an alias.
const model = buildModel({
  inputs: [{ name: 'x', dtype: 'float32', shape: [1, 64] }],
  outputs: [{ name: 'y', dtype: 'float32' }],
  initializers: [{ name: 'shape', dtype: 'int64', shape: [2], data: [8, 8] }],
  nodes: [
    { op: 'Softmax', inputs: ['x'], outputs: ['a'], attrs: { axis: -1 } },
    { op: 'Exp', inputs: ['x'], outputs: ['b'] },
    { op: 'Add', inputs: ['a', 'b'], outputs: ['c'] },
    { op: 'Reshape', inputs: ['c', 'shape'], outputs: ['v'] },
    { op: 'Softmax', inputs: ['v'], outputs: ['y'], attrs: { axis: -1 } },
  ],
});

describe('report', () => {
  const { dir, compiled } = compileAndBuild(model, { host: true, label: 'report' });
  const memory = compiled.manifest.memory;

  it('gives the memory plan in report.json: arena, LOAD, the TFLM baseline, every tensor and alias', () => {
    const r = cli(['report', dir, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.schema_version).toBe(2);
    expect(report.memory.arena_bytes).toBe(compiled.plan.arenaBytes);
    expect(report.memory.lower_bound_bytes).toBe(compiled.plan.lowerBoundBytes);
    expect(report.memory.baseline_greedy_bytes).toBeGreaterThanOrEqual(report.memory.arena_bytes);
    const names = report.memory.tensors.map((t: { name: string }) => t.name);
    for (const v of ['x', 'a', 'b', 'c', 'v', 'y']) expect(names).toContain(v);
    const view = report.memory.tensors.find((t: { name: string }) => t.name === 'v');
    expect(view.alias_of).toBeDefined();
    expect(view.offset).toBe(compiled.plan.offsets.get('v'));
    expect(report.layers).toHaveLength(compiled.lowered.steps.length);
  });

  it('draws one rectangle per buffer at its offset and steps, and the LOAD line at LOAD', () => {
    const r = cli(['report', dir, '--format', 'html']);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|\b(?:src|href)=/); // self-contained: nothing loaded from elsewhere
    const rects = [...html.matchAll(/<rect class="buffer" data-name="([^"]+)" data-offset="(\d+)" data-bytes="(\d+)" data-first="(\d+)" data-last="(\d+)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)];
    const buffers = memory.tensors.filter((t) => t.alias_of === undefined);
    expect(rects.map((m) => m[1]).sort()).toEqual(buffers.map((b) => b.name).sort());
    const { width, height, margin } = ARENA_PICTURE;
    const steps = Math.max(...buffers.map((b) => b.last + 1));
    const top = Math.max(memory.arena_bytes, memory.baseline_greedy_bytes);
    for (const m of rects) {
      const b = buffers.find((t) => t.name === m[1])!;
      expect(Number(m[2])).toBe(b.offset);
      expect(Number(m[6])).toBeCloseTo(margin + (b.first / steps) * (width - 2 * margin), 1);
      expect(Number(m[7])).toBeCloseTo(height - margin - ((b.offset + b.bytes) / top) * (height - 2 * margin), 1);
    }
    const load = /<line class="load" data-bytes="(\d+)"[^>]* y1="([\d.]+)"/.exec(html)!;
    expect(Number(load[1])).toBe(memory.lower_bound_bytes);
    expect(Number(load[2])).toBeCloseTo(height - margin - (memory.lower_bound_bytes / top) * (height - 2 * margin), 1);
  });

  it('prints a table a person reads, and refuses an unknown format', () => {
    const r = cli(['report', dir]);
    expect(r.stdout).toMatch(/lower bound \(LOAD\) [\d,]+, TFLM's greedy by size [\d,]+, arena \/ LOAD \d\.\d{3}/);
    expect(r.stdout).toContain('Softmax');
    const bad = cli(['report', dir, '--format', 'pdf']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format pdf');
  });
});
