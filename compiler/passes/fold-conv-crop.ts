// A causal convolution as PyTorch writes it — Conv1d(padding = k − 1) followed by a Slice that
// keeps the first ℓ outputs — computes outputs only to throw them away. Cropping the output of a
// convolution is the same as padding it less: dropping k outputs at the start of an axis takes
// k·stride off the padding before it, dropping r at the end r·stride off the padding after. The
// Conv then writes the Slice's result itself, with the same sums in the same order (the same
// bits), and neither the wider output nor the copy exist.
import type { Graph, Node } from '../ir/graph.js';
import { consumersOf } from '../ir/uses.js';
import { attrInts, attrString } from '../ops/op.js';
import { clampSlice } from '../ops/slice.js';

function intsOf(graph: Graph, name: string | undefined): number[] | undefined {
  if (name === undefined || name === '') return undefined;
  const c = graph.initializers.get(name);
  return c ? Array.from(c.data, Number) : undefined;
}

/** Starts, ends, axes and steps of a Slice, when all are constants. */
function sliceConstants(graph: Graph, slice: Node, rank: number) {
  const opset = graph.opsets[''] ?? 13;
  const starts = opset < 10 ? attrInts(slice, 'starts') : intsOf(graph, slice.inputs[1]);
  const ends = opset < 10 ? attrInts(slice, 'ends') : intsOf(graph, slice.inputs[2]);
  if (!starts || !ends) return undefined;
  const axesGiven = opset < 10 ? (slice.attributes.axes ? attrInts(slice, 'axes') : undefined) : intsOf(graph, slice.inputs[3]);
  if (opset >= 10 && slice.inputs[3] && !axesGiven) return undefined;
  const steps = opset >= 10 && slice.inputs[4] ? intsOf(graph, slice.inputs[4]) : starts.map(() => 1);
  if (!steps) return undefined;
  const axes = (axesGiven ?? starts.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a));
  return { starts, ends, axes, steps };
}

export function foldConvCrop(graph: Graph): Graph {
  const uses = consumersOf(graph);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const producer = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const replaced = new Map<Node, Node>();
  const removed = new Set<Node>();
  for (const slice of graph.nodes) {
    if (slice.opType !== 'Slice' || slice.domain !== '') continue;
    const conv = producer.get(slice.inputs[0]);
    if (!conv || conv.opType !== 'Conv' || conv.domain !== '' || replaced.has(conv)) continue;
    if (outputs.has(conv.outputs[0]) || (uses.get(conv.outputs[0])?.length ?? 0) !== 1) continue;
    const shape = graph.values.get(conv.outputs[0])?.shape as number[] | undefined;
    if (!shape || shape.some((d) => typeof d !== 'number') || attrString(conv, 'auto_pad', 'NOTSET') !== 'NOTSET') continue;
    const crop = sliceConstants(graph, slice, shape.length);
    if (!crop || crop.steps.some((s) => s !== 1) || crop.axes.some((a) => a < 2 || a >= shape.length)) continue;
    const n = shape.length - 2;
    const strides = attrInts(conv, 'strides', Array(n).fill(1));
    const pads = [...attrInts(conv, 'pads', Array(2 * n).fill(0))];
    crop.axes.forEach((axis, i) => {
      const { first, length } = clampSlice(crop.starts[i], crop.ends[i], 1, shape[axis]);
      const s = axis - 2;
      pads[s] -= first * strides[s];
      pads[s + n] -= (shape[axis] - first - length) * strides[s];
    });
    if (pads.some((p) => p < 0)) continue;
    replaced.set(conv, {
      ...conv, outputs: [slice.outputs[0]],
      attributes: { ...conv.attributes, pads: { kind: 'ints', value: pads } },
    });
    removed.add(slice);
  }
  if (removed.size === 0) return graph;
  const values = new Map(graph.values);
  for (const conv of replaced.keys()) values.delete(conv.outputs[0]);
  return { ...graph, values, nodes: graph.nodes.flatMap((n) => (removed.has(n) ? [] : [replaced.get(n) ?? n])) };
}
