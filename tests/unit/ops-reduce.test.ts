// The reference implementations (`evaluate`) of the reduction, normalisation, softmax and loss
// families against ONNX Runtime, one node at a time. Constant folding trusts these functions,
// so each case picks the attributes and dtypes where an implementation is easiest to get wrong:
// ties, negative axes, integer wrap-around, opset-dependent defaults, optional inputs/outputs.
import { describe, expect, it } from 'vitest';
import type { ConstTensor } from '../../compiler/ir/graph.js';
import { runOrt } from '../helpers/ort.js';
import { compareClose, compileBuildRun } from '../helpers/pipeline.js';
import { mulberry32 } from '../helpers/random.js';
import { caseModel, evaluateNode, expectClose, floats as floatsInRange, ints, product, randomInt, type OpCase } from '../helpers/op-cases.js';

/** Reductions are checked on a wider range than the shared default. */
const floats = (name: string, shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float32', lo = -2, hi = 2) =>
  floatsInRange(name, shape, seed, dtype, lo, hi);

type Case = OpCase;





const axes = (values: number[]) => ints('axes', 'int64', [values.length], values);

/** Logits with exact ties: every value rounded to a multiple of 0.5. */
function tiedFloats(name: string, shape: number[], seed: number): ConstTensor {
  const next = mulberry32(seed);
  return { name, dtype: 'float32', shape, data: Float32Array.from({ length: product(shape) }, () => Math.round(next() * 4) / 2) };
}

const CASES: Case[] = [
  // ---- Reduce* ----
  { name: 'ReduceSum axes input, keepdims 0', op: 'ReduceSum', attrs: { keepdims: 0 }, inputs: [floats('x', [3, 4, 5], 1), axes([0, -1])], outputs: ['float32'] },
  { name: 'ReduceSum empty axes input reduces everything', op: 'ReduceSum', inputs: [floats('x', [2, 3, 4], 2), axes([])], outputs: ['float32'] },
  { name: 'ReduceSum noop_with_empty_axes', op: 'ReduceSum', attrs: { noop_with_empty_axes: 1 }, inputs: [floats('x', [2, 3], 3), axes([])], outputs: ['float32'] },
  { name: 'ReduceSum int64 axes omitted (opset 13)', op: 'ReduceSum', inputs: [randomInt('x', 'int64', [4, 3], 4, -1000, 1000)], outputs: ['int64'] },
  { name: 'ReduceSum int32 middle axis (opset 11 attribute)', op: 'ReduceSum', opset: 11, attrs: { axes: [1] }, inputs: [randomInt('x', 'int32', [2, 5, 3], 5, -50, 50)], outputs: ['int32'] },
  { name: 'ReduceMean interleaved axes', op: 'ReduceMean', attrs: { axes: [0, 2] }, inputs: [floats('x', [2, 3, 4, 5], 6)], outputs: ['float32'] },
  { name: 'ReduceMean int32 truncates toward zero', op: 'ReduceMean', attrs: { axes: [1], keepdims: 0 }, inputs: [randomInt('x', 'int32', [4, 3], 7, -10, 10)], outputs: ['int32'] },
  { name: 'ReduceMax float64 negative axis', op: 'ReduceMax', attrs: { axes: [-2] }, inputs: [floats('x', [3, 4, 2], 8, 'float64')], outputs: ['float64'] },
  { name: 'ReduceMax uint8', op: 'ReduceMax', attrs: { axes: [1] }, inputs: [randomInt('x', 'uint8', [3, 6], 9, 0, 255)], outputs: ['uint8'] },
  { name: 'ReduceMin int8 all axes', op: 'ReduceMin', inputs: [randomInt('x', 'int8', [3, 6], 10, -128, 127)], outputs: ['int8'] },
  { name: 'ReduceProd int64', op: 'ReduceProd', attrs: { axes: [0] }, inputs: [randomInt('x', 'int64', [3, 4], 11, -9, 9)], outputs: ['int64'] },
  { name: 'ReduceProd float', op: 'ReduceProd', attrs: { axes: [1, 2], keepdims: 0 }, inputs: [floats('x', [2, 3, 3], 12, 'float32', 0.5, 1.5)], outputs: ['float32'] },
  { name: 'ReduceL1', op: 'ReduceL1', attrs: { axes: [2] }, inputs: [floats('x', [2, 3, 4], 13)], outputs: ['float32'] },
  { name: 'ReduceL2', op: 'ReduceL2', attrs: { axes: [0, 1] }, inputs: [floats('x', [2, 3, 4], 14)], outputs: ['float32'] },
  { name: 'ReduceLogSum', op: 'ReduceLogSum', attrs: { axes: [1] }, inputs: [floats('x', [3, 4], 15, 'float32', 0.1, 3)], outputs: ['float32'] },
  { name: 'ReduceLogSumExp float64 large values', op: 'ReduceLogSumExp', attrs: { axes: [1] }, inputs: [floats('x', [3, 4], 16, 'float64', 500, 700)], outputs: ['float64'] },
  { name: 'ReduceSumSquare int32', op: 'ReduceSumSquare', attrs: { axes: [0] }, inputs: [randomInt('x', 'int32', [5, 2], 17, -100, 100)], outputs: ['int32'] },
  // ---- ArgMax / ArgMin ----
  { name: 'ArgMax ties, first index', op: 'ArgMax', attrs: { axis: 1 }, inputs: [randomInt('x', 'int32', [4, 6], 20, 0, 2)], outputs: ['int64'] },
  { name: 'ArgMax ties, select_last_index', op: 'ArgMax', attrs: { axis: -1, keepdims: 0, select_last_index: 1 }, inputs: [randomInt('x', 'int32', [4, 6], 21, 0, 2)], outputs: ['int64'] },
  { name: 'ArgMin float default axis', op: 'ArgMin', inputs: [tiedFloats('x', [5, 3, 2], 22)], outputs: ['int64'] },
  { name: 'ArgMin select_last_index middle axis', op: 'ArgMin', attrs: { axis: 1, select_last_index: 1 }, inputs: [tiedFloats('x', [2, 5, 3], 23)], outputs: ['int64'] },
  // ---- CumSum ----
  { name: 'CumSum float axis 1', op: 'CumSum', opset: 14, inputs: [floats('x', [3, 4, 2], 30), ints('axis', 'int32', [], [1])], outputs: ['float32'] },
  { name: 'CumSum exclusive reverse int32', op: 'CumSum', opset: 14, attrs: { exclusive: 1, reverse: 1 }, inputs: [randomInt('x', 'int32', [2, 5], 31, -9, 9), ints('axis', 'int64', [], [-1])], outputs: ['int32'] },
  { name: 'CumSum int64 reverse axis 0', op: 'CumSum', opset: 14, attrs: { reverse: 1 }, inputs: [randomInt('x', 'int64', [4, 3], 32, -9, 9), ints('axis', 'int64', [1], [0])], outputs: ['int64'] },
  // ---- TopK ----
  { name: 'TopK largest with ties', op: 'TopK', inputs: [tiedFloats('x', [3, 7], 40), ints('k', 'int64', [1], [4])], outputs: ['float32', 'int64'] },
  { name: 'TopK smallest along axis 0, int32', op: 'TopK', attrs: { axis: 0, largest: 0 }, inputs: [randomInt('x', 'int32', [6, 3], 41, 0, 3), ints('k', 'int64', [1], [3])], outputs: ['int32', 'int64'] },
  { name: 'TopK k attribute (opset 1)', op: 'TopK', opset: 1, attrs: { k: 2 }, inputs: [floats('x', [2, 3, 5], 42)], outputs: ['float32', 'int64'] },
  // ---- Softmax family ----
  { name: 'Softmax opset 11 coerces to 2-D', op: 'Softmax', opset: 11, attrs: { axis: 1 }, inputs: [floats('x', [2, 3, 4], 50)], outputs: ['float32'] },
  { name: 'Softmax opset 13 axis 1', op: 'Softmax', attrs: { axis: 1 }, inputs: [floats('x', [2, 3, 4], 51)], outputs: ['float32'] },
  { name: 'LogSoftmax opset 13 axis 0', op: 'LogSoftmax', attrs: { axis: 0 }, inputs: [floats('x', [3, 4], 52, 'float32', -50, 50)], outputs: ['float32'] },
  { name: 'LogSoftmax opset 11 default axis', op: 'LogSoftmax', opset: 11, inputs: [floats('x', [2, 3, 4], 53)], outputs: ['float32'] },
  { name: 'Hardmax ties go to the first', op: 'Hardmax', attrs: { axis: -2 }, inputs: [tiedFloats('x', [2, 5, 3], 54)], outputs: ['float32'] },
  { name: 'Hardmax opset 11 coerces to 2-D', op: 'Hardmax', opset: 11, attrs: { axis: 1 }, inputs: [tiedFloats('x', [2, 3, 2], 55)], outputs: ['float32'] },
  // ---- normalisations ----
  { name: 'LayerNormalization with Mean and InvStdDev', op: 'LayerNormalization', opset: 17, attrs: { axis: -2, epsilon: 0.01 }, inputs: [floats('x', [2, 3, 4], 60), floats('w', [3, 4], 61), floats('b', [3, 4], 62)], outputs: ['float32', 'float32', 'float32'] },
  { name: 'LayerNormalization broadcast scale, no bias', op: 'LayerNormalization', opset: 17, inputs: [floats('x', [3, 2, 4], 63), floats('w', [4], 64)], outputs: ['float32'] },
  { name: 'InstanceNormalization', op: 'InstanceNormalization', attrs: { epsilon: 0.001 }, inputs: [floats('x', [2, 3, 5], 70), floats('s', [3], 71), floats('b', [3], 72)], outputs: ['float32'] },
  { name: 'MeanVarianceNormalization default axes', op: 'MeanVarianceNormalization', inputs: [floats('x', [2, 3, 2, 2], 73)], outputs: ['float32'] },
  { name: 'MeanVarianceNormalization axes [1]', op: 'MeanVarianceNormalization', attrs: { axes: [1] }, inputs: [floats('x', [2, 3, 4], 74)], outputs: ['float32'] },
  { name: 'LpNormalization p 1 axis 0', op: 'LpNormalization', attrs: { axis: 0, p: 1 }, inputs: [floats('x', [3, 4], 75)], outputs: ['float32'] },
  { name: 'LpNormalization p 2 default axis', op: 'LpNormalization', inputs: [floats('x', [2, 3, 4], 76)], outputs: ['float32'] },
  { name: 'LRN', op: 'LRN', attrs: { size: 5, alpha: 0.001, beta: 0.6, bias: 1.5 }, inputs: [floats('x', [2, 6, 2, 2], 77)], outputs: ['float32'] },
  { name: 'BatchNormalization inference (opset 9)', op: 'BatchNormalization', opset: 9, attrs: { epsilon: 0.01 }, inputs: [floats('x', [2, 3, 4], 80), floats('s', [3], 81), floats('b', [3], 82), floats('m', [3], 83), floats('v', [3], 84, 'float32', 0.5, 2)], outputs: ['float32'] },
  { name: 'BatchNormalization training mode (opset 15)', op: 'BatchNormalization', opset: 15, attrs: { training_mode: 1, momentum: 0.8 }, inputs: [floats('x', [3, 2, 2, 3], 85), floats('s', [2], 86), floats('b', [2], 87), floats('m', [2], 88), floats('v', [2], 89, 'float32', 0.5, 2)], outputs: ['float32', 'float32', 'float32'] },
  // ---- losses ----
  { name: 'NegativeLogLikelihoodLoss mean, weights, ignore_index', op: 'NegativeLogLikelihoodLoss', attrs: { ignore_index: 2 }, inputs: [floats('x', [4, 5, 3], 90), randomInt('t', 'int64', [4, 3], 91, 0, 4), floats('w', [5], 92, 'float32', 0.1, 1)], outputs: ['float32'] },
  { name: 'NegativeLogLikelihoodLoss none, int32 targets', op: 'NegativeLogLikelihoodLoss', attrs: { reduction: 'none' }, inputs: [floats('x', [4, 5], 93), randomInt('t', 'int32', [4], 94, 0, 4)], outputs: ['float32'] },
  { name: 'NegativeLogLikelihoodLoss sum, negative ignore_index', op: 'NegativeLogLikelihoodLoss', attrs: { reduction: 'sum', ignore_index: -1 }, inputs: [floats('x', [2, 4, 2, 3], 95), randomInt('t', 'int64', [2, 2, 3], 96, -1, 3)], outputs: ['float32'] },
  { name: 'SoftmaxCrossEntropyLoss mean with log_prob', op: 'SoftmaxCrossEntropyLoss', inputs: [floats('x', [3, 5, 2], 97), randomInt('t', 'int64', [3, 2], 98, 0, 4)], outputs: ['float32', 'float32'] },
  { name: 'SoftmaxCrossEntropyLoss weights, ignore_index, sum', op: 'SoftmaxCrossEntropyLoss', attrs: { reduction: 'sum', ignore_index: 0 }, inputs: [floats('x', [4, 3], 99), randomInt('t', 'int64', [4], 100, 0, 2), floats('w', [3], 101, 'float32', 0.1, 1)], outputs: ['float32'] },
];



/** Inputs the ops require at compile time: initializers in the compiled model. */
const COMPILE_TIME_INPUTS = new Set(['axes', 'axis', 'k']);


describe('reduction, normalisation, softmax and loss references against ONNX Runtime', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const { model, outputNames } = caseModel(c);
      const feeds = Object.fromEntries(c.inputs.filter((t): t is ConstTensor => t !== undefined).map((t) => [t.name, t]));
      const want = await runOrt(model, feeds);
      const got = evaluateNode(model, c.inputs);
      outputNames.forEach((name, i) => {
        if (name !== '') expectClose(got[i], want[name], `${c.name}, output ${i}`, 1e-6);
      });
    });
  }
});

// The same cases through the C kernels: the conformance suite only exercises float types, so this
// is where the integer specialisations and the less common attributes get built and run.
describe('reduction, normalisation, softmax and loss kernels against ONNX Runtime (host build)', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const { model, outputNames } = caseModel(c, COMPILE_TIME_INPUTS);
      const feeds = Object.fromEntries(c.inputs
        .filter((t): t is ConstTensor => t !== undefined && !COMPILE_TIME_INPUTS.has(t.name))
        .map((t) => [t.name, t]));
      const want = await runOrt(model, feeds);
      const { run } = await compileBuildRun(model, feeds, { host: true, label: c.name });
      expect(run.exitCode, run.stderr).toBe(0);
      for (const name of outputNames.filter((n) => n !== '')) {
        const got = run.outputs.get(name);
        expect(got, name).toBeDefined();
        expect(got!.dtype, name).toBe(want[name].dtype);
        expect(compareClose(got!, want[name]), `${c.name}, ${name}`).toBeNull();
      }
    });
  }
});
