// Shape and data movement operators against ONNX Runtime, two ways:
//  - their `evaluate` (what constant folding trusts): models whose inputs are all initializers
//    fold completely, and the folded outputs must equal ORT's bit for bit;
//  - their C kernels: a few multi-output models with runtime inputs, built for the host.
import { describe, expect, it } from 'vitest';
import type { ConstTensor, DType } from '../../compiler/ir/graph.js';
import { importModel } from '../../compiler/onnx/import.js';
import { castData } from '../../compiler/ops/cast.js';
import { inferShapes } from '../../compiler/passes/infer-shapes.js';
import { buildModel, buildModelProto, encodeModel, type InitializerSpec, type ModelSpec, type NodeSpec } from '../helpers/onnx-builder.js';
import { runOrt } from '../helpers/ort.js';
import { compileBuildRun } from '../helpers/pipeline.js';
import { randomFloat32, randomInts } from '../helpers/random.js';

const product = (s: number[]) => s.reduce((a, b) => a * b, 1);

function floats(name: string, shape: number[], seed: number): InitializerSpec {
  return { name, dtype: 'float32', shape, data: randomFloat32(product(shape), seed, -4, 4) };
}
function ints(name: string, dtype: DType, shape: number[], seed: number, lo = -50, hi = 50): InitializerSpec {
  return { name, dtype, shape, data: randomInts(product(shape), seed, lo, hi) };
}
const i64 = (name: string, values: number[]): InitializerSpec => ({ name, dtype: 'int64', shape: [values.length], data: values });
const scalar = (name: string, dtype: DType, value: number | bigint): InitializerSpec => ({ name, dtype, shape: [], data: [value] as number[] });

/** Plain arrays for toEqual: bigints and numbers compare exactly, NaN equals NaN. */
function values(t: ConstTensor): unknown[] {
  return Array.from(t.data as ArrayLike<unknown>);
}

interface FoldCase {
  name: string;
  opset?: number;
  constants: InitializerSpec[];
  nodes: NodeSpec[];
  outputs: string[];
}

const one = (op: string, inputs: string[], attrs?: NodeSpec['attrs'], outputs = ['y']): NodeSpec[] => [{ op, inputs, outputs, attrs }];

const FOLD_CASES: FoldCase[] = [
  { name: 'Transpose default perm (reversed axes)', constants: [floats('x', [2, 3, 4], 1)], nodes: one('Transpose', ['x']), outputs: ['y'] },
  { name: 'Transpose int64 with perm', constants: [ints('x', 'int64', [2, 3, 4, 2], 2)], nodes: one('Transpose', ['x'], { perm: [2, 0, 3, 1] }), outputs: ['y'] },
  { name: 'Concat three inputs on a negative axis', constants: [ints('a', 'int32', [2, 1, 3], 3), ints('b', 'int32', [2, 4, 3], 4), ints('c', 'int32', [2, 2, 3], 5)], nodes: one('Concat', ['a', 'b', 'c'], { axis: -2 }), outputs: ['y'] },
  { name: 'Split with a split input (opset 13)', constants: [floats('x', [3, 7], 6), i64('s', [2, 4, 1])], nodes: one('Split', ['x', 's'], { axis: 1 }, ['y0', 'y1', 'y2']), outputs: ['y0', 'y1', 'y2'] },
  { name: 'Split into equal parts (opset 13)', constants: [floats('x', [6, 2], 7)], nodes: one('Split', ['x'], {}, ['y0', 'y1', 'y2']), outputs: ['y0', 'y1', 'y2'] },
  { name: 'Split with a split attribute (opset 11)', opset: 11, constants: [ints('x', 'uint8', [5, 2], 8, 0, 255)], nodes: one('Split', ['x'], { split: [3, 2] }, ['y0', 'y1']), outputs: ['y0', 'y1'] },
  { name: 'Slice with negative steps and clamped bounds', constants: [floats('x', [5, 6, 7], 9), i64('starts', [100, -2, 1]), i64('ends', [-100, 0, 1000]), i64('axes', [0, -2, 2]), i64('steps', [-2, -1, 3])], nodes: one('Slice', ['x', 'starts', 'ends', 'axes', 'steps']), outputs: ['y'] },
  { name: 'Slice to nothing (start past the end)', constants: [floats('x', [4, 3], 10), i64('starts', [5]), i64('ends', [9])], nodes: one('Slice', ['x', 'starts', 'ends']), outputs: ['y'] },
  { name: 'Slice with attributes (opset 9)', opset: 9, constants: [ints('x', 'int16', [4, 5], 11)], nodes: one('Slice', ['x'], { starts: [1, -3], ends: [3, 1000], axes: [0, 1] }), outputs: ['y'] },
  { name: 'Pad constant with a constant_value input and cropping', constants: [floats('x', [2, 3, 4], 12), i64('pads', [1, -1, 2, 0, 2, 1]), scalar('v', 'float32', 2.5)], nodes: one('Pad', ['x', 'pads', 'v']), outputs: ['y'] },
  { name: 'Pad reflect', constants: [ints('x', 'int32', [3, 4], 13), i64('pads', [2, 3, 1, 2])], nodes: one('Pad', ['x', 'pads'], { mode: 'reflect' }), outputs: ['y'] },
  { name: 'Pad edge', constants: [ints('x', 'int64', [1, 3, 4], 14), i64('pads', [0, 2, 1, 0, 1, 3])], nodes: one('Pad', ['x', 'pads'], { mode: 'edge' }), outputs: ['y'] },
  { name: 'Pad with a pads attribute (opset 2)', opset: 2, constants: [floats('x', [3, 2], 15)], nodes: one('Pad', ['x'], { pads: [1, 0, 0, 2], value: -1.5 }), outputs: ['y'] },
  { name: 'Tile', constants: [ints('x', 'int64', [2, 3], 16), i64('r', [3, 2])], nodes: one('Tile', ['x', 'r']), outputs: ['y'] },
  { name: 'Expand both ways', constants: [floats('x', [3, 1], 17), i64('shape', [2, 1, 4])], nodes: one('Expand', ['x', 'shape']), outputs: ['y'] },
  { name: 'Squeeze and Unsqueeze with axes inputs (opset 13)', constants: [floats('x', [1, 3, 1, 2], 18), i64('sq', [0, -2]), i64('un', [-1, 0])], nodes: [{ op: 'Squeeze', inputs: ['x', 'sq'], outputs: ['s'] }, { op: 'Unsqueeze', inputs: ['s', 'un'], outputs: ['y'] }], outputs: ['s', 'y'] },
  { name: 'Squeeze all and Unsqueeze with attributes (opset 11)', opset: 11, constants: [floats('x', [1, 3, 1, 2], 19)], nodes: [{ op: 'Squeeze', inputs: ['x'], outputs: ['s'] }, { op: 'Unsqueeze', inputs: ['s'], outputs: ['y'], attrs: { axes: [1, 3] } }], outputs: ['s', 'y'] },
  { name: 'DepthToSpace DCR', constants: [floats('x', [2, 8, 2, 3], 20)], nodes: one('DepthToSpace', ['x'], { blocksize: 2 }), outputs: ['y'] },
  { name: 'DepthToSpace CRD', constants: [floats('x', [1, 18, 2, 2], 21)], nodes: one('DepthToSpace', ['x'], { blocksize: 3, mode: 'CRD' }), outputs: ['y'] },
  { name: 'SpaceToDepth', constants: [floats('x', [2, 3, 4, 6], 22)], nodes: one('SpaceToDepth', ['x'], { blocksize: 2 }), outputs: ['y'] },
  {
    name: 'Cast float32 to every type (values in range)',
    constants: [{ name: 'x', dtype: 'float32', shape: [8], data: [0, 1.5, 2.75, 100.9, 0.25, 7, 3.99, 126.5] }],
    nodes: [['float64', 11], ['int8', 3], ['int16', 5], ['int32', 6], ['int64', 7], ['uint8', 2], ['uint16', 4], ['uint32', 12], ['uint64', 13], ['bool', 9]]
      .map(([name, to]) => ({ op: 'Cast', inputs: ['x'], outputs: [`to_${name}`], attrs: { to } })),
    outputs: ['to_float64', 'to_int8', 'to_int16', 'to_int32', 'to_int64', 'to_uint8', 'to_uint16', 'to_uint32', 'to_uint64', 'to_bool'],
  },
  {
    name: 'Cast negative floats truncate toward zero',
    constants: [{ name: 'x', dtype: 'float64', shape: [5], data: [-0.5, -1.5, -2.99, -100.25, 3.5] }],
    nodes: [{ op: 'Cast', inputs: ['x'], outputs: ['a'], attrs: { to: 3 } }, { op: 'Cast', inputs: ['x'], outputs: ['b'], attrs: { to: 7 } }, { op: 'Cast', inputs: ['x'], outputs: ['c'], attrs: { to: 1 } }],
    outputs: ['a', 'b', 'c'],
  },
  {
    name: 'Cast int64 to floats (round to nearest even), narrower ints (wrap) and bool',
    constants: [{ name: 'x', dtype: 'int64', shape: [6], data: [2n ** 60n + 2n ** 36n + 1n, -(2n ** 62n) - 2n ** 38n, 300n, -129n, 0n, 2n ** 53n + 1n] }],
    nodes: [['float32', 1], ['float64', 11], ['int8', 3], ['uint16', 4], ['int32', 6], ['uint64', 13], ['bool', 9]]
      .map(([name, to]) => ({ op: 'Cast', inputs: ['x'], outputs: [`to_${name}`], attrs: { to } })),
    outputs: ['to_float32', 'to_float64', 'to_int8', 'to_uint16', 'to_int32', 'to_uint64', 'to_bool'],
  },
  {
    name: 'Cast bool to numbers, and CastLike',
    opset: 15,
    constants: [{ name: 'b', dtype: 'bool', shape: [4], data: [true, false, true, true] }, scalar('like', 'int16', 0)],
    nodes: [{ op: 'Cast', inputs: ['b'], outputs: ['f'], attrs: { to: 1 } }, { op: 'Cast', inputs: ['b'], outputs: ['u'], attrs: { to: 13 } }, { op: 'CastLike', inputs: ['b', 'like'], outputs: ['l'] }],
    outputs: ['f', 'u', 'l'],
  },
  { name: 'Shape with start and end (opset 15), and Size', opset: 15, constants: [floats('x', [2, 3, 4, 5], 23)], nodes: [{ op: 'Shape', inputs: ['x'], outputs: ['s'], attrs: { start: 1, end: -1 } }, { op: 'Size', inputs: ['x'], outputs: ['n'] }], outputs: ['s', 'n'] },
  { name: 'Range float32', constants: [scalar('a', 'float32', 0.3), scalar('b', 'float32', 9.1), scalar('d', 'float32', 0.7)], nodes: one('Range', ['a', 'b', 'd']), outputs: ['y'] },
  { name: 'Range int64 counting down', constants: [scalar('a', 'int64', 10), scalar('b', 'int64', -7), scalar('d', 'int64', -3)], nodes: one('Range', ['a', 'b', 'd']), outputs: ['y'] },
  { name: 'ConstantOfShape with an int64 value', constants: [i64('shape', [2, 3])], nodes: one('ConstantOfShape', ['shape'], { value: { tensor: { dtype: 'int64', shape: [1], data: [-7] } } }), outputs: ['y'] },
  { name: 'ConstantOfShape default (float zeros)', constants: [i64('shape', [4])], nodes: one('ConstantOfShape', ['shape']), outputs: ['y'] },
  { name: 'EyeLike off the diagonal, another dtype', constants: [floats('x', [4, 6], 24)], nodes: one('EyeLike', ['x'], { k: -1, dtype: 11 }), outputs: ['y'] },
  { name: 'Trilu upper with k', opset: 14, constants: [ints('x', 'int32', [2, 4, 5], 25), scalar('k', 'int64', 1)], nodes: one('Trilu', ['x', 'k']), outputs: ['y'] },
  { name: 'Trilu lower with negative k', opset: 14, constants: [floats('x', [5, 3], 26), scalar('k', 'int64', -1)], nodes: one('Trilu', ['x', 'k'], { upper: 0 }), outputs: ['y'] },
  { name: 'Reshape allowzero and Flatten', opset: 14, constants: [floats('x', [2, 0, 3], 27), i64('shape', [3, 0, 2]), floats('z', [2, 3, 4], 28)], nodes: [{ op: 'Reshape', inputs: ['x', 'shape'], outputs: ['r'], attrs: { allowzero: 1 } }, { op: 'Flatten', inputs: ['z'], outputs: ['f'], attrs: { axis: -1 } }], outputs: ['r', 'f'] },
];

/**
 * ORT's answer for a model whose outputs are declared without a type (ORT infers them), and
 * the same model with the outputs typed as ORT found them (onnx2mcu needs the declaration).
 */
async function referenceRun(spec: ModelSpec, feeds: Record<string, ConstTensor>): Promise<{ want: Record<string, ConstTensor>; bytes: Uint8Array }> {
  const untyped = buildModelProto(spec);
  for (const o of untyped.graph!.output!) delete (o as { type?: unknown }).type;
  const want = await runOrt(encodeModel(untyped), feeds);
  const bytes = buildModel({ ...spec, outputs: spec.outputs.map((o) => ({ name: o.name, dtype: want[o.name].dtype })) });
  return { want, bytes };
}

/** Folds a model whose inputs are all constants; returns the folded output tensors. */
function fold(bytes: Uint8Array, outputs: string[]): ConstTensor[] {
  const graph = inferShapes(importModel(bytes, { file: 'case.onnx' }), 'case.onnx', { fold: true });
  expect(graph.nodes).toEqual([]);
  return outputs.map((name) => {
    const t = graph.initializers.get(name);
    if (!t) throw new Error(`output ${name} did not fold`);
    return t;
  });
}

describe('movement evaluate (constant folding) against ONNX Runtime', () => {
  for (const c of FOLD_CASES) {
    it(c.name, async () => {
      const { want, bytes } = await referenceRun({
        opset: c.opset ?? 13,
        inputs: [],
        outputs: c.outputs.map((name) => ({ name, dtype: 'float32' })),
        initializers: c.constants,
        nodes: c.nodes,
      }, {});
      const got = fold(bytes, c.outputs);
      c.outputs.forEach((name, i) => {
        expect(got[i].dtype, name).toBe(want[name].dtype);
        expect(got[i].shape, name).toEqual(want[name].shape);
        expect(values(got[i]), name).toEqual(values(want[name]));
      });
    });
  }

  it('folds a Shape -> Slice -> Concat -> Reshape chain of a runtime input', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3, 4] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [i64('starts', [0]), i64('ends', [1]), i64('rest', [-1])],
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Slice', inputs: ['s', 'starts', 'ends'], outputs: ['batch'] },
        { op: 'Concat', inputs: ['batch', 'rest'], outputs: ['target'], attrs: { axis: 0 } },
        { op: 'Reshape', inputs: ['x', 'target'], outputs: ['y'] },
      ],
    });
    const graph = inferShapes(importModel(bytes, { file: 'chain.onnx' }), 'chain.onnx', { fold: true });
    expect(graph.nodes.map((n) => n.opType)).toEqual(['Reshape']);
    expect(values(graph.initializers.get('target')!)).toEqual([2n, -1n]);
    expect(graph.values.get('y')!.shape).toEqual([2, 12]);
  });
});

// ---- the C kernels -----------------------------------------------------------------------------

interface KernelCase {
  name: string;
  opset?: number;
  inputs: ConstTensor[];
  constants?: InitializerSpec[];
  nodes: NodeSpec[];
  outputs: string[];
}

const runtimeFloats = (name: string, shape: number[], seed: number): ConstTensor => ({ name, dtype: 'float32', shape, data: randomFloat32(product(shape), seed, -4, 4) });

const KERNEL_CASES: KernelCase[] = [
  {
    name: 'strided copies and padding on float32',
    opset: 14,
    inputs: [runtimeFloats('x', [2, 3, 4, 5], 101), runtimeFloats('z', [1, 8, 2, 6], 102), { name: 'cv', dtype: 'float32', shape: [], data: Float32Array.of(-3.25) }],
    constants: [
      floats('w', [2, 3, 4, 2], 103),
      i64('pe', [0, 1, 2, 0, 0, 2, 1, 3]), i64('pr', [0, 0, 2, 3, 0, 1, 2, 1]), i64('pc', [0, 1, -1, 2, 1, 0, 0, -2]),
      i64('reps', [1, 2, 3, 2]), i64('eshape', [3, 1, 1, 1, 1]),
      i64('starts', [-1, 10]), i64('ends', [-100, 0]), i64('axes', [3, 1]), i64('steps', [-2, -1]),
      i64('split', [1, 3]), scalar('k', 'int64', 1),
    ],
    nodes: [
      { op: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: { perm: [0, 2, 3, 1] } },
      { op: 'Pad', inputs: ['x', 'pe'], outputs: ['pad_edge'], attrs: { mode: 'edge' } },
      { op: 'Pad', inputs: ['x', 'pr'], outputs: ['pad_reflect'], attrs: { mode: 'reflect' } },
      { op: 'Pad', inputs: ['x', 'pc', 'cv'], outputs: ['pad_constant'] },
      { op: 'Tile', inputs: ['x', 'reps'], outputs: ['tile'] },
      { op: 'Expand', inputs: ['x', 'eshape'], outputs: ['expand'] },
      { op: 'Slice', inputs: ['x', 'starts', 'ends', 'axes', 'steps'], outputs: ['slice'] },
      { op: 'DepthToSpace', inputs: ['z'], outputs: ['d2s'], attrs: { blocksize: 2, mode: 'CRD' } },
      { op: 'SpaceToDepth', inputs: ['z'], outputs: ['s2d'], attrs: { blocksize: 2 } },
      { op: 'Concat', inputs: ['x', 'w', 'x'], outputs: ['concat'], attrs: { axis: -1 } },
      { op: 'Split', inputs: ['x', 'split'], outputs: ['s0', 's1'], attrs: { axis: 2 } },
      { op: 'Trilu', inputs: ['x', 'k'], outputs: ['upper'] },
      { op: 'Trilu', inputs: ['x'], outputs: ['lower'], attrs: { upper: 0 } },
    ],
    outputs: ['t', 'pad_edge', 'pad_reflect', 'pad_constant', 'tile', 'expand', 'slice', 'd2s', 's2d', 'concat', 's0', 's1', 'upper', 'lower'],
  },
  {
    name: 'casts between element types',
    inputs: [
      { name: 'f', dtype: 'float32', shape: [8], data: Float32Array.of(0, 1.5, 2.75, 100.9, 0.25, 7, 3.99, 126.5) },
      { name: 'n', dtype: 'float64', shape: [4], data: Float64Array.of(-0.5, -2.99, 1 / 3, -100.25) },
      { name: 'i', dtype: 'int64', shape: [6], data: BigInt64Array.of(2n ** 60n + 2n ** 36n + 1n, -(2n ** 62n) - 2n ** 38n, 300n, -129n, 0n, 2n ** 53n + 1n) },
      { name: 'b', dtype: 'bool', shape: [4], data: Uint8Array.of(1, 0, 1, 1) },
    ],
    nodes: [
      ...[['f64', 11], ['i8', 3], ['i16', 5], ['i32', 6], ['i64', 7], ['u8', 2], ['u16', 4], ['u32', 12], ['u64', 13], ['b', 9]]
        .map(([s, to]) => ({ op: 'Cast', inputs: ['f'], outputs: [`f_${s}`], attrs: { to } })),
      ...[['f32', 1], ['i8', 3], ['i64', 7]].map(([s, to]) => ({ op: 'Cast', inputs: ['n'], outputs: [`n_${s}`], attrs: { to } })),
      ...[['f32', 1], ['f64', 11], ['i8', 3], ['u16', 4], ['i32', 6], ['u64', 13], ['b', 9]]
        .map(([s, to]) => ({ op: 'Cast', inputs: ['i'], outputs: [`i_${s}`], attrs: { to } })),
      ...[['f32', 1], ['i64', 7], ['u8', 2]].map(([s, to]) => ({ op: 'Cast', inputs: ['b'], outputs: [`b_${s}`], attrs: { to } })),
    ],
    outputs: [
      'f_f64', 'f_i8', 'f_i16', 'f_i32', 'f_i64', 'f_u8', 'f_u16', 'f_u32', 'f_u64', 'f_b', 'n_f32', 'n_i8', 'n_i64',
      'i_f32', 'i_f64', 'i_i8', 'i_u16', 'i_i32', 'i_u64', 'i_b', 'b_f32', 'b_i64', 'b_u8',
    ],
  },
  {
    name: 'generators too large to fold (Range, ConstantOfShape, EyeLike)',
    inputs: [runtimeFloats('x', [40, 45], 104)],
    constants: [
      scalar('a', 'float32', 0.5), scalar('l', 'float32', 1500.5), scalar('d', 'float32', 0.75),
      scalar('ia', 'int64', -5), scalar('il', 'int64', 1000), scalar('id', 'int64', 1),
      i64('shape', [40, 30]),
    ],
    nodes: [
      { op: 'Range', inputs: ['a', 'l', 'd'], outputs: ['range_f'] },
      { op: 'Range', inputs: ['ia', 'il', 'id'], outputs: ['range_i'] },
      { op: 'ConstantOfShape', inputs: ['shape'], outputs: ['fill'], attrs: { value: { tensor: { dtype: 'int32', shape: [1], data: [7] } } } },
      { op: 'EyeLike', inputs: ['x'], outputs: ['eye'], attrs: { k: 3, dtype: 11 } },
    ],
    outputs: ['range_f', 'range_i', 'fill', 'eye'],
  },
];

describe('movement kernels against ONNX Runtime (host build)', () => {
  for (const c of KERNEL_CASES) {
    it(c.name, async () => {
      const feeds = Object.fromEntries(c.inputs.map((t) => [t.name, t]));
      const { want, bytes } = await referenceRun({
        opset: c.opset ?? 13,
        inputs: c.inputs.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })),
        outputs: c.outputs.map((name) => ({ name, dtype: 'float32' })),
        initializers: c.constants,
        nodes: c.nodes,
      }, feeds);
      const { run, compiled } = await compileBuildRun(bytes, feeds, { host: true, label: c.name });
      expect(run.exitCode, run.stderr).toBe(0);
      // Nothing folded away: every output came from a kernel.
      expect(compiled.lowered.steps.length).toBeGreaterThanOrEqual(c.outputs.length);
      for (const name of c.outputs) {
        const got = run.outputs.get(name)!;
        expect(got.dtype, name).toBe(want[name].dtype);
        expect(values(got), name).toEqual(values(want[name]));
      }
    });
  }

  // ONNX leaves these undefined and ONNX Runtime gives whatever the host CPU does; onnx2mcu
  // saturates (NaN gives 0) so that the kernels and constant folding agree on every target.
  it('casts of out-of-range floats saturate, in the kernel as in castData', async () => {
    const f = Float32Array.of(NaN, 1e10, -1e10, 300.5, -129.7, Infinity, -Infinity, -0.9);
    const d = Float64Array.of(NaN, 9.3e18, -9.3e18, 1.9e19, 2 ** 63, -(2 ** 63), 4294967295.5, -2147483648.5);
    const targets: [string, number, DType][] = [
      ['i8', 3, 'int8'], ['u8', 2, 'uint8'], ['i16', 5, 'int16'], ['u16', 4, 'uint16'], ['i32', 6, 'int32'],
      ['u32', 12, 'uint32'], ['i64', 7, 'int64'], ['u64', 13, 'uint64'], ['b', 9, 'bool'],
    ];
    const sources: [string, Float32Array | Float64Array, DType][] = [['f', f, 'float32'], ['d', d, 'float64']];
    const bytes = buildModel({
      inputs: sources.map(([name, data, dtype]) => ({ name, dtype, shape: [data.length] })),
      outputs: sources.flatMap(([from]) => targets.map(([s, , dtype]) => ({ name: `${from}_${s}`, dtype }))),
      nodes: sources.flatMap(([from]) => targets.map(([s, to]) => ({ op: 'Cast', inputs: [from], outputs: [`${from}_${s}`], attrs: { to } }))),
    });
    const feeds = Object.fromEntries(sources.map(([name, data, dtype]) => [name, { name, dtype, shape: [data.length], data }]));
    const { run } = await compileBuildRun(bytes, feeds, { host: true, label: 'saturating casts' });
    expect(run.exitCode, run.stderr).toBe(0);
    for (const [from, data, fromType] of sources) {
      for (const [s, , dtype] of targets) {
        const got = run.outputs.get(`${from}_${s}`)!;
        expect(values(got), `${from}_${s}`).toEqual(Array.from(castData(data, fromType, dtype) as ArrayLike<unknown>));
      }
    }
  });
});
