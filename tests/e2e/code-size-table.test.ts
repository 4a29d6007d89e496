// The compile-time footprint estimate rests on compiler/boards/code-size/<core>.json: the committed
// table for the default board's core must be what scripts/measure-code-sizes.mjs makes of the
// runtime today. (The estimate against the linker, per example and board, is in
// report-footprint.test.ts.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BOARD, loadBoard } from '../../compiler/boards/index.js';
import { codeSizeKey, codeSizeTableFile } from '../../compiler/boards/code-size.js';
import { compileModel } from '../../compiler/compile.js';
// @ts-expect-error: a plain .mjs maintainer script, without type declarations
import { formatTable, measureTable } from '../../scripts/measure-code-sizes.mjs';

describe('the code-size tables', () => {
  it(`the committed table for ${DEFAULT_BOARD}'s core is what the runtime compiles to today`, async () => {
    const board = loadBoard(DEFAULT_BOARD);
    const measured = formatTable(await measureTable(board, compileModel));
    const committed = readFileSync(codeSizeTableFile(codeSizeKey(board)), 'utf8');
    // A failure here means runtime-c, main.c.hbs or the firmware flags changed:
    // run `npx tsc -p . && node scripts/measure-code-sizes.mjs` and commit the tables.
    expect(measured === committed, 'compiler/boards/code-size is stale: node scripts/measure-code-sizes.mjs').toBe(true);
  }, 60_000);
});
