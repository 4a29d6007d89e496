// The fast variants of the int8 Softmax (runtime-c/kernels/softmax_i8.c) against its definition,
// bit for bit: the Cortex-M4 DSP one (a contiguous row's maximum four levels at a time by
// SSUB8/SEL, each output by UMLAL and MLA instead of a 64-bit product) and the Cortex-M55 Helium
// one (VMAXV on 16 levels, the exponentials gathered four at a time, each output from 32-bit
// products of the reciprocal's halves). Rows of 37 (a tail past the last word), 4, 251 and 1
// (every output the row's own maximum: 256/256, saturated to 127), 16, 17 and 3 (whole vectors
// and tails of Helium's 16 and 4 lanes), and a Softmax over a middle axis, whose strided rows keep
// the portable loops. Runs on the host (portable), on mps2-an386 and mps3-an547 as built and on
// their firmware built with -DO2M_PORTABLE_KERNELS. The masked softmax
// of attention takes the same output step, bit for bit under QEMU in embbert-small.test.ts.
import { describe, expect, it } from 'vitest';
import { compileInt8 } from '../helpers/int8.js';
import { casesModel, expectFastEqualsPortable, sampleCases, type FastCase } from '../helpers/fast-kernels.js';

const softmax = (axis: number) => (x: string, y: string) => [{ op: 'Softmax', inputs: [x], outputs: [y], attrs: { axis } }];

const CASES: FastCase[] = [
  { id: 'row37', x: [3, 37], range: [-3, 3], nodes: softmax(-1) },
  { id: 'row4', x: [5, 4], range: [0, 2], nodes: softmax(-1) },
  { id: 'row251', x: [2, 251], range: [-3, 3], nodes: softmax(-1) },
  { id: 'row1', x: [1, 1], range: [-1, 1], nodes: softmax(-1) },
  { id: 'middle', x: [2, 6, 3], range: [-2, 2], nodes: softmax(1) },
  { id: 'row16', x: [4, 16], range: [-2, 2], nodes: softmax(-1) },
  { id: 'row17', x: [2, 17], range: [-1, 3], nodes: softmax(-1) },
  { id: 'row3', x: [3, 3], range: [-2, 1], nodes: softmax(-1) },
];

describe.each(['mps2-an386', 'mps3-an547'])('int8 Softmax on a fast core: %s', (board) => {
  it('gives the portable kernel\'s bits, built fast and built portable, for every row length', async () => {
    const calibration = [0, 1, 2, 3].map((i) => sampleCases(CASES, 6000 + 77 * i, 1));
    const m = compileInt8(casesModel(CASES), calibration, { board, label: `softmax-dsp-${board}` });
    const kernels = m.compiled.lowered.steps.filter((s) => s.opType === 'Softmax').map((s) => s.kernel);
    expect(kernels).toEqual(CASES.map(() => 'o2m_softmax_i8'));
    const counts = await expectFastEqualsPortable(m, CASES, sampleCases(CASES, 17, 1.5));
    expect(counts.fast).toBeLessThan(counts.portable);
  }, 300_000);
});
