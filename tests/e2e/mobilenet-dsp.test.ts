// MobileNetV1-0.25 at 96×96 in int8 (bench/mobilenet.mjs, random weights) on mps2-an386 (the
// Cortex-M4's DSP kernels) and mps3-an547 (the Cortex-M55's Helium ones): every fast kernel a
// real network reaches — the standard 3×3 convolution, thirteen depthwise and thirteen pointwise
// ones with fused ReLU6, the fully connected head — gives the host's logits bit for bit, and the
// fast build runs in fewer instructions than the portable one. The bench (npm run bench) prints
// the figures.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mobileNetInput, mobileNetV1Quarter } from '../../bench/mobilenet.mjs';
import { loadBoard } from '../../compiler/boards/index.js';
import { buildModel as buildFirmware } from '../../compiler/build/index.js';
import { compileModel } from '../../compiler/compile.js';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { runHostFastPortable } from '../helpers/fast-kernels.js';
import { scratchDir } from '../helpers/pipeline.js';

const BOARDS = ['mps2-an386', 'mps3-an547'];

describe.each(BOARDS)('MobileNetV1-0.25 96×96 int8 on a fast core: %s', (board) => {
  it('gives the host\'s logits bit for bit, in fewer instructions than the portable kernels', async () => {
    const dir = scratchDir(`mobilenet-dsp-${board}`);
    const modelPath = join(dir, 'mobilenet.onnx');
    writeFileSync(modelPath, mobileNetV1Quarter({ softmax: false }));
    const out = join(dir, 'out');
    compileModel({
      modelPath, outDir: out, board: loadBoard(board), prefix: 'model', shapes: new Map(),
      int8: { calibration: 'random' },
    });
    const inputs = new Map([['input', mobileNetInput() as ConstTensor]]);
    buildFirmware(out, { host: true });
    const { host, fast, portable } = await runHostFastPortable(out, inputs, 600);

    const logits = (r: { outputs: Map<string, ConstTensor> }) => r.outputs.get('logits')!.data as Float32Array;
    expect(new Set(logits(host)).size).toBeGreaterThan(50);
    expect(Buffer.from(logits(fast).buffer).equals(Buffer.from(logits(host).buffer)), 'fast firmware vs host').toBe(true);
    expect(Buffer.from(logits(portable).buffer).equals(Buffer.from(logits(host).buffer)), 'portable firmware vs host').toBe(true);
    expect(fast.instructions).toBeLessThan(portable.instructions / 2);
  }, 900_000);
});
