// The memory planner on a real network through the whole compiler: MobileNetV1-0.25 at
// 96×96×3 in int8, built by bench/mobilenet.mjs (random weights; the plan depends on shapes only),
// quantized, scheduled and planned. With the float input and output in the caller's buffers
// (--io outside) the arena holds exactly the int8 tensors of tests/unit/planner-strategies'
// buffer-level model plus the convolutions' scratch, and the plan reaches LOAD = 55,776 bytes
// where TFLM's greedy by size does not. The DSP Conv's pixel blocks grow into the arena's room:
// the pointwise layer at the peak keeps the least, every later one gets its most.
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../compiler/boards/index.js';
import { compileInMemory } from '../../compiler/compile.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mobileNetV1Quarter } from '../../bench/mobilenet.mjs';
import { scratchDir } from '../helpers/pipeline.js';

describe('MobileNetV1-0.25 96×96×3, int8, through the compiler', () => {
  it('plans its arena at LOAD, 55,776 bytes, below TFLM\'s greedy by size', () => {
    const dir = scratchDir('mobilenet');
    const modelPath = join(dir, 'mobilenet.onnx');
    writeFileSync(modelPath, mobileNetV1Quarter());
    const { manifest, graph, lowered } = compileInMemory({
      modelPath, board: loadBoard('mps2-an386'), prefix: 'mobilenet', shapes: new Map(),
      int8: { calibration: 'random' }, io: 'outside',
    });
    expect(manifest.quantization!.floatNodes).toEqual([]);
    expect(graph.nodes.filter((n) => n.opType === 'Conv')).toHaveLength(27);
    expect(manifest.macs).toBeGreaterThan(7_000_000); // MobileNetV1-0.25 at 96×96: about 7.5 M
    const m = manifest.memory;
    // dw1 (48·48·8) and pw1 (48·48·16) live together, with pw1's scratch for the DSP kernel
    // (kernels_int8.h, K = 8 taps: a 72-byte record; the taps' offsets, 4 bytes each; blocks of
    // the least 2 pixel pairs, 4 bytes per tap each, as the peak leaves no room; one channel
    // pair's widened weights, 4 bytes per tap and 16 of biases; 16 bytes per output channel),
    // rounded up to the arena's 16-byte alignment
    const scratch = Math.ceil((72 + 4 * 8 + 2 * 4 * 8 + 4 * 8 + 16 + 16 * 16) / 16) * 16;
    expect(m.lower_bound_bytes).toBe(48 * 48 * 8 + 48 * 48 * 16 + scratch);
    expect(m.arena_bytes).toBe(m.lower_bound_bytes);
    expect(m.proved_optimal).toBe(true);
    // greedy by size with greedy.ts's tie order: 64,512 (derived by hand in planner-strategies.test.ts)
    expect(m.baseline_greedy_bytes).toBe(64_512);

    // Pixel pairs per block: the stem (48×48 outputs, off the peak) and the later pointwise layers
    // get their most — 64 pairs, or the fewest blocks of up to 128 pixels evened out: 64 (2,304 =
    // 18 × 128), for 24×24 58 (576 = 5 × 116 − 4), 12×12 36 (144 = 2 × 72), 6×6 18 and 3×3 5 (one
    // block each); the first pointwise layer, at the peak, the least (2). Depthwise layers have
    // their own kernel.
    const pairs = lowered.steps.filter((s) => s.kernel === 'o2m_conv2d_i8').map((s) => (s.params.block_pairs as { int: number }).int);
    expect(pairs).toEqual([64, 2, 58, 58, 36, 36, 18, 18, 18, 18, 18, 18, 5, 5]);
  });
});
