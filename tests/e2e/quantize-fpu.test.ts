// The FPU variant of QuantizeLinear (runtime-c/kernels/quantize_linear.c: VCVTR in place of
// o2m_roundf_even, cores with a single-precision FPU; with the DSP extension, QADD and SSAT/USAT
// in place of the range checks) against its definition, bit for bit: a QDQ model quantizes, with
// int8 and uint8 zero points at both ends, values on every rounding tie, next to ±1024 steps
// (where the variant for an FPU without DSP stops converting), far outside the range, ±0,
// subnormals, infinities and NaN. Runs on the host (portable), on mps2-an386 (Cortex-M4F) as
// built and on that firmware built with -DO2M_PORTABLE_KERNELS. The M4F's rows go four elements
// per pass unless the FPSCR's Invalid Operation flag says a quotient was NaN or past int32, when
// the row goes again element by element: the probes run once with those values and once with
// them replaced by 0, which must take the short path.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../compiler/boards/index.js';
import { buildModel as buildFirmware } from '../../compiler/build/index.js';
import { compileModel } from '../../compiler/compile.js';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { runHostFastPortable } from '../helpers/fast-kernels.js';
import { buildModel } from '../helpers/onnx-builder.js';
import { scratchDir } from '../helpers/pipeline.js';

const SCALE = 0.037;

/** The values to quantize, in units of the scale where that matters. */
function probes(): Float32Array {
  const steps: number[] = [];
  for (let k = -300; k <= 300; k++) steps.push(k + 0.5, k, k + 0.49999997, k + 0.50000006);
  for (const edge of [1023, 1023.5, 1024, 1024.5, 1e4]) steps.push(edge, -edge);
  const values = steps.map((s) => Math.fround(s * SCALE));
  values.push(0, -0, 1e-45, -1e-45, 3e38, -3e38, Infinity, -Infinity, NaN, 1e30, -1e30);
  return Float32Array.from(values);
}

function qdqModel(count: number): Uint8Array {
  const pair = (suffix: string, dtype: 'int8' | 'uint8', zeroPoint: number) => [
    { op: 'QuantizeLinear', inputs: ['x', 'scale', `zp_${suffix}`], outputs: [`q_${suffix}`] },
    { op: 'DequantizeLinear', inputs: [`q_${suffix}`, 'scale', `zp_${suffix}`], outputs: [`y_${suffix}`] },
  ];
  return buildModel({
    inputs: [{ name: 'x', dtype: 'float32', shape: [count] }],
    outputs: ['i8_low', 'i8_high', 'u8_low', 'u8_high'].map((s) => ({ name: `y_${s}`, dtype: 'float32' as const })),
    initializers: [
      { name: 'scale', dtype: 'float32', shape: [], data: [SCALE] },
      { name: 'zp_i8_low', dtype: 'int8', shape: [], data: [-128] },
      { name: 'zp_i8_high', dtype: 'int8', shape: [], data: [127] },
      { name: 'zp_u8_low', dtype: 'uint8', shape: [], data: [0] },
      { name: 'zp_u8_high', dtype: 'uint8', shape: [], data: [255] },
    ],
    nodes: [...pair('i8_low', 'int8', -128), ...pair('i8_high', 'int8', 127), ...pair('u8_low', 'uint8', 0), ...pair('u8_high', 'uint8', 255)],
  });
}

describe('QuantizeLinear on a core with an FPU', () => {
  it('gives the definition\'s bits for ties, edges, infinities and NaN, to int8 and uint8', async () => {
    const dir = scratchDir('quantize-fpu');
    const x = probes();
    // the same probes with every value whose quotient VCVTR cannot take as it is (NaN, or past
    // ±2^31) replaced by 0: these rows take the four-at-a-time path
    const finite = x.map((v) => (Math.abs(v / SCALE) < 2 ** 31 ? v : 0));
    const modelPath = join(dir, 'qdq.onnx');
    writeFileSync(modelPath, qdqModel(x.length));
    const out = join(dir, 'out');
    const compiled = compileModel({ modelPath, outDir: out, board: loadBoard('mps2-an386'), prefix: 'model', shapes: new Map() });
    // uint8 pairs reach the int8 kernel: the compiler moves uint8 zero points to int8 ones
    expect(compiled.manifest.layers.filter((l) => l.kernel === 'o2m_quantize_linear_i8')).toHaveLength(4);
    buildFirmware(out, { host: true });
    const instructions: number[] = [];
    for (const values of [x, finite]) {
      const inputs = new Map<string, ConstTensor>([['x', { name: 'x', dtype: 'float32', shape: [x.length], data: values }]]);
      const runs = await runHostFastPortable(out, inputs);
      const [host, fast, portable] = [runs.host.outputs, runs.fast.outputs, runs.portable.outputs];
      for (const name of ['y_i8_low', 'y_i8_high', 'y_u8_low', 'y_u8_high']) {
        const bits = (o: Map<string, ConstTensor>) => Buffer.from((o.get(name)!.data as Float32Array).buffer);
        expect(bits(fast).equals(bits(host)), `${name}: fast firmware vs host`).toBe(true);
        expect(bits(portable).equals(bits(host)), `${name}: portable firmware vs host`).toBe(true);
        // every level from one bound to the other is reached: the probes cover the whole range
        expect(new Set(host.get(name)!.data as Float32Array).size, name).toBeGreaterThan(250);
      }
      instructions.push(runs.fast.instructions);
    }
    // the finite rows went four at a time: at least 3 instructions per element fewer in each of
    // the four QuantizeLinear layers than the rows that went again element by element
    expect(instructions[1] + 3 * 4 * x.length).toBeLessThan(instructions[0]);
  }, 300_000);
});
