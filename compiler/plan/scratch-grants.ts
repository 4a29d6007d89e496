import { alignUp, type Graph } from '../ir/graph.js';
import { loweringContext, scratchName, type KernelTarget } from '../ops/op.js';
import { findOp } from '../ops/registry.js';
import { liveBytesPerStep, type Buffer } from './lifetimes.js';

/**
 * Scratch that a kernel runs faster with more of (OpFamily.scratchGrowth: the int8 Conv's pixel
 * blocks, a depthwise 3×3's padded rows held whole) grows into the room the arena has anyway at the node's step: the peak of live bytes
 * over the schedule (LOAD, the lower bound every placement is measured against) less what is
 * live at that step. A layer at the peak keeps its least scratch, so LOAD never rises; the units
 * granted go to lowering (ctx.scratchGrant) so that the kernel's parameters match the bytes.
 */
export function grantScratch(
  graph: Graph, buffers: Buffer[], target?: KernelTarget,
): { buffers: Buffer[]; grants: Map<string, number> } {
  const live = liveBytesPerStep(buffers);
  const peak = Math.max(0, ...live);
  const byName = new Map(buffers.map((b) => [b.name, b]));
  const grants = new Map<string, number>();
  const grown = new Map<string, number>();
  graph.nodes.forEach((node, step) => {
    const op = findOp(node);
    const buffer = byName.get(scratchName(node));
    if (!op?.scratchGrowth || !op.scratchBytes || !buffer) return;
    const room = peak - live[step];
    for (let units = op.scratchGrowth(loweringContext(graph, node, target)); units > 0; units--) {
      const bytes = alignUp(op.scratchBytes(loweringContext(graph, node, target, units)));
      if (bytes - buffer.bytes <= room) {
        grants.set(node.name, units);
        grown.set(buffer.name, bytes);
        break;
      }
    }
  });
  return { buffers: buffers.map((b) => (grown.has(b.name) ? { ...b, bytes: grown.get(b.name)! } : b)), grants };
}
