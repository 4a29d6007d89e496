// protobufjs decodes int64/uint64 fields to Long objects (the `long` package is installed next
// to it). Shapes and attributes become plain numbers, which only hold integers up to 2^53
// exactly, so every conversion checks the range instead of silently rounding.

import { CompileError } from '../ir/graph.js';

/** The part of a `Long` that the conversions read; also accepts plain numbers. */
export interface LongBits {
  low: number;
  high: number;
  unsigned?: boolean;
}

export type Int64Field = number | LongBits | string;

export function int64ToBigInt(value: Int64Field): bigint {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError(`not an integer: ${value}`);
    return BigInt(value);
  }
  if (typeof value === 'string') return BigInt(value);
  const high = BigInt(value.unsigned ? value.high >>> 0 : value.high | 0);
  return (high << 32n) + BigInt(value.low >>> 0);
}

/**
 * `where` starts the error message and should name the file and the field, e.g.
 * "model.onnx: node 'Conv_0' attribute 'pads'".
 */
export function int64ToNumber(value: Int64Field, where: string, file?: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  const big = int64ToBigInt(value);
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new CompileError(
      `${where}: ${big} is outside the integer range this compiler handles exactly (±(2^53-1))`,
      2,
      file === undefined ? {} : { file },
    );
  }
  return Number(big);
}
