// CumSum: running sums along one axis (given as a constant input), optionally exclusive (each
// element left out of its own sum) and reversed (summing from the end).
import {
  attrInt, DTYPE_SUFFIX, inputArg, nodeError, normaliseAxis, outputArg, requireDtypes, requireInput,
  type OpFamily, type TypedShape,
} from './op.js';
import { constantIntsInput } from './constant-inputs.js';
import { axisView, isFloatDtype, storeInteger } from './reduction-axes.js';
import type { ConstTensor, DType, Node } from '../ir/graph.js';
import { allocateTensorData } from '../onnx/tensor-bytes.js';

const CUMSUM_DTYPES: DType[] = ['float32', 'float64', 'int32', 'int64', 'uint32', 'uint64'];

function cumSumGeometry(ctx: { node: Node; inputs: (TypedShape | undefined)[]; constants: (ConstTensor | undefined)[] }) {
  const x = requireInput(ctx, 0);
  const axisValues = constantIntsInput(ctx, 1, 'axis') ?? [];
  if (axisValues.length !== 1) throw nodeError(ctx.node, `the axis input must hold one value, got ${axisValues.length}`);
  const axis = normaliseAxis(ctx.node, axisValues[0], Math.max(1, x.shape.length));
  return {
    x,
    view: axisView(x.shape, axis),
    exclusive: attrInt(ctx.node, 'exclusive', 0) === 1,
    reverse: attrInt(ctx.node, 'reverse', 0) === 1,
  };
}

export const cumSumFamily: OpFamily = {
  opTypes: ['CumSum'],
  opsets: [11, 17],
  dtypes: CUMSUM_DTYPES,

  inferShapes(ctx) {
    requireDtypes(ctx, CUMSUM_DTYPES, 0);
    const { x } = cumSumGeometry(ctx);
    return [{ ...x }];
  },

  evaluate(ctx) {
    const { x, view, exclusive, reverse } = cumSumGeometry({ node: ctx.node, inputs: ctx.inputTypes, constants: ctx.inputs });
    const source = ctx.inputs[0]!.data as ArrayLike<number | bigint>;
    const data = allocateTensorData(x.dtype as Exclude<DType, 'string'>, source.length);
    // float32 rounds after every addition, as the kernel's float accumulator does.
    const round = x.dtype === 'float32' ? Math.fround : (v: number) => v;
    for (let o = 0; o < view.outer; o++) {
      for (let i = 0; i < view.inner; i++) {
        let floatSum = 0;
        let integerSum = 0n;
        for (let step = 0; step < view.axis; step++) {
          const j = reverse ? view.axis - 1 - step : step;
          const at = (o * view.axis + j) * view.inner + i;
          const write = () => {
            if (isFloatDtype(x.dtype)) (data as Float32Array | Float64Array)[at] = floatSum;
            else storeInteger(data, at, integerSum, x.dtype);
          };
          if (exclusive) write();
          if (isFloatDtype(x.dtype)) floatSum = round(floatSum + Number(source[at]));
          else integerSum += BigInt(source[at]);
          if (!exclusive) write();
        }
      }
    }
    return [{ name: ctx.node.outputs[0], dtype: x.dtype, shape: x.shape, data }];
  },

  lower(ctx) {
    const { x, view, exclusive, reverse } = cumSumGeometry(ctx);
    return {
      node: ctx.node.name,
      opType: 'CumSum',
      kernel: `o2m_cumsum_${DTYPE_SUFFIX[x.dtype]}`,
      paramsType: 'o2m_cumsum_params',
      params: {
        outer: { int: view.outer }, axis: { int: view.axis }, inner: { int: view.inner },
        exclusive: { int: exclusive ? 1 : 0 }, reverse: { int: reverse ? 1 : 0 },
      },
      args: [inputArg(ctx, 0), outputArg(ctx)],
      macs: 0,
    };
  },
};
