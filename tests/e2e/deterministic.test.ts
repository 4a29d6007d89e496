// Compiling the same model twice with the same options gives the same bytes — every generated
// file and the firmware ELF — wherever the output folder is, and nothing in them names the
// machine's folders (no timestamps, no absolute paths), so a CI job can cache and compare builds.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../helpers/pipeline.js';
import { cliOk } from '../helpers/cli.js';

const root = join(import.meta.dirname, '..', '..');
const mnist = join(root, 'examples', 'mnist');

describe('deterministic output', () => {
  it('gives byte-identical C files and ELF from two compiles in different folders', () => {
    const first = join(scratchDir('determinism-a'), 'out');
    const second = join(scratchDir('determinism-b'), 'deeper', 'out');
    for (const dir of [first, second]) {
      cliOk(['compile', join(mnist, 'mnist.onnx'), '-o', dir, '--quantize', 'int8', '--calibration', join(mnist, 'calibration.npy')]);
      cliOk(['build', dir]);
    }
    const generated = readdirSync(first).filter((f) => /\.(c|h|ld|json)$|^Makefile$|^firmware\.elf$/.test(f));
    expect(generated).toEqual(expect.arrayContaining(['model.c', 'model.h', 'main.c', 'Makefile', 'linker.ld', 'onnx2mcu.json', 'firmware.elf']));
    for (const file of generated) {
      const [a, b] = [readFileSync(join(first, file)), readFileSync(join(second, file))];
      expect(a.equals(b), file).toBe(true);
      for (const dir of [first, second, root]) expect(a.includes(Buffer.from(dir)), `${file} names ${dir}`).toBe(false);
    }
  });
});
