// The memory planner on a real network through the whole compiler: MobileNetV1-0.25 at
// 96×96×3 in int8, built here as ONNX (random weights; the plan depends on shapes only),
// quantized, scheduled and planned. With the float input and output in the caller's buffers
// (--io outside) the arena holds exactly the int8 tensors of tests/unit/planner-strategies'
// buffer-level model, and the plan reaches LOAD = 55,296 bytes where TFLM's greedy by size
// does not.
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../compiler/boards/index.js';
import { compileInMemory } from '../../compiler/compile.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel, type InitializerSpec, type NodeSpec } from '../helpers/onnx-builder.js';
import { randomFloat32 } from '../helpers/random.js';
import { scratchDir } from '../helpers/pipeline.js';

function mobileNetV1Quarter(): Uint8Array {
  const nodes: NodeSpec[] = [];
  const initializers: InitializerSpec[] = [
    { name: 'six', dtype: 'float32', shape: [], data: [6] }, { name: 'zero', dtype: 'float32', shape: [], data: [0] },
  ];
  let seed = 1;
  let x = 'input';
  let channels = 3;
  const conv = (out: number, kernel: number, stride: number, group: number) => {
    const name = `conv${nodes.length}`;
    const perGroup = channels / group;
    initializers.push(
      { name: `${name}_w`, dtype: 'float32', shape: [out, perGroup, kernel, kernel], data: randomFloat32(out * perGroup * kernel * kernel, seed++, -0.3, 0.3) },
      { name: `${name}_b`, dtype: 'float32', shape: [out], data: randomFloat32(out, seed++, -0.1, 0.1) },
    );
    const pad = (kernel - 1) / 2;
    nodes.push({ op: 'Conv', name, inputs: [x, `${name}_w`, `${name}_b`], outputs: [`${name}_out`], attrs: { strides: [stride, stride], pads: [pad, pad, pad, pad], group } });
    nodes.push({ op: 'Clip', inputs: [`${name}_out`, 'zero', 'six'], outputs: [`${name}_relu6`] });
    x = `${name}_relu6`;
    channels = out;
  };
  conv(8, 3, 2, 1);
  const blocks: [number, number][] = [[16, 1], [32, 2], [32, 1], [64, 2], [64, 1], [128, 2], [128, 1], [128, 1], [128, 1], [128, 1], [128, 1], [256, 2], [256, 1]];
  for (const [out, stride] of blocks) {
    conv(channels, 3, stride, channels); // depthwise
    conv(out, 1, 1, 1); // pointwise
  }
  initializers.push(
    { name: 'fc_w', dtype: 'float32', shape: [1000, 256], data: randomFloat32(256_000, seed++, -0.1, 0.1) },
    { name: 'fc_b', dtype: 'float32', shape: [1000], data: randomFloat32(1000, seed++, -0.1, 0.1) },
  );
  nodes.push(
    { op: 'GlobalAveragePool', inputs: [x], outputs: ['pool'] },
    { op: 'Flatten', inputs: ['pool'], outputs: ['flat'] },
    { op: 'Gemm', inputs: ['flat', 'fc_w', 'fc_b'], outputs: ['logits'], attrs: { transB: 1 } },
    { op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attrs: { axis: 1 } },
  );
  return buildModel({
    inputs: [{ name: 'input', dtype: 'float32', shape: [1, 3, 96, 96] }],
    outputs: [{ name: 'probabilities', dtype: 'float32' }],
    initializers, nodes,
  });
}

describe('MobileNetV1-0.25 96×96×3, int8, through the compiler', () => {
  it('plans its arena at LOAD, 55,296 bytes, below TFLM\'s greedy by size', () => {
    const dir = scratchDir('mobilenet');
    const modelPath = join(dir, 'mobilenet.onnx');
    writeFileSync(modelPath, mobileNetV1Quarter());
    const { manifest, graph } = compileInMemory({
      modelPath, board: loadBoard('mps2-an386'), prefix: 'mobilenet', shapes: new Map(),
      int8: { calibration: 'random' }, io: 'outside',
    });
    expect(manifest.quantization!.floatNodes).toEqual([]);
    expect(graph.nodes.filter((n) => n.opType === 'Conv')).toHaveLength(27);
    expect(manifest.macs).toBeGreaterThan(7_000_000); // MobileNetV1-0.25 at 96×96: about 7.5 M
    const m = manifest.memory;
    expect(m.lower_bound_bytes).toBe(55_296); // dw1 (48·48·8) and pw1 (48·48·16) live together
    expect(m.arena_bytes).toBe(55_296);
    expect(m.proved_optimal).toBe(true);
    // greedy by size with greedy.ts's tie order: 64,512 (derived by hand in planner-strategies.test.ts)
    expect(m.baseline_greedy_bytes).toBe(64_512);
  });
});
