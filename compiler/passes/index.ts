// The pass pipeline, in order. Each pass takes a Graph and returns a new one.
import type { ConstTensor, Graph } from '../ir/graph.js';
import { bindInputShapes } from './bind-shapes.js';
import { materialiseConstantOutputs } from './constant-outputs.js';
import { removeDeadNodes } from './dead-code.js';
import { dropUnusedInitializers, foldBatchNormIntoConv } from './fold-batchnorm.js';
import { foldConvCrop } from './fold-conv-crop.js';
import { freezeInputs } from './freeze-inputs.js';
import { fuseActivations } from './fuse-activation.js';
import { fusePatterns } from './fuse-patterns.js';
import { removePassThroughs } from './identity.js';
import { inferShapes } from './infer-shapes.js';
import { prepareQdq, quantizeQdqPatterns } from './qdq.js';
import { sortTopologically } from './topological-order.js';

export interface PassOptions {
  file: string;
  shapes: Map<string, number[]>;
  /** Inputs fixed at compile time. */
  frozen?: Map<string, ConstTensor>;
}

export function runPasses(graph: Graph, options: PassOptions): Graph {
  let g = freezeInputs(graph, options.frozen ?? new Map(), options.file);
  g = prepareQdq(bindInputShapes(g, options.shapes, options.file)); // before folding: int8 weights stay int8
  g = sortTopologically(g, options.file);
  g = removePassThroughs(g);
  g = removeDeadNodes(g);
  g = inferShapes(g, options.file, { fold: true }); // checks every node, folds what is constant
  g = removeDeadNodes(g); // folding can leave producers nobody reads
  g = materialiseConstantOutputs(g);
  g = fusePatterns(g);
  g = foldBatchNormIntoConv(g);
  g = foldConvCrop(g);
  g = fuseActivations(g);
  g = dropUnusedInitializers(g);
  return quantizeQdqPatterns(inferShapes(g, options.file), options.file); // pre-quantized models run in int8
}
