// Spelling compile-time values as C99 literals, exactly and deterministically.
import type { TensorData } from '../ir/graph.js';
import type { ParamValue } from '../ops/op.js';

/** The shortest decimal that reads back as the same float32, with an `f` suffix. */
export function floatLiteral(value: number): string {
  if (Number.isNaN(value)) return '__builtin_nanf("")';
  if (value === Infinity) return '__builtin_inff()';
  if (value === -Infinity) return '(-__builtin_inff())';
  const f = Math.fround(value);
  if (Math.abs(f) > 3.4028234663852886e38) return f > 0 ? '__builtin_inff()' : '(-__builtin_inff())';
  if (f === 0) return Object.is(f, -0) ? '-0.0f' : '0.0f';
  for (let digits = 1; digits <= 9; digits++) {
    const text = f.toPrecision(digits);
    if (Math.fround(Number(text)) === f) {
      const c = text.includes('e') || text.includes('.') ? text : `${text}.0`;
      return `${c.replace('e+', 'e')}f`;
    }
  }
  throw new Error(`internal: ${value} has no 9-digit float32 spelling`);
}

/** A double exactly: JavaScript numbers are doubles, and their shortest spelling reads back. */
export function doubleLiteral(value: number): string {
  if (Number.isNaN(value)) return '__builtin_nan("")';
  if (value === Infinity) return '__builtin_inf()';
  if (value === -Infinity) return '(-__builtin_inf())';
  if (Object.is(value, -0)) return '-0.0';
  const text = String(value);
  return text.includes('.') || text.includes('e') ? text.replace('e+', 'e') : `${text}.0`;
}

function integerLiteral(value: number | bigint, ctype: string): string {
  // INT64_MIN has no literal of its own in C.
  if (ctype === 'int64_t' && BigInt(value) === -(2n ** 63n)) return '(-9223372036854775807LL - 1)';
  const suffix = ctype === 'int64_t' ? 'LL' : ctype === 'uint64_t' ? 'ULL' : ctype === 'uint32_t' ? 'u' : '';
  return `${value}${suffix}`;
}

/** The body of an array initializer, a fixed number of values per line. */
export function arrayInitializer(data: TensorData, ctype: string, perLine = 8): string {
  const items: string[] = [];
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number | bigint;
    if (ctype === 'float') items.push(floatLiteral(Number(v)));
    else if (ctype === 'double') items.push(doubleLiteral(Number(v)));
    else items.push(integerLiteral(v, ctype));
  }
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) lines.push(`  ${items.slice(i, i + perLine).join(', ')},`);
  return lines.join('\n');
}

export function paramLiteral(value: ParamValue): string {
  if ('int' in value) return String(value.int);
  if ('float' in value) return floatLiteral(value.float);
  if ('enum' in value) return value.enum;
  return `{ ${value.ints.join(', ')} }`;
}
