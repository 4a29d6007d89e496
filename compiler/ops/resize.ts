// Resize (opsets 10 to 17) and the deprecated Upsample: nearest, n-linear and n-cubic
// interpolation with every coordinate transformation mode of ONNX 1.12.
//
// Scales, sizes and roi must be compile-time constants (they set the output shape), so all the
// coordinate arithmetic happens here: for each axis and each output coordinate, the source
// indices and weights go into constant tables, and the C kernels are plain loops over them.
// The formulas follow the ONNX reference implementation (onnx/backend/test/case/node/resize.py),
// in double precision, and ONNX Runtime where the reference is silent (Resize-10 and Upsample).
import { DTYPE_BYTES, elementCount, type ConstTensor, type DType, type Node } from '../ir/graph.js';
import { allocateTensorData } from '../onnx/tensor-bytes.js';
import {
  attrFloat, attrInt, attrString, inputArg, nodeError, NUMERIC_DTYPES, outputArg, requireDtypes, requireInput,
  type EvalContext, type KernelArg, type KernelCall, type LowerContext, type OpFamily, type ParamValue, type TypedShape,
} from './op.js';

const DATA_DTYPES: DType[] = [...NUMERIC_DTYPES, 'bool'];
const MAX_DIMS = 6; // O2M_MAX_DIMS in runtime-c/include/onnx2mcu/dims.h

type Mode = 'nearest' | 'linear' | 'cubic';
type Transform = 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric' | 'tf_half_pixel_for_nn' | 'tf_crop_and_resize';
/** 'simple' is what Resize-10 and Upsample do (they have no nearest_mode): floor, or ceil when shrinking. */
type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil' | 'simple';

const TRANSFORMS: Transform[] = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize'];
const NEAREST_MODES: NearestMode[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

interface ResizeSpec {
  dtype: DType;
  mode: Mode;
  transform: Transform;
  nearestMode: NearestMode;
  cubicA: number;
  excludeOutside: boolean;
  extrapolation: number;
  inShape: number[];
  outShape: number[];
  /** The scale each axis divides output coordinates by. */
  scales: number[];
  /**
   * The output length the transforms divide by: input length × scale as float32 when scales are
   * given (the reference computes it so: it need not be a whole number), the output size otherwise.
   */
  resizedLengths: number[];
  /** Crop box of tf_crop_and_resize: starts of every axis, then ends. */
  roi?: number[];
}

type Context = { node: Node; inputs: (TypedShape | undefined)[]; constants: (ConstTensor | undefined)[]; opset: number };

function floatValues(t: ConstTensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

/** A constant input, or an error naming it; undefined when the node leaves it out (or passes an empty tensor). */
function optionalConstant(ctx: Context, index: number, what: string, why: string): ConstTensor | undefined {
  if ((ctx.node.inputs[index] ?? '') === '') return undefined;
  const c = ctx.constants[index];
  if (!c) throw nodeError(ctx.node, `${what} input must be a constant (${why})`);
  return c.data.length === 0 ? undefined : c;
}

/** Everything the tables depend on, from the attributes and constant inputs of either op and every opset. */
function resizeSpec(ctx: Context): ResizeSpec {
  const { node, opset } = ctx;
  const x = requireInput(ctx, 0);
  const rank = x.shape.length;
  const isUpsample = node.opType === 'Upsample';
  const modeName = attrString(node, 'mode', 'nearest');
  // Upsample-1 spelled linear 'bilinear'.
  const mode = (modeName === 'bilinear' && isUpsample ? 'linear' : modeName) as Mode;
  if (!['nearest', 'linear', 'cubic'].includes(mode) || (mode === 'cubic' && (isUpsample || opset < 11))) {
    throw nodeError(node, `mode '${modeName}' is not supported`);
  }
  if (mode !== 'nearest' && x.dtype !== 'float32') {
    throw nodeError(node, `${mode} interpolation of ${x.dtype} is not supported; only float32 (nearest takes every type)`);
  }
  const modern = !isUpsample && opset >= 11;
  const transform = (modern ? attrString(node, 'coordinate_transformation_mode', 'half_pixel') : 'asymmetric') as Transform;
  if (!TRANSFORMS.includes(transform)) throw nodeError(node, `coordinate_transformation_mode '${transform}' is not supported`);
  const nearestMode = (modern ? attrString(node, 'nearest_mode', 'round_prefer_floor') : 'simple') as NearestMode;
  if (nearestMode !== 'simple' && !NEAREST_MODES.includes(nearestMode)) throw nodeError(node, `nearest_mode '${nearestMode}' is not supported`);

  let scaleValues: number[] | undefined;
  let sizes: number[] | undefined;
  let roi: number[] | undefined;
  const why = 'it sets the output shape';
  if (isUpsample && opset < 7) {
    if (rank !== 4) throw nodeError(node, `Upsample-1 takes 4-D input, got rank ${rank}`);
    scaleValues = [1, 1, attrFloat(node, 'height_scale'), attrFloat(node, 'width_scale')];
  } else if (isUpsample && opset < 9) {
    scaleValues = attrFloatsOrInts(node, 'scales');
  } else if (!modern) {
    const s = optionalConstant(ctx, 1, 'scales', why);
    if (!s) throw nodeError(node, 'the scales input is required');
    scaleValues = floatValues(s);
  } else {
    const s = optionalConstant(ctx, 2, 'scales', why);
    const z = optionalConstant(ctx, 3, 'sizes', why);
    if (s && z) throw nodeError(node, 'only one of scales and sizes may be given');
    if (!s && !z) throw nodeError(node, 'one of scales and sizes is required');
    scaleValues = s ? floatValues(s) : undefined;
    sizes = z ? floatValues(z) : undefined;
    if (transform === 'tf_crop_and_resize') {
      const r = optionalConstant(ctx, 1, 'roi', 'it sets the crop box');
      if (!r) throw nodeError(node, 'tf_crop_and_resize needs the roi input');
      // The reference takes the box in float32, as it is stored.
      roi = Array.from(r.data as ArrayLike<number | bigint>, (v) => Math.fround(Number(v)));
      if (roi.length !== 2 * rank) throw nodeError(node, `roi has ${roi.length} values; expected ${2 * rank}`);
    }
  }
  const given = scaleValues ?? sizes!;
  if (given.length !== rank) throw nodeError(node, `${scaleValues ? 'scales' : 'sizes'} has ${given.length} values for input of rank ${rank}`);

  let outShape: number[];
  let scales: number[];
  let resizedLengths: number[];
  if (scaleValues) {
    if (scaleValues.some((s) => !(s > 0))) throw nodeError(node, `scales must be positive, got [${scaleValues.join(', ')}]`);
    outShape = x.shape.map((d, i) => Math.floor(d * scaleValues![i]));
    scales = scaleValues;
    resizedLengths = x.shape.map((d, i) => Math.fround(d * scaleValues![i]));
  } else {
    if (sizes!.some((s) => !Number.isSafeInteger(s) || s < 0)) throw nodeError(node, `sizes must be non-negative integers, got [${sizes!.join(', ')}]`);
    outShape = sizes!;
    scales = sizes!.map((s, i) => (x.shape[i] === 0 ? 1 : s / x.shape[i]));
    resizedLengths = sizes!;
  }
  x.shape.forEach((d, i) => {
    if (d === 0 && outShape[i] !== 0) throw nodeError(node, `axis ${i} is empty and cannot be resized to ${outShape[i]}`);
  });
  const excludeOutside = modern && attrInt(node, 'exclude_outside', 0) !== 0;
  return {
    dtype: x.dtype, mode, transform, nearestMode, excludeOutside,
    cubicA: modern ? attrFloat(node, 'cubic_coeff_a', -0.75) : -0.75,
    extrapolation: modern ? attrFloat(node, 'extrapolation_value', 0) : 0,
    inShape: x.shape, outShape, scales, resizedLengths, roi,
  };
}

/** Upsample-7's scales attribute: floats (a whole-number list may arrive as ints). */
function attrFloatsOrInts(node: Node, name: string): number[] {
  const a = node.attributes[name];
  if (a?.kind === 'floats' || a?.kind === 'ints') return a.value;
  throw nodeError(node, `attribute '${name}' must be a list of floats`);
}

// ---- per-axis tables ---------------------------------------------------------------------------

/** One axis of the resize: per output coordinate, `taps` source indices and weights (-1: extrapolate). */
interface AxisTable {
  inDim: number;
  outDim: number;
  /** The output coordinate is the input coordinate: no table. */
  identity: boolean;
  taps: number;
  indices: number[];
  weights: number[];
}

/** Where output coordinate x of axis d lies in the input, in input coordinates. */
function sourceCoordinate(spec: ResizeSpec, d: number, x: number): number {
  const inLength = spec.inShape[d];
  const scale = spec.scales[d];
  const resized = spec.resizedLengths[d];
  switch (spec.transform) {
    case 'half_pixel': return (x + 0.5) / scale - 0.5;
    // ONNX defines 0 for a single output (the reference's -0.5 differs only for cubic).
    case 'pytorch_half_pixel': return resized > 1 ? (x + 0.5) / scale - 0.5 : 0;
    case 'align_corners': return resized === 1 ? 0 : (x * (inLength - 1)) / (resized - 1);
    case 'asymmetric': return x / scale;
    case 'tf_half_pixel_for_nn': return (x + 0.5) / scale;
    case 'tf_crop_and_resize': {
      const rank = spec.inShape.length;
      const [start, end] = [spec.roi![d], spec.roi![d + rank]];
      // float32 steps where the reference computes on the float32 box.
      if (resized === 1) return (Math.fround(end - start) * (inLength - 1)) / 2 + Math.fround(start * (inLength - 1));
      return (x * Math.fround(end - start) * (inLength - 1)) / (resized - 1) + Math.fround(start * (inLength - 1));
    }
  }
}

function nearestIndex(spec: ResizeSpec, d: number, xo: number): number {
  const floor = Math.floor(xo);
  const ratio = xo - floor;
  switch (spec.nearestMode) {
    case 'round_prefer_floor': return ratio <= 0.5 ? floor : floor + 1;
    case 'round_prefer_ceil': return ratio < 0.5 ? floor : floor + 1;
    case 'floor': return floor;
    case 'ceil': return Math.ceil(xo);
    case 'simple': return spec.scales[d] < 1 ? Math.ceil(xo) : Math.trunc(xo);
  }
}

function cubicCoefficients(ratio: number, a: number): number[] {
  const [r1, s, s1] = [ratio + 1, 1 - ratio, 2 - ratio];
  return [
    ((a * r1 - 5 * a) * r1 + 8 * a) * r1 - 4 * a,
    ((a + 2) * ratio - (a + 3)) * ratio * ratio + 1,
    ((a + 2) * s - (a + 3)) * s * s + 1,
    ((a * s1 - 5 * a) * s1 + 8 * a) * s1 - 4 * a,
  ];
}

function axisTable(spec: ResizeSpec, d: number): AxisTable {
  const inDim = spec.inShape[d];
  const outDim = spec.outShape[d];
  const taps = spec.mode === 'nearest' ? 1 : spec.mode === 'linear' ? 2 : 4;
  const indices: number[] = [];
  const weights: number[] = [];
  const clamp = (i: number) => Math.min(Math.max(i, 0), inDim - 1);
  for (let x = 0; x < outDim; x++) {
    const xo = sourceCoordinate(spec, d, x);
    if (spec.transform === 'tf_crop_and_resize' && (xo < 0 || xo > inDim - 1)) {
      indices.push(...Array(taps).fill(-1));
      weights.push(...Array(taps).fill(0));
      continue;
    }
    if (spec.mode === 'nearest') {
      indices.push(clamp(nearestIndex(spec, d, xo)));
      weights.push(1);
      continue;
    }
    const base = Math.floor(xo);
    const ratio = xo - base;
    const first = spec.mode === 'linear' ? base : base - 1;
    let coefficients = spec.mode === 'linear' ? [1 - ratio, ratio] : cubicCoefficients(ratio, spec.cubicA);
    const positions = coefficients.map((_, t) => first + t);
    if (spec.excludeOutside) {
      coefficients = coefficients.map((c, t) => (positions[t] < 0 || positions[t] >= inDim ? 0 : c));
      const sum = coefficients.reduce((s, c) => s + c, 0);
      coefficients = coefficients.map((c) => c / sum);
    }
    indices.push(...positions.map(clamp));
    weights.push(...coefficients);
  }
  // The one source of coordinate x, when all its weight falls on one input element: taps that
  // clamp to the same edge element, or an input axis of length 1, add up to that element itself
  // (the weights of linear and cubic interpolation sum to 1, up to rounding).
  const single = (x: number) => {
    const sources = new Set<number>();
    let total = 0;
    for (let t = x * taps; t < (x + 1) * taps; t++) {
      if (weights[t] === 0) continue;
      sources.add(indices[t]);
      total += weights[t];
    }
    return sources.size === 1 && Math.abs(total - 1) < 1e-9 ? [...sources][0] : undefined;
  };
  const coordinates = Array.from({ length: outDim }, (_, x) => x);
  if (inDim === outDim && coordinates.every((x) => single(x) === x)) {
    return { inDim, outDim, identity: true, taps: 0, indices: [], weights: [] };
  }
  // One source per coordinate (a length-1 input axis, some crops): drop the other taps.
  if (taps > 1 && coordinates.every((x) => indices[x * taps] === -1 || single(x) !== undefined)) {
    return {
      inDim, outDim, identity: false, taps: 1,
      indices: coordinates.map((x) => (indices[x * taps] === -1 ? -1 : single(x)!)),
      weights: coordinates.map((x) => (indices[x * taps] === -1 ? 0 : 1)),
    };
  }
  return { inDim, outDim, identity: false, taps, indices, weights };
}

// ---- the kernels' view -----------------------------------------------------------------------

interface ResizePlan {
  /** Every axis moves whole elements: the byte-generic kernel, no arithmetic. */
  nearest: boolean;
  axes: AxisTable[];
  /** Trailing axes left as they are, merged into one block the nearest kernel copies at once. */
  blockElems: number;
  tableOffsets: number[];
  indices: Int32Array;
  weights: Float32Array;
  spec: ResizeSpec;
}

function resizePlan(spec: ResizeSpec, node: Node): ResizePlan {
  // Neighbouring axes that are not resized merge into one, so any rank fits the kernels' tables.
  const axes: AxisTable[] = [];
  spec.inShape.forEach((_, d) => {
    const table = axisTable(spec, d);
    const last = axes[axes.length - 1];
    if (table.identity && last?.identity) {
      last.inDim *= table.inDim;
      last.outDim *= table.outDim;
    } else {
      axes.push(table);
    }
  });
  const nearest = axes.every((a) => a.identity || a.taps === 1);
  let blockElems = 1;
  if (nearest && axes.length > 0 && axes[axes.length - 1].identity) blockElems = axes.pop()!.inDim;
  if (axes.length > MAX_DIMS) throw nodeError(node, `resizing ${axes.length} separate axes; the kernels take at most ${MAX_DIMS}`);
  const tableOffsets: number[] = [];
  let offset = 0;
  for (const a of axes) {
    tableOffsets.push(a.identity ? -1 : offset);
    offset += a.indices.length;
  }
  return {
    nearest, axes, blockElems, tableOffsets, spec,
    indices: Int32Array.from(axes.flatMap((a) => a.indices)),
    weights: Float32Array.from(axes.flatMap((a) => a.weights)),
  };
}

/** The same loops as runtime-c/kernels/resize_nearest.c and resize_f32.c, so folding gives the kernels' bits. */
function runPlan(plan: ResizePlan, input: ConstTensor, out: { [i: number]: number | bigint }): void {
  const { axes, tableOffsets } = plan;
  const from = input.data as unknown as { [i: number]: number | bigint };
  const rank = axes.length;
  const inStrides = Array<number>(rank);
  let stride = plan.blockElems;
  for (let d = rank - 1; d >= 0; d--) {
    inStrides[d] = stride;
    stride *= axes[d].inDim;
  }
  const count = axes.reduce((n, a) => n * a.outDim, 1);
  const position = Array<number>(rank).fill(0);
  const f = Math.fround;
  let o = 0;
  const fill = plan.spec.extrapolation;
  for (let p = 0; p < count; p++) {
    if (plan.nearest) {
      let source = 0;
      let outside = false;
      axes.forEach((a, d) => {
        const at = a.identity ? position[d] : plan.indices[tableOffsets[d] + position[d]];
        if (at < 0) outside = true;
        source += at * inStrides[d];
      });
      for (let e = 0; e < plan.blockElems; e++) out[o++] = outside ? castFill(fill, plan.spec.dtype) : from[source + e];
    } else {
      const first = axes.map((a, d) => (a.identity ? 0 : tableOffsets[d] + position[d] * a.taps));
      const base = axes.reduce((s, a, d) => s + (a.identity ? position[d] * inStrides[d] : 0), 0);
      if (axes.some((a, d) => !a.identity && plan.indices[first[d]] < 0)) {
        out[o++] = fill;
      } else {
        const tap = Array<number>(rank).fill(0);
        let sum = 0;
        for (;;) {
          let source = base;
          let weight = 1;
          for (let d = 0; d < rank; d++) {
            if (axes[d].identity) continue;
            source += plan.indices[first[d] + tap[d]] * inStrides[d];
            weight = f(weight * plan.weights[first[d] + tap[d]]);
          }
          sum = f(sum + f(weight * (from[source] as number)));
          let d = rank - 1;
          for (; d >= 0; d--) {
            if (axes[d].identity) continue;
            if (++tap[d] < axes[d].taps) break;
            tap[d] = 0;
          }
          if (d < 0) break;
        }
        out[o++] = sum;
      }
    }
    for (let d = rank - 1; d >= 0; d--) {
      if (++position[d] < axes[d].outDim) break;
      position[d] = 0;
    }
  }
}

/** The extrapolation value in the data's type, as a C cast would make it. */
function castFill(value: number, dtype: DType): number | bigint {
  if (dtype === 'float32' || dtype === 'float64') return value;
  if (dtype === 'bool') return value !== 0 ? 1 : 0;
  const whole = Number.isFinite(value) ? Math.trunc(value) : 0;
  return dtype === 'int64' || dtype === 'uint64' ? BigInt(whole) : whole;
}

function dimsParam(values: number[]): ParamValue {
  return { ints: [...values, ...Array(MAX_DIMS - values.length).fill(0)] };
}

function lowerResize(ctx: LowerContext): KernelCall {
  const spec = resizeSpec(ctx);
  const plan = resizePlan(spec, ctx.node);
  const name = ctx.node.name;
  const table = (suffix: string, data: Int32Array | Float32Array, dtype: DType): KernelArg => (data.length === 0
    ? { kind: 'null', ctype: dtype === 'int32' ? 'int32_t' : 'float' }
    : { kind: 'derived', tensor: { name: `${name}_resize_${suffix}`, dtype, shape: [data.length], data } });
  const indices = table('indices', plan.indices, 'int32');
  const common = {
    rank: { int: plan.axes.length },
    in_shape: dimsParam(plan.axes.map((a) => a.inDim)),
    out_shape: dimsParam(plan.axes.map((a) => a.outDim)),
  };
  const base = { node: name, opType: ctx.node.opType, macs: 0 };
  if (plan.nearest) {
    const crops = spec.transform === 'tf_crop_and_resize' && plan.indices.includes(-1);
    let fill: KernelArg = { kind: 'null', ctype: 'uint8_t' };
    if (crops) {
      const data = allocateTensorData(spec.dtype as Exclude<DType, 'string'>, 1);
      (data as unknown as { [i: number]: number | bigint })[0] = castFill(spec.extrapolation, spec.dtype);
      fill = { kind: 'derived', tensor: { name: `${name}_resize_fill`, dtype: spec.dtype, shape: [1], data } };
    }
    return {
      ...base,
      kernel: 'o2m_resize_nearest',
      paramsType: 'o2m_resize_nearest_params',
      params: {
        rank: common.rank,
        elem_size: { int: DTYPE_BYTES[spec.dtype] },
        block_elems: { int: plan.blockElems },
        in_shape: common.in_shape,
        out_shape: common.out_shape,
        table_offset: dimsParam(plan.tableOffsets),
      },
      args: [inputArg(ctx, 0), indices, fill, outputArg(ctx)],
    };
  }
  return {
    ...base,
    kernel: 'o2m_resize_f32',
    paramsType: 'o2m_resize_f32_params',
    params: {
      ...common,
      taps: dimsParam(plan.axes.map((a) => a.taps)),
      table_offset: dimsParam(plan.tableOffsets.map((t) => Math.max(t, 0))),
      extrapolation_value: { float: spec.extrapolation },
    },
    args: [inputArg(ctx, 0), indices, table('weights', plan.weights, 'float32'), outputArg(ctx)],
  };
}

function evaluateResize(ctx: EvalContext): ConstTensor[] {
  const spec = resizeSpec({ node: ctx.node, inputs: ctx.inputTypes, constants: ctx.inputs, opset: ctx.opset });
  const plan = resizePlan(spec, ctx.node);
  const data = allocateTensorData(spec.dtype as Exclude<DType, 'string'>, elementCount(spec.outShape));
  runPlan(plan, ctx.inputs[0]!, data as unknown as { [i: number]: number | bigint });
  return [{ name: ctx.node.outputs[0], dtype: spec.dtype, shape: spec.outShape, data }];
}

function makeFamily(opType: 'Resize' | 'Upsample', opsets: [number, number]): OpFamily {
  return {
    opTypes: [opType],
    opsets,
    dtypes: DATA_DTYPES,
    inferShapes(ctx) {
      requireDtypes(ctx, DATA_DTYPES, 0);
      const spec = resizeSpec(ctx);
      return [{ dtype: spec.dtype, shape: spec.outShape }];
    },
    evaluate: evaluateResize,
    lower: lowerResize,
  };
}

export const families: OpFamily[] = [makeFamily('Resize', [10, 17]), makeFamily('Upsample', [1, 9])];
