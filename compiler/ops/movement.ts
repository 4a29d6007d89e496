// Shape and data movement: every operator that rearranges, selects, repeats, converts or
// generates elements without arithmetic across them. Each family lives in its own file.
import { castFamily } from './cast.js';
import { concatFamily, splitFamily } from './concat.js';
import type { OpFamily } from './op.js';
import { padFamily } from './pad.js';
import { constantOfShapeFamily, eyeLikeFamily, rangeFamily, shapeFamily, sizeFamily, triluFamily } from './shape-ops.js';
import { sliceFamily } from './slice.js';
import { spaceDepthFamily } from './space-depth.js';
import { squeezeFamily, unsqueezeFamily } from './squeeze.js';
import { expandFamily, tileFamily } from './tile.js';
import { transposeFamily } from './transpose.js';

/**
 * The strided copies (Transpose, Slice, Expand, DepthToSpace, SpaceToDepth) and Tile (the pad
 * kernel's wrap mode) move int8 levels as they move any bytes: in a quantized graph they keep
 * their input's scale and zero point (Concat, Split and Pad say so in their own files).
 */
const movesLevels = (family: OpFamily): OpFamily => ({ ...family, int8: { output: 'input' } });

export const families: OpFamily[] = [
  movesLevels(transposeFamily), concatFamily, splitFamily, movesLevels(sliceFamily), padFamily,
  movesLevels(tileFamily), movesLevels(expandFamily),
  squeezeFamily, unsqueezeFamily, movesLevels(spaceDepthFamily), castFamily,
  shapeFamily, sizeFamily, rangeFamily, constantOfShapeFamily, eyeLikeFamily, triluFamily,
];
