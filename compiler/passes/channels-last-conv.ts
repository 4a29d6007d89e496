// A depthwise Conv1d on a sequence as exporters write it — Transpose [N, L, C] → [N, C, L], Conv,
// element-wise functions (the SiLU's Int8Lookup), Transpose back — becomes one ChannelsLastConv
// on [N, L, C] followed by those functions, now on [N, L, C] (an element-wise function commutes
// with a transpose, so their tables and scales stay). Neither transposed copy exists any more,
// and a causal convolution writes over its own input (ops/channels-last-conv.ts). Runs on the
// final graph, after int8 quantization (whose calibration saw the channels-first values), as
// streamAttention does; float32 convolutions are rewritten the same way.
import type { Graph, Node } from '../ir/graph.js';
import { consumersOf } from '../ir/uses.js';
import { attrInt } from '../ops/op.js';
import { findOp } from '../ops/registry.js';
import { FUSED_DOMAIN } from '../ops/fused.js';
import { LOOKUP_OP } from '../ops/lookup.js';
import { CHANNELS_LAST_CONV_OP } from '../ops/channels-last-conv.js';

interface Match {
  toChannelsFirst: Node;
  conv: Node;
  elementwise: Node[];
  toChannelsLast: Node;
}

const shapeOf = (graph: Graph, name: string) => graph.values.get(name)?.shape as number[] | undefined;

/** A rank-3 Transpose swapping the last two axes ([0, 2, 1]). */
function swapsLastTwo(graph: Graph, node: Node): boolean {
  if (node.opType !== 'Transpose' || node.domain !== '' || shapeOf(graph, node.inputs[0])?.length !== 3) return false;
  const perm = node.attributes.perm?.kind === 'ints' ? node.attributes.perm.value : [2, 1, 0];
  return perm.join() === '0,2,1';
}

/** The reader of `node`'s only output when it is the only one and no graph output. */
function onlyReader(uses: Map<string, Node[]>, outputs: Set<string>, node: Node): Node | undefined {
  if (node.outputs.length !== 1 || outputs.has(node.outputs[0])) return undefined;
  const readers = uses.get(node.outputs[0]) ?? [];
  return readers.length === 1 ? readers[0] : undefined;
}

/** Depthwise 1-D on input 0, with constant weights and bias: int8 (quantized) or float32. */
function isDepthwiseConv1d(graph: Graph, node: Node, input: string): boolean {
  if (node.opType !== 'Conv' || node.domain !== '' || node.inputs[0] !== input) return false;
  const x = graph.values.get(input);
  const w = graph.initializers.get(node.inputs[1]);
  if (!x || x.shape.length !== 3 || !w || w.shape.length !== 3) return false;
  if (node.inputs[2] && !graph.initializers.has(node.inputs[2])) return false;
  const int8 = x.dtype === 'int8' && w.dtype === 'int8'
    && graph.quantization?.has(input) === true && graph.quantization.has(node.outputs[0]);
  const float = x.dtype === 'float32' && w.dtype === 'float32';
  const channels = x.shape[1] as number;
  return (int8 || float) && w.shape[0] === channels && w.shape[1] === 1 && attrInt(node, 'group', 1) === channels;
}

/**
 * An element-wise function of the chain's value alone (anything else it reads is constant):
 * an int8 lookup table, or an op the quantize pass would make one (Int8Rule output 'table').
 */
function isElementwiseOf(graph: Graph, node: Node, input: string): boolean {
  const table = (node.domain === FUSED_DOMAIN && node.opType === LOOKUP_OP) || findOp(node)?.int8?.output === 'table';
  return table && node.outputs.length === 1 && node.inputs[0] === input
    && node.inputs.slice(1).every((i) => i === '' || graph.initializers.has(i));
}

function match(graph: Graph, uses: Map<string, Node[]>, outputs: Set<string>, transpose: Node): Match | undefined {
  if (!swapsLastTwo(graph, transpose)) return undefined;
  const conv = onlyReader(uses, outputs, transpose);
  if (!conv || !isDepthwiseConv1d(graph, conv, transpose.outputs[0])) return undefined;
  const elementwise: Node[] = [];
  let node = onlyReader(uses, outputs, conv);
  let value = conv.outputs[0];
  while (node && isElementwiseOf(graph, node, value)) {
    elementwise.push(node);
    value = node.outputs[0];
    node = onlyReader(uses, outputs, node);
  }
  if (!node || !swapsLastTwo(graph, node) || node.inputs[0] !== value) return undefined;
  return { toChannelsFirst: transpose, conv, elementwise, toChannelsLast: node };
}

function rewrite(graph: Graph, m: Match): Graph {
  const result = m.toChannelsLast.outputs[0];
  const last = m.elementwise.at(-1) ?? m.conv;
  const values = new Map(graph.values);
  const quantization = new Map(graph.quantization);
  // The intermediate values keep their names and scales, in the transposed shape.
  for (const node of [m.conv, ...m.elementwise]) {
    if (node === last) continue;
    const [n, c, l] = shapeOf(graph, node.outputs[0])!;
    values.set(node.outputs[0], { ...graph.values.get(node.outputs[0])!, shape: [n, l, c] });
  }
  // The last one writes the Transpose's result, whose shape it has now; their scales are equal
  // (a Transpose passes its input's on), the last one's is kept all the same.
  const lastScale = graph.quantization?.get(last.outputs[0]);
  if (lastScale) quantization.set(result, lastScale);
  for (const gone of [m.toChannelsFirst.outputs[0], last.outputs[0]]) {
    values.delete(gone);
    quantization.delete(gone);
  }
  const replaced = new Map<Node, Node>([
    [m.conv, { ...m.conv, opType: CHANNELS_LAST_CONV_OP, domain: FUSED_DOMAIN, inputs: [m.toChannelsFirst.inputs[0], ...m.conv.inputs.slice(1)] }],
  ]);
  replaced.set(last, { ...(replaced.get(last) ?? last), outputs: [result] });
  const nodes = graph.nodes
    .filter((n) => n !== m.toChannelsFirst && n !== m.toChannelsLast)
    .map((n) => replaced.get(n) ?? n);
  return { ...graph, nodes, values, ...(graph.quantization ? { quantization } : {}) };
}

/** Every match rewritten. */
export function channelsLastConv(graph: Graph): Graph {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  for (;;) {
    const uses = consumersOf(graph);
    const found = graph.nodes.map((n) => match(graph, uses, outputs, n)).find((m) => m !== undefined);
    if (!found) return graph;
    graph = rewrite(graph, found);
  }
}
