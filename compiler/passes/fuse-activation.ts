// Relu and Clip that follow a Conv, Gemm or element-wise op become the producer's output clamp,
// saving a pass over the tensor and its buffer.
import type { Graph } from '../ir/graph.js';
import { consumersOf, hasSingleInternalUse } from '../ir/uses.js';
import { clampRange } from '../ops/activation.js';
import { FUSED_ACTIVATION } from '../ops/op.js';

const PRODUCERS = new Set(['Conv', 'Gemm', 'Add', 'Sub', 'Mul', 'Div']);

export function fuseActivations(graph: Graph): Graph {
  const uses = consumersOf(graph);
  const producers = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const nodes = graph.nodes.map((n) => ({ ...n, attributes: { ...n.attributes } }));
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const removed = new Set<string>();

  for (const act of graph.nodes) {
    if ((act.opType !== 'Relu' && act.opType !== 'Clip') || act.domain !== '') continue;
    const producer = producers.get(act.inputs[0]);
    if (!producer || !PRODUCERS.has(producer.opType) || producer.domain !== '') continue;
    if (!hasSingleInternalUse(graph, uses, act.inputs[0])) continue;
    const target = byName.get(producer.name)!;
    if (target.attributes[FUSED_ACTIVATION]) continue;
    // Only float clamps fuse, and only with bounds known now (Clip from opset 11 may read them live).
    if (graph.values.get(act.inputs[0])?.dtype !== 'float32') continue;
    if (act.opType === 'Clip' && (graph.opsets[''] ?? 1) >= 11
      && [1, 2].some((i) => act.inputs[i] && !graph.initializers.has(act.inputs[i]))) continue;
    const constants = act.inputs.map((name) => graph.initializers.get(name));
    const [lo, hi] = clampRange(act, constants, graph.opsets[''] ?? 1);
    target.attributes[FUSED_ACTIVATION] = { kind: 'floats', value: [lo, hi] };
    target.outputs = [act.outputs[0]];
    removed.add(act.name);
  }
  return { ...graph, nodes: nodes.filter((n) => !removed.has(n.name)) };
}
