import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompileError, type ConstTensor, type DType, type Graph } from '../../compiler/ir/graph.js';
import { importModel, importModelFile } from '../../compiler/onnx/import.js';
import { decodeTensor } from '../../compiler/onnx/tensor.js';
import {
  buildModel,
  buildModelProto,
  encodeModel,
  makeTensor,
  type ModelSpec,
  type TensorSpec,
  type TensorValues,
} from '../helpers/onnx-builder.js';
import { runOrt } from '../helpers/ort.js';
import { randomFloat32 } from '../helpers/random.js';
import { compileError } from '../helpers/errors.js';

const { onnx } = onnxProto;

/** A one-node model that only exists to carry initializers. */
function modelWith(initializers: TensorSpec[], extra: Partial<ModelSpec> = {}): ModelSpec {
  return {
    inputs: [{ name: 'x', dtype: 'float32', shape: [1] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [1] }],
    initializers: initializers.map((t, i) => ({ ...t, name: t.name ?? `t${i}` })),
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
    ...extra,
  };
}

function importInitializer(spec: TensorSpec): ConstTensor {
  const graph = importModel(buildModel(modelWith([{ ...spec, name: 'w' }])), { file: 'm.onnx' });
  const t = graph.initializers.get('w');
  if (!t) throw new Error('initializer w missing');
  return t;
}


interface EncodingCase {
  dtype: DType;
  shape: number[];
  written: TensorValues;
  expected: ConstTensor['data'];
  encodings: ('raw' | 'typed')[];
}

const HALF_BITS = Uint16Array.from([
  0x0000, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x7c00, 0xfc00, 0x7e00, 0x3555,
]);
const HALF_VALUES = Float32Array.from([
  0, -0, 1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, Infinity, -Infinity, NaN, 0.333251953125,
]);

const CASES: EncodingCase[] = [
  {
    dtype: 'float32', shape: [2, 4], encodings: ['raw', 'typed'],
    written: [1.5, -2.25, 0, -0, 3.4028234663852886e38, Math.fround(1e-45), -Infinity, NaN],
    expected: Float32Array.from([1.5, -2.25, 0, -0, 3.4028234663852886e38, Math.fround(1e-45), -Infinity, NaN]),
  },
  {
    dtype: 'float64', shape: [5], encodings: ['raw', 'typed'],
    written: [Math.PI, -1e300, 5e-324, NaN, -0],
    expected: Float64Array.from([Math.PI, -1e300, 5e-324, NaN, -0]),
  },
  { dtype: 'float16', shape: [3, 4], encodings: ['raw', 'typed'], written: HALF_BITS, expected: HALF_VALUES },
  {
    dtype: 'int8', shape: [4], encodings: ['raw', 'typed'],
    written: [-128, -1, 0, 127], expected: Int8Array.from([-128, -1, 0, 127]),
  },
  {
    dtype: 'int16', shape: [4], encodings: ['raw', 'typed'],
    written: [-32768, 32767, -2, 5], expected: Int16Array.from([-32768, 32767, -2, 5]),
  },
  {
    dtype: 'int32', shape: [2, 2], encodings: ['raw', 'typed'],
    written: [-2147483648, 2147483647, 0, -7], expected: Int32Array.from([-2147483648, 2147483647, 0, -7]),
  },
  {
    dtype: 'int64', shape: [6], encodings: ['raw', 'typed'],
    written: [2n ** 62n + 1n, -(2n ** 63n), 2n ** 31n, -(2n ** 31n) - 1n, 9007199254740993n, 2n ** 63n - 1n],
    expected: BigInt64Array.from([2n ** 62n + 1n, -(2n ** 63n), 2n ** 31n, -(2n ** 31n) - 1n, 9007199254740993n, 2n ** 63n - 1n]),
  },
  {
    dtype: 'uint8', shape: [3], encodings: ['raw', 'typed'],
    written: [0, 255, 128], expected: Uint8Array.from([0, 255, 128]),
  },
  {
    dtype: 'uint16', shape: [3], encodings: ['raw', 'typed'],
    written: [0, 65535, 40000], expected: Uint16Array.from([0, 65535, 40000]),
  },
  {
    dtype: 'uint32', shape: [3], encodings: ['raw', 'typed'],
    written: [0, 4294967295, 2147483648], expected: Uint32Array.from([0, 4294967295, 2147483648]),
  },
  {
    dtype: 'uint64', shape: [4], encodings: ['raw', 'typed'],
    written: [0n, 2n ** 64n - 1n, 2n ** 63n, 9007199254740993n],
    expected: BigUint64Array.from([0n, 2n ** 64n - 1n, 2n ** 63n, 9007199254740993n]),
  },
  {
    dtype: 'bool', shape: [2, 2], encodings: ['raw', 'typed'],
    written: [true, false, true, true], expected: Uint8Array.from([1, 0, 1, 1]),
  },
  {
    dtype: 'string', shape: [3], encodings: ['typed'],
    written: ['hello', '', 'héllo ✓'], expected: ['hello', '', 'héllo ✓'],
  },
  { dtype: 'float32', shape: [], encodings: ['raw', 'typed'], written: [42.5], expected: Float32Array.from([42.5]) },
  { dtype: 'int64', shape: [0, 3], encodings: ['raw', 'typed'], written: [], expected: new BigInt64Array(0) },
];

describe('importModel: initializer encodings', () => {
  const rows = CASES.flatMap((c) => c.encodings.map((encoding) => ({ ...c, encoding })));
  it.each(rows)('$dtype $shape from $encoding', ({ dtype, shape, written, expected, encoding }) => {
    const t = importInitializer({ dtype, shape, data: written, encoding });
    expect(t.name).toBe('w');
    expect(t.dtype).toBe(dtype);
    expect(t.shape).toEqual(shape);
    // toEqual checks the array class too, and tells -0 from 0 and NaN from numbers.
    expect(t.data).toEqual(expected);
  });

  it('really writes raw and typed differently', () => {
    const raw = onnx.TensorProto.decode(onnx.TensorProto.encode(makeTensor({ dtype: 'int64', shape: [1], data: [5n] })).finish());
    const typed = onnx.TensorProto.decode(
      onnx.TensorProto.encode(makeTensor({ dtype: 'int64', shape: [1], data: [5n], encoding: 'typed' })).finish(),
    );
    expect(raw.rawData.length).toBe(8);
    expect(raw.int64Data).toHaveLength(0);
    expect(typed.rawData.length).toBe(0);
    expect(typed.int64Data).toHaveLength(1);
  });

  it('reads nonzero raw bool bytes as 1', () => {
    const t = decodeTensor({ name: 'b', dataType: 9, dims: [3], rawData: Uint8Array.from([0, 2, 255]) });
    expect(t.data).toEqual(Uint8Array.from([0, 1, 1]));
  });

  it('reads int8 stored sign-extended and float16 stored as bits in int32_data', () => {
    const i8 = decodeTensor({ name: 'a', dataType: 3, dims: [2], int32Data: [-5, 100] });
    expect(i8.data).toEqual(Int8Array.from([-5, 100]));
    const f16 = decodeTensor({ name: 'h', dataType: 10, dims: [2], int32Data: [0x3c00, 0xbc00] });
    expect(f16.data).toEqual(Float32Array.from([1, -1]));
  });

  it('decodes raw_data that sits at an odd offset in the model buffer', () => {
    const weights = randomFloat32(15, 7);
    const longs = [2n ** 40n + 3n, -9n, 123456789012345n];
    const bytes = buildModel(modelWith([
      { name: 'f', dtype: 'float32', shape: [3, 5], data: weights },
      { name: 'l', dtype: 'int64', shape: [3], data: longs },
    ]));
    // Find a leading pad that puts both payloads off their natural alignment, and prove it.
    let shifted: Uint8Array | undefined;
    for (let pad = 1; pad <= 8 && !shifted; pad++) {
      const candidate = Buffer.concat([Buffer.alloc(pad), bytes]).subarray(pad);
      const [f, l] = onnx.ModelProto.decode(candidate).graph!.initializer!;
      if (f!.rawData!.byteOffset % 4 !== 0 && l!.rawData!.byteOffset % 8 !== 0) {
        // A typed array cannot be laid over such a slice, which is the trap being tested.
        expect(() => new Float32Array(f!.rawData!.buffer, f!.rawData!.byteOffset, 15)).toThrow(RangeError);
        shifted = candidate;
      }
    }
    expect(shifted).toBeDefined();

    const graph = importModel(shifted!, { file: 'odd.onnx' });
    expect(graph.initializers.get('f')!.data).toEqual(weights);
    expect(graph.initializers.get('l')!.data).toEqual(BigInt64Array.from(longs));
  });

  it('copies raw data instead of aliasing the model buffer', () => {
    const bytes = buildModel(modelWith([{ name: 'w', dtype: 'float32', shape: [2], data: [1, 2] }]));
    const graph = importModel(bytes, {});
    bytes.fill(0);
    expect(graph.initializers.get('w')!.data).toEqual(Float32Array.from([1, 2]));
  });

  it('refuses raw_data of the wrong length, naming the tensor', () => {
    const proto = buildModelProto(modelWith([{ name: 'w', dtype: 'float32', shape: [3], data: [1, 2, 3] }]));
    proto.graph!.initializer![0]!.rawData = new Uint8Array(8);
    const err = compileError(() => importModel(encodeModel(proto), { file: 'short.onnx' }));
    expect(err.message).toMatch(/^short\.onnx: tensor 'w': raw_data holds 8 bytes.*needs 12/);
    expect(err.exitCode).toBe(2);
  });

  it('refuses typed data whose count does not match the shape', () => {
    const err = compileError(() => decodeTensor({ name: 'w', dataType: 1, dims: [4], floatData: [1, 2] }, { file: 'a.onnx' }));
    expect(err.message).toBe("a.onnx: tensor 'w': expected 4 values in float_data, found 2");
  });

  it.each([
    [14, 'COMPLEX64'], [15, 'COMPLEX128'], [16, 'BFLOAT16'], [17, 'FLOAT8E4M3FN'],
  ])('refuses initializers of element type %i (%s)', (code, label) => {
    const proto = buildModelProto(modelWith([{ name: 'odd', dtype: 'float32', shape: [1], data: [0] }]));
    proto.graph!.initializer![0]!.dataType = code;
    const err = compileError(() => importModel(encodeModel(proto), { file: 'm.onnx' }));
    expect(err.message).toContain("tensor 'odd'");
    expect(err.message).toContain(label);
  });
});

describe('importModel: external data', () => {
  let dir: string;
  const weights = Float32Array.from([0.5, -1, 2, 4.25, -8, 16]);

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2mcu-ext-'));
    fs.mkdirSync(path.join(dir, 'data'));
    // 8 bytes of something else first, so the offset matters.
    const file = Buffer.concat([Buffer.from('JUNKJUNK'), Buffer.from(weights.buffer)]);
    fs.writeFileSync(path.join(dir, 'weights.bin'), file);
    fs.writeFileSync(path.join(dir, 'data', 'w.bin'), Buffer.from(weights.buffer));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function externalModel(entries: Record<string, string>): Uint8Array {
    const proto = buildModelProto(modelWith([{ name: 'w', dtype: 'float32', shape: [2, 3], data: new Float32Array(6) }]));
    const t = proto.graph!.initializer![0]!;
    delete t.rawData;
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = Object.entries(entries).map(([key, value]) => ({ key, value }));
    return encodeModel(proto);
  }

  it('reads location + offset + length relative to baseDir', () => {
    const graph = importModel(externalModel({ location: 'weights.bin', offset: '8', length: '24' }), { file: 'm.onnx', baseDir: dir });
    const t = graph.initializers.get('w')!;
    expect(t.shape).toEqual([2, 3]);
    expect(t.data).toEqual(weights);
  });

  it('reads a whole file in a subfolder when offset and length are absent', () => {
    const graph = importModel(externalModel({ location: 'data/w.bin' }), { file: 'm.onnx', baseDir: dir });
    expect(graph.initializers.get('w')!.data).toEqual(weights);
  });

  it('resolves against the model file folder in importModelFile', () => {
    const file = path.join(dir, 'model.onnx');
    fs.writeFileSync(file, externalModel({ location: 'weights.bin', offset: '8' }));
    expect(importModelFile(file).initializers.get('w')!.data).toEqual(weights);
  });

  it('refuses an absolute location', () => {
    const location = path.join(dir, 'weights.bin');
    const err = compileError(() => importModel(externalModel({ location }), { file: 'm.onnx', baseDir: dir }));
    expect(err.message).toContain("tensor 'w'");
    expect(err.message).toContain(location);
    expect(err.message).toContain('absolute');
    expect(err.details.file).toBe('m.onnx');
  });

  it.each(['../weights.bin', 'data/../../etc/passwd', 'data\\..\\..\\x.bin'])('refuses %s', (location) => {
    const err = compileError(() => importModel(externalModel({ location }), { file: 'm.onnx', baseDir: path.join(dir, 'data') }));
    expect(err.message).toContain("tensor 'w'");
    expect(err.message).toContain(location);
    expect(err.message).toContain("'..'");
  });

  it('names a missing external file', () => {
    const err = compileError(() => importModel(externalModel({ location: 'nope.bin' }), { file: 'm.onnx', baseDir: dir }));
    expect(err.message).toContain("tensor 'w'");
    expect(err.message).toContain(path.join(dir, 'nope.bin'));
  });

  it('refuses a file too short for offset + length', () => {
    const err = compileError(() =>
      importModel(externalModel({ location: 'data/w.bin', offset: '8' }), { file: 'm.onnx', baseDir: dir }));
    expect(err.message).toContain('ends before');
  });

  it('needs baseDir', () => {
    const err = compileError(() => importModel(externalModel({ location: 'weights.bin' }), { file: 'm.onnx' }));
    expect(err.message).toContain("tensor 'w'");
  });
});

describe('importModel: graph structure', () => {
  it('keeps dim_param names and names unknown dims after their value and axis', () => {
    const graph = importModel(buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', null, 8] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 4] }, { name: 'z', dtype: 'int64' }],
      valueInfo: [{ name: 'h', dtype: 'float16', shape: [2, 'seq'] }, { name: 'nothing', dtype: 'float32' }],
      nodes: [],
    }), { file: 'm.onnx' });
    expect(graph.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['batch', '?x_1', 8] }]);
    expect(graph.outputs).toEqual([
      { name: 'y', dtype: 'float32', shape: ['batch', 4] },
      { name: 'z', dtype: 'int64', shape: [] },
    ]);
    // Only declared shapes are recorded; 'z' and 'nothing' are left to shape inference.
    expect([...graph.values.keys()].sort()).toEqual(['h', 'y']);
    expect(graph.values.get('h')).toEqual({ name: 'h', dtype: 'float16', shape: [2, 'seq'] });
  });

  it('keeps an explicit zero dimension', () => {
    const graph = importModel(buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [0, 3] }], outputs: [], nodes: [],
    }), {});
    expect(graph.inputs[0]!.shape).toEqual([0, 3]);
  });

  it('removes initializers from the inputs and keeps them as constants', () => {
    const graph = importModel(buildModel({
      inputs: [
        { name: 'x', dtype: 'float32', shape: [1, 4] },
        { name: 'w', dtype: 'float32', shape: [4, 2] },
      ],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1, 2] }],
      initializers: [{ name: 'w', dtype: 'float32', shape: [4, 2], data: [1, 2, 3, 4, 5, 6, 7, 8] }],
      nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
    }), {});
    expect(graph.inputs.map((i) => i.name)).toEqual(['x']);
    expect([...graph.initializers.keys()]).toEqual(['w']);
    expect(graph.initializers.get('w')!.data).toEqual(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(graph.nodes[0]!.inputs).toEqual(['x', 'w']);
  });

  it('names unnamed nodes <OpType>_<index> without clashing with names from the file', () => {
    const graph = importModel(buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1] }],
      outputs: [{ name: 'e', dtype: 'float32', shape: [1] }],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['a'] },
        { op: 'Relu', inputs: ['a'], outputs: ['b'], name: 'Relu_2' },
        { op: 'Relu', inputs: ['b'], outputs: ['c'] },
        { op: 'Neg', inputs: ['c'], outputs: ['d'], name: 'dup' },
        { op: 'Neg', inputs: ['d'], outputs: ['e'], name: 'dup' },
      ],
    }), {});
    expect(graph.nodes.map((n) => n.name)).toEqual(['Relu_0', 'Relu_2', 'Relu_2_1', 'dup', 'dup_1']);
    expect(new Set(graph.nodes.map((n) => n.name)).size).toBe(5);
  });

  it('keeps node order, inputs with omitted optionals, outputs and domains', () => {
    const graph = importModel(buildModel({
      opsets: { '': 17, 'ai.onnx': 17, 'com.microsoft': 1 },
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1, 4] }],
      initializers: [{ name: 'max', dtype: 'float32', shape: [], data: [6] }],
      nodes: [
        { op: 'Clip', inputs: ['x', '', 'max'], outputs: ['c'], domain: 'ai.onnx' },
        { op: 'FastGelu', inputs: ['c'], outputs: ['y'], domain: 'com.microsoft' },
      ],
    }), {});
    expect(graph.name).toBe('test');
    expect(graph.opsets).toEqual({ '': 17, 'com.microsoft': 1 });
    expect(graph.nodes.map((n) => [n.opType, n.domain, n.inputs, n.outputs])).toEqual([
      ['Clip', '', ['x', '', 'max'], ['c']],
      ['FastGelu', 'com.microsoft', ['c'], ['y']],
    ]);
  });

  it('refuses a model without opset_import', () => {
    const err = compileError(() => importModel(buildModel(modelWith([], { opsets: {} })), { file: 'old.onnx' }));
    expect(err.message).toMatch(/^old\.onnx: .*opset_import/);
    expect(err.exitCode).toBe(2);
  });

  it('refuses a model listing one domain twice with different versions', () => {
    const proto = buildModelProto(modelWith([]));
    proto.opsetImport = [{ domain: '', version: 13 }, { domain: 'ai.onnx', version: 11 }];
    expect(compileError(() => importModel(encodeModel(proto), { file: 'm.onnx' })).message).toContain('twice');
  });

  it.each([
    ['sequence', { sequenceType: { elemType: { tensorType: { elemType: 1 } } } }, 'a sequence'],
    ['map', { mapType: { keyType: 7, valueType: { tensorType: { elemType: 1 } } } }, 'a map'],
    ['bfloat16', { tensorType: { elemType: 16, shape: { dim: [{ dimValue: 2 }] } } }, 'BFLOAT16'],
    ['complex', { tensorType: { elemType: 14, shape: { dim: [] } } }, 'COMPLEX64'],
  ])('refuses a %s input, naming it', (_label, type, reason) => {
    const proto = buildModelProto(modelWith([]));
    proto.graph!.input = [{ name: 'weird_input', type }];
    const err = compileError(() => importModel(encodeModel(proto), { file: 'm.onnx' }));
    expect(err.message).toContain("input 'weird_input'");
    expect(err.message).toContain(reason);
  });

  it('refuses unsupported value_info types, naming the value', () => {
    const proto = buildModelProto(modelWith([]));
    proto.graph!.valueInfo = [{ name: 'mid', type: { tensorType: { elemType: 16 } } }];
    expect(compileError(() => importModel(encodeModel(proto), { file: 'm.onnx' })).message).toContain("value 'mid'");
  });

  it('refuses a main-graph input without any shape', () => {
    const err = compileError(() => importModel(buildModel({
      inputs: [{ name: 'x', dtype: 'float32' }], outputs: [], nodes: [],
    }), { file: 'm.onnx' }));
    expect(err.message).toContain("input 'x' has no shape");
  });

  it('densifies sparse initializers', () => {
    const proto = buildModelProto(modelWith([]));
    proto.graph!.sparseInitializer = [{
      dims: [2, 3],
      values: makeTensor({ name: 's', dtype: 'float32', shape: [2], data: [7, -1] }),
      indices: makeTensor({ dtype: 'int64', shape: [2], data: [1n, 5n] }),
    }];
    const graph = importModel(encodeModel(proto), {});
    expect(graph.initializers.get('s')).toEqual({
      name: 's', dtype: 'float32', shape: [2, 3], data: Float32Array.from([0, 7, 0, 0, 0, -1]),
    });
  });
});

describe('importModel: attributes', () => {
  function attrsOf(attrs: NonNullable<ModelSpec['nodes'][number]['attrs']>): Graph['nodes'][number]['attributes'] {
    const graph = importModel(buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1] }],
      nodes: [{ op: 'Custom', inputs: ['x'], outputs: ['y'], attrs }],
    }), { file: 'm.onnx' });
    return graph.nodes[0]!.attributes;
  }

  it('converts every scalar and list kind', () => {
    const a = attrsOf({
      axis: -1,
      alpha: 0.2,
      one: { float: 1 },
      big: 2 ** 40,
      mode: 'constant',
      pads: [1, 1, 2, 2],
      scales: [1, 1.5],
      floats: { floats: [1, 2] },
      empty: { ints: [] },
      names: ['a', 'bé'],
      flag: true,
    });
    expect(a).toEqual({
      axis: { kind: 'int', value: -1 },
      alpha: { kind: 'float', value: Math.fround(0.2) },
      one: { kind: 'float', value: 1 },
      big: { kind: 'int', value: 2 ** 40 },
      mode: { kind: 'string', value: 'constant' },
      pads: { kind: 'ints', value: [1, 1, 2, 2] },
      scales: { kind: 'floats', value: [1, 1.5] },
      floats: { kind: 'floats', value: [1, 2] },
      empty: { kind: 'ints', value: [] },
      names: { kind: 'strings', value: ['a', 'bé'] },
      flag: { kind: 'int', value: 1 },
    });
  });

  it('decodes tensor attributes with the tensor decoder', () => {
    const a = attrsOf({
      value: { tensor: { dtype: 'int64', shape: [2], data: [2n ** 50n + 1n, -3n], encoding: 'typed' } },
      halves: { tensors: [{ dtype: 'float16', shape: [1], data: Uint16Array.from([0x3c00]) }] },
    });
    expect(a.value).toEqual({
      kind: 'tensor',
      value: { name: 'Custom_0.value', dtype: 'int64', shape: [2], data: BigInt64Array.from([2n ** 50n + 1n, -3n]) },
    });
    expect(a.halves).toEqual({
      kind: 'tensors',
      value: [{ name: 'Custom_0.halves.0', dtype: 'float16', shape: [1], data: Float32Array.from([1]) }],
    });
  });

  it('imports graph attributes recursively', () => {
    const branch = (op: string, out: string) => ({
      inputs: [],
      outputs: [{ name: out, dtype: 'float32' as const, shape: [1] }],
      initializers: [{ name: `${out}_k`, dtype: 'float32' as const, shape: [1], data: [3] }],
      nodes: [{ op, inputs: ['x', `${out}_k`], outputs: [out] }],
    });
    const graph = importModel(buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1] }, { name: 'c', dtype: 'bool', shape: [] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1] }],
      nodes: [{
        op: 'If', inputs: ['c'], outputs: ['y'],
        attrs: { then_branch: { graph: branch('Add', 't') }, else_branch: { graph: branch('Sub', 'e') }, extra: { graphs: [branch('Mul', 'm')] } },
      }],
    }), {});
    const attrs = graph.nodes[0]!.attributes;
    if (attrs.then_branch?.kind !== 'graph' || attrs.else_branch?.kind !== 'graph' || attrs.extra?.kind !== 'graphs') {
      throw new Error('graph attributes not imported as graphs');
    }
    const then = attrs.then_branch.value;
    expect(then.nodes.map((n) => [n.name, n.opType, n.inputs])).toEqual([['Add_0', 'Add', ['x', 't_k']]]);
    expect(then.initializers.get('t_k')!.data).toEqual(Float32Array.from([3]));
    expect(then.outputs).toEqual([{ name: 't', dtype: 'float32', shape: [1] }]);
    expect(attrs.else_branch.value.nodes[0]!.opType).toBe('Sub');
    expect(attrs.extra.value[0]!.nodes[0]!.opType).toBe('Mul');
  });

  it('refuses integers a JavaScript number cannot hold exactly', () => {
    const err = compileError(() => attrsOf({ huge: 2 ** 60 }));
    expect(err.message).toContain("attribute 'huge'");
    expect(err.message).toContain(String(2n ** 60n));
    const errs = compileError(() => attrsOf({ ends: [0, 2 ** 62] }));
    expect(errs.message).toContain("attribute 'ends'");
  });

  it('refuses dimensions a JavaScript number cannot hold exactly', () => {
    const proto = buildModelProto(modelWith([]));
    proto.graph!.input![0]!.type!.tensorType!.shape!.dim = [{ dimValue: '36028797018963968' as unknown as number }];
    const err = compileError(() => importModel(encodeModel(proto), { file: 'm.onnx' }));
    expect(err.message).toContain("input 'x' axis 0");
    expect(err.message).toContain('36028797018963968');
  });
});

describe('importModel: malformed input', () => {
  it.each([
    ['text', new TextEncoder().encode('this is not an onnx model at all')],
    ['random bytes', Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 0xff)],
    ['empty', new Uint8Array(0)],
  ])('refuses %s', (_label, bytes) => {
    const err = compileError(() => importModel(bytes, { file: 'junk.onnx' }));
    expect(err.message).toMatch(/^junk\.onnx: not an ONNX model: /);
    expect(err.exitCode).toBe(2);
  });

  it('refuses a truncated model', () => {
    const bytes = buildModel(modelWith([{ name: 'w', dtype: 'float32', shape: [64], data: randomFloat32(64, 1) }]));
    const err = compileError(() => importModel(bytes.subarray(0, bytes.length - 100), { file: 'cut.onnx' }));
    expect(err.message).toMatch(/^cut\.onnx: not an ONNX model: /);
  });

  it('names a missing model file', () => {
    const missing = path.join(os.tmpdir(), 'onnx2mcu-does-not-exist', 'model.onnx');
    const err = compileError(() => importModelFile(missing));
    expect(err.message).toContain(missing);
    expect(err.details.file).toBe(missing);
  });
});

describe('test helpers: the builder writes models ONNX Runtime accepts', () => {
  it('runs a Conv built with the builder and matches a hand computation', async () => {
    const x = randomFloat32(1 * 2 * 4 * 4, 11);
    const w = randomFloat32(3 * 2 * 3 * 3, 12);
    const b = Float32Array.from([0.5, -0.25, 0]);
    const bytes = buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2, 4, 4] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: [
        { name: 'w', dtype: 'float32', shape: [3, 2, 3, 3], data: w },
        { name: 'b', dtype: 'float32', shape: [3], data: b, encoding: 'typed' },
      ],
      nodes: [{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { pads: [1, 1, 1, 1], kernel_shape: [3, 3] } }],
    });
    const { y } = await runOrt(bytes, { x: { name: 'x', dtype: 'float32', shape: [1, 2, 4, 4], data: x } });
    expect(y!.shape).toEqual([1, 3, 4, 4]);
    const expected = new Float32Array(3 * 16);
    for (let o = 0; o < 3; o++) {
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          let acc = b[o]!;
          for (let c = 0; c < 2; c++) {
            for (let ki = 0; ki < 3; ki++) {
              for (let kj = 0; kj < 3; kj++) {
                const ii = i + ki - 1;
                const jj = j + kj - 1;
                if (ii < 0 || ii >= 4 || jj < 0 || jj >= 4) continue;
                acc += x[c * 16 + ii * 4 + jj]! * w[((o * 2 + c) * 3 + ki) * 3 + kj]!;
              }
            }
          }
          expected[o * 16 + i * 4 + j] = acc;
        }
      }
    }
    const got = y!.data as Float32Array;
    for (let k = 0; k < expected.length; k++) expect(got[k]).toBeCloseTo(expected[k]!, 5);
  });

  it('passes int64, bool and float16 tensors through ONNX Runtime unchanged', async () => {
    const bytes = buildModel({
      inputs: [
        { name: 'i', dtype: 'int64', shape: [3] },
        { name: 'b', dtype: 'bool', shape: [2] },
        { name: 'h', dtype: 'float16', shape: [2] },
      ],
      outputs: [
        { name: 'i2', dtype: 'int64', shape: [3] },
        { name: 'nb', dtype: 'bool', shape: [2] },
        { name: 'h2', dtype: 'float16', shape: [2] },
      ],
      nodes: [
        { op: 'Identity', inputs: ['i'], outputs: ['i2'] },
        { op: 'Not', inputs: ['b'], outputs: ['nb'] },
        { op: 'Identity', inputs: ['h'], outputs: ['h2'] },
      ],
    });
    const out = await runOrt(bytes, {
      i: { name: 'i', dtype: 'int64', shape: [3], data: BigInt64Array.from([2n ** 62n + 1n, -1n, 0n]) },
      b: { name: 'b', dtype: 'bool', shape: [2], data: Uint8Array.from([1, 0]) },
      h: { name: 'h', dtype: 'float16', shape: [2], data: Float32Array.from([0.5, -65504]) },
    });
    expect(out.i2).toEqual({ name: 'i2', dtype: 'int64', shape: [3], data: BigInt64Array.from([2n ** 62n + 1n, -1n, 0n]) });
    expect(out.nb).toEqual({ name: 'nb', dtype: 'bool', shape: [2], data: Uint8Array.from([0, 1]) });
    expect(out.h2).toEqual({ name: 'h2', dtype: 'float16', shape: [2], data: Float32Array.from([0.5, -65504]) });
  });
});
