// The ONNX backend node tests (932, from Debian's libonnx-testdata) through the whole host path,
// plain and under AddressSanitizer + UndefinedBehaviorSanitizer. Every test onnx2mcu compiles
// must pass; docs/SUPPORTED_OPS.md must be exactly what this run generates.
import { describe, expect, it } from 'vitest';
import {
  docsPaths, readCommitted, runNodeTests, summarise, supportedOpsMarkdown, type TestResult,
} from '../../conformance/node-tests.js';

const results = await runNodeTests({ jobs: 2 });
const compiled = results.filter((r) => r.status !== 'unsupported');
const compiledNames = new Set(compiled.map((r) => r.name));
const sanitized: TestResult[] = compiledNames.size === 0 ? [] : await runNodeTests({
  sanitize: true, jobs: 2, filter: (name) => compiledNames.has(name),
});

// Every operator a CNN or a transformer uses: all of their node tests must pass (issue #3).
const CORE_OPS = [
  'Conv', 'Gemm', 'MatMul', 'Add', 'Mul', 'Sub', 'Div', 'Relu', 'Sigmoid', 'Tanh', 'Erf', 'Softmax',
  'LayerNormalization', 'Reshape', 'Transpose', 'Gather', 'Concat', 'Slice', 'MaxPool', 'AveragePool',
  'GlobalAveragePool', 'BatchNormalization', 'Pad', 'Clip', 'ReduceMean', 'Pow', 'Sqrt', 'Where',
];

describe('ONNX node tests compiled by onnx2mcu', () => {
  for (const r of compiled) {
    it(r.name, () => {
      expect(r.status, r.reason).toBe('passed');
    });
  }

  it('refuses every other test with a compile error, not a crash', () => {
    for (const r of results.filter((x) => x.status === 'unsupported')) expect(r.reason, r.name).toBeTruthy();
  });

  it('docs/SUPPORTED_OPS.md is exactly what this run generates', () => {
    expect(readCommitted(docsPaths().markdown)).toBe(supportedOpsMarkdown(results));
  });
});

describe('the same tests under AddressSanitizer and UndefinedBehaviorSanitizer', () => {
  it('finds nothing', () => {
    const bad = sanitized.filter((r) => r.status !== 'passed').map((r) => `${r.name}: ${r.reason}`);
    expect(bad).toEqual([]);
    expect(sanitized.length).toBe(compiledNames.size);
  });
});

describe('coverage of the operators CNNs and transformers use', () => {
  const byOp = new Map(summarise(results).ops.map((o) => [o.op, o]));
  for (const op of CORE_OPS) {
    const s = byOp.get(op);
    it(`${op}: every node test passes`, () => {
      expect(s, `no node test names ${op}`).toBeDefined();
      expect({ op, failed: s!.failed, unsupported: s!.unsupported }).toEqual({ op, failed: 0, unsupported: 0 });
    });
  }
});
