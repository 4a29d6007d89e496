// MobileNetV1-0.25 at 96×96×3 (MLPerf Tiny's visual wake words network, with a 1000-class head
// as in the original paper): a standard Conv 3×3/2 to 8 channels, thirteen depthwise 3×3 +
// pointwise pairs, each Conv followed by ReLU6 (Clip 0..6), global average pool, Gemm, Softmax.
// Random weights from a fixed seed: speed and memory depend on shapes, not on what was learned.
// Used by the bench (bench/layers.mjs) and the tests (tests/e2e/mobilenet-*.test.ts).
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Seeded uniform numbers in [lo, hi). */
function randomFloats(count, seed, lo, hi) {
  let state = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (state / 2 ** 32);
  }
  return out;
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const tensor = (name, shape, data) => ({ name, dims: shape, dataType: FLOAT, rawData: new Uint8Array(data.buffer) });
const valueInfo = (name, shape) => ({
  name, type: { tensorType: { elemType: FLOAT, ...(shape ? { shape: { dim: shape.map((d) => ({ dimValue: d })) } } : {}) } },
});
const ints = (name, values) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });
const int = (name, value) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });

/** The network's 13 depthwise + pointwise blocks: output channels and the depthwise stride. */
export const MOBILENET_BLOCKS = [[16, 1], [32, 2], [32, 1], [64, 2], [64, 1], [128, 2], [128, 1], [128, 1], [128, 1], [128, 1], [128, 1], [256, 2], [256, 1]];

/**
 * The ONNX model's bytes; the input is `input` [1, 3, 96, 96], the output `probabilities`
 * [1, 1000], or `logits` without the Softmax (`{ softmax: false }`: random weights give nearly
 * uniform probabilities, which int8 rounds to a few levels; the logits show every bit).
 */
export function mobileNetV1Quarter({ softmax = true } = {}) {
  const node = [];
  const initializer = [tensor('six', [], new Float32Array([6])), tensor('zero', [], new Float32Array([0]))];
  let seed = 1;
  let x = 'input';
  let channels = 3;
  const conv = (out, kernel, stride, group) => {
    const name = `conv${node.length}`;
    const perGroup = channels / group;
    initializer.push(
      tensor(`${name}_w`, [out, perGroup, kernel, kernel], randomFloats(out * perGroup * kernel * kernel, seed++, -0.3, 0.3)),
      tensor(`${name}_b`, [out], randomFloats(out, seed++, -0.1, 0.1)),
    );
    const pad = (kernel - 1) / 2;
    node.push({
      opType: 'Conv', name, input: [x, `${name}_w`, `${name}_b`], output: [`${name}_out`],
      attribute: [ints('kernel_shape', [kernel, kernel]), ints('strides', [stride, stride]), ints('pads', [pad, pad, pad, pad]), int('group', group)],
    });
    node.push({ opType: 'Clip', name: `${name}_clip`, input: [`${name}_out`, 'zero', 'six'], output: [`${name}_relu6`] });
    x = `${name}_relu6`;
    channels = out;
  };
  conv(8, 3, 2, 1);
  for (const [out, stride] of MOBILENET_BLOCKS) {
    conv(channels, 3, stride, channels); // depthwise
    conv(out, 1, 1, 1); // pointwise
  }
  initializer.push(tensor('fc_w', [1000, 256], randomFloats(256_000, seed++, -0.1, 0.1)), tensor('fc_b', [1000], randomFloats(1000, seed++, -0.1, 0.1)));
  node.push(
    { opType: 'GlobalAveragePool', name: 'pool', input: [x], output: ['pool'] },
    { opType: 'Flatten', name: 'flatten', input: ['pool'], output: ['flat'] },
    { opType: 'Gemm', name: 'fc', input: ['flat', 'fc_w', 'fc_b'], output: ['logits'], attribute: [int('transB', 1)] },
    ...(softmax ? [{ opType: 'Softmax', name: 'softmax', input: ['logits'], output: ['probabilities'], attribute: [int('axis', 1)] }] : []),
  );
  const output = softmax ? 'probabilities' : 'logits';
  const graph = { name: 'mobilenet_v1_0.25_96', node, initializer, input: [valueInfo('input', [1, 3, 96, 96])], output: [valueInfo(output, [1, 1000])] };
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph })).finish();
}

/** A seeded input image in [0, 1) (a float tensor as the compiler's tensor files hold it). */
export function mobileNetInput(seed = 5) {
  return { name: 'input', dtype: 'float32', shape: [1, 3, 96, 96], data: randomFloats(3 * 96 * 96, seed, 0, 1) };
}
