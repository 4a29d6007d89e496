// The contract every operator family file fulfils: its shape rule and its lowering to a
// runtime kernel. Stages find operators through ops/registry.ts, never by importing a family.
import {
  CompileError, DTYPE_BYTES, type AttrValue, type ConstTensor, type DType, type Graph, type Node, type Quantization, type ValueInfo,
} from '../ir/graph.js';

export interface TypedShape {
  dtype: DType;
  shape: number[];
}

export interface ShapeContext {
  node: Node;
  /** Type and static shape of each input ('' inputs are undefined). */
  inputs: (TypedShape | undefined)[];
  /** The value of each input that is known at compile time. */
  constants: (ConstTensor | undefined)[];
  /** Opset version of the node's domain. */
  opset: number;
}

/** A scalar or array field of a kernel's parameter struct, as the C initializer will spell it. */
export type ParamValue =
  | { int: number }
  | { float: number }
  | { ints: number[] }
  | { enum: string };

/** A pointer argument of a kernel call. */
export type KernelArg =
  | { kind: 'value'; name: string; loopStrides?: number[] }   // a tensor computed at run time (arena)
  | { kind: 'weight'; name: string; loopStrides?: number[] }  // an initializer of the graph (flash)
  | { kind: 'derived'; tensor: ConstTensor }  // constant data the lowering computed (flash)
  | { kind: 'null'; ctype: string }
  | { kind: 'scratch'; ctype: string; offset?: number };      // (a place in) the node's scratch buffer in the arena (scratchBytes)

export interface KernelCall {
  node: string;
  opType: string;
  /** Runtime function, e.g. o2m_conv2d_f32. */
  kernel: string;
  /** Its parameter struct type; the call passes a pointer to a const instance. */
  paramsType: string;
  params: Record<string, ParamValue>;
  /** Pointer arguments after the params, in the kernel's order; outputs last. */
  args: KernelArg[];
  /** Multiply-accumulates per inference: the weighted sums of Conv, Gemm and MatMul (0 elsewhere). */
  macs: number;
  /**
   * A plain copy of argument `source` into argument `destination` from `byteOffset` on: the
   * lowering drops the call when the planner put the source there already (slots).
   */
  copyInto?: { source: number; destination: number; byteOffset: number };
  /**
   * Runs inside nested loops with these counts (StreamedRows): each argument with `loopStrides`
   * advances by that many bytes per step of each loop. Consecutive calls of one node share the loop.
   */
  loop?: { counts: number[] };
}

/** What the target core offers the kernels, where a lowering lays out weights for a fast variant. */
export interface KernelTarget {
  /** The Armv7E-M DSP extension (SMLAD): Cortex-M4, M7, M33, M55. */
  dsp: boolean;
  /** Helium (Cortex-M55). */
  mve: boolean;
}

export interface LowerContext {
  node: Node;
  inputs: (TypedShape | undefined)[];
  outputs: TypedShape[];
  constants: (ConstTensor | undefined)[];
  opset: number;
  /** The scale and zero point of an integer tensor of a quantized graph, by name. */
  quantization(name: string): Quantization | undefined;
  /** The core the code is lowered for; absent where the layout does not matter (planning, inspect). */
  target?: KernelTarget;
  /** The extra scratch units the plan granted the node (OpFamily.scratchGrowth); absent: none. */
  scratchGrant?: number;
}

export interface EvalContext {
  node: Node;
  /** The constant value of each input ('' inputs are undefined). */
  inputs: (ConstTensor | undefined)[];
  /** Types and shapes of the inputs, known even where a value is not (Shape, Size). */
  inputTypes: (TypedShape | undefined)[];
  /** The outputs' types and shapes, from inferShapes. */
  outputs: TypedShape[];
  opset: number;
}

export interface OpFamily {
  /** ONNX op types this family implements. */
  opTypes: string[];
  /** The domain of those op types: '' for ONNX's own, 'onnx2mcu' for the compiler's internal ops. */
  domain?: string;
  /** Opset versions of the domain the family implements, inclusive (default: 1 to 17). */
  opsets?: [number, number];
  /** Element types the kernels take, for `onnx2mcu ops` (default float32). */
  dtypes?: DType[];
  /** Output types and shapes from input types and shapes. Throws CompileError on bad input. */
  inferShapes(ctx: ShapeContext): TypedShape[];
  /**
   * The reference implementation: outputs from constant inputs, computed in TypeScript.
   * Constant folding calls it when every input is known (calibration will run models with it).
   */
  evaluate?(ctx: EvalContext): ConstTensor[];
  /** Ops whose outputs follow from input shapes alone (Shape, Size): folded even when inputs are not constant. */
  foldsOnShapes?: boolean;
  /** Ops whose output is its first input's bytes under another shape: no kernel, no memory. */
  view?: boolean;
  /** The kernel calls that compute the node, run in order (Concat: one per input). Views have none. */
  lower?(ctx: LowerContext): KernelCall | KernelCall[];
  /** Bytes of working memory the kernel needs during its call; the planner places them in the arena. */
  scratchBytes?(ctx: LowerContext): number;
  /**
   * Scratch that runs faster the more of it there is (the int8 Conv's pixel blocks, a depthwise
   * 3×3's whole plane): how many
   * units the kernel can use beyond scratchBytes' least. scratchBytes and lower then read the
   * plan's grant as ctx.scratchGrant; the plan grants what fits under the arena's peak.
   */
  scratchGrowth?(ctx: LowerContext): number;
  /**
   * Inputs the kernel may overwrite with its output: it reads element i of them before it writes
   * element i, and never reads them again (element-wise kernels). The planner writes the output
   * over such an input when that input dies at this step.
   */
  inPlace?(ctx: LowerContext): number[];
  /**
   * Inputs that can be computed straight into their place in the output (Concat along the
   * outermost axis): the output's bytes from `byteOffset` on hold the input unchanged. The
   * planner then lets the input's producer write there, and the lowering drops the copy.
   */
  slots?(ctx: LowerContext): { input: number; byteOffset: number }[];
  /** How the op runs in int8 (DESIGN.md §4); without a rule it stays float inside an int8 model. */
  int8?: Int8Rule;
}

/**
 * What the quantize pass needs to know to turn a float node into an int8 one; the family's
 * `lower` then sees int8 inputs with their quantization and emits its int8 kernel.
 */
export interface Int8Rule {
  /**
   * Where the output's scale and zero point come from:
   * - 'calibrated': the range the output took on the calibration data (ops that compute);
   * - 'input': the first input's, so values pass unchanged (max pooling, moves, gathers);
   * - 'table': calibrated, and the op (a function of one input, element by element) becomes a
   *   256-entry lookup table computed with its float reference.
   */
  output: 'calibrated' | 'input' | 'table';
  /** Why this particular node cannot run in int8, or undefined when it can. */
  refuses?(ctx: LowerContext): string | undefined;
  /**
   * The constant input quantized per channel as weights (symmetric int8 along `axis`), and the
   * optional bias quantized to int32 at scale input × weight × `biasFactor` (Gemm's beta).
   * Undefined when the node has no constant weight (MatMul of two activations).
   */
  weights?(ctx: LowerContext): { input: number; axis: number; bias?: number; biasFactor?: number } | undefined;
  /**
   * Output parameters the op fixes itself, overriding the calibrated ones (Softmax: scale 1/256,
   * zero point -128, as TFLite, since its output always lies in [0, 1)).
   */
  outputQuantization?(ctx: LowerContext): Quantization;
  /**
   * The part of a calibrated input range this op can tell apart, when less than all of it matters
   * (Softmax: values far below the row maximum all round to zero). Applied when the op is the
   * value's only reader, so int8 levels are not spent on differences nothing can see.
   */
  inputRange?(range: { min: number; max: number }, ctx: LowerContext): { min: number; max: number };
}

/** The types, shapes and constants a node sees, as lowering (and planning its scratch) needs them. */
export function loweringContext(graph: Graph, node: Node, target?: KernelTarget, scratchGrant?: number): LowerContext {
  const typed = (name: string): TypedShape => {
    const v = graph.values.get(name) ?? graph.initializers.get(name);
    if (!v) throw new Error(`internal: no type for '${name}'`);
    return { dtype: v.dtype, shape: v.shape as number[] };
  };
  return {
    node,
    inputs: node.inputs.map((n) => (n === '' ? undefined : typed(n))),
    outputs: node.outputs.map((n) => (n === '' ? { dtype: 'float32', shape: [] } : typed(n))),
    constants: node.inputs.map((n) => graph.initializers.get(n)),
    opset: graph.opsets[node.domain] ?? 1,
    quantization: (name) => graph.quantization?.get(name),
    ...(target ? { target } : {}),
    ...(scratchGrant ? { scratchGrant } : {}),
  };
}

/** The name under which the plan keeps a node's scratch buffer. */
export const scratchName = (node: Node) => `${node.name}#scratch`;

// ---- attribute readers shared by every family -------------------------------------------

function attrError(node: Node, name: string, expected: string, got?: AttrValue): CompileError {
  const what = got ? `a ${got.kind}` : 'missing';
  return new CompileError(
    `node '${node.name}' (${node.opType}): attribute '${name}' must be ${expected}, got ${what}`,
    2, { node: node.name, opType: node.opType },
  );
}

export function attrInt(node: Node, name: string, fallback?: number): number {
  const a = node.attributes[name];
  if (a === undefined && fallback !== undefined) return fallback;
  if (a?.kind !== 'int') throw attrError(node, name, 'an int', a);
  return a.value;
}

export function attrFloat(node: Node, name: string, fallback?: number): number {
  const a = node.attributes[name];
  if (a === undefined && fallback !== undefined) return fallback;
  if (a?.kind !== 'float') throw attrError(node, name, 'a float', a);
  return a.value;
}

export function attrInts(node: Node, name: string, fallback?: number[]): number[] {
  const a = node.attributes[name];
  if (a === undefined && fallback !== undefined) return fallback;
  if (a?.kind !== 'ints') throw attrError(node, name, 'a list of ints', a);
  return a.value;
}

export function attrString(node: Node, name: string, fallback?: string): string {
  const a = node.attributes[name];
  if (a === undefined && fallback !== undefined) return fallback;
  if (a?.kind !== 'string') throw attrError(node, name, 'a string', a);
  return a.value;
}

export function nodeError(node: Node, reason: string): CompileError {
  return new CompileError(`node '${node.name}' (${node.opType}): ${reason}`, 2,
    { node: node.name, opType: node.opType });
}

/** The input at `index`, which the op requires. */
export function requireInput(ctx: { node: Node; inputs: (TypedShape | undefined)[] }, index: number): TypedShape {
  const t = ctx.inputs[index];
  if (!t) throw nodeError(ctx.node, `input ${index} is required`);
  return t;
}

/** Every numeric type the runtime can hold (float16 and strings are not among them). */
export const NUMERIC_DTYPES: DType[] = ['float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'];

/** The suffix of a kernel specialised for a dtype: o2m_add_f32, o2m_add_i64, o2m_not_b ... */
export const DTYPE_SUFFIX: Partial<Record<DType, string>> = {
  float32: 'f32', float64: 'f64', int8: 'i8', int16: 'i16', int32: 'i32', int64: 'i64',
  uint8: 'u8', uint16: 'u16', uint32: 'u32', uint64: 'u64', bool: 'b',
};

/** Refuses an input whose dtype the op's kernels do not take, naming what they do take. */
export function requireDtypes(ctx: { node: Node; inputs: (TypedShape | undefined)[] }, allowed: readonly DType[], ...indices: number[]): void {
  for (const i of indices) {
    const t = ctx.inputs[i];
    if (t && !allowed.includes(t.dtype)) {
      throw nodeError(ctx.node, `input ${i} is ${t.dtype}; supported: ${allowed.join(', ')}`);
    }
  }
}

export function requireFloat32(ctx: { node: Node; inputs: (TypedShape | undefined)[] }, ...indices: number[]): void {
  for (const i of indices) {
    const t = ctx.inputs[i];
    if (t && t.dtype !== 'float32') {
      throw nodeError(ctx.node, `input ${i} is ${t.dtype}; only float32 is supported for this op`);
    }
  }
}

/** Normalises a possibly negative axis against a rank. */
export function normaliseAxis(node: Node, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw nodeError(node, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** The fused activation a pass attached to this node, as a clamp range. */
export const FUSED_ACTIVATION = 'onnx2mcu.activation';

/** The fused activation's bounds (unbounded when there is none). */
export function fusedBounds(node: Node): [number, number] {
  const a = node.attributes[FUSED_ACTIVATION];
  return a?.kind === 'floats' ? [a.value[0], a.value[1]] : [-Infinity, Infinity];
}

export function fusedClamp(node: Node): { act_min: ParamValue; act_max: ParamValue } {
  const [lo, hi] = fusedBounds(node);
  return { act_min: { float: lo }, act_max: { float: hi } };
}

/** As o2m_activation_f32: with min > max (a Clip may say so) every value becomes max, as ONNX says. */
export function clampValue(value: number, lo: number, hi: number): number {
  let v = value;
  if (v < lo) v = lo;
  if (v > hi) v = hi;
  return v;
}

/** The most axes a kernel's shape and stride tables hold: O2M_MAX_DIMS of runtime-c's onnx2mcu/dims.h. */
export const O2M_MAX_DIMS = 6;

/** Integer fields of a kernel's parameter struct, from plain numbers. */
export function intParams(values: Record<string, number>): Record<string, ParamValue> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { int: v }]));
}

/**
 * For element-wise kernels: the inputs among `indices` laid out exactly as the output (same shape,
 * same element size), which the kernel may therefore overwrite in place.
 */
export function sameLayoutInputs(ctx: LowerContext, indices: number[] = [0]): number[] {
  const out = ctx.outputs[0];
  return indices.filter((i) => {
    const t = ctx.inputs[i];
    return t !== undefined && DTYPE_BYTES[t.dtype] === DTYPE_BYTES[out.dtype] && t.shape.join('x') === out.shape.join('x');
  });
}

/** An input read as a weight when it is a compile-time constant, from the arena otherwise. */
export function inputArg(ctx: LowerContext, index: number): KernelArg {
  const name = ctx.node.inputs[index];
  return ctx.constants[index] ? { kind: 'weight', name } : { kind: 'value', name };
}

export function outputArg(ctx: LowerContext, index = 0): KernelArg {
  return { kind: 'value', name: ctx.node.outputs[index] };
}

export type { ValueInfo };
