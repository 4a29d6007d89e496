// (being written)
import type { OpFamily } from './op.js';

export const families: OpFamily[] = [];
