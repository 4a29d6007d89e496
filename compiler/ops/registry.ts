// Every operator family onnx2mcu implements. Adding an operator: one file, one line here.
import { clampFamily } from './activation.js';
import { batchNormFamily } from './batchnorm.js';
import { convFamily } from './conv.js';
import { binaryFamily } from './elementwise.js';
import { gemmFamily } from './gemm.js';
import { matmulFamily } from './matmul.js';
import type { OpFamily } from './op.js';
import { averagePoolFamily, globalAveragePoolFamily, maxPoolFamily } from './pool.js';
import { flattenFamily, reshapeFamily } from './reshape.js';
import { softmaxFamily } from './softmax.js';
import type { Node } from '../ir/graph.js';

const FAMILIES: OpFamily[] = [
  convFamily, maxPoolFamily, averagePoolFamily, globalAveragePoolFamily, gemmFamily, matmulFamily,
  binaryFamily, clampFamily, softmaxFamily, reshapeFamily, flattenFamily, batchNormFamily,
];

const BY_OP_TYPE = new Map<string, OpFamily>();
for (const family of FAMILIES) for (const op of family.opTypes) BY_OP_TYPE.set(op, family);

/** The family implementing a node, or undefined when onnx2mcu does not support it. */
export function findOp(node: Pick<Node, 'opType' | 'domain'>): OpFamily | undefined {
  return node.domain === '' ? BY_OP_TYPE.get(node.opType) : undefined;
}

export function supportedOpTypes(): string[] {
  return [...BY_OP_TYPE.keys()].sort();
}
