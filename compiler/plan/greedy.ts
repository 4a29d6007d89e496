// Greedy placement by size (TensorFlow Lite Micro's algorithm): largest buffer first, each at
// the lowest offset where it overlaps no already placed buffer that is live at the same time.
import { alignUp, overlapsInTime, type Buffer } from './lifetimes.js';

export function placeGreedyBySize(buffers: Buffer[]): Map<string, number> {
  const order = [...buffers].sort((a, b) => b.bytes - a.bytes || a.first - b.first || a.name.localeCompare(b.name));
  const placed: { buffer: Buffer; offset: number }[] = [];
  const offsets = new Map<string, number>();
  for (const buffer of order) {
    const conflicts = placed
      .filter((p) => overlapsInTime(p.buffer, buffer))
      .sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const c of conflicts) {
      if (offset + buffer.bytes <= c.offset) break;
      offset = Math.max(offset, alignUp(c.offset + c.buffer.bytes));
    }
    placed.push({ buffer, offset });
    offsets.set(buffer.name, offset);
  }
  return offsets;
}
