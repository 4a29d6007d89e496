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

export const families: OpFamily[] = [
  transposeFamily, concatFamily, splitFamily, sliceFamily, padFamily, tileFamily, expandFamily,
  squeezeFamily, unsqueezeFamily, spaceDepthFamily, castFamily,
  shapeFamily, sizeFamily, rangeFamily, constantOfShapeFamily, eyeLikeFamily, triluFamily,
];
