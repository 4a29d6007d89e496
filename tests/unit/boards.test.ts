// Board files: every shipped board follows boards/board.schema.json, and a board that does not is
// refused (exit 2) with the file and the field named, whether it breaks the schema or one of the
// cross-field rules the schema cannot say.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { boardsDir, BOARD_SCHEMA_FILE, listBoards, loadBoard, loadBoardFile, parseBoard } from '../../compiler/boards/index.js';
import { main } from '../../compiler/cli.js';
import { compileError } from '../helpers/errors.js';

const shippedFiles = readdirSync(boardsDir()).filter((f) => f.endsWith('.json') && f !== BOARD_SCHEMA_FILE);

/** A valid board to break one field at a time: nrf52840dk, read fresh for every test. */
function goodBoard(): any {
  return JSON.parse(readFileSync(join(boardsDir(), 'nrf52840dk.json'), 'utf8'));
}

/** The message parseBoard gives for `board` as file my-board.json. */
function errorFor(board: unknown): string {
  const error = compileError(() => parseBoard(JSON.stringify(board), 'my-board.json'));
  expect(error.exitCode).toBe(2);
  return error.message;
}

describe('board files', () => {
  it('every shipped board validates, and the schema file is not taken for a board', () => {
    expect(shippedFiles.length).toBeGreaterThanOrEqual(8);
    for (const file of shippedFiles) {
      expect(() => parseBoard(readFileSync(join(boardsDir(), file), 'utf8'), file)).not.toThrow();
    }
    expect(listBoards().map((b) => `${b.id}.json`).sort()).toEqual([...shippedFiles].sort());
  });

  it('the schema documents every field of the Board interface', () => {
    const schema = JSON.parse(readFileSync(join(boardsDir(), BOARD_SCHEMA_FILE), 'utf8'));
    const fields = Object.keys(loadBoard('nrf52840dk'));
    expect(schema.required.sort()).toEqual([...fields].sort());
    for (const field of fields) expect(schema.properties[field].description, field).toBeTruthy();
  });

  it('a missing field is named by its path', () => {
    const top = goodBoard();
    delete top.clockHz;
    expect(errorFor(top)).toBe('my-board.json: clockHz is missing');
    const nested = goodBoard();
    delete nested.placement.arena;
    expect(errorFor(nested)).toBe('my-board.json: placement.arena is missing');
  });

  it('a field of the wrong type says what it must be and what it got', () => {
    const board = goodBoard();
    board.dsp = 'yes';
    expect(errorFor(board)).toBe('my-board.json: dsp must be true or false (got "yes")');
    const length = goodBoard();
    length.memory[0].length = 1.5;
    expect(errorFor(length)).toBe('my-board.json: memory[0].length must be an integer (got 1.5)');
  });

  it('a value outside an enum lists the allowed ones', () => {
    const board = goodBoard();
    board.memory[1].kind = 'rom';
    expect(errorFor(board)).toBe('my-board.json: memory[1].kind must be one of flash, ram (got "rom")');
  });

  it('a negative length, and an origin that is not hexadecimal', () => {
    const board = goodBoard();
    board.memory[1].length = -4096;
    expect(errorFor(board)).toBe('my-board.json: memory[1].length must be at least 1 (got -4096)');
    const origin = goodBoard();
    origin.memory[0].origin = '536870912';
    expect(errorFor(origin)).toMatch(/^my-board\.json: memory\[0\]\.origin must match .*0x.* \(got "536870912"\)$/);
  });

  it('an unknown property is refused, at the top and nested', () => {
    const board = goodBoard();
    board.flashSize = 1;
    expect(errorFor(board)).toMatch(/^my-board\.json: flashSize is not a board field \(a board takes id, name, core, /);
    const nested = goodBoard();
    nested.qemu.cpu = 'cortex-m4';
    expect(errorFor(nested)).toBe('my-board.json: qemu.cpu is not a board field (qemu takes machine, systickHz)');
  });

  it('the arena placed in flash names the placement and the kind it needs', () => {
    const board = goodBoard();
    board.placement.arena = 'FLASH';
    expect(errorFor(board)).toBe('my-board.json: placement.arena names FLASH, a flash region; the arena must be in a region of kind ram');
    const missing = goodBoard();
    missing.placement.weights = 'QSPI';
    expect(errorFor(missing)).toBe("my-board.json: placement.weights names region 'QSPI', which memory does not list (regions: FLASH, RAM)");
  });

  it('a reserve larger than its region, or of a region that does not exist', () => {
    const board = goodBoard();
    board.reserve.RAM = 300_000;
    expect(errorFor(board)).toBe('my-board.json: reserve.RAM (300000 bytes) must be smaller than region RAM (262144 bytes)');
    const unknown = goodBoard();
    unknown.reserve.SRAM2 = 16;
    expect(errorFor(unknown)).toBe('my-board.json: reserve.SRAM2 names no memory region (regions: FLASH, RAM)');
    const negative = goodBoard();
    negative.reserve.FLASH = -1;
    expect(errorFor(negative)).toBe('my-board.json: reserve.FLASH must be at least 0 (got -1)');
  });

  it('region names must be unique', () => {
    const board = goodBoard();
    board.memory[1].name = 'FLASH';
    expect(errorFor(board)).toMatch(/^my-board\.json: memory\[1\]\.name 'FLASH' is already the name of memory\[0\]/);
  });

  it('a board file with a $schema pointer is accepted and the pointer dropped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'onnx2mcu-boards-'));
    const path = join(dir, 'mine.json');
    writeFileSync(path, JSON.stringify({ $schema: '../boards/board.schema.json', ...goodBoard(), id: 'mine' }));
    const board = loadBoardFile(path);
    expect(board.id).toBe('mine');
    expect('$schema' in board).toBe(false);
  });
});

describe('onnx2mcu compile --board-file', () => {
  afterEach(() => vi.restoreAllMocks());

  it('exits 2 naming the file and the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onnx2mcu-boards-'));
    const bad = join(dir, 'bad.json');
    const board = goodBoard();
    board.memory[1].kind = 'rom';
    writeFileSync(bad, JSON.stringify(board));
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { stderr += String(chunk); return true; });
    const mnist = join(import.meta.dirname, '..', '..', 'examples', 'mnist', 'mnist.onnx');
    const code = await main(['compile', mnist, '-o', join(dir, 'out'), '--board-file', bad]);
    expect(code).toBe(2);
    expect(stderr).toBe(`onnx2mcu: error: ${bad}: memory[1].kind must be one of flash, ram (got "rom")\n`);
  });
});
