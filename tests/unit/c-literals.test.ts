// C literals must read back as exactly the float32 the compiler meant.
import { describe, expect, it } from 'vitest';
import { arrayInitializer, doubleLiteral, floatLiteral } from '../../compiler/codegen/c-literals.js';
import { randomFloat32 } from '../helpers/random.js';

describe('C literals', () => {
  it('spell every float32 so that it reads back bit for bit', () => {
    const values = [...randomFloat32(2000, 3, -1e6, 1e6), ...randomFloat32(2000, 4, -1e-6, 1e-6), 1.401298464324817e-45, 3.4028234663852886e38, 0.1, 1 / 3];
    for (const v of values) {
      const text = floatLiteral(v);
      expect(text.endsWith('f')).toBe(true);
      expect(Math.fround(Number(text.slice(0, -1)))).toBe(Math.fround(v));
    }
    expect(floatLiteral(1)).toBe('1.0f');
    expect(floatLiteral(-0)).toBe('-0.0f');
    expect(floatLiteral(Infinity)).toBe('__builtin_inff()');
  });

  it('writes int64 arrays with suffixes and the one value C has no literal for', () => {
    expect(arrayInitializer(BigInt64Array.of(5n, -(2n ** 63n)), 'int64_t')).toBe('  5LL, (-9223372036854775807LL - 1),');
  });

  it('spell doubles so that they read back exactly', () => {
    for (const v of [0.1, 1 / 3, 1e-300, 123456789.125, -2.5e100, 5e-324]) expect(Number(doubleLiteral(v))).toBe(v);
    expect(doubleLiteral(2)).toBe('2.0');
    expect(arrayInitializer(Float64Array.of(0.1, -0), 'double')).toBe('  0.1, -0.0,');
  });
});
