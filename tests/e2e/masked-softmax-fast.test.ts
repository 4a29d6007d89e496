// The fast variants of the int8 masked softmax of attention (runtime-c/kernels/softmax_i8.c,
// o2m_masked_softmax_i8) against its definition, bit for bit: on the Cortex-M4 the DSP output step
// (UMLAL and MLA), on the Cortex-M55 Helium rows (the mask bytes as lane predicates on the
// maximum, the gathered exponentials and the outputs). Rows of 37 keys (two vectors of 16 and a
// tail of 5; 4-lane groups with a tail of 1) with padding inside the first vector, across its end
// and at the row's end; then every key padding (the uniform row). Runs on the host (portable), on
// each board as built and on that firmware built with -DO2M_PORTABLE_KERNELS.
import { describe, expect, it } from 'vitest';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { runHostFastPortable } from '../helpers/fast-kernels.js';
import { compileInt8 } from '../helpers/int8.js';
import { buildModel } from '../helpers/onnx-builder.js';
import { floats } from '../helpers/op-cases.js';

const L = 37;
const ROWS = 3;

/** Scores [1, ROWS, L] masked where the token id is 0 (torch.onnx's Equal → Unsqueeze → Where), then Softmax. */
const model = buildModel({
  inputs: [{ name: 'ids', dtype: 'int64', shape: [1, L] }, { name: 'scores', dtype: 'float32', shape: [1, ROWS, L] }],
  outputs: [{ name: 'y', dtype: 'float32' }],
  initializers: [
    { name: 'zero', dtype: 'int64', shape: [], data: [0n] },
    { name: 'axes', dtype: 'int64', shape: [1], data: [1n] },
    { name: 'fill', dtype: 'float32', shape: [], data: [-1e4] },
  ],
  nodes: [
    { op: 'Equal', inputs: ['ids', 'zero'], outputs: ['pad'] },
    { op: 'Unsqueeze', inputs: ['pad', 'axes'], outputs: ['mask'] },
    { op: 'Where', inputs: ['mask', 'fill', 'scores'], outputs: ['masked'] },
    { op: 'Softmax', inputs: ['masked'], outputs: ['y'], attrs: { axis: -1 } },
  ],
});

const ids = (padded: (j: number) => boolean): ConstTensor =>
  ({ name: 'ids', dtype: 'int64', shape: [1, L], data: BigInt64Array.from({ length: L }, (_, j) => (padded(j) ? 0n : BigInt(j + 1))) });
const scores = (seed: number) => floats('scores', [1, ROWS, L], seed, 'float32', -4, 4);

// Keys 3, 14-17 (across the first vector's end) and 33-36 (the tail) are padding.
const PADDED = (j: number) => j === 3 || (j >= 14 && j <= 17) || j >= 33;

describe.each(['mps2-an386', 'mps3-an547'])('int8 masked softmax on a fast core: %s', (board) => {
  it('gives the portable kernel\'s bits, built fast and built portable, for a padded and a fully masked row', async () => {
    const calibration = [0, 1, 2, 3].map((i) => ({ ids: ids(PADDED), scores: scores(50 + i) }));
    const m = compileInt8(model, calibration, { board, label: `masked-softmax-fast-${board}` });
    expect(m.compiled.lowered.steps.map((s) => s.kernel)).toContain('o2m_masked_softmax_i8');
    for (const [label, padded, seed] of [['padded', PADDED, 60], ['every key padding', () => true, 61]] as const) {
      const inputs = new Map([['ids', ids(padded)], ['scores', scores(seed)]]);
      const { host, fast, portable } = await runHostFastPortable(m.dir, inputs);
      const bits = (o: Map<string, ConstTensor>) => Buffer.from((o.get('y')!.data as Float32Array).buffer);
      expect(bits(fast.outputs).equals(bits(host.outputs)), `${label}: fast firmware`).toBe(true);
      expect(bits(portable.outputs).equals(bits(host.outputs)), `${label}: portable firmware`).toBe(true);
      const y = host.outputs.get('y')!.data as Float32Array;
      if (label === 'padded') {
        // masked keys exactly 0; the rest spread over many levels
        for (let row = 0; row < ROWS; row++) {
          for (let j = 0; j < L; j++) if (PADDED(j)) expect(y[row * L + j]).toBe(0);
        }
        expect(new Set(y).size).toBeGreaterThan(10);
      } else {
        expect(new Set(y).size).toBe(1);
      }
    }
  }, 300_000);
});
