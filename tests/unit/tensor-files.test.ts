import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompileError, type ConstTensor } from '../../compiler/ir/graph.js';
import { floatToHalf, halfToFloat } from '../../compiler/onnx/float16.js';
import {
  readNpy,
  readTensorFile,
  readTensorProtoFile,
  tensorFromBytes,
  tensorToBytes,
  writeNpy,
  writeTensorFile,
  writeTensorProto,
} from '../../compiler/tensor-files/index.js';
import { makeTensor } from '../helpers/onnx-builder.js';
import { compileError } from '../helpers/errors.js';

const { onnx } = onnxProto;


const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (b) => parseInt(b, 16));

/** One tensor per dtype that the tensor files carry, with values at the edges of each range. */
const TENSORS: ConstTensor[] = [
  { name: 'f32', dtype: 'float32', shape: [2, 3], data: Float32Array.from([1.5, -0, NaN, Infinity, -3.25e-40, 3.4028234663852886e38]) },
  { name: 'f64', dtype: 'float64', shape: [3], data: Float64Array.from([Math.E, -1e-310, -Infinity]) },
  // float16 values are exactly representable, so the narrowing on write loses nothing.
  { name: 'f16', dtype: 'float16', shape: [2, 2], data: Float32Array.from([1, -(2 ** -24), 65504, -Infinity]) },
  { name: 'i8', dtype: 'int8', shape: [3], data: Int8Array.from([-128, 0, 127]) },
  { name: 'i16', dtype: 'int16', shape: [3], data: Int16Array.from([-32768, 1, 32767]) },
  { name: 'i32', dtype: 'int32', shape: [1, 3], data: Int32Array.from([-2147483648, 1, 2147483647]) },
  { name: 'i64', dtype: 'int64', shape: [3], data: BigInt64Array.from([-(2n ** 63n), 2n ** 53n + 1n, 2n ** 63n - 1n]) },
  { name: 'u8', dtype: 'uint8', shape: [3], data: Uint8Array.from([0, 128, 255]) },
  { name: 'u16', dtype: 'uint16', shape: [3], data: Uint16Array.from([0, 1, 65535]) },
  { name: 'u32', dtype: 'uint32', shape: [3], data: Uint32Array.from([0, 2 ** 31, 2 ** 32 - 1]) },
  { name: 'u64', dtype: 'uint64', shape: [2], data: BigUint64Array.from([2n ** 64n - 1n, 2n ** 53n + 1n]) },
  { name: 'b', dtype: 'bool', shape: [2, 2], data: Uint8Array.from([1, 0, 0, 1]) },
  { name: 'scalar', dtype: 'float64', shape: [], data: Float64Array.from([-7.5]) },
  { name: 'empty', dtype: 'int32', shape: [0, 4], data: new Int32Array(0) },
];

describe('.npy', () => {
  it.each(TENSORS)('round-trips $dtype $shape', (t) => {
    const bytes = writeNpy(t);
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + headerLength) % 64).toBe(0);
    const back = readNpy(bytes, `/data/${t.name}.npy`);
    expect(back).toEqual(t);
  });

  it('reads and writes the exact bytes numpy 2.x writes for np.save(f, a) with a (2, 3) float32', () => {
    // format 1.0: magic, version, uint16 LE header length 118, then the dict, 20 spaces numpy
    // keeps for the first axis to grow, 38 spaces to bring the data to offset 128, a newline.
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    expect(dict.length).toBe(59);
    const header = dict + ' '.repeat(20 + 38) + '\n';
    const file = new Uint8Array([
      0x93, ...latin1('NUMPY'), 1, 0, 118, 0,
      ...latin1(header),
      ...hex('0000c03f' + '000000c0' + '00000000' + '0000803e' + '0000c842' + '6f1283ba'),
    ]);
    expect(file.length).toBe(128 + 24);
    const t = readNpy(file, 'x.npy');
    expect(t).toEqual({
      name: 'x', dtype: 'float32', shape: [2, 3],
      data: Float32Array.from([1.5, -2, 0, 0.25, 100, Math.fround(-1e-3)]),
    });
    expect(writeNpy(t)).toEqual(file);
  });

  it('writes the numpy header of a scalar and of a bool vector', () => {
    const scalar = writeNpy({ name: 's', dtype: 'float64', shape: [], data: Float64Array.from([3.5]) });
    const scalarDict = "{'descr': '<f8', 'fortran_order': False, 'shape': (), }";
    expect(new TextDecoder('latin1').decode(scalar.subarray(10, 128))).toBe(scalarDict + ' '.repeat(62) + '\n');
    const bools = writeNpy({ name: 'b', dtype: 'bool', shape: [2], data: Uint8Array.from([1, 0]) });
    const boolDict = "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }";
    expect(new TextDecoder('latin1').decode(bools.subarray(10, 128))).toBe(boolDict + ' '.repeat(20 + 40) + '\n');
    expect([...bools.subarray(128)]).toEqual([1, 0]);
  });

  function handWritten(descr: string, shape: string, payload: Uint8Array, version: 1 | 2 | 3 = 1, fortran = 'False'): Uint8Array {
    const dict = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
    const lengthBytes = version === 1 ? 2 : 4;
    const pad = 64 - ((6 + 2 + lengthBytes + dict.length + 1) % 64);
    const header = latin1(dict + ' '.repeat(pad) + '\n');
    const prefix = new Uint8Array(8 + lengthBytes);
    prefix.set([0x93, ...latin1('NUMPY'), version, 0]);
    const view = new DataView(prefix.buffer);
    if (version === 1) view.setUint16(8, header.length, true);
    else view.setUint32(8, header.length, true);
    return new Uint8Array([...prefix, ...header, ...payload]);
  }

  it('converts big-endian data', () => {
    const f = new Uint8Array(8);
    new DataView(f.buffer).setFloat32(0, 1.5, false);
    new DataView(f.buffer).setFloat32(4, -2, false);
    expect(readNpy(handWritten('>f4', '(2,)', f), 'be.npy').data).toEqual(Float32Array.from([1.5, -2]));

    const i = new Uint8Array(16);
    new DataView(i.buffer).setBigInt64(0, -(2n ** 40n) - 3n, false);
    new DataView(i.buffer).setBigInt64(8, 258n, false);
    expect(readNpy(handWritten('>i8', '(2,)', i), 'be.npy').data).toEqual(BigInt64Array.from([-(2n ** 40n) - 3n, 258n]));

    // 0x0102 written big-endian is 258, not 513.
    expect(readNpy(handWritten('>u2', '(1, 1)', Uint8Array.from([0x01, 0x02])), 'be.npy').data).toEqual(Uint16Array.from([258]));
    expect(readNpy(handWritten('>f2', '()', Uint8Array.from([0xc0, 0x00])), 'be.npy').data).toEqual(Float32Array.from([-2]));
  });

  it('reads format versions 2.0 and 3.0', () => {
    const payload = Uint8Array.from([5, 0, 0, 0, 250, 255, 255, 255]);
    for (const version of [2, 3] as const) {
      const t = readNpy(handWritten('<i4', '(2,)', payload, version), 'v.npy');
      expect(t.data).toEqual(Int32Array.from([5, -6]));
    }
  });

  it('refuses Fortran order with a clear message', () => {
    const err = compileError(() => readNpy(handWritten('<f4', '(2, 2)', new Uint8Array(16), 1, 'True'), 'f.npy'));
    expect(err.message).toMatch(/^f\.npy: .*Fortran order/);
    expect(err.message).toContain('ascontiguousarray');
  });

  it.each([
    ['complex', handWritten('<c8', '(1,)', new Uint8Array(8)), "unsupported dtype '<c8'"],
    ['object', handWritten('|O', '(1,)', new Uint8Array(8)), "unsupported dtype '|O'"],
    ['truncated data', handWritten('<f4', '(3,)', new Uint8Array(8)), 'needs 12 data bytes, the file has 8'],
    ['bad magic', latin1('PK\x03\x04 zip file'), 'not a .npy file'],
  ])('refuses %s', (_label, bytes, reason) => {
    expect(compileError(() => readNpy(bytes, 'bad.npy')).message).toContain(reason);
  });
});

describe('TensorProto files', () => {
  const all: ConstTensor[] = [...TENSORS, { name: 'str', dtype: 'string', shape: [2], data: ['a', 'zürich'] }];

  it.each(all)('round-trips $dtype $shape', (t) => {
    expect(readTensorProtoFile(writeTensorProto(t), `${t.name}.pb`)).toEqual(t);
  });

  it('writes float16 as half bits in raw_data', () => {
    const proto = onnx.TensorProto.decode(writeTensorProto({ name: 'h', dtype: 'float16', shape: [2], data: Float32Array.from([1, -0.5]) }));
    expect(proto.dataType).toBe(10);
    expect([...proto.rawData]).toEqual([0x00, 0x3c, 0x00, 0xb8]);
  });

  it('reads typed-field files as the ONNX test suite may write them', () => {
    const bytes = onnx.TensorProto.encode(makeTensor({ name: 'input_0', dtype: 'int64', shape: [2], data: [7n, -1n], encoding: 'typed' })).finish();
    expect(readTensorProtoFile(bytes, 'input_0.pb')).toEqual({
      name: 'input_0', dtype: 'int64', shape: [2], data: BigInt64Array.from([7n, -1n]),
    });
  });

  it('names a tensor without a name after its file', () => {
    const bytes = onnx.TensorProto.encode({ dataType: 1, dims: [1], floatData: [2] }).finish();
    expect(readTensorProtoFile(bytes, '/x/output_3.pb').name).toBe('output_3');
  });

  it('refuses bytes that are not a TensorProto', () => {
    const err = compileError(() => readTensorProtoFile(latin1('\x93NUMPY nonsense'), 'bad.pb'));
    expect(err.message).toMatch(/^bad\.pb: not a serialized TensorProto/);
  });
});

describe('readTensorFile / writeTensorFile', () => {
  let dir: string;
  beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2mcu-tensors-')); });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(['npy', 'pb'])('writes and reads back .%s by extension', (ext) => {
    const t: ConstTensor = { name: 'x', dtype: 'float32', shape: [1, 2], data: Float32Array.from([0.125, -9]) };
    const file = path.join(dir, `x.${ext}`);
    writeTensorFile(file, t);
    expect(readTensorFile(file)).toEqual(t);
  });

  it('names a missing file', () => {
    const file = path.join(dir, 'missing', 'input.npy');
    const err = compileError(() => readTensorFile(file));
    expect(err.message).toBe(`${file}: cannot read tensor file: no such file`);
    expect(err.details.file).toBe(file);
  });

  it('refuses unknown extensions, naming the file', () => {
    const file = path.join(dir, 'x.csv');
    fs.writeFileSync(file, '1,2,3');
    expect(compileError(() => readTensorFile(file)).message).toMatch(/x\.csv: unknown tensor file type '\.csv'/);
  });
});

describe('firmware buffers', () => {
  it.each(TENSORS)('round-trips $dtype $shape', (t) => {
    expect(tensorFromBytes(tensorToBytes(t), t.dtype, t.shape, t.name)).toEqual(t);
  });

  it('lays out elements little-endian, bool one byte each, float16 as half bits', () => {
    expect([...tensorToBytes({ name: 'a', dtype: 'int32', shape: [2], data: Int32Array.from([1, -2]) })])
      .toEqual([1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]);
    expect([...tensorToBytes({ name: 'b', dtype: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) })]).toEqual([1, 0, 1]);
    expect([...tensorToBytes({ name: 'h', dtype: 'float16', shape: [1], data: Float32Array.from([1]) })]).toEqual([0x00, 0x3c]);
  });

  it('decodes from a buffer at an odd offset', () => {
    const backing = new Uint8Array(9);
    new DataView(backing.buffer).setFloat64(1, -0.1, true);
    expect(tensorFromBytes(backing.subarray(1), 'float64', [1], 'd').data).toEqual(Float64Array.from([-0.1]));
  });

  it('refuses a buffer of the wrong size and data that does not fill the shape', () => {
    expect(compileError(() => tensorFromBytes(new Uint8Array(7), 'float32', [2], 'out')).message)
      .toBe("tensor 'out': shape 2 of float32 needs 8 bytes, got 7");
    expect(compileError(() => tensorToBytes({ name: 'in', dtype: 'float32', shape: [3], data: new Float32Array(2) })).message)
      .toContain("tensor 'in': shape 3 needs 3 elements, data has 2");
  });
});

describe('float16 conversion', () => {
  it('narrows every half value back to its own bits (NaNs to a NaN)', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = halfToFloat(bits);
      const back = floatToHalf(value);
      if (Number.isNaN(value)) expect(Number.isNaN(halfToFloat(back))).toBe(true);
      else if (back !== bits) expect.fail(`0x${bits.toString(16)} → ${value} → 0x${back.toString(16)}`);
    }
  });

  it('rounds to nearest even, as numpy does', () => {
    // Reference bits from numpy: np.array([...], np.float32).astype(np.float16).view(np.uint16)
    expect(floatToHalf(65520)).toBe(0x7c00);
    expect(floatToHalf(65519)).toBe(0x7bff);
    expect(floatToHalf(2 ** -25)).toBe(0x0000);
    expect(floatToHalf(3 * 2 ** -26)).toBe(0x0001);
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00);
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(floatToHalf(-1e-10)).toBe(0x8000);
    expect(floatToHalf(1e10)).toBe(0x7c00);
  });
});
