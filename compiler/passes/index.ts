// The pass pipeline, in order. Each pass takes a Graph and returns a new one.
import type { Graph } from '../ir/graph.js';
import { bindInputShapes } from './bind-shapes.js';
import { constantNodesToInitializers } from './constant-nodes.js';
import { removeDeadNodes } from './dead-code.js';
import { dropUnusedInitializers, foldBatchNormIntoConv } from './fold-batchnorm.js';
import { fuseActivations } from './fuse-activation.js';
import { inferShapes } from './infer-shapes.js';

export interface PassOptions {
  file: string;
  shapes: Map<string, number[]>;
}

export function runPasses(graph: Graph, options: PassOptions): Graph {
  let g = bindInputShapes(graph, options.shapes, options.file);
  g = constantNodesToInitializers(g);
  g = removeDeadNodes(g);
  g = inferShapes(g, options.file); // checks every node before any rewrite relies on shapes
  g = foldBatchNormIntoConv(g);
  g = fuseActivations(g);
  g = dropUnusedInitializers(g);
  return inferShapes(g, options.file);
}
