// Requantisation constants and arithmetic (TFLite's scheme): the compiler's multiplier and shift
// against their exact definition, the rounding functions against exact rational arithmetic,
// and the C runtime's functions against the compiler's on the same inputs, bit for bit.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  multiplyByQuantizedMultiplier, quantizeMultiplier, roundingDivideByPowerOfTwo, roundingDoublingHighMul,
} from '../../compiler/quantize/fixed-point.js';
import { scratchDir } from '../helpers/pipeline.js';
import { mulberry32 } from '../helpers/random.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** floor(n / d) for BigInts, d > 0. */
const floorDiv = (n: bigint, d: bigint) => (n >= 0n ? n / d : -((-n + d - 1n) / d));

describe('quantizeMultiplier', () => {
  const reals = [
    1, 0.5, 0.75, 2 ** -20, 1e-3, 0.0078125, 0.123456789, 1.999999, 3.7, 0.3333333333, 1e-9, 2 ** -31,
    (2 ** 31 - 0.5) / 2 ** 31, (2 ** 31 - 0.49) / 2 ** 31, 1 - 2 ** -40, 123.456, 2 ** 30 - 1,
  ];
  for (const real of reals) {
    it(`represents ${real} within half a Q31 step`, () => {
      const { multiplier, shift } = quantizeMultiplier(real);
      expect(multiplier).toBeGreaterThanOrEqual(2 ** 30);
      expect(multiplier).toBeLessThan(2 ** 31);
      // multiplier * 2^(shift - 31) = real, to the nearest integer multiplier: real * 2^(31 - shift)
      // is exact in a double (a power-of-two scaling).
      expect(Math.abs(multiplier - real * 2 ** (31 - shift))).toBeLessThanOrEqual(0.5);
    });
  }

  it('gives zero for a multiplier below 2^-32 and saturates above 2^30', () => {
    expect(quantizeMultiplier(1e-12)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(1e12)).toEqual({ multiplier: INT32_MAX, shift: 30 });
  });

  it('moves a mantissa that rounds up to 2^31 into the next power of two', () => {
    expect(quantizeMultiplier((2 ** 31 - 0.25) / 2 ** 31)).toEqual({ multiplier: 2 ** 30, shift: 1 });
  });
});

describe('rounding arithmetic against exact rationals', () => {
  const random = mulberry32(99);
  const int32 = () => Math.floor(random() * 2 ** 32) - 2 ** 31;
  const samples = [[INT32_MIN, INT32_MIN], [INT32_MIN, INT32_MAX], [2 ** 30, 1], [-(2 ** 30), 1], [1, 1], [-1, 2 ** 30], [0, 5]];
  for (let i = 0; i < 2000; i++) samples.push([int32(), int32()]);

  it('the doubling high multiply is floor(ab / 2^31 + 1/2), saturated', () => {
    for (const [a, b] of samples) {
      const exact = floorDiv(BigInt(a) * BigInt(b) + (1n << 30n), 1n << 31n);
      const want = exact > BigInt(INT32_MAX) ? INT32_MAX : Number(exact);
      expect(roundingDoublingHighMul(a, b), `${a} * ${b}`).toBe(want);
    }
  });

  it('the power-of-two division rounds halves away from zero', () => {
    for (const [x] of samples) {
      for (const e of [0, 1, 2, 7, 16, 30, 31]) {
        const half = e === 0 ? 0n : 1n << BigInt(e - 1);
        const magnitude = floorDiv((x < 0 ? -BigInt(x) : BigInt(x)) + half, 1n << BigInt(e));
        expect(roundingDivideByPowerOfTwo(x, e), `${x} / 2^${e}`).toBe(Number(x < 0 ? -magnitude : magnitude));
      }
    }
  });
});

describe('the C runtime agrees with the compiler', () => {
  it('on 5,000 multiplications by quantized multipliers, bit for bit, without undefined behaviour', () => {
    const random = mulberry32(7);
    const rows: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const real = 10 ** (random() * 12 - 10); // 1e-10 .. 1e2
      const q = quantizeMultiplier(real);
      // Keep x << shift inside int32, as a kernel's accumulator scaled by a multiplier above 1 is.
      const bound = Math.floor(2 ** (31 - Math.max(0, q.shift))) - 1;
      const x = Math.floor((random() * 2 - 1) * bound);
      rows.push(`{ ${x}, ${q.multiplier}, ${q.shift}, ${multiplyByQuantizedMultiplier(x, q)} }`);
    }
    const dir = scratchDir('fixed-point');
    const source = join(dir, 'check.c');
    writeFileSync(source, `#include <stdio.h>
#include "onnx2mcu/fixed_point.h"
static const int32_t cases[][4] = {
${rows.join(',\n')}
};
int main(void) {
  int failed = 0;
  for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    const int32_t got = o2m_multiply_by_quantized_multiplier(cases[i][0], cases[i][1], cases[i][2]);
    if (got != cases[i][3]) {
      printf("case %u: %d * (%d, %d) gives %d, the compiler %d\\n", i, cases[i][0], cases[i][1], cases[i][2], got, cases[i][3]);
      failed = 1;
    }
  }
  return failed;
}
`);
    const exe = join(dir, 'check');
    const include = join(import.meta.dirname, '..', '..', 'runtime-c', 'include');
    const cc = spawnSync('cc', ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-fsanitize=undefined', '-fno-sanitize-recover=all', `-I${include}`, source, '-o', exe], { encoding: 'utf8' });
    expect(cc.status, cc.stderr).toBe(0);
    const run = spawnSync(exe, { encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });
});
