// Conv → BatchNormalization becomes one Conv: the affine map folds into each output channel's
// weights and bias, so inference pays nothing for the normalisation.
import type { ConstTensor, Graph } from '../ir/graph.js';
import { consumersOf, hasSingleInternalUse } from '../ir/uses.js';
import { batchNormAffine } from '../ops/batchnorm.js';

export function foldBatchNormIntoConv(graph: Graph): Graph {
  const uses = consumersOf(graph);
  const producers = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const initializers = new Map(graph.initializers);
  const removed = new Set<string>();
  const nodes = graph.nodes.map((n) => ({ ...n }));
  const byName = new Map(nodes.map((n) => [n.name, n]));

  for (const bn of graph.nodes) {
    if (bn.opType !== 'BatchNormalization' || bn.domain !== '') continue;
    // Training mode normalises with the batch's own statistics: nothing to fold.
    if (bn.attributes.training_mode?.kind === 'int' && bn.attributes.training_mode.value === 1) continue;
    const conv = producers.get(bn.inputs[0]);
    if (!conv || conv.opType !== 'Conv' || !hasSingleInternalUse(graph, uses, bn.inputs[0])) continue;
    const weight = initializers.get(conv.inputs[1]);
    const bias = conv.inputs[2] ? initializers.get(conv.inputs[2]) : undefined;
    if (!weight || weight.dtype !== 'float32' || (conv.inputs[2] && !bias)) continue;
    const stats = bn.inputs.map((name) => initializers.get(name));
    if (stats.slice(1).some((s) => !s) || bn.outputs.slice(1).some((o) => o !== '')) continue;

    const { scale, shift } = batchNormAffine(bn, stats);
    const outC = weight.shape[0];
    const perChannel = weight.data.length / outC;
    const w = new Float32Array(weight.data.length);
    const b = new Float32Array(outC);
    for (let c = 0; c < outC; c++) {
      for (let i = 0; i < perChannel; i++) w[c * perChannel + i] = (weight.data as Float32Array)[c * perChannel + i] * scale[c];
      b[c] = (bias ? (bias.data as Float32Array)[c] : 0) * scale[c] + shift[c];
    }
    const wName = `${conv.name}_weight_bn`;
    const bName = `${conv.name}_bias_bn`;
    initializers.set(wName, { name: wName, dtype: 'float32', shape: weight.shape, data: w } satisfies ConstTensor);
    initializers.set(bName, { name: bName, dtype: 'float32', shape: [outC], data: b } satisfies ConstTensor);
    const folded = byName.get(conv.name)!;
    folded.inputs = [conv.inputs[0], wName, bName];
    folded.outputs = [bn.outputs[0]];
    removed.add(bn.name);
  }
  return dropUnusedInitializers({ ...graph, nodes: nodes.filter((n) => !removed.has(n.name)), initializers });
}

/** Initializers nothing reads any more (weights replaced by folded copies) leave the graph. */
export function dropUnusedInitializers(graph: Graph): Graph {
  const read = new Set(graph.nodes.flatMap((n) => n.inputs));
  for (const o of graph.outputs) read.add(o.name);
  const initializers = new Map([...graph.initializers].filter(([name]) => read.has(name)));
  return { ...graph, initializers };
}
