// What real exporters write and what broken files look like: function inlining, pass-through
// removal, constant folding of shape chains, and a clear error (never a stack trace) for each
// kind of bad model.
import { describe, expect, it } from 'vitest';
import { importModel } from '../../compiler/onnx/import.js';
import { runPasses } from '../../compiler/passes/index.js';
import { compileInMemory } from '../../compiler/compile.js';
import { loadBoard } from '../../compiler/boards/index.js';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { buildModel, buildModelProto, encodeModel, makeNode, type ModelSpec } from '../helpers/onnx-builder.js';
import { compileError } from '../helpers/errors.js';
import { runOrt } from '../helpers/ort.js';
import { compareClose, compileBuildRun, scratchDir } from '../helpers/pipeline.js';
import { randomFloat32 } from '../helpers/random.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const passes = (bytes: Uint8Array) => runPasses(importModel(bytes, { file: 'm.onnx' }), { file: 'm.onnx', shapes: new Map() });

function compileBytes(bytes: Uint8Array) {
  const dir = scratchDir('errors');
  const modelPath = join(dir, 'm.onnx');
  writeFileSync(modelPath, bytes);
  return compileInMemory({ modelPath, board: loadBoard('mps2-an386'), prefix: 'model', shapes: new Map() });
}

const reluModel: ModelSpec = {
  inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3] }],
  outputs: [{ name: 'y', dtype: 'float32' }],
  nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
};

describe('bad models get one clear error naming the problem', () => {
  it('a truncated protobuf', () => {
    const bytes = buildModel({ ...reluModel, initializers: [{ name: 'w', dtype: 'float32', shape: [64], data: randomFloat32(64, 1) }] });
    const e = compileError(() => importModel(bytes.subarray(0, bytes.length - 40), { file: 'cut.onnx' }));
    expect(e.message).toMatch(/^cut\.onnx: /);
    expect(e.exitCode).toBe(2);
  });

  it('a graph with a cycle names the nodes on it', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [4] }],
      outputs: [{ name: 'z', dtype: 'float32' }],
      nodes: [
        { op: 'Add', name: 'first', inputs: ['x', 'c'], outputs: ['a'] },
        { op: 'Relu', name: 'second', inputs: ['a'], outputs: ['c'] },
        { op: 'Relu', name: 'third', inputs: ['a'], outputs: ['z'] },
      ],
    });
    expect(compileError(() => passes(bytes)).message).toMatch(/cycle: 'first' -> 'second' -> 'first'|cycle: 'second' -> 'first' -> 'second'/);
  });

  it('nodes out of order are put in order, not refused', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [4] }],
      outputs: [{ name: 'z', dtype: 'float32' }],
      nodes: [{ op: 'Relu', inputs: ['a'], outputs: ['z'] }, { op: 'Sigmoid', inputs: ['x'], outputs: ['s'] }, { op: 'Relu', inputs: ['x'], outputs: ['a'] }],
    });
    const g = runPasses(importModel(bytes, { file: 'm.onnx' }), { file: 'm.onnx', shapes: new Map() });
    expect(g.nodes.map((n) => n.outputs[0])).toEqual(['a', 'z']);
  });

  it('a dimension product a microcontroller cannot address', () => {
    const bytes = buildModel({ ...reluModel, inputs: [{ name: 'x', dtype: 'float32', shape: [65536, 65536] }] });
    expect(compileError(() => passes(bytes)).message).toMatch(/'x'.*more bytes than a 32-bit microcontroller can address/);
  });

  it('an initializer whose raw data has the wrong byte count', () => {
    const proto = buildModelProto({ ...reluModel, initializers: [{ name: 'w', dtype: 'float32', shape: [4], data: [1, 2, 3, 4] }] });
    proto.graph!.initializer![0].rawData = new Uint8Array(10);
    const e = compileError(() => importModel(encodeModel(proto), { file: 'short.onnx' }));
    expect(e.message).toMatch(/short\.onnx.*'w'/);
    expect(e.message).toMatch(/10 bytes|byte/);
  });

  it('an unsupported attribute value names the node, the op and what is supported', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 1, 4, 4] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [{ name: 'w', dtype: 'float32', shape: [1, 1, 3, 3], data: randomFloat32(9, 2) }],
      nodes: [{ op: 'Conv', name: 'odd_conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { auto_pad: 'SOMETIMES' } }],
    });
    const e = compileError(() => passes(bytes));
    expect(e.message).toMatch(/odd_conv.*Conv.*SOMETIMES.*NOTSET, SAME_UPPER, SAME_LOWER, VALID/);
  });

  it('an unsupported operator names the node and the operator, even deep in a model', () => {
    const bytes = buildModel({ ...reluModel, nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'Unique', name: 'uniq', inputs: ['r'], outputs: ['y'] }] });
    const e = compileError(() => compileBytes(bytes));
    expect(e.message).toMatch(/uniq.*Unique.*does not support/);
  });
});

describe('what exporters write', () => {
  it('model-local functions are inlined, with attribute references resolved', async () => {
    const proto = buildModelProto({
      opsets: { '': 13, 'custom.fn': 1 },
      inputs: [{ name: 'x', dtype: 'float32', shape: [2, 5] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [{ op: 'ScaledRelu', inputs: ['x'], outputs: ['y'], attrs: { alpha: 0.25 } }],
    });
    proto.graph!.node![0].domain = 'custom.fn';
    const leaky = makeNode({ op: 'LeakyRelu', inputs: ['a'], outputs: ['b'] });
    leaky.attribute = [{ name: 'alpha', refAttrName: 'alpha', type: 1 }];
    proto.functions = [{
      name: 'ScaledRelu', domain: 'custom.fn', input: ['a'], output: ['c'], attribute: ['alpha'],
      opsetImport: [{ domain: '', version: 13 }],
      node: [leaky, makeNode({ op: 'Neg', inputs: ['b'], outputs: ['c'] })],
    }];
    const bytes = encodeModel(proto);
    const g = importModel(bytes, { file: 'f.onnx' });
    expect(g.nodes.map((n) => n.opType)).toEqual(['LeakyRelu', 'Neg']);
    expect(g.nodes[0].attributes.alpha).toEqual({ kind: 'float', value: 0.25 });
    expect(g.nodes[1].outputs).toEqual(['y']);

    const x: ConstTensor = { name: 'x', dtype: 'float32', shape: [2, 5], data: randomFloat32(10, 3) };
    const want = (await runOrt(bytes, { x })).y;
    const { run } = await compileBuildRun(bytes, { x }, { host: true, label: 'function' });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(compareClose(run.outputs.get('y')!, want)).toBeNull();
  });

  it('Identity and inference Dropout disappear; a pass-through to an output keeps its name', () => {
    const g = passes(buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [3] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['a'] },
        { op: 'Dropout', inputs: ['a'], outputs: ['b'], attrs: { ratio: 0.5 } },
        { op: 'Sigmoid', inputs: ['b'], outputs: ['c'] },
        { op: 'Identity', inputs: ['c'], outputs: ['y'] },
      ],
    }));
    expect(g.nodes.map((n) => n.opType)).toEqual(['Relu', 'Sigmoid']);
    expect(g.nodes[1].inputs).toEqual(['a']);
    expect(g.nodes[1].outputs).toEqual(['y']);
  });

  it('a PyTorch-style shape chain folds to a constant and the Reshape becomes a view', () => {
    const g = passes(buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3, 4] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [
        { name: 'zero', dtype: 'int64', shape: [], data: [0] },
        { name: 'minus_one', dtype: 'int64', shape: [1], data: [-1] },
      ],
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'zero'], outputs: ['batch'], attrs: { axis: 0 } },
        { op: 'Unsqueeze', inputs: ['batch'], outputs: ['batch1'], attrs: { axes: [0] } },
        { op: 'Concat', inputs: ['batch1', 'minus_one'], outputs: ['shape'], attrs: { axis: 0 } },
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] },
      ],
      opset: 11,
    }));
    expect(g.nodes.map((n) => n.opType)).toEqual(['Reshape']);
    expect(g.values.get('y')!.shape).toEqual([2, 12]);
    expect(Array.from(g.initializers.get(g.nodes[0].inputs[1])!.data as BigInt64Array)).toEqual([2n, -1n]);
  });

  it('a graph output that folds to a constant is still written by the firmware', async () => {
    const bytes = buildModel({
      opset: 13,
      inputs: [{ name: 'x', dtype: 'float32', shape: [2, 7] }],
      outputs: [{ name: 'y', dtype: 'float32' }, { name: 's', dtype: 'int64' }],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }, { op: 'Shape', inputs: ['x'], outputs: ['s'] }],
    });
    const x: ConstTensor = { name: 'x', dtype: 'float32', shape: [2, 7], data: randomFloat32(14, 4) };
    const { run } = await compileBuildRun(bytes, { x }, { host: true, label: 'const-output' });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(Array.from(run.outputs.get('s')!.data as BigInt64Array)).toEqual([2n, 7n]);
  });
});
