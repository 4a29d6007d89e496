// Indexing (Gather, GatherElements, GatherND, Scatter*, OneHot, Compress, NonZero) and resampling
// (Resize, Upsample): the TypeScript reference of each op (`evaluate`, which constant folding and
// calibration use) against ONNX Runtime, and a few kernel runs on the host for element types and
// paths the ONNX node tests do not reach.
import { describe, expect, it } from 'vitest';
import type { ConstTensor, DType } from '../../compiler/ir/graph.js';
import { importModel } from '../../compiler/onnx/import.js';
import { allocateTensorData } from '../../compiler/onnx/tensor-bytes.js';
import { findOp } from '../../compiler/ops/registry.js';
import { buildModel, type NodeSpec } from '../helpers/onnx-builder.js';
import { runOrt } from '../helpers/ort.js';
import { compareClose, compileBuildRun } from '../helpers/pipeline.js';

type Values = ArrayLike<number> | ArrayLike<bigint>;

function tensor(dtype: Exclude<DType, 'string'>, shape: number[], values: Values): ConstTensor {
  const data = allocateTensorData(dtype, values.length) as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    data[i] = dtype === 'int64' || dtype === 'uint64' ? BigInt(v) : Number(v);
  }
  return { name: '', dtype, shape, data: data as unknown as ConstTensor['data'] };
}

const f32 = (shape: number[], values?: number[]) => tensor('float32', shape, values
  ?? Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.round(Math.sin(i * 1.7 + 0.3) * 1000) / 100));
const i64 = (shape: number[], values: number[]) => tensor('int64', shape, values);
const i32 = (shape: number[], values: number[]) => tensor('int32', shape, values);
const bool = (shape: number[], values: number[]) => tensor('bool', shape, values);
const scalar = <T extends ConstTensor>(t: T): T => ({ ...t, shape: [] });

interface OpCase {
  name: string;
  op: string;
  opset?: number;
  attrs?: NodeSpec['attrs'];
  /** The node's inputs in order; null leaves one out (''). */
  inputs: (ConstTensor | null)[];
  /** For the kernel runs: the inputs fed at run time (the rest are constants). */
  runtime?: number[];
}

const nameOf = (i: number) => `in${i}`;

function outputDtype(c: OpCase): DType {
  if (c.op === 'NonZero') return 'int64';
  return (c.op === 'OneHot' ? c.inputs[2] : c.inputs[0])!.dtype;
}

/** The case as a model: every input a graph input ('inputs'), every input an initializer
 * ('constants'), or only the case's runtime inputs fed ('kernel'). */
function model(c: OpCase, form: 'inputs' | 'constants' | 'kernel'): Uint8Array {
  const present = c.inputs.map((t, i) => [t, i] as const).filter(([t]) => t !== null) as [ConstTensor, number][];
  const constant = (i: number) => form === 'constants' || (form === 'kernel' && !c.runtime!.includes(i));
  return buildModel({
    opset: c.opset ?? 13,
    inputs: present.filter(([, i]) => !constant(i)).map(([t, i]) => ({ name: nameOf(i), dtype: t.dtype, shape: t.shape })),
    initializers: present.filter(([, i]) => constant(i)).map(([t, i]) => ({ name: nameOf(i), dtype: t.dtype, shape: t.shape, data: t.data as Values })),
    outputs: [{ name: 'y', dtype: outputDtype(c) }],
    nodes: [{ op: c.op, inputs: c.inputs.map((t, i) => (t ? nameOf(i) : '')), outputs: ['y'], attrs: c.attrs }],
  });
}

/** The op's evaluate on the case's inputs, as constant folding calls it. */
function evaluate(c: OpCase): ConstTensor {
  const graph = importModel(model(c, 'constants'), { file: `${c.name}.onnx` });
  const node = graph.nodes[0];
  const op = findOp(node)!;
  const constants = node.inputs.map((n) => (n === '' ? undefined : graph.initializers.get(n)));
  const inputTypes = constants.map((t) => (t ? { dtype: t.dtype, shape: t.shape } : undefined));
  const opset = graph.opsets[''];
  const outputs = op.inferShapes({ node, inputs: inputTypes, constants, opset });
  return op.evaluate!({ node, inputs: constants, inputTypes, outputs, opset })[0];
}

async function reference(c: OpCase): Promise<ConstTensor> {
  const feeds: Record<string, ConstTensor> = {};
  c.inputs.forEach((t, i) => {
    if (t) feeds[nameOf(i)] = { ...t, name: nameOf(i) };
  });
  return (await runOrt(model(c, 'inputs'), feeds)).y;
}

/** Floats within rtol 1e-5 (the reference and ORT round differently), everything else exactly. */
function mismatch(got: ConstTensor, want: ConstTensor): string | null {
  if (got.dtype !== want.dtype) return `dtype ${got.dtype}, want ${want.dtype}`;
  if (got.dtype === 'float32' || got.dtype === 'float64') return compareClose(got, want, 1e-5, 1e-6);
  if (got.shape.join('x') !== want.shape.join('x')) return `shape ${got.shape.join('x')} != ${want.shape.join('x')}`;
  const g = Array.from(got.data as ArrayLike<number | bigint>, String).join(',');
  const w = Array.from(want.data as ArrayLike<number | bigint>, String).join(',');
  return g === w ? null : `got [${g}], want [${w}]`;
}

const INDEXING: OpCase[] = [
  { name: 'Gather axis 1, 2-D indices with a negative one', op: 'Gather', attrs: { axis: 1 }, inputs: [f32([3, 4, 2]), i64([2, 2], [0, -1, 2, 1])] },
  { name: 'Gather int8 along axis 0, int32 indices', op: 'Gather', inputs: [tensor('int8', [6], [-128, -3, 0, 5, 100, 127]), i32([4], [5, 0, -2, 5])] },
  { name: 'Gather bool along the last axis', op: 'Gather', attrs: { axis: -1 }, inputs: [bool([2, 3], [1, 0, 1, 0, 0, 1]), i64([2], [2, 1])] },
  { name: 'Gather int64 data, scalar index', op: 'Gather', attrs: { axis: 0 }, inputs: [i64([3, 2], [1, -2, 3, -4, 5, 2 ** 40]), scalar(i64([1], [-1]))] },
  { name: 'GatherElements axis 1 with negative indices', op: 'GatherElements', attrs: { axis: 1 }, inputs: [f32([3, 4]), i64([3, 2], [0, 3, -1, 1, 2, -4])] },
  { name: 'GatherElements int32, indices smaller than data', op: 'GatherElements', attrs: { axis: 0 }, inputs: [i32([3, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), i64([2, 3], [2, 0, 1, -1, 1, 0])] },
  { name: 'GatherND tuples of 2 over 3-D data', op: 'GatherND', inputs: [f32([2, 3, 4]), i64([3, 2], [0, 2, 1, -1, 1, 0])] },
  { name: 'GatherND full tuples', op: 'GatherND', inputs: [i64([2, 3], [1, 2, 3, 4, 5, 6]), i64([2, 2, 2], [0, 0, 1, 2, 1, 1, 0, 2])] },
  { name: 'GatherND batch_dims 1', op: 'GatherND', attrs: { batch_dims: 1 }, inputs: [f32([2, 3, 4]), i64([2, 2, 1], [2, 0, 1, 1])] },
  { name: 'ScatterElements axis 0', op: 'ScatterElements', inputs: [f32([3, 3]), i64([2, 3], [1, 0, 2, 0, 2, 1]), f32([2, 3], [1, 2, 3, 4, 5, 6])] },
  { name: 'ScatterElements add with duplicates (opset 16)', op: 'ScatterElements', opset: 16, attrs: { axis: 1, reduction: 'add' }, inputs: [f32([2, 5]), i64([2, 3], [1, 1, -1, 0, 4, 0]), f32([2, 3], [1.5, 2, 3, 4, 5, 6])] },
  { name: 'ScatterElements mul on int32 (opset 16)', op: 'ScatterElements', opset: 16, attrs: { axis: 1, reduction: 'mul' }, inputs: [i32([2, 3], [1, 2, 3, 4, 5, 6]), i64([2, 2], [0, 0, 2, 1]), i32([2, 2], [3, -2, 7, 100000])] },
  { name: 'Scatter (opset 10) axis 1', op: 'Scatter', opset: 10, attrs: { axis: 1 }, inputs: [f32([1, 5]), i64([1, 2], [1, 3]), f32([1, 2], [1.1, 2.1])] },
  { name: 'ScatterND slices', op: 'ScatterND', inputs: [f32([4, 2, 3]), i64([2, 1], [0, -2]), f32([2, 2, 3])] },
  { name: 'ScatterND elements of int64 data', op: 'ScatterND', inputs: [i64([2, 3], [1, 2, 3, 4, 5, 6]), i64([2, 2], [1, 2, 0, 0]), i64([2], [-7, 2 ** 35])] },
  { name: 'ScatterND add with duplicates (opset 16)', op: 'ScatterND', opset: 16, attrs: { reduction: 'add' }, inputs: [f32([4, 3]), i64([3, 1], [1, 1, 3]), f32([3, 3])] },
  { name: 'ScatterND mul (opset 16)', op: 'ScatterND', opset: 16, attrs: { reduction: 'mul' }, inputs: [f32([4, 3]), i64([2, 1], [2, 2]), f32([2, 3])] },
  { name: 'OneHot default axis, negative and out-of-range indices', op: 'OneHot', opset: 11, inputs: [i64([2, 2], [1, -1, 7, 0]), scalar(i64([1], [5])), f32([2], [-1, 3])] },
  { name: 'OneHot axis 0, float indices and depth', op: 'OneHot', opset: 11, attrs: { axis: 0 }, inputs: [f32([3], [0, 2.7, -1.2]), scalar(f32([1], [4])), f32([2], [0, 9])] },
  { name: 'OneHot int32 indices', op: 'OneHot', opset: 11, inputs: [i32([4], [3, 0, -3, 9]), scalar(f32([1], [3])), f32([2], [0, 9])] },
  { name: 'OneHot middle axis, int64 everywhere', op: 'OneHot', opset: 11, attrs: { axis: 1 }, inputs: [i64([2, 3], [0, 1, 2, 2, 1, 0]), i64([1], [3]), i64([2], [5, 6])] },
  { name: 'OneHot (opset 9) wraps a negative index like ONNX Runtime', op: 'OneHot', opset: 9, inputs: [i64([3], [-1, 2, 0]), i64([1], [3]), i64([2], [0, 1])] },
  { name: 'Compress axis 0', op: 'Compress', opset: 11, attrs: { axis: 0 }, inputs: [f32([3, 2]), bool([3], [0, 1, 1])] },
  { name: 'Compress without axis, short condition', op: 'Compress', opset: 11, inputs: [i32([2, 3], [1, 2, 3, 4, 5, 6]), bool([4], [1, 0, 0, 1])] },
  { name: 'Compress axis -1', op: 'Compress', opset: 11, attrs: { axis: -1 }, inputs: [f32([2, 2, 3]), bool([3], [1, 0, 1])] },
  { name: 'NonZero float', op: 'NonZero', inputs: [f32([3, 4], [0, 1, 0, -2, 0, 0, 3, 0, -0, 5, 0, 6])] },
  { name: 'NonZero bool 3-D', op: 'NonZero', inputs: [bool([2, 2, 2], [1, 0, 0, 1, 1, 1, 0, 0])] },
];

const scales = (v: number[]) => f32([v.length], v);
const sizes = (v: number[]) => i64([v.length], v);
const image = (shape: number[]) => f32(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 37) % 23) - 11 + i / 8));

const RESAMPLING: OpCase[] = [
  { name: 'Resize nearest upsample, half_pixel, round_prefer_floor', op: 'Resize', attrs: { mode: 'nearest' }, inputs: [image([1, 2, 2, 3]), null, scales([1, 1, 2, 3])] },
  { name: 'Resize nearest uint8, sizes, round_prefer_ceil asymmetric', op: 'Resize', attrs: { mode: 'nearest', nearest_mode: 'round_prefer_ceil', coordinate_transformation_mode: 'asymmetric' }, inputs: [tensor('uint8', [1, 1, 3, 4], [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 200, 255]), null, null, sizes([1, 1, 7, 8])] },
  { name: 'Resize nearest downsample, floor, align_corners', op: 'Resize', attrs: { mode: 'nearest', nearest_mode: 'floor', coordinate_transformation_mode: 'align_corners' }, inputs: [image([2, 1, 6, 5]), null, null, sizes([2, 1, 4, 3])] },
  { name: 'Resize nearest ceil, half_pixel, NHWC (channels last)', op: 'Resize', attrs: { mode: 'nearest', nearest_mode: 'ceil' }, inputs: [image([1, 3, 4, 2]), null, scales([1, 2, 0.5, 1])] },
  { name: 'Resize linear upsample half_pixel', op: 'Resize', attrs: { mode: 'linear' }, inputs: [image([1, 2, 3, 4]), null, scales([1, 1, 2, 2])] },
  { name: 'Resize linear downsample half_pixel', op: 'Resize', attrs: { mode: 'linear' }, inputs: [image([1, 1, 6, 8]), null, scales([1, 1, 0.5, 0.5])] },
  { name: 'Resize linear align_corners by sizes', op: 'Resize', attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, inputs: [image([1, 1, 3, 4]), null, null, sizes([1, 1, 5, 7])] },
  { name: 'Resize linear pytorch_half_pixel to a single column', op: 'Resize', attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, inputs: [image([1, 1, 4, 4]), null, null, sizes([1, 1, 3, 1])] },
  { name: 'Resize linear 2-D input, asymmetric', op: 'Resize', attrs: { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, inputs: [image([4, 6]), null, scales([1.5, 0.5])] },
  { name: 'Resize trilinear 5-D', op: 'Resize', attrs: { mode: 'linear' }, inputs: [image([1, 1, 3, 4, 2]), null, scales([1, 1, 2, 0.5, 1.5])] },
  { name: 'Resize cubic upsample', op: 'Resize', attrs: { mode: 'cubic' }, inputs: [image([1, 1, 4, 4]), null, scales([1, 1, 2, 2])] },
  { name: 'Resize cubic A=-0.5 exclude_outside downsample', op: 'Resize', attrs: { mode: 'cubic', cubic_coeff_a: -0.5, exclude_outside: 1 }, inputs: [image([1, 1, 8, 8]), null, scales([1, 1, 0.5, 0.5])] },
  { name: 'Resize cubic align_corners by sizes', op: 'Resize', attrs: { mode: 'cubic', coordinate_transformation_mode: 'align_corners' }, inputs: [image([1, 2, 4, 5]), null, null, sizes([1, 2, 7, 3])] },
  { name: 'Resize linear from 1x1 pixels (a broadcast)', op: 'Resize', attrs: { mode: 'linear' }, inputs: [image([1, 3, 1, 1]), null, null, sizes([1, 3, 3, 4])] },
  { name: 'Resize cubic of a single row', op: 'Resize', attrs: { mode: 'cubic' }, inputs: [image([1, 1, 1, 5]), null, scales([1, 1, 3, 1.6])] },
  { name: 'Resize linear tf_crop_and_resize with extrapolation', op: 'Resize', attrs: { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: { float: 10 } }, inputs: [image([1, 1, 4, 4]), f32([8], [0, 0, 0.4, 0.6, 1, 1, 1.2, 1.7]), null, sizes([1, 1, 3, 3])] },
  { name: 'Resize nearest tf_crop_and_resize with extrapolation', op: 'Resize', attrs: { mode: 'nearest', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: { float: -5 } }, inputs: [image([1, 1, 4, 5]), f32([8], [0, 0, -0.25, 0.1, 1, 1, 0.75, 1.3]), null, sizes([1, 1, 3, 4])] },
  { name: 'Resize cubic tf_crop_and_resize', op: 'Resize', attrs: { mode: 'cubic', coordinate_transformation_mode: 'tf_crop_and_resize' }, inputs: [image([1, 1, 5, 5]), f32([8], [0, 0, 0.2, 0.1, 1, 1, 0.8, 0.7]), null, sizes([1, 1, 4, 6])] },
  { name: 'Resize (opset 11) tf_half_pixel_for_nn with empty scales', op: 'Resize', opset: 11, attrs: { mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn' }, inputs: [image([1, 1, 4, 4]), f32([0], []), f32([0], []), sizes([1, 1, 3, 2])] },
  { name: 'Resize (opset 10) nearest downsample', op: 'Resize', opset: 10, attrs: { mode: 'nearest' }, inputs: [image([1, 1, 4, 6]), scales([1, 1, 0.5, 0.5])] },
  { name: 'Resize (opset 10) linear upsample', op: 'Resize', opset: 10, attrs: { mode: 'linear' }, inputs: [image([1, 1, 2, 3]), scales([1, 1, 2, 2])] },
  { name: 'Upsample (opset 9) nearest', op: 'Upsample', opset: 9, attrs: { mode: 'nearest' }, inputs: [image([1, 2, 2, 2]), scales([1, 1, 2, 3])] },
  { name: 'Upsample (opset 9) linear', op: 'Upsample', opset: 9, attrs: { mode: 'linear' }, inputs: [image([1, 1, 3, 2]), scales([1, 1, 2, 2])] },
  { name: 'Upsample (opset 7) scales attribute', op: 'Upsample', opset: 7, attrs: { mode: 'nearest', scales: { floats: [1, 1, 3, 2] } }, inputs: [image([1, 1, 2, 2])] },
];

describe('indexing and resampling: evaluate against ONNX Runtime', () => {
  for (const c of [...INDEXING, ...RESAMPLING]) {
    it(c.name, async () => {
      const want = await reference(c);
      expect(mismatch(evaluate(c), want)).toBeNull();
    });
  }
});

/** Kernel runs: runtime indices and data of several types, through the generated C on the host. */
const caseNamed = (name: string): OpCase => {
  const c = [...INDEXING, ...RESAMPLING].find((x) => x.name === name);
  if (!c) throw new Error(`no case '${name}'`);
  return c;
};

const KERNEL_CASES: OpCase[] = [
  { ...caseNamed('Gather int8 along axis 0, int32 indices'), runtime: [0, 1] },
  { ...caseNamed('Gather bool along the last axis'), runtime: [0, 1] },
  { ...caseNamed('GatherElements int32, indices smaller than data'), runtime: [0, 1] },
  { ...caseNamed('GatherND full tuples'), runtime: [0, 1] },
  { ...caseNamed('GatherND batch_dims 1'), runtime: [0, 1] },
  { ...caseNamed('ScatterElements mul on int32 (opset 16)'), runtime: [0, 1, 2] },
  { ...caseNamed('ScatterND elements of int64 data'), runtime: [0, 1, 2] },
  { ...caseNamed('OneHot axis 0, float indices and depth'), runtime: [0, 2] },
  { ...caseNamed('OneHot int32 indices'), runtime: [0, 2] },
  { ...caseNamed('OneHot middle axis, int64 everywhere'), runtime: [0, 2] },
  { ...caseNamed('OneHot (opset 9) wraps a negative index like ONNX Runtime'), runtime: [0, 2] },
  { ...caseNamed('Compress without axis, short condition'), runtime: [0] },
  { ...caseNamed('Resize nearest uint8, sizes, round_prefer_ceil asymmetric'), runtime: [0] },
  { ...caseNamed('Resize nearest ceil, half_pixel, NHWC (channels last)'), runtime: [0] },
  { ...caseNamed('Resize trilinear 5-D'), runtime: [0] },
  { ...caseNamed('Resize linear from 1x1 pixels (a broadcast)'), runtime: [0] },
  { ...caseNamed('Resize cubic of a single row'), runtime: [0] },
  { ...caseNamed('Resize nearest tf_crop_and_resize with extrapolation'), runtime: [0] },
  { ...caseNamed('Resize cubic tf_crop_and_resize'), runtime: [0] },
];

describe('indexing and resampling kernels against ONNX Runtime (host build)', () => {
  for (const c of KERNEL_CASES) {
    it(c.name, async () => {
      const want = await reference(c);
      const feeds = Object.fromEntries(c.runtime!.map((i) => [nameOf(i), { ...c.inputs[i]!, name: nameOf(i) }]));
      const { run } = await compileBuildRun(model(c, 'kernel'), feeds, { host: true, label: c.name });
      expect(run.exitCode, run.stderr).toBe(0);
      const got = run.outputs.get('y')!;
      expect(mismatch({ ...got, shape: want.shape }, want)).toBeNull();
    });
  }
});
