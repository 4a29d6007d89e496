// Indexing: Gather, GatherElements, GatherND, ScatterElements (and the deprecated Scatter),
// ScatterND, OneHot, Compress and NonZero.
//
// The kernels move elements without looking at them, so they take every type the runtime holds
// (element sizes are parameters). Index tensors are runtime int32/int64 tensors that the kernels
// read and wrap; what decides an output's shape (OneHot's depth, Compress's condition, NonZero's
// input) must be known at compile time, since a microcontroller kernel cannot resize a buffer.
import {
  DTYPE_BYTES, elementCount, type ConstTensor, type DType, type Node,
} from '../ir/graph.js';
import { allocateTensorData } from '../onnx/tensor-bytes.js';
import {
  attrInt, attrString, inputArg, intParams, NUMERIC_DTYPES, nodeError, normaliseAxis, outputArg,
  requireDtypes, requireInput,
  type EvalContext, type KernelCall, type LowerContext, type OpFamily, type ParamValue, type ShapeContext,
  type TypedShape,
} from './op.js';

/** Every type the runtime holds: data movement does not care what the bytes mean. */
const DATA_DTYPES: DType[] = [...NUMERIC_DTYPES, 'bool'];
const INDEX_DTYPES: DType[] = ['int32', 'int64'];
const MAX_DIMS = 6; // O2M_MAX_DIMS in runtime-c/include/onnx2mcu/dims.h

type Elements = { [i: number]: number | bigint; length: number };
type Context = { node: Node; inputs: (TypedShape | undefined)[] };

const elements = (t: ConstTensor) => t.data as unknown as Elements;

function rowMajorStrides(shape: number[]): number[] {
  const strides = Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

const product = (v: number[]) => v.reduce((a, b) => a * b, 1);

/** The o2m_dtype enumerator of a dtype (model_api.h mirrors ONNX's numbering). */
const dtypeEnum = (dtype: DType): ParamValue => ({ enum: `O2M_DTYPE_${dtype.toUpperCase()}` });

/** A shape or stride table as the kernels' O2M_MAX_DIMS arrays take it. */
function dimsParam(node: Node, values: number[], what: string): ParamValue {
  if (values.length > MAX_DIMS) throw nodeError(node, `${what} has ${values.length} axes; the kernels take at most ${MAX_DIMS}`);
  return { ints: [...values, ...Array(MAX_DIMS - values.length).fill(0)] };
}

/** Element i of an index tensor as a position along an axis of `dim` entries (negative from the end). */
function indexAt(node: Node, indices: ConstTensor, i: number, dim: number): number {
  const raw = Number(elements(indices)[i]);
  const v = raw < 0 ? raw + dim : raw;
  if (!(v >= 0 && v < dim)) throw nodeError(node, `index ${raw} is out of range for an axis of ${dim}`);
  return v;
}

/** A new tensor of the output's type; its elements are written through `Elements`. */
function outputTensor(ctx: EvalContext, index = 0): { tensor: ConstTensor; out: Elements } {
  const { dtype, shape } = ctx.outputs[index];
  if (dtype === 'string') throw nodeError(ctx.node, 'string tensors are not supported');
  const data = allocateTensorData(dtype, elementCount(shape));
  return { tensor: { name: ctx.node.outputs[index], dtype, shape, data }, out: data as unknown as Elements };
}

function call(ctx: LowerContext, kernel: string, paramsType: string, params: Record<string, ParamValue>, args: KernelCall['args']): KernelCall {
  return { node: ctx.node.name, opType: ctx.node.opType, kernel, paramsType, params, args, macs: 0 };
}

// ---- Gather (and Compress, which is a Gather with indices known at compile time) -------------

/** The kernel's view of data as [outer][axis][slice]. */
function gatherGeometry(shape: number[], axis: number, dtype: DType) {
  return {
    outer: product(shape.slice(0, axis)),
    axisDim: shape[axis],
    sliceElems: product(shape.slice(axis + 1)),
    sliceBytes: product(shape.slice(axis + 1)) * DTYPE_BYTES[dtype],
  };
}

/** Copies the slices of data that `positions` name (already wrapped), along `axis`. */
function gatherSlices(data: ConstTensor, axis: number, positions: number[], out: Elements): void {
  const g = gatherGeometry(data.shape, axis, data.dtype);
  const from = elements(data);
  let o = 0;
  for (let outer = 0; outer < g.outer; outer++) {
    for (const at of positions) {
      const start = (outer * g.axisDim + at) * g.sliceElems;
      for (let e = 0; e < g.sliceElems; e++) out[o++] = from[start + e];
    }
  }
}

function gatherAxis(ctx: Context): number {
  return normaliseAxis(ctx.node, attrInt(ctx.node, 'axis', 0), requireInput(ctx, 0).shape.length);
}

const gatherFamily: OpFamily = {
  opTypes: ['Gather'],
  // Selecting elements keeps their scale: the output shares the data's quantization (an
  // embedding table, a constant, is quantized per tensor by the quantize pass).
  int8: { output: 'input' },
  opsets: [1, 17],
  dtypes: DATA_DTYPES,
  inferShapes(ctx) {
    requireDtypes(ctx, DATA_DTYPES, 0);
    requireDtypes(ctx, INDEX_DTYPES, 1);
    const data = requireInput(ctx, 0);
    const indices = requireInput(ctx, 1);
    const axis = gatherAxis(ctx);
    return [{ dtype: data.dtype, shape: [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)] }];
  },
  evaluate(ctx) {
    const data = ctx.inputs[0]!;
    const indices = ctx.inputs[1]!;
    const axis = gatherAxis({ node: ctx.node, inputs: ctx.inputTypes });
    const positions = Array.from({ length: indices.data.length }, (_, i) => indexAt(ctx.node, indices, i, data.shape[axis]));
    const { tensor, out } = outputTensor(ctx);
    gatherSlices(data, axis, positions, out);
    return [tensor];
  },
  lower(ctx) {
    const data = requireInput(ctx, 0);
    const indices = requireInput(ctx, 1);
    const g = gatherGeometry(data.shape, gatherAxis(ctx), data.dtype);
    return call(ctx, 'o2m_gather', 'o2m_gather_params', {
      ...intParams({ outer: g.outer, axis_dim: g.axisDim, slice_bytes: g.sliceBytes, index_count: elementCount(indices.shape) }),
      index_dtype: dtypeEnum(indices.dtype),
    }, [inputArg(ctx, 0), inputArg(ctx, 1), outputArg(ctx)]);
  },
};

/** Compress's selection: the axis it runs along (undefined: the flattened input) and the kept positions. */
function compressSelection(ctx: { node: Node; inputs: (TypedShape | undefined)[]; constants: (ConstTensor | undefined)[] }) {
  const data = requireInput(ctx, 0);
  const condition = ctx.constants[1];
  if (!condition) throw nodeError(ctx.node, 'condition input must be a constant (the output size depends on it)');
  if (condition.shape.length !== 1) throw nodeError(ctx.node, `condition must be 1-D, got rank ${condition.shape.length}`);
  const axisAttr = ctx.node.attributes.axis;
  const axis = axisAttr === undefined ? undefined : normaliseAxis(ctx.node, attrInt(ctx.node, 'axis'), data.shape.length);
  const length = axis === undefined ? elementCount(data.shape) : data.shape[axis];
  const kept: number[] = [];
  const flags = elements(condition);
  for (let i = 0; i < flags.length; i++) {
    if (Number(flags[i]) === 0) continue;
    if (i >= length) throw nodeError(ctx.node, `condition selects entry ${i}, beyond the ${length} entries of the axis`);
    kept.push(i);
  }
  const shape = axis === undefined ? [kept.length] : data.shape.map((d, i) => (i === axis ? kept.length : d));
  // The flattened input is a 1-D tensor gathered along its only axis.
  const viewShape = axis === undefined ? [length] : data.shape;
  return { kept, shape, viewShape, viewAxis: axis ?? 0 };
}

const compressFamily: OpFamily = {
  opTypes: ['Compress'],
  opsets: [9, 17],
  dtypes: DATA_DTYPES,
  inferShapes(ctx) {
    requireDtypes(ctx, DATA_DTYPES, 0);
    requireDtypes(ctx, ['bool'], 1);
    return [{ dtype: requireInput(ctx, 0).dtype, shape: compressSelection(ctx).shape }];
  },
  evaluate(ctx) {
    const s = compressSelection({ node: ctx.node, inputs: ctx.inputTypes, constants: ctx.inputs });
    const { tensor, out } = outputTensor(ctx);
    gatherSlices({ ...ctx.inputs[0]!, shape: s.viewShape }, s.viewAxis, s.kept, out);
    return [tensor];
  },
  lower(ctx) {
    const data = requireInput(ctx, 0);
    const s = compressSelection(ctx);
    const g = gatherGeometry(s.viewShape, s.viewAxis, data.dtype);
    const positions: ConstTensor = {
      name: `${ctx.node.name}_kept_positions`, dtype: 'int32', shape: [s.kept.length], data: Int32Array.from(s.kept),
    };
    return call(ctx, 'o2m_gather', 'o2m_gather_params', {
      ...intParams({ outer: g.outer, axis_dim: g.axisDim, slice_bytes: g.sliceBytes, index_count: s.kept.length }),
      index_dtype: dtypeEnum('int32'),
    }, [inputArg(ctx, 0), { kind: 'derived', tensor: positions }, outputArg(ctx)]);
  },
};

// ---- GatherElements, ScatterElements, Scatter ----------------------------------------------

/** Shared by GatherElements and the element scatters: indices have data's rank, axis is normalised. */
function elementwiseIndexing(ctx: Context) {
  const data = requireInput(ctx, 0);
  const indices = requireInput(ctx, 1);
  if (data.shape.length === 0) throw nodeError(ctx.node, 'data must have at least one axis');
  if (indices.shape.length !== data.shape.length) {
    throw nodeError(ctx.node, `indices have rank ${indices.shape.length}; data has rank ${data.shape.length}`);
  }
  const axis = normaliseAxis(ctx.node, attrInt(ctx.node, 'axis', 0), data.shape.length);
  indices.shape.forEach((d, i) => {
    if (i !== axis && d > data.shape[i]) throw nodeError(ctx.node, `indices dimension ${i} (${d}) exceeds data's (${data.shape[i]})`);
  });
  return { data, indices, axis };
}

/** Calls visit(indexPosition, dataOffset) for every element of indices, in row-major order. */
function forEachElementIndex(node: Node, data: ConstTensor, indices: ConstTensor, axis: number, visit: (i: number, offset: number) => void): void {
  const strides = rowMajorStrides(data.shape);
  const position = Array<number>(indices.shape.length).fill(0);
  for (let i = 0; i < indices.data.length; i++) {
    const at = indexAt(node, indices, i, data.shape[axis]);
    let offset = 0;
    for (let d = 0; d < position.length; d++) offset += (d === axis ? at : position[d]) * strides[d];
    visit(i, offset);
    for (let d = position.length - 1; d >= 0; d--) {
      if (++position[d] < indices.shape[d]) break;
      position[d] = 0;
    }
  }
}

const gatherElementsFamily: OpFamily = {
  opTypes: ['GatherElements'],
  // Selecting elements keeps their scale.
  int8: { output: 'input' },
  opsets: [11, 17],
  dtypes: DATA_DTYPES,
  inferShapes(ctx) {
    requireDtypes(ctx, DATA_DTYPES, 0);
    requireDtypes(ctx, INDEX_DTYPES, 1);
    const { data, indices } = elementwiseIndexing(ctx);
    return [{ dtype: data.dtype, shape: indices.shape }];
  },
  evaluate(ctx) {
    const { axis } = elementwiseIndexing({ node: ctx.node, inputs: ctx.inputTypes });
    const data = ctx.inputs[0]!;
    const from = elements(data);
    const { tensor, out } = outputTensor(ctx);
    forEachElementIndex(ctx.node, data, ctx.inputs[1]!, axis, (i, offset) => { out[i] = from[offset]; });
    return [tensor];
  },
  lower(ctx) {
    const { data, indices, axis } = elementwiseIndexing(ctx);
    return call(ctx, 'o2m_gather_elements', 'o2m_gather_elements_params', {
      ...intParams({ rank: data.shape.length, count: elementCount(indices.shape), elem_size: DTYPE_BYTES[data.dtype], axis }),
      index_shape: dimsParam(ctx.node, indices.shape, 'indices'),
      data_shape: dimsParam(ctx.node, data.shape, 'data'),
      data_strides: dimsParam(ctx.node, rowMajorStrides(data.shape), 'data'),
      index_dtype: dtypeEnum(indices.dtype),
    }, [inputArg(ctx, 0), inputArg(ctx, 1), outputArg(ctx)]);
  },
};

type Reduction = 'none' | 'add' | 'mul';
const REDUCTION_ENUM: Record<Reduction, string> = { none: 'O2M_SCATTER_REPLACE', add: 'O2M_SCATTER_ADD', mul: 'O2M_SCATTER_MUL' };

/** The reduction attribute (opset 16 on); max and min arrive with opset 18, beyond what this file implements. */
function scatterReduction(node: Node, opset: number): Reduction {
  const r = opset >= 16 ? attrString(node, 'reduction', 'none') : 'none';
  if (r !== 'none' && r !== 'add' && r !== 'mul') throw nodeError(node, `reduction '${r}' is not one of none, add, mul`);
  return r;
}

/** Returns how one update element combines with the output element at `offset`, as the C kernel does it. */
function combiner(dtype: DType, reduction: Reduction, out: Elements): (offset: number, u: number | bigint) => void {
  if (reduction === 'none') return (offset, u) => { out[offset] = u; };
  const add = reduction === 'add';
  switch (dtype) {
    case 'int64': case 'uint64': {
      const wrap = dtype === 'int64' ? (v: bigint) => BigInt.asIntN(64, v) : (v: bigint) => BigInt.asUintN(64, v);
      return (offset, u) => {
        const d = out[offset] as bigint;
        out[offset] = wrap(add ? d + (u as bigint) : d * (u as bigint));
      };
    }
    case 'int32': case 'uint32':
      // Math.imul keeps the low 32 bits of the product exactly; the typed array wraps the sum.
      return (offset, u) => {
        const d = out[offset] as number;
        out[offset] = add ? d + (u as number) : Math.imul(d, u as number);
      };
    case 'bool':
      return (offset, u) => {
        const [d, v] = [out[offset] !== 0, u !== 0];
        out[offset] = (add ? d || v : d && v) ? 1 : 0;
      };
    default:
      // Floats: a sum or product of two float32 (or float64) values, rounded once on the store.
      return (offset, u) => {
        const d = out[offset] as number;
        out[offset] = add ? d + (u as number) : d * (u as number);
      };
  }
}

function checkUpdates(ctx: Context, expected: number[]): TypedShape {
  const updates = requireInput(ctx, 2);
  const data = requireInput(ctx, 0);
  if (updates.dtype !== data.dtype) throw nodeError(ctx.node, `updates are ${updates.dtype}; data is ${data.dtype}`);
  if (updates.shape.join('x') !== expected.join('x')) {
    throw nodeError(ctx.node, `updates have shape [${updates.shape.join(',')}]; expected [${expected.join(',')}]`);
  }
  return updates;
}

/** A copy of data, as the scatters' output starts. */
function copyOfData(ctx: EvalContext): { tensor: ConstTensor; out: Elements } {
  const { tensor, out } = outputTensor(ctx);
  const from = elements(ctx.inputs[0]!);
  for (let i = 0; i < from.length; i++) out[i] = from[i];
  return { tensor, out };
}

function makeScatterElementsFamily(opType: 'ScatterElements' | 'Scatter', opsets: [number, number]): OpFamily {
  return {
    opTypes: [opType],
    opsets,
    dtypes: DATA_DTYPES,
    inferShapes(ctx) {
      requireDtypes(ctx, DATA_DTYPES, 0);
      requireDtypes(ctx, INDEX_DTYPES, 1);
      const { data, indices } = elementwiseIndexing(ctx);
      checkUpdates(ctx, indices.shape);
      scatterReduction(ctx.node, ctx.opset);
      return [{ dtype: data.dtype, shape: data.shape }];
    },
    evaluate(ctx) {
      const { axis, data } = elementwiseIndexing({ node: ctx.node, inputs: ctx.inputTypes });
      const { tensor, out } = copyOfData(ctx);
      const updates = elements(ctx.inputs[2]!);
      const apply = combiner(data.dtype, scatterReduction(ctx.node, ctx.opset), out);
      forEachElementIndex(ctx.node, ctx.inputs[0]!, ctx.inputs[1]!, axis, (i, offset) => apply(offset, updates[i]));
      return [tensor];
    },
    lower(ctx) {
      const { data, indices, axis } = elementwiseIndexing(ctx);
      return call(ctx, 'o2m_scatter_elements', 'o2m_scatter_elements_params', {
        ...intParams({
          rank: data.shape.length, count: elementCount(indices.shape),
          data_bytes: elementCount(data.shape) * DTYPE_BYTES[data.dtype],
        }),
        elem_dtype: dtypeEnum(data.dtype),
        reduction: { enum: REDUCTION_ENUM[scatterReduction(ctx.node, ctx.opset)] },
        axis: { int: axis },
        index_shape: dimsParam(ctx.node, indices.shape, 'indices'),
        data_shape: dimsParam(ctx.node, data.shape, 'data'),
        data_strides: dimsParam(ctx.node, rowMajorStrides(data.shape), 'data'),
        index_dtype: dtypeEnum(indices.dtype),
      }, [inputArg(ctx, 0), inputArg(ctx, 1), inputArg(ctx, 2), outputArg(ctx)]);
    },
  };
}

// ---- GatherND, ScatterND --------------------------------------------------------------------

/**
 * The geometry both ND ops share: the leading `batch` axes pair data with indices; each index
 * tuple of k entries then addresses data's next k axes and selects the slice below them.
 */
function ndGeometry(ctx: Context, batchDims: number) {
  const data = requireInput(ctx, 0);
  const indices = requireInput(ctx, 1);
  const r = data.shape.length;
  const q = indices.shape.length;
  if (r < 1 || q < 1) throw nodeError(ctx.node, 'data and indices must have at least one axis');
  const k = indices.shape[q - 1];
  if (batchDims < 0 || batchDims >= Math.min(r, q)) throw nodeError(ctx.node, `batch_dims ${batchDims} must be below both ranks (${r}, ${q})`);
  if (k < 1 || k > r - batchDims) throw nodeError(ctx.node, `index tuples of ${k} entries cannot address data of rank ${r} after ${batchDims} batch axes`);
  for (let i = 0; i < batchDims; i++) {
    if (data.shape[i] !== indices.shape[i]) throw nodeError(ctx.node, `batch axis ${i} differs: data ${data.shape[i]}, indices ${indices.shape[i]}`);
  }
  const sliceShape = data.shape.slice(batchDims + k);
  const elemStrides = rowMajorStrides(data.shape).slice(batchDims, batchDims + k);
  return {
    data, indices, k, sliceShape,
    batch: product(data.shape.slice(0, batchDims)),
    tuples: product(indices.shape.slice(batchDims, q - 1)),
    dims: data.shape.slice(batchDims, batchDims + k),
    elemStrides,
    sliceElems: product(sliceShape),
    batchElems: product(data.shape.slice(batchDims)),
    /** The shape of the gathered output (and of ScatterND's updates). */
    gatheredShape: [...indices.shape.slice(0, q - 1), ...sliceShape],
  };
}

/** Calls visit(tupleNumber, dataOffset) for every index tuple, in order (offset includes the batch). */
function forEachTuple(node: Node, g: ReturnType<typeof ndGeometry>, indices: ConstTensor, visit: (t: number, offset: number) => void): void {
  let entry = 0;
  let t = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let i = 0; i < g.tuples; i++, t++) {
      let offset = b * g.batchElems;
      for (let j = 0; j < g.k; j++) offset += indexAt(node, indices, entry++, g.dims[j]) * g.elemStrides[j];
      visit(t, offset);
    }
  }
}

const gatherNdBatchDims = (node: Node, opset: number) => (opset >= 12 ? attrInt(node, 'batch_dims', 0) : 0);

const gatherNdFamily: OpFamily = {
  opTypes: ['GatherND'],
  // Selecting elements keeps their scale.
  int8: { output: 'input' },
  opsets: [11, 17],
  dtypes: DATA_DTYPES,
  inferShapes(ctx) {
    requireDtypes(ctx, DATA_DTYPES, 0);
    requireDtypes(ctx, INDEX_DTYPES, 1);
    const g = ndGeometry(ctx, gatherNdBatchDims(ctx.node, ctx.opset));
    return [{ dtype: g.data.dtype, shape: g.gatheredShape }];
  },
  evaluate(ctx) {
    const g = ndGeometry({ node: ctx.node, inputs: ctx.inputTypes }, gatherNdBatchDims(ctx.node, ctx.opset));
    const from = elements(ctx.inputs[0]!);
    const { tensor, out } = outputTensor(ctx);
    forEachTuple(ctx.node, g, ctx.inputs[1]!, (t, offset) => {
      for (let e = 0; e < g.sliceElems; e++) out[t * g.sliceElems + e] = from[offset + e];
    });
    return [tensor];
  },
  lower(ctx) {
    const g = ndGeometry(ctx, gatherNdBatchDims(ctx.node, ctx.opset));
    const size = DTYPE_BYTES[g.data.dtype];
    return call(ctx, 'o2m_gather_nd', 'o2m_gather_nd_params', {
      ...intParams({ batch: g.batch, tuples: g.tuples, k: g.k, slice_bytes: g.sliceElems * size, batch_bytes: g.batchElems * size }),
      dims: dimsParam(ctx.node, g.dims, 'the index tuples'),
      strides: dimsParam(ctx.node, g.elemStrides.map((s) => s * size), 'the index tuples'),
      index_dtype: dtypeEnum(g.indices.dtype),
    }, [inputArg(ctx, 0), inputArg(ctx, 1), outputArg(ctx)]);
  },
};

const scatterNdFamily: OpFamily = {
  opTypes: ['ScatterND'],
  opsets: [11, 17],
  dtypes: DATA_DTYPES,
  inferShapes(ctx) {
    requireDtypes(ctx, DATA_DTYPES, 0);
    requireDtypes(ctx, INDEX_DTYPES, 1);
    const g = ndGeometry(ctx, 0);
    checkUpdates(ctx, g.gatheredShape);
    scatterReduction(ctx.node, ctx.opset);
    return [{ dtype: g.data.dtype, shape: g.data.shape }];
  },
  evaluate(ctx) {
    const g = ndGeometry({ node: ctx.node, inputs: ctx.inputTypes }, 0);
    const { tensor, out } = copyOfData(ctx);
    const updates = elements(ctx.inputs[2]!);
    const apply = combiner(g.data.dtype, scatterReduction(ctx.node, ctx.opset), out);
    forEachTuple(ctx.node, g, ctx.inputs[1]!, (t, offset) => {
      for (let e = 0; e < g.sliceElems; e++) apply(offset + e, updates[t * g.sliceElems + e]);
    });
    return [tensor];
  },
  lower(ctx) {
    const g = ndGeometry(ctx, 0);
    return call(ctx, 'o2m_scatter_nd', 'o2m_scatter_nd_params', {
      ...intParams({
        tuples: g.tuples, k: g.k, slice_elems: g.sliceElems,
        data_bytes: elementCount(g.data.shape) * DTYPE_BYTES[g.data.dtype],
      }),
      elem_dtype: dtypeEnum(g.data.dtype),
      reduction: { enum: REDUCTION_ENUM[scatterReduction(ctx.node, ctx.opset)] },
      dims: dimsParam(ctx.node, g.dims, 'the index tuples'),
      strides: dimsParam(ctx.node, g.elemStrides, 'the index tuples'),
      index_dtype: dtypeEnum(g.indices.dtype),
    }, [inputArg(ctx, 0), inputArg(ctx, 1), inputArg(ctx, 2), outputArg(ctx)]);
  },
};

// ---- OneHot ----------------------------------------------------------------------------------

function oneHotGeometry(ctx: { node: Node; inputs: (TypedShape | undefined)[]; constants: (ConstTensor | undefined)[] }) {
  const indices = requireInput(ctx, 0);
  const values = requireInput(ctx, 2);
  const depthTensor = ctx.constants[1];
  if (!depthTensor) throw nodeError(ctx.node, 'depth input must be a constant (it sets the output shape)');
  if (depthTensor.data.length !== 1) throw nodeError(ctx.node, `depth must hold one value, got ${depthTensor.data.length}`);
  // A float depth is truncated, as ONNX Runtime casts it.
  const depth = Math.trunc(Number(elements(depthTensor)[0]));
  if (!(depth >= 1 && depth <= 2 ** 31 - 1)) throw nodeError(ctx.node, `depth ${depth} must be a positive count`);
  if (elementCount(values.shape) !== 2) throw nodeError(ctx.node, `values must hold two elements [off, on], got ${elementCount(values.shape)}`);
  const rank = indices.shape.length + 1;
  const axisAttr = attrInt(ctx.node, 'axis', -1);
  const axis = normaliseAxis(ctx.node, axisAttr, rank);
  return {
    depth, axis, values,
    outer: product(indices.shape.slice(0, axis)),
    inner: product(indices.shape.slice(axis)),
    shape: [...indices.shape.slice(0, axis), depth, ...indices.shape.slice(axis)],
  };
}

const oneHotFamily: OpFamily = {
  opTypes: ['OneHot'],
  opsets: [9, 17],
  dtypes: DATA_DTYPES,
  inferShapes(ctx) {
    requireDtypes(ctx, NUMERIC_DTYPES, 0, 1);
    requireDtypes(ctx, DATA_DTYPES, 2);
    const g = oneHotGeometry(ctx);
    return [{ dtype: g.values.dtype, shape: g.shape }];
  },
  evaluate(ctx) {
    const g = oneHotGeometry({ node: ctx.node, inputs: ctx.inputTypes, constants: ctx.inputs });
    const indices = elements(ctx.inputs[0]!);
    const [off, on] = [elements(ctx.inputs[2]!)[0], elements(ctx.inputs[2]!)[1]];
    const { tensor, out } = outputTensor(ctx);
    for (let i = 0; i < out.length; i++) out[i] = off;
    for (let o = 0; o < g.outer; o++) {
      for (let i = 0; i < g.inner; i++) {
        // ONNX compares each index with every position: a fraction or an index outside
        // [-depth, depth) matches none and leaves the row all "off". (OneHot-9 says negative
        // indices match nothing either; ONNX Runtime wraps them at every opset, and so does this.)
        const raw = Number(indices[o * g.inner + i]);
        const at = raw < 0 ? raw + g.depth : raw;
        if (Number.isInteger(at) && at >= 0 && at < g.depth) out[(o * g.depth + at) * g.inner + i] = on;
      }
    }
    return [tensor];
  },
  lower(ctx) {
    const g = oneHotGeometry(ctx);
    return call(ctx, 'o2m_onehot', 'o2m_onehot_params', {
      ...intParams({ outer: g.outer, depth: g.depth, inner: g.inner, elem_size: DTYPE_BYTES[g.values.dtype] }),
      index_dtype: dtypeEnum(requireInput(ctx, 0).dtype),
    }, [inputArg(ctx, 0), inputArg(ctx, 2), outputArg(ctx)]);
  },
};

// ---- NonZero ----------------------------------------------------------------------------------

/** The coordinates of the non-zero elements, one row per axis (a scalar counts as one axis). */
function nonZeroCoordinates(x: ConstTensor): { rows: number; found: number[] } {
  const shape = x.shape.length === 0 ? [1] : x.shape;
  const values = elements(x);
  const strides = rowMajorStrides(shape);
  const found: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === 0 || v === 0n) continue; // -0 is zero too; NaN is not
    found.push(i);
  }
  return { rows: shape.length, found: found.flatMap((i) => shape.map((d, a) => Math.floor(i / strides[a]) % d)) };
}

const nonZeroFamily: OpFamily = {
  opTypes: ['NonZero'],
  opsets: [9, 17],
  dtypes: DATA_DTYPES,
  inferShapes(ctx: ShapeContext) {
    requireDtypes(ctx, DATA_DTYPES, 0);
    const x = ctx.constants[0];
    if (!x) throw nodeError(ctx.node, 'X input must be a constant (the output size depends on its values)');
    const { rows, found } = nonZeroCoordinates(x);
    return [{ dtype: 'int64', shape: [rows, found.length / rows] }];
  },
  evaluate(ctx) {
    const { rows, found } = nonZeroCoordinates(ctx.inputs[0]!);
    const count = found.length / rows;
    // found holds coordinates point by point; the output holds them axis by axis.
    const data = new BigInt64Array(found.length);
    for (let p = 0; p < count; p++) {
      for (let a = 0; a < rows; a++) data[a * count + p] = BigInt(found[p * rows + a]);
    }
    return [{ name: ctx.node.outputs[0], dtype: 'int64', shape: [rows, count], data }];
  },
};

export const families: OpFamily[] = [
  gatherFamily, gatherElementsFamily, gatherNdFamily,
  makeScatterElementsFamily('ScatterElements', [11, 17]), makeScatterElementsFamily('Scatter', [9, 10]),
  scatterNdFamily, oneHotFamily, compressFamily, nonZeroFamily,
];
