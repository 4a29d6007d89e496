// Element-wise operators against ONNX Runtime, two ways:
//  - their `evaluate` (what constant folding trusts): models whose inputs are all initializers
//    fold completely, and the folded outputs must equal ORT's (bit for bit where the operation is
//    exact, within a tight tolerance for transcendental functions);
//  - their C kernels: multi-output models with runtime inputs, built for the host.
import { describe, expect, it } from 'vitest';
import type { ConstTensor, DType } from '../../compiler/ir/graph.js';
import { importModel } from '../../compiler/onnx/import.js';
import { erf, roundHalfEven } from '../../compiler/ops/unary.js';
import { inferShapes } from '../../compiler/passes/infer-shapes.js';
import { buildModel, type InitializerSpec, type ModelSpec, type NodeSpec } from '../helpers/onnx-builder.js';
import { runOrt } from '../helpers/ort.js';
import { compileBuildRun } from '../helpers/pipeline.js';
import { randomFloat32, randomInts } from '../helpers/random.js';

const product = (s: number[]) => s.reduce((a, b) => a * b, 1);

function floats(name: string, shape: number[], seed: number, lo = -4, hi = 4, dtype: DType = 'float32'): InitializerSpec {
  return { name, dtype, shape, data: Array.from(randomFloat32(product(shape), seed, lo, hi)) };
}
function ints(name: string, dtype: DType, shape: number[], seed: number, lo = -50, hi = 50): InitializerSpec {
  return { name, dtype, shape, data: randomInts(product(shape), seed, lo, hi) };
}
const list = (name: string, dtype: DType, data: (number | bigint | boolean)[], shape = [data.length]): InitializerSpec =>
  ({ name, dtype, shape, data: data as number[] });
const scalar = (name: string, dtype: DType, value: number | bigint): InitializerSpec => ({ name, dtype, shape: [], data: [value] as number[] });

/** Plain arrays for toEqual: bigints and numbers compare exactly, NaN equals NaN. */
function values(t: ConstTensor): unknown[] {
  return Array.from(t.data as ArrayLike<unknown>);
}

const one = (op: string, inputs: string[], attrs?: NodeSpec['attrs'], outputs = ['y']): NodeSpec => ({ op, inputs, outputs, attrs });

interface FoldCase {
  name: string;
  opset?: number;
  constants: InitializerSpec[];
  nodes: NodeSpec[];
  outputs: string[];
  /** Relative tolerance for float outputs; exact when absent. */
  rtol?: number;
}

const SPECIAL_FLOATS = [0, -0, 1.5, -2.5, 0.5, -0.5, 2.5, 3.5, NaN, Infinity, -Infinity, 1e-40, -7.25, 1e6 + 0.5];

const FOLD_CASES: FoldCase[] = [
  {
    name: 'float32 Add, Sub, Mul, Div with two-way broadcasting',
    constants: [floats('a', [2, 3, 4], 1), floats('b', [3, 1], 2)],
    nodes: [one('Add', ['a', 'b'], {}, ['add']), one('Sub', ['b', 'a'], {}, ['sub']), one('Mul', ['a', 'b'], {}, ['mul']), one('Div', ['a', 'b'], {}, ['div'])],
    outputs: ['add', 'sub', 'mul', 'div'],
  },
  {
    name: 'int32 arithmetic wraps and divides toward zero',
    constants: [list('a', 'int32', [2147483600, -2147483600, -7, 7, -7, 7, 123456789, -1]), list('b', 'int32', [100, -100, 2, -2, -2, 2, 1000, 3])],
    nodes: [one('Add', ['a', 'b'], {}, ['add']), one('Sub', ['a', 'b'], {}, ['sub']), one('Mul', ['a', 'b'], {}, ['mul']), one('Div', ['a', 'b'], {}, ['div'])],
    outputs: ['add', 'sub', 'mul', 'div'],
  },
  {
    name: 'uint8, int8 and uint64 arithmetic wrap',
    opset: 14,
    constants: [list('a', 'uint8', [3, 250, 17, 200]), list('b', 'uint8', [5, 10, 4, 3]), list('c', 'int8', [-128, 127, -100, 50]), list('d', 'int8', [-1, 1, 3, 3]),
      list('e', 'uint64', [2n ** 64n - 1n, 5n, 2n ** 63n]), list('f', 'uint64', [2n, 7n, 3n])],
    nodes: [one('Sub', ['a', 'b'], {}, ['u8_sub']), one('Mul', ['a', 'b'], {}, ['u8_mul']), one('Div', ['a', 'b'], {}, ['u8_div']),
      one('Add', ['c', 'd'], {}, ['i8_add']), one('Mul', ['c', 'd'], {}, ['i8_mul']), one('Add', ['e', 'f'], {}, ['u64_add']), one('Mul', ['e', 'f'], {}, ['u64_mul'])],
    outputs: ['u8_sub', 'u8_mul', 'u8_div', 'i8_add', 'i8_mul', 'u64_add', 'u64_mul'],
  },
  {
    name: 'int64 and float64 arithmetic with a broadcast scalar',
    constants: [list('a', 'int64', [2n ** 62n, -(2n ** 40n) - 3n, 9n, -9n], [2, 2]), scalar('b', 'int64', -4), floats('x', [2, 3], 3, -4, 4, 'float64'), scalar('y', 'float64', 0.3)],
    nodes: [one('Mul', ['a', 'b'], {}, ['i64_mul']), one('Div', ['a', 'b'], {}, ['i64_div']), one('Sub', ['b', 'a'], {}, ['i64_sub']), one('Div', ['x', 'y'], {}, ['f64_div']), one('Add', ['x', 'y'], {}, ['f64_add'])],
    outputs: ['i64_mul', 'i64_div', 'i64_sub', 'f64_div', 'f64_add'],
  },
  {
    name: 'Mod: integer remainders take the divisor\'s sign, fmod the dividend\'s',
    constants: [list('a', 'int32', [-4, 7, 5, 4, -7, 8, -2147483648]), list('b', 'int32', [3, -3, 8, -8, -2, 3, 7]),
      list('c', 'int64', [-4n, 7n, 5n, 4n, -7n, 8n]), list('d', 'int64', [3n, -3n, 8n, -8n, -2n, 3n]),
      list('x', 'float32', [-4.3, 7.2, 5, 4.3, -7.2, 8, 1e30, -0.0]), list('y', 'float32', [2.1, -3.4, 8, -8.2, 2, 3, 3.7, 2]),
      list('p', 'float64', [-4.3, 7.2, 5, 4.3, 1e300]), list('q', 'float64', [2.1, -3.4, 8, -8.2, 3.3e-5]), list('u', 'uint16', [65535, 7, 3]), list('v', 'uint16', [256, 7, 9])],
    nodes: [one('Mod', ['a', 'b'], {}, ['i32']), one('Mod', ['c', 'd'], { fmod: 1 }, ['i64_fmod']), one('Mod', ['c', 'd'], {}, ['i64']),
      one('Mod', ['x', 'y'], { fmod: 1 }, ['f32']), one('Mod', ['p', 'q'], { fmod: 1 }, ['f64']), one('Mod', ['u', 'v'], {}, ['u16'])],
    outputs: ['i32', 'i64_fmod', 'i64', 'f32', 'f64', 'u16'],
  },
  {
    name: 'BitShift left and right on unsigned types',
    opset: 11,
    constants: [list('a', 'uint8', [16, 4, 1, 255]), list('b', 'uint8', [1, 2, 7, 3]), list('c', 'uint32', [1, 4294967295, 12345]), list('d', 'uint32', [31, 4, 5]),
      list('e', 'uint64', [1n, 2n ** 64n - 1n]), list('f', 'uint64', [63n, 60n])],
    nodes: [one('BitShift', ['a', 'b'], { direction: 'LEFT' }, ['u8l']), one('BitShift', ['a', 'b'], { direction: 'RIGHT' }, ['u8r']),
      one('BitShift', ['c', 'd'], { direction: 'LEFT' }, ['u32l']), one('BitShift', ['c', 'd'], { direction: 'RIGHT' }, ['u32r']),
      one('BitShift', ['e', 'f'], { direction: 'LEFT' }, ['u64l']), one('BitShift', ['e', 'f'], { direction: 'RIGHT' }, ['u64r'])],
    outputs: ['u8l', 'u8r', 'u32l', 'u32r', 'u64l', 'u64r'],
  },
  {
    name: 'Pow with mixed base and exponent types',
    opset: 15,
    constants: [floats('x', [2, 3], 4, 0.1, 3), floats('e', [3], 5, -2, 2), list('n', 'int64', [0, 3, -1]), list('i', 'int32', [2, -3, 0, 7, 1, -1]), list('k', 'int32', [10, 3, 5, 2, -4, 3]),
      list('l', 'int64', [3n, -2n, 5n]), list('g', 'float32', [4, 5, 2]), list('h', 'float32', [0.5, 2, 1.5, 3, 0, 2])],
    nodes: [one('Pow', ['x', 'e'], {}, ['ff']), one('Pow', ['x', 'n'], {}, ['fi']), one('Pow', ['i', 'k'], {}, ['ii']), one('Pow', ['l', 'g'], {}, ['lf']), one('Pow', ['i', 'h'], {}, ['if'])],
    outputs: ['ff', 'fi', 'ii', 'lf', 'if'],
    rtol: 1e-6,
  },
  {
    name: 'comparisons of floats (NaN compares false), ints and bools',
    opset: 16,
    constants: [list('a', 'float32', [1, NaN, 3, -0, 5, 2]), list('b', 'float32', [1, NaN, 2, 0, 6, 2]), ints('i', 'int64', [3, 4], 6, -3, 3), ints('j', 'int64', [4], 7, -3, 3),
      list('p', 'bool', [true, false, true]), list('q', 'bool', [true, true, false])],
    nodes: [one('Equal', ['a', 'b'], {}, ['eq']), one('Less', ['a', 'b'], {}, ['lt']), one('LessOrEqual', ['a', 'b'], {}, ['le']), one('Greater', ['i', 'j'], {}, ['gt']),
      one('GreaterOrEqual', ['i', 'j'], {}, ['ge']), one('Equal', ['i', 'j'], {}, ['ieq']), one('Equal', ['p', 'q'], {}, ['beq'])],
    outputs: ['eq', 'lt', 'le', 'gt', 'ge', 'ieq', 'beq'],
  },
  {
    name: 'And, Or, Xor with broadcasting, and Not',
    constants: [list('p', 'bool', [true, false, true, false, true, true], [2, 3]), list('q', 'bool', [true, false, false])],
    nodes: [one('And', ['p', 'q'], {}, ['and']), one('Or', ['p', 'q'], {}, ['or']), one('Xor', ['p', 'q'], {}, ['xor']), one('Not', ['p'], {}, ['not'])],
    outputs: ['and', 'or', 'xor', 'not'],
  },
  {
    name: 'variadic Max, Min, Sum and Mean with broadcasting',
    constants: [floats('a', [2, 1, 3], 8), floats('b', [4, 1], 9), floats('c', [3], 10), ints('i', 'int8', [2, 3], 11), ints('j', 'int8', [3], 12), ints('k', 'int8', [1], 13),
      list('u', 'uint32', [4000000000, 3, 7]), list('v', 'uint32', [1, 4000000001, 7])],
    nodes: [one('Max', ['a', 'b', 'c'], {}, ['max']), one('Min', ['a', 'b', 'c'], {}, ['min']), one('Sum', ['a', 'b', 'c'], {}, ['sum']), one('Mean', ['a', 'b', 'c'], {}, ['mean']),
      one('Max', ['i', 'j', 'k'], {}, ['imax']), one('Min', ['i', 'j'], {}, ['imin']), one('Max', ['u', 'v'], {}, ['umax']), one('Sum', ['c'], {}, ['single'])],
    outputs: ['max', 'min', 'sum', 'mean', 'imax', 'imin', 'umax', 'single'],
    rtol: 1e-6, // ONNX Runtime divides Mean's sum differently, within an ulp
  },
  {
    name: 'Where with three-way broadcasting, float32 and int64',
    constants: [list('c', 'bool', [true, false, true, false], [4, 1]), floats('x', [1, 3], 14), floats('y', [4, 3], 15), list('i', 'int64', [2n ** 50n, -5n, 7n]), scalar('j', 'int64', -1)],
    nodes: [one('Where', ['c', 'x', 'y'], {}, ['f']), one('Where', ['c', 'i', 'j'], {}, ['l'])],
    outputs: ['f', 'l'],
  },
  {
    name: 'exact unary functions on float32 and float64 special values',
    constants: [list('x', 'float32', SPECIAL_FLOATS), list('d', 'float64', SPECIAL_FLOATS)],
    nodes: ['Abs', 'Neg', 'Floor', 'Ceil', 'Round', 'Reciprocal'].flatMap((op) => [one(op, ['x'], {}, [`${op}_f32`]), one(op, ['d'], {}, [`${op}_f64`])]),
    outputs: ['Abs', 'Neg', 'Floor', 'Ceil', 'Round', 'Reciprocal'].flatMap((op) => [`${op}_f32`, `${op}_f64`]),
  },
  {
    name: 'Sign of floats and integers, Abs and Neg of integers',
    constants: [list('x', 'float32', [-3, 0, 2.5, -0.1, Infinity]), list('i', 'int16', [-32768, -5, 0, 7, 32767]), list('u', 'uint8', [0, 3, 255])],
    nodes: [one('Sign', ['x'], {}, ['fs']), one('Sign', ['i'], {}, ['is']), one('Abs', ['i'], {}, ['ia']), one('Neg', ['i'], {}, ['in']), one('Sign', ['u'], {}, ['us']), one('Abs', ['u'], {}, ['ua'])],
    outputs: ['fs', 'is', 'ia', 'in', 'us', 'ua'],
  },
  {
    name: 'transcendental unary functions on float32',
    constants: [floats('x', [20], 16, -3, 3), floats('p', [20], 17, 0.01, 10), floats('u', [20], 18, -0.99, 0.99), floats('g', [20], 19, 1, 20)],
    nodes: [
      ...['Exp', 'Sin', 'Cos', 'Tan', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Erf'].map((op) => one(op, ['x'], {}, [op])),
      one('Sqrt', ['p'], {}, ['Sqrt']), one('Log', ['p'], {}, ['Log']), one('Asin', ['u'], {}, ['Asin']), one('Acos', ['u'], {}, ['Acos']), one('Atanh', ['u'], {}, ['Atanh']), one('Acosh', ['g'], {}, ['Acosh']),
    ],
    outputs: ['Exp', 'Sin', 'Cos', 'Tan', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Erf', 'Sqrt', 'Log', 'Asin', 'Acos', 'Atanh', 'Acosh'],
    rtol: 1e-6,
  },
  {
    name: 'IsNaN and IsInf with detect flags',
    constants: [list('x', 'float32', [1, NaN, Infinity, -Infinity, 0, -3]), list('d', 'float64', [NaN, -Infinity, Infinity, 1e308])],
    nodes: [one('IsNaN', ['x'], {}, ['nan']), one('IsInf', ['x'], {}, ['inf']), one('IsInf', ['x'], { detect_negative: 0 }, ['pos']), one('IsInf', ['d'], { detect_positive: 0 }, ['neg']), one('IsNaN', ['d'], {}, ['dnan'])],
    outputs: ['nan', 'inf', 'pos', 'neg', 'dnan'],
  },
  {
    name: 'activations with their attributes',
    opset: 14,
    constants: [floats('x', [3, 8], 20, -6, 6)],
    nodes: [
      one('Sigmoid', ['x'], {}, ['sigmoid']), one('Tanh', ['x'], {}, ['tanh']), one('HardSigmoid', ['x'], { alpha: 0.3, beta: 0.4 }, ['hardsigmoid']),
      one('HardSwish', ['x'], {}, ['hardswish']), one('LeakyRelu', ['x'], { alpha: 0.2 }, ['leakyrelu']), one('Elu', ['x'], { alpha: 1.5 }, ['elu']),
      one('Selu', ['x'], {}, ['selu']), one('Celu', ['x'], { alpha: { float: 2 } }, ['celu']), one('Softplus', ['x'], {}, ['softplus']), one('Softsign', ['x'], {}, ['softsign']),
      one('ThresholdedRelu', ['x'], { alpha: 0.5 }, ['thresholdedrelu']), one('Shrink', ['x'], { lambd: 1.2, bias: 0.7 }, ['shrink']),
    ],
    outputs: ['sigmoid', 'tanh', 'hardsigmoid', 'hardswish', 'leakyrelu', 'elu', 'selu', 'celu', 'softplus', 'softsign', 'thresholdedrelu', 'shrink'],
    rtol: 1e-6,
  },
  {
    name: 'Relu and Clip on integers, Clip with min > max, PRelu with a broadcast slope',
    opset: 14,
    constants: [ints('i', 'int8', [2, 5], 21, -100, 100), ints('l', 'int32', [6], 22), scalar('lo', 'int32', -10), scalar('hi', 'int32', 20), scalar('flo', 'float32', 2), scalar('fhi', 'float32', -1),
      floats('x', [2, 3, 4], 23), floats('s', [3, 1], 24)],
    nodes: [one('Relu', ['i'], {}, ['relu']), one('Clip', ['l', 'lo', 'hi'], {}, ['clip']), one('Clip', ['l', '', 'lo'], {}, ['clip_max']), one('Clip', ['x', 'flo', 'fhi'], {}, ['crossed']),
      one('PRelu', ['x', 's'], {}, ['prelu'])],
    outputs: ['relu', 'clip', 'clip_max', 'crossed', 'prelu'],
  },
];

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

/** The first element outside rtol (equal values, infinities and NaN pairs included), or null. */
function firstMismatch(got: ConstTensor, want: ConstTensor, rtol: number): string | null {
  for (let i = 0; i < want.data.length; i++) {
    const [g, w] = [Number(got.data[i]), Number(want.data[i])];
    if (g === w || (Number.isNaN(g) && Number.isNaN(w)) || Math.abs(g - w) <= 1e-6 + rtol * Math.abs(w)) continue;
    return `element ${i}: got ${g}, want ${w}`;
  }
  return null;
}

function expectMatch(got: ConstTensor, want: ConstTensor, name: string, rtol?: number): void {
  expect(got.dtype, name).toBe(want.dtype);
  expect(got.shape, name).toEqual(want.shape);
  if (rtol !== undefined && (want.dtype === 'float32' || want.dtype === 'float64')) {
    expect(firstMismatch(got, want, rtol), name).toBeNull();
  } else {
    expect(values(got), name).toEqual(values(want));
  }
}

/**
 * The model, declaring as output types what onnx2mcu infers: ONNX Runtime checks them against
 * its own inference, so a wrong dtype fails the session.
 */
function modelWithInferredOutputs(spec: Omit<ModelSpec, 'outputs'>, outputs: string[]): Uint8Array {
  const draft = buildModel({ ...spec, outputs: outputs.map((name) => ({ name, dtype: 'float32' })) });
  const graph = inferShapes(importModel(draft, { file: 'case.onnx' }), 'case.onnx');
  return buildModel({ ...spec, outputs: outputs.map((name) => ({ name, dtype: graph.values.get(name)!.dtype })) });
}

describe('element-wise evaluate (constant folding) against ONNX Runtime', () => {
  for (const c of FOLD_CASES) {
    it(c.name, async () => {
      const bytes = modelWithInferredOutputs({ opset: c.opset ?? 13, inputs: [], initializers: c.constants, nodes: c.nodes }, c.outputs);
      const want = await runOrt(bytes, {});
      const got = fold(bytes, c.outputs);
      c.outputs.forEach((name, i) => expectMatch(got[i], want[name], name, c.rtol));
    });
  }

  it('folds opset-6 broadcasting (B aligned at an axis of A)', () => {
    const bytes = buildModel({
      opset: 6,
      inputs: [],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [list('a', 'float32', [1, 2, 3, 4, 5, 6], [1, 2, 3]), list('b', 'float32', [10, 20])],
      nodes: [one('Add', ['a', 'b'], { broadcast: 1, axis: 1 })],
    });
    expect(values(fold(bytes, ['y'])[0])).toEqual([11, 12, 13, 24, 25, 26]);
  });

  it('erf and round-half-even references', () => {
    expect(erf(0)).toBe(0);
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 14);
    expect(erf(-0.3)).toBeCloseTo(-0.3286267594591274, 14);
    expect(erf(2.49)).toBeCloseTo(0.9995707121322661, 14);
    expect(erf(2.51)).toBeCloseTo(0.9996142945182758, 14);
    expect(erf(2.4)).toBeCloseTo(0.9993114861033550, 14);
    expect(erf(3)).toBeCloseTo(0.9999779095030014, 14);
    expect(erf(-4.5)).toBeCloseTo(-0.9999999998033839, 14);
    expect([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([-2, -2, -0, 0, 2, 2, 2, -3]);
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
  /** Build with AddressSanitizer and UndefinedBehaviorSanitizer (slower). */
  sanitize?: boolean;
}

const runtime = (spec: InitializerSpec): ConstTensor => {
  const arrays: Partial<Record<DType, (d: number[]) => ConstTensor['data']>> = {
    float32: (d) => Float32Array.from(d), float64: (d) => Float64Array.from(d), int8: (d) => Int8Array.from(d), int16: (d) => Int16Array.from(d),
    int32: (d) => Int32Array.from(d), int64: (d) => BigInt64Array.from(d, (v) => BigInt(v)), uint8: (d) => Uint8Array.from(d),
    uint16: (d) => Uint16Array.from(d), uint32: (d) => Uint32Array.from(d), uint64: (d) => BigUint64Array.from(d, (v) => BigInt(v)),
    bool: (d) => Uint8Array.from(d, (v) => (v ? 1 : 0)),
  };
  return { name: spec.name, dtype: spec.dtype, shape: spec.shape, data: arrays[spec.dtype]!(Array.from(spec.data as ArrayLike<number>)) };
};

const KERNEL_CASES: KernelCase[] = [
  {
    name: 'float32 binary, comparison and variadic kernels with broadcasting',
    opset: 16,
    inputs: [runtime(floats('a', [2, 3, 4], 101)), runtime(floats('b', [3, 1], 102)), runtime(floats('p', [4], 103, 0.2, 3)), runtime(list('c', 'bool', [true, false, true], [3, 1]))],
    constants: [list('n', 'int32', [2, -1, 3, 0])],
    nodes: [
      one('Add', ['a', 'b'], {}, ['add']), one('Sub', ['b', 'a'], {}, ['sub']), one('Mul', ['a', 'b'], {}, ['mul']), one('Div', ['a', 'b'], {}, ['div']),
      one('Mod', ['a', 'b'], { fmod: 1 }, ['fmod']), one('PRelu', ['a', 'b'], {}, ['prelu']), one('Pow', ['p', 'b'], {}, ['pow']), one('Pow', ['a', 'n'], {}, ['powi']),
      one('Less', ['a', 'b'], {}, ['less']), one('GreaterOrEqual', ['b', 'a'], {}, ['ge']), one('Equal', ['a', 'a'], {}, ['eq']),
      one('Max', ['a', 'b', 'p'], {}, ['max']), one('Min', ['b', 'a'], {}, ['min']), one('Sum', ['a', 'b', 'p'], {}, ['sum']), one('Mean', ['p', 'a', 'b'], {}, ['mean']),
      one('Where', ['c', 'a', 'b'], {}, ['where']),
    ],
    outputs: ['add', 'sub', 'mul', 'div', 'fmod', 'prelu', 'pow', 'powi', 'less', 'ge', 'eq', 'max', 'min', 'sum', 'mean', 'where'],
  },
  {
    name: 'float32 unary functions and activations',
    opset: 14,
    inputs: [runtime(floats('x', [4, 10], 104, -5, 5)), runtime(floats('p', [12], 105, 0.01, 20)), runtime(floats('u', [12], 106, -0.99, 0.99)),
      runtime(list('s', 'float32', SPECIAL_FLOATS)), runtime(scalar('lo', 'float32', -1.5)), runtime(scalar('hi', 'float32', 2))],
    nodes: [
      ...['Abs', 'Neg', 'Sign', 'Floor', 'Ceil', 'Round', 'Reciprocal', 'IsNaN', 'IsInf', 'Relu'].map((op) => one(op, ['s'], {}, [`${op}_s`])),
      ...['Exp', 'Sin', 'Cos', 'Tan', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Erf', 'Sigmoid', 'Tanh', 'HardSwish', 'Softplus', 'Softsign'].map((op) => one(op, ['x'], {}, [op])),
      one('Sqrt', ['p'], {}, ['Sqrt']), one('Log', ['p'], {}, ['Log']), one('Acosh', ['p'], {}, ['Acosh']),
      one('Asin', ['u'], {}, ['Asin']), one('Acos', ['u'], {}, ['Acos']), one('Atanh', ['u'], {}, ['Atanh']),
      one('HardSigmoid', ['x'], { alpha: 0.3, beta: 0.4 }, ['HardSigmoid']), one('LeakyRelu', ['x'], { alpha: 0.2 }, ['LeakyRelu']), one('Elu', ['x'], { alpha: 1.5 }, ['Elu']),
      one('Selu', ['x'], {}, ['Selu']), one('Celu', ['x'], { alpha: { float: 2 } }, ['Celu']), one('ThresholdedRelu', ['x'], { alpha: 0.5 }, ['ThresholdedRelu']),
      one('Shrink', ['x'], { lambd: 1.2, bias: 0.7 }, ['Shrink']), one('Clip', ['x', 'lo', 'hi'], {}, ['Clip']), one('Clip', ['x', '', 'hi'], {}, ['ClipMax']),
    ],
    outputs: [
      ...['Abs', 'Neg', 'Sign', 'Floor', 'Ceil', 'Round', 'Reciprocal', 'IsNaN', 'IsInf', 'Relu'].map((op) => `${op}_s`),
      'Exp', 'Sin', 'Cos', 'Tan', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Erf', 'Sigmoid', 'Tanh', 'HardSwish', 'Softplus', 'Softsign', 'Sqrt', 'Log', 'Acosh', 'Asin', 'Acos', 'Atanh',
      'HardSigmoid', 'LeakyRelu', 'Elu', 'Selu', 'Celu', 'ThresholdedRelu', 'Shrink', 'Clip', 'ClipMax',
    ],
  },
  {
    name: 'integer and bool kernels, under the sanitizers (wrap-around must stay defined C)',
    opset: 15,
    sanitize: true,
    inputs: [
      runtime(list('i', 'int32', [2147483600, -2147483600, -7, 7, -7, 7, 50, -1], [2, 4])), runtime(list('j', 'int32', [100, -100, 2, -2])),
      runtime(list('k', 'int64', [-4, 7, 5, 4, -7, 8])), runtime(list('m', 'int64', [3, -3, 8, -8, -2, 3])),
      runtime(list('u', 'uint8', [3, 250, 17, 200])), runtime(list('v', 'uint8', [5, 10, 4, 3])),
      runtime(list('w', 'uint32', [16, 4, 1, 4294967295])), runtime(list('s', 'uint32', [1, 2, 31, 3])),
      runtime(list('h', 'int16', [-32768, -5, 0, 7])), runtime(list('e', 'int8', [-128, 127, 3, -4])),
      runtime(list('p', 'bool', [true, false, true, false, true, true], [2, 3])), runtime(list('q', 'bool', [true, false, false])),
      runtime(list('lo', 'int64', [-3])), runtime(scalar('bound', 'int64', -3)), runtime(list('f', 'float32', [0.5, 2, 3, 4])),
      runtime(list('g', 'uint8', [9, 8, 7])), runtime(list('g0', 'uint8', [1])),
    ],
    nodes: [
      one('Add', ['i', 'j'], {}, ['add']), one('Sub', ['i', 'j'], {}, ['sub']), one('Mul', ['i', 'j'], {}, ['mul']), one('Div', ['i', 'j'], {}, ['div']),
      one('Mod', ['k', 'm'], {}, ['mod']), one('Mod', ['k', 'm'], { fmod: 1 }, ['fmod']), one('Max', ['k', 'm', 'lo'], {}, ['max']), one('Min', ['u', 'v'], {}, ['min']),
      one('Sub', ['u', 'v'], {}, ['usub']), one('Mul', ['u', 'v'], {}, ['umul']), one('Mod', ['u', 'v'], {}, ['umod']),
      one('BitShift', ['w', 's'], { direction: 'LEFT' }, ['shl']), one('BitShift', ['w', 's'], { direction: 'RIGHT' }, ['shr']),
      one('Abs', ['h'], {}, ['abs']), one('Neg', ['h'], {}, ['neg']), one('Sign', ['e'], {}, ['sign']), one('Relu', ['e'], {}, ['relu']),
      one('Clip', ['k', 'bound'], {}, ['clip']),
      one('Pow', ['j', 'f'], {}, ['pow']), one('Pow', ['k', 'm'], {}, ['powi']),
      one('Greater', ['i', 'j'], {}, ['gt']), one('Equal', ['p', 'q'], {}, ['beq']), one('Equal', ['k', 'lo'], {}, ['ieq']),
      one('And', ['p', 'q'], {}, ['and']), one('Or', ['p', 'q'], {}, ['or']), one('Xor', ['p', 'q'], {}, ['xor']), one('Not', ['p'], {}, ['not']),
      one('Where', ['p', 'g', 'g0'], {}, ['where']),
    ],
    outputs: ['add', 'sub', 'mul', 'div', 'mod', 'fmod', 'max', 'min', 'usub', 'umul', 'umod', 'shl', 'shr', 'abs', 'neg', 'sign', 'relu', 'clip',
      'pow', 'powi', 'gt', 'beq', 'ieq', 'and', 'or', 'xor', 'not', 'where'],
  },
  {
    name: 'float64 kernels',
    inputs: [runtime(floats('a', [3, 4], 107, -4, 4, 'float64')), runtime(floats('b', [4], 108, -3, 3, 'float64')), runtime(list('s', 'float64', SPECIAL_FLOATS))],
    nodes: [
      one('Add', ['a', 'b'], {}, ['add']), one('Div', ['a', 'b'], {}, ['div']), one('Mod', ['a', 'b'], { fmod: 1 }, ['fmod']), one('Max', ['a', 'b'], {}, ['max']),
      one('Min', ['a', 'b', 'a'], {}, ['min']), one('Less', ['a', 'b'], {}, ['less']),
      ...['Abs', 'Neg', 'Sign', 'Floor', 'Ceil', 'Round', 'Reciprocal', 'IsNaN', 'IsInf', 'Relu'].map((op) => one(op, ['s'], {}, [op])),
    ],
    outputs: ['add', 'div', 'fmod', 'max', 'min', 'less', 'Abs', 'Neg', 'Sign', 'Floor', 'Ceil', 'Round', 'Reciprocal', 'IsNaN', 'IsInf', 'Relu'],
  },
];

const SANITIZERS = '-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer';

describe('element-wise kernels against ONNX Runtime (host build)', () => {
  for (const c of KERNEL_CASES) {
    it(c.name, async () => {
      const bytes = modelWithInferredOutputs({
        opset: c.opset ?? 13,
        inputs: c.inputs.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })),
        initializers: c.constants,
        nodes: c.nodes,
      }, c.outputs);
      const feeds = Object.fromEntries(c.inputs.map((t) => [t.name, t]));
      const want = await runOrt(bytes, feeds);
      const extraCflags = c.sanitize ? SANITIZERS : undefined;
      const { run, compiled } = await compileBuildRun(bytes, feeds, { host: true, label: c.name, extraCflags });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(compiled.lowered.steps.length).toBeGreaterThanOrEqual(c.outputs.length);
      for (const name of c.outputs) {
        const got = run.outputs.get(name)!;
        expectMatch({ ...got, shape: want[name].shape }, want[name], name, 1e-5);
      }
    });
  }
});

describe('corner cases ONNX Runtime leaves undefined', () => {
  // x / 0, INT_MIN / -1, shifts past the width, integer PRelu, negative integer powers: ORT has no
  // answer (or no kernel), so the C kernels are held to the compiler's own evaluate.
  it('the C kernels agree with evaluate, and stay defined C under the sanitizers', async () => {
    const constants = [
      list('a', 'int32', [-2147483648, 7, -7, 5, 0, -2147483648]), list('b', 'int32', [-1, 0, 0, 2, 0, 3]),
      list('c', 'int8', [-128, 127, -1]), list('u', 'uint8', [255, 1, 128]), list('s', 'uint8', [8, 9, 7]),
      list('x', 'int64', [3n, -2n, 1n, -1n, 0n, 2n]), list('e', 'int64', [-1n, -3n, -5n, -3n, 2n, 63n]),
    ];
    const nodes = [
      one('Div', ['a', 'b'], {}, ['div']), one('Mod', ['a', 'b'], {}, ['mod']), one('Mod', ['a', 'b'], { fmod: 1 }, ['fmod']), one('PRelu', ['a', 'b'], {}, ['prelu']),
      one('Abs', ['c'], {}, ['abs']), one('Neg', ['c'], {}, ['neg']), one('BitShift', ['u', 's'], { direction: 'LEFT' }, ['shl']), one('BitShift', ['u', 's'], { direction: 'RIGHT' }, ['shr']),
      one('Pow', ['x', 'e'], {}, ['pow']),
    ];
    const outputs = ['div', 'mod', 'fmod', 'prelu', 'abs', 'neg', 'shl', 'shr', 'pow'];
    const want = fold(modelWithInferredOutputs({ opset: 15, inputs: [], initializers: constants, nodes }, outputs), outputs);
    const bytes = modelWithInferredOutputs({ opset: 15, inputs: constants.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })), nodes }, outputs);
    const feeds = Object.fromEntries(constants.map((t) => [t.name, runtime(t)]));
    const { run } = await compileBuildRun(bytes, feeds, { host: true, label: 'corner cases', extraCflags: SANITIZERS });
    expect(run.exitCode, run.stderr).toBe(0);
    outputs.forEach((name, i) => expect(values(run.outputs.get(name)!), name).toEqual(values(want[i])));
    expect(values(want[0])).toEqual([-2147483648, 0, 0, 2, 0, -715827882]);
    expect(values(want[6])).toEqual([0, 0, 0]);
    expect(values(want[8])).toEqual([0n, 0n, 1n, -1n, 0n, -(2n ** 63n)]);
  });
});
