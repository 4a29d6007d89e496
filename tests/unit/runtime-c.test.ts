// The C runtime's own host checks (runtime-c/tests): each kernel against a naive double
// reference on padding, strides, groups and broadcast cases, and o2m_expf against libm —
// plain and under AddressSanitizer and UndefinedBehaviorSanitizer.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tests = join(import.meta.dirname, '..', '..', 'runtime-c', 'tests');

function check(extraCflags: string) {
  const r = spawnSync('make', ['-s', '-C', tests, 'check', `EXTRA_CFLAGS=${extraCflags}`, `BUILD=build/${extraCflags ? 'sanitized' : 'plain'}`], { encoding: 'utf8' });
  return { status: r.status, log: `${r.stdout}\n${r.stderr}` };
}

describe('runtime-c host checks', () => {
  it('kernels and expf pass', () => {
    const r = check('');
    expect(r.status, r.log).toBe(0);
    expect(r.log).toMatch(/[1-9]\d* passed, 0 failed/);
  });

  it('kernels and expf pass under ASan and UBSan', () => {
    const r = check('-fsanitize=address,undefined -fno-sanitize-recover=all');
    expect(r.status, r.log).toBe(0);
    expect(r.log).not.toMatch(/runtime error|AddressSanitizer/);
  });
});
