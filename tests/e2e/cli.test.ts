// The command line as users drive it: real processes, real exit codes, real files.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTensorFile } from '../../compiler/tensor-files/index.js';
import { buildModel } from '../helpers/onnx-builder.js';
import { scratchDir } from '../helpers/pipeline.js';
import { cli } from '../helpers/cli.js';

const root = join(import.meta.dirname, '..', '..');
const mnist = join(root, 'examples', 'mnist');


describe('onnx2mcu command line', () => {
  it('lists the boards with core, flash and RAM', () => {
    const r = cli(['boards']);
    expect(r.code).toBe(0);
    for (const id of ['mps2-an385', 'mps2-an386', 'mps2-an500', 'mps3-an547']) expect(r.stdout).toContain(id);
    const boards = JSON.parse(cli(['boards', '--json']).stdout);
    expect(boards.find((b: { id: string }) => b.id === 'mps2-an386').core).toBe('cortex-m4');
  });

  it('inspects the MNIST example: I/O, operators, parameters and the MACs its README states', () => {
    const r = cli(['inspect', join(mnist, 'mnist.onnx'), '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.inputs).toEqual([{ name: 'input', dtype: 'float32', shape: [1, 1, 28, 28] }]);
    expect(info.unsupported).toEqual([]);
    const readme = readFileSync(join(mnist, 'README.md'), 'utf8');
    expect(readme).toContain(info.macs.toLocaleString('en'));
    expect(readme).toContain(info.parameters.toLocaleString('en'));
    expect(cli(['inspect', join(mnist, 'mnist.onnx')]).stdout).toMatch(/Conv/);
  });

  it('refuses an unsupported operator with exit 2, naming the node and op, and writes nothing', () => {
    const dir = scratchDir('unsupported');
    const model = join(dir, 'm.onnx');
    writeFileSync(model, buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [4] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'Unique', name: 'the_unique', inputs: ['r'], outputs: ['y'] }],
    }));
    const r = cli(['compile', model, '-o', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the_unique');
    expect(r.stderr).toContain('Unique');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(dir, 'out'))).toBe(false);
    const inspect = cli(['inspect', model]);
    expect(inspect.code).toBe(2);
    expect(inspect.stdout).toContain('the_unique (Unique)');
  });

  it('names a missing model file with exit 2', () => {
    const r = cli(['compile', '/nonexistent/model.onnx', '-o', join(scratchDir('missing'), 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent/model.onnx');
  });

  it('asks for --shape when an input is symbolic, and compiles with it', () => {
    const dir = scratchDir('symbolic');
    const model = join(dir, 'm.onnx');
    writeFileSync(model, buildModel({
      inputs: [{ name: 'tokens', dtype: 'float32', shape: ['batch', 8] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [{ op: 'Relu', inputs: ['tokens'], outputs: ['y'] }],
    }));
    const refused = cli(['compile', model, '-o', join(dir, 'a')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("'tokens'");
    expect(refused.stderr).toContain('--shape');
    const ok = cli(['compile', model, '-o', join(dir, 'b'), '--shape', 'tokens=2x8', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).inputs[0].shape).toEqual([2, 8]);
  });

  it('exits 4 with the install command when the Arm toolchain is missing', () => {
    const dir = scratchDir('notools');
    expect(cli(['compile', join(mnist, 'mnist.onnx'), '-o', join(dir, 'out')]).code).toBe(0);
    // A PATH with make but no arm-none-eabi-gcc (node itself is started by absolute path).
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(spawnSync('sh', ['-c', 'command -v make'], { encoding: 'utf8' }).stdout.trim(), join(bin, 'make'));
    const r = cli(['build', join(dir, 'out')], { ...process.env, PATH: bin });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('arm-none-eabi-gcc');
    expect(r.stderr).toContain('apt-get install -y --no-install-recommends gcc-arm-none-eabi qemu-system-arm');
  });

  it('compiles, builds and runs a digit under QEMU, writing <output>.npy', () => {
    const dir = scratchDir('cli-run');
    const out = join(dir, 'out');
    expect(cli(['compile', join(mnist, 'mnist.onnx'), '-o', out, '--name', 'digits']).code).toBe(0);
    expect(readFileSync(join(out, 'model.h'), 'utf8')).toContain('int digits_run(uint8_t *arena);');
    const build = cli(['build', out, '--json']);
    expect(build.code, build.stderr).toBe(0);
    expect(JSON.parse(build.stdout).flashBytes).toBeGreaterThan(100_000); // the weights alone are 104 KiB
    const r = cli(['run', out, '--input', `input=${join(mnist, 'inputs', 'sample_3.npy')}`, '--out', join(dir, 'res'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.exitCode).toBe(0);
    expect(result.instructions).toBeGreaterThan(0);
    expect(result.outputs.probabilities).toBe(join(dir, 'res', 'probabilities.npy'));
    const probs = readTensorFile(result.outputs.probabilities);
    expect(probs.shape).toEqual([1, 10]);
    const p = Array.from(probs.data as Float32Array);
    expect(p.indexOf(Math.max(...p))).toBe(3);
  });

  it('writes outputs whose names hold path characters under safe file names (host run)', () => {
    const dir = scratchDir('names');
    const model = join(dir, 'm.onnx');
    writeFileSync(model, buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [3] }],
      outputs: [{ name: 'out/put:0', dtype: 'float32' }],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['out/put:0'] }],
    }));
    // numpy.save(np.array([1, -2, 3], dtype='<f4')), byte for byte.
    writeFileSync(join(dir, 'x.npy'), Buffer.from(
      '934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c292c207d'
      + '20'.repeat(60) + '0a0000803f000000c000004040', 'hex'));
    expect(cli(['compile', model, '-o', join(dir, 'out')]).code).toBe(0);
    expect(cli(['build', join(dir, 'out'), '--host']).code).toBe(0);
    const r = cli(['run', join(dir, 'out'), '--host', '--input', join(dir, 'x.npy'), '--out', join(dir, 'res')]);
    expect(r.code, r.stderr).toBe(0);
    expect(Array.from(readTensorFile(join(dir, 'res', 'out_put_0.npy')).data as Float32Array)).toEqual([1, 0, 3]);
  });

  it('freezes a shape operand given as an input, and says why it is needed without it', () => {
    const dir = scratchDir('freeze');
    const model = join(dir, 'm.onnx');
    writeFileSync(model, buildModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: [2, 6] }, { name: 'shape', dtype: 'int64', shape: [2] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [{ op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] }],
    }));
    const refused = cli(['compile', model, '-o', join(dir, 'a')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Reshape.*must be a constant/);
    // numpy.save(np.array([3, 4], dtype='<i8')), byte for byte.
    writeFileSync(join(dir, 'shape.npy'), Buffer.from(
      '934e554d5059010076007b276465736372273a20273c6938272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c292c207d'
      + '20'.repeat(60) + '0a03000000000000000400000000000000', 'hex'));
    const ok = cli(['compile', model, '-o', join(dir, 'b'), '--freeze', `shape=${join(dir, 'shape.npy')}`, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const manifest = JSON.parse(ok.stdout);
    expect(manifest.inputs.map((i: { name: string }) => i.name)).toEqual(['x']);
    expect(manifest.outputs[0].shape).toEqual([3, 4]);
  });

  it('lists the supported operators with their opsets and element types', () => {
    const ops = JSON.parse(cli(['ops', '--json']).stdout) as { opType: string; opsets: number[]; dtypes: string[] }[];
    const conv = ops.find((o) => o.opType === 'Conv')!;
    expect(conv.dtypes).toContain('float32');
    expect(conv.opsets[0]).toBe(1);
    expect(ops.some((o) => o.opType === 'CopyConstant')).toBe(false); // internal ops stay hidden
  });
});

