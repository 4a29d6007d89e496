// Lowering: every node becomes a call of a runtime kernel with constant parameters, and every
// tensor argument is resolved to an arena offset or a weight in flash.
import {
  CompileError, DTYPE_BYTES, DTYPE_CTYPE, elementCount, type ConstTensor, type DType, type Graph, type Node,
} from '../ir/graph.js';
import { loweringContext, scratchName, type KernelArg, type KernelTarget, type ParamValue, type TypedShape } from '../ops/op.js';
import { findOp } from '../ops/registry.js';
import type { MemoryPlan } from '../plan/index.js';

/** `strides`: bytes the pointer advances per step of each enclosing loop (StreamedRows). */
export type CallArg =
  | { kind: 'arena'; offset: number; ctype: string; writable: boolean; strides?: number[] }
  | { kind: 'weight'; symbol: string; ctype: string; strides?: number[] }
  | { kind: 'io'; direction: 'input' | 'output'; index: number; ctype: string; writable: boolean; strides?: number[] }
  | { kind: 'null'; ctype: string };

export interface LoweredStep {
  node: string;
  opType: string;
  kernel: string;
  paramsType: string;
  params: Record<string, ParamValue>;
  args: CallArg[];
  macs: number;
  output: { name: string; dtype: DType; shape: number[]; offset: number; bytes: number };
  /** Nested loop counts shared by consecutive steps of one node (StreamedRows), innermost last. */
  loop?: { counts: number[] };
}

export interface Weight {
  symbol: string;
  ctype: string;
  tensor: ConstTensor;
  bytes: number;
}

export interface IoTensor {
  name: string;
  dtype: DType;
  shape: number[];
  offset: number;
  bytes: number;
}

export interface LoweredModel {
  prefix: string;
  /** Inputs and outputs live in the caller's buffers (--io outside), not in the arena. */
  ioOutside: boolean;
  steps: LoweredStep[];
  weights: Weight[];
  inputs: IoTensor[];
  outputs: IoTensor[];
}

function ctypeOf(dtype: DType, what: string): string {
  const c = DTYPE_CTYPE[dtype];
  if (!c) throw new CompileError(`${what} has dtype ${dtype}, which the runtime cannot hold`);
  return c;
}

/** A C identifier from a tensor name, unique among `taken`. */
function cIdentifier(prefix: string, name: string, taken: Set<string>): string {
  const base = `${prefix}_${name.replace(/[^A-Za-z0-9_]/g, '_').replace(/_+/g, '_').slice(0, 48)}`;
  let symbol = base;
  for (let i = 2; taken.has(symbol); i++) symbol = `${base}_${i}`;
  taken.add(symbol);
  return symbol;
}

/** A copy whose source already sits where it would be copied to (a Concat input in its slot). */
function copiesOntoItself(args: CallArg[], copy: { source: number; destination: number; byteOffset: number }): boolean {
  const [from, to] = [args[copy.source], args[copy.destination]];
  return from.kind === 'arena' && to.kind === 'arena' && from.offset === to.offset + copy.byteOffset;
}

export function lowerGraph(graph: Graph, plan: MemoryPlan, prefix: string, file: string, target?: KernelTarget): LoweredModel {
  const external = plan.external;
  const typed = (name: string): TypedShape => {
    const v = graph.values.get(name) ?? graph.initializers.get(name);
    if (!v) throw new Error(`internal: no type for '${name}'`);
    return { dtype: v.dtype, shape: v.shape as number[] };
  };
  const io = (name: string): IoTensor => {
    const offset = external.has(name) ? -1 : plan.offsets.get(name);
    if (offset === undefined) {
      throw new CompileError(`${file}: '${name}' is a constant; a graph input or output must be computed at run time`);
    }
    const t = typed(name);
    return { name, ...t, offset, bytes: elementCount(t.shape) * DTYPE_BYTES[t.dtype] };
  };

  const symbols = new Set<string>();
  const weights = new Map<string, Weight>();
  const weightFor = (tensor: ConstTensor, key: string): Weight => {
    let w = weights.get(key);
    if (!w) {
      const ctype = ctypeOf(tensor.dtype, `constant '${tensor.name}'`);
      w = {
        symbol: cIdentifier(`${prefix}_w`, tensor.name, symbols), ctype, tensor,
        bytes: elementCount(tensor.shape) * DTYPE_BYTES[tensor.dtype],
      };
      weights.set(key, w);
    }
    return w;
  };

  const resolveArg = (node: Node, arg: KernelArg): CallArg => {
    switch (arg.kind) {
      case 'null': return arg;
      case 'scratch': {
        const offset = plan.offsets.get(scratchName(node));
        if (offset === undefined) throw new Error(`internal: node '${node.name}' asks for scratch that its family did not size`);
        return { kind: 'arena', offset: offset + (arg.offset ?? 0), ctype: arg.ctype, writable: true };
      }
      case 'derived': {
        const w = weightFor(arg.tensor, `derived:${arg.tensor.name}`);
        return { kind: 'weight', symbol: w.symbol, ctype: w.ctype };
      }
      case 'weight': {
        const w = weightFor(graph.initializers.get(arg.name)!, `init:${arg.name}`);
        return { kind: 'weight', symbol: w.symbol, ctype: w.ctype, ...(arg.loopStrides ? { strides: arg.loopStrides } : {}) };
      }
      case 'value': {
        const outside = external.get(arg.name);
        if (outside) {
          return {
            kind: 'io', ...outside, ctype: ctypeOf(typed(arg.name).dtype, `'${arg.name}'`),
            writable: node.outputs.includes(arg.name), ...(arg.loopStrides ? { strides: arg.loopStrides } : {}),
          };
        }
        const offset = plan.offsets.get(arg.name);
        if (offset === undefined) throw new Error(`internal: '${arg.name}' has no arena offset`);
        return {
          kind: 'arena', offset, ctype: ctypeOf(typed(arg.name).dtype, `'${arg.name}'`),
          writable: node.outputs.includes(arg.name),
          ...(arg.loopStrides ? { strides: arg.loopStrides } : {}),
        };
      }
    }
  };

  const steps: LoweredStep[] = [];
  for (const node of graph.nodes) {
    const op = findOp(node)!;
    if (op.view) continue;
    let lowered;
    try {
      lowered = op.lower!(loweringContext(graph, node, target, plan.scratchGrants.get(node.name)));
    } catch (e) {
      if (e instanceof CompileError) throw new CompileError(`${file}: ${e.message}`, e.exitCode, { ...e.details, file });
      throw e;
    }
    // Several calls run in order (Concat: one per input; Split: one per output); none is fine.
    for (const call of Array.isArray(lowered) ? lowered : [lowered]) {
      const args: CallArg[] = call.args.map((arg) => resolveArg(node, arg));
      if (call.copyInto && copiesOntoItself(args, call.copyInto)) continue; // the planner put it there already
      const written = call.args.filter((a) => a.kind === 'value' && node.outputs.includes(a.name)).at(-1);
      steps.push({
        node: node.name, opType: node.opType, kernel: call.kernel, paramsType: call.paramsType,
        params: call.params, args, macs: call.macs, ...(call.loop ? { loop: call.loop } : {}),
        output: io(written?.kind === 'value' ? written.name : node.outputs[0]),
      });
    }
  }
  return {
    prefix,
    ioOutside: plan.ioOutside,
    steps,
    weights: [...weights.values()],
    inputs: graph.inputs.map((i) => io(i.name)),
    outputs: graph.outputs.map((o) => io(o.name)),
  };
}
