// The convolution, pooling and linear-algebra families the registry does not list by name.
import { convTransposeFamily } from './conv-transpose.js';
import { detFamily } from './det.js';
import { einsumFamily } from './einsum.js';
import { maxUnpoolFamily } from './max-unpool.js';
import type { OpFamily } from './op.js';
import { globalLpPoolFamily, globalMaxPoolFamily, lpPoolFamily } from './pool.js';

export const families: OpFamily[] = [
  convTransposeFamily, lpPoolFamily, globalMaxPoolFamily, globalLpPoolFamily, maxUnpoolFamily,
  einsumFamily, detFamily,
];
