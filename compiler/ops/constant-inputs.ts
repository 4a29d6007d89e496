// Inputs that must be known at compile time (axes, shapes, pads, repeats, starts and ends):
// they decide shapes and kernel parameters, and a microcontroller kernel cannot reallocate.
import type { ConstTensor, Node } from '../ir/graph.js';
import { nodeError } from './op.js';

/**
 * The integer values of input `index`, or undefined when the node leaves it out.
 * Throws when the input exists but is computed at run time.
 */
export function constantIntsInput(
  ctx: { node: Node; constants: (ConstTensor | undefined)[] }, index: number, what: string,
): number[] | undefined {
  const name = ctx.node.inputs[index] ?? '';
  if (name === '') return undefined;
  const c = ctx.constants[index];
  if (!c) throw nodeError(ctx.node, `the ${what} input must be a constant (or fold to one)`);
  if (c.dtype !== 'int64' && c.dtype !== 'int32') throw nodeError(ctx.node, `the ${what} input is ${c.dtype}; int64 or int32 expected`);
  // int64 values beyond 2^53 (INT64_MAX as "to the end") stay far outside every dimension.
  return Array.from(c.data as BigInt64Array | Int32Array, Number);
}
