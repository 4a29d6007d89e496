// Every operator family onnx2mcu implements. Adding an operator: one file, one line here.
import { clampFamily, families as activationFamilies } from './activation.js';
import { batchNormFamily } from './batchnorm.js';
import { convFamily } from './conv.js';
import { channelsLastConvFamily } from './channels-last-conv.js';
import { constantFamily } from './constant.js';
import { copyConstantFamily } from './copy.js';
import { binaryFamily, families as elementwiseFamilies } from './elementwise.js';
import { gemmFamily } from './gemm.js';
import { matmulFamily, matmulTransposedBFamily } from './matmul.js';
import type { OpFamily } from './op.js';
import { families as unaryFamilies } from './unary.js';
import { families as whereFamilies } from './where.js';
import { families as reduceFamilies } from './reduce.js';
import { families as normalizationFamilies } from './normalization.js';
import { families as lossesFamilies } from './losses.js';
import { families as movementFamilies } from './movement.js';
import { families as gatherFamilies } from './gather.js';
import { families as resizeFamilies } from './resize.js';
import { families as linalgFamilies } from './linalg.js';
import { families as fusedFamilies } from './fused.js';
import { averagePoolFamily, globalAveragePoolFamily, maxPoolFamily } from './pool.js';
import { flattenFamily, identityFamily, reshapeFamily } from './reshape.js';
import { maskedSoftmaxFamily, softmaxFamily } from './softmax.js';
import { lookupFamily } from './lookup.js';
import { streamedRowsFamily } from './streamed-rows.js';
import { families as quantizeLinearFamilies } from './quantize-linear.js';
import { families as qlinearFamilies } from './qlinear.js';
import type { DType, Node } from '../ir/graph.js';

const FAMILIES: OpFamily[] = [
  convFamily, maxPoolFamily, averagePoolFamily, globalAveragePoolFamily, gemmFamily, matmulFamily, matmulTransposedBFamily,
  binaryFamily, clampFamily, softmaxFamily, maskedSoftmaxFamily, reshapeFamily, flattenFamily, batchNormFamily,
  copyConstantFamily, constantFamily, identityFamily,
  ...unaryFamilies,
  ...activationFamilies,
  ...elementwiseFamilies,
  ...whereFamilies,
  ...reduceFamilies,
  ...normalizationFamilies,
  ...lossesFamilies,
  ...movementFamilies,
  ...gatherFamilies,
  ...resizeFamilies,
  ...linalgFamilies,
  ...fusedFamilies,
  ...quantizeLinearFamilies,
  ...qlinearFamilies,
  lookupFamily,
  streamedRowsFamily,
  channelsLastConvFamily,
];

export const DEFAULT_OPSETS: [number, number] = [1, 17];

const BY_KEY = new Map<string, OpFamily>();
for (const family of FAMILIES) {
  for (const op of family.opTypes) {
    const key = `${family.domain ?? ''}:${op}`;
    if (BY_KEY.has(key)) throw new Error(`internal: two families implement ${key}`);
    BY_KEY.set(key, family);
  }
}

/** The family implementing a node, or undefined when onnx2mcu does not support it. */
export function findOp(node: Pick<Node, 'opType' | 'domain'>): OpFamily | undefined {
  return BY_KEY.get(`${node.domain}:${node.opType}`);
}

export interface SupportedOp {
  opType: string;
  opsets: [number, number];
  dtypes: DType[];
  constantFoldable: boolean;
}

/** The ONNX operators users can put in a model (internal ops left out), for `onnx2mcu ops`. */
export function supportedOps(): SupportedOp[] {
  return [...BY_KEY.entries()]
    .filter(([key]) => key.startsWith(':'))
    .map(([key, f]) => ({
      opType: key.slice(1),
      opsets: f.opsets ?? DEFAULT_OPSETS,
      dtypes: f.dtypes ?? ['float32'],
      constantFoldable: Boolean(f.evaluate),
    }))
    .sort((a, b) => a.opType.localeCompare(b.opType));
}

export function supportedOpTypes(): string[] {
  return supportedOps().map((o) => o.opType);
}
