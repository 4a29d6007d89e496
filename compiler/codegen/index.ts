// Code generation: the lowered model becomes model.c and model.h, and the board gets its
// harness, Makefile and linker script. Every file comes from a template in templates/.
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { cpuFlags, packageRoot, type Board } from '../boards/index.js';
import { formatShape } from '../ir/graph.js';
import type { CallArg, IoTensor, LoweredModel } from '../lower/index.js';
import { arrayInitializer, paramLiteral } from './c-literals.js';

export const GENERATOR = `onnx2mcu ${JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version}`;

/** ONNX TensorProto.DataType numbers, which o2m_dtype mirrors. */
const ONNX_DTYPE: Record<string, number> = {
  float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, bool: 9, float64: 11, uint32: 12, uint64: 13,
};

const templates = new Map<string, HandlebarsTemplateDelegate>();

export function renderTemplate(name: string, context: object): string {
  let template = templates.get(name);
  if (!template) {
    const source = readFileSync(join(packageRoot(), 'templates', name), 'utf8');
    template = Handlebars.compile(source, { noEscape: true, strict: true });
    templates.set(name, template);
  }
  return template(context);
}

function argExpression(arg: CallArg): string {
  switch (arg.kind) {
    case 'null': return `(${arg.ctype} *)0`; // converts to const and non-const pointers alike
    case 'weight': return arg.symbol;
    case 'arena': return arg.writable
      ? `(${arg.ctype} *)(arena + ${arg.offset})`
      : `(const ${arg.ctype} *)(arena + ${arg.offset})`;
  }
}

function ioEntry(t: IoTensor): string {
  const shape = t.shape.length ? t.shape.join(', ') : '0';
  return `{ "${t.name.replace(/["\\]/g, '\\$&')}", ${ONNX_DTYPE[t.dtype]}, ${t.shape.length}, { ${shape} }, ${t.offset}u, ${t.bytes}u }`;
}

export interface GeneratedFiles {
  [path: string]: string;
}

export function generateModelSources(model: LoweredModel, arenaBytes: number, modelFile: string): GeneratedFiles {
  const { prefix } = model;
  const context = {
    generator: GENERATOR,
    modelFile,
    prefix,
    PREFIX: prefix.toUpperCase(),
    arenaBytes,
    inputs: model.inputs.map((t, index) => ({ ...t, index, shapeText: formatShape(t.shape), entry: ioEntry(t) })),
    outputs: model.outputs.map((t, index) => ({ ...t, index, shapeText: formatShape(t.shape), entry: ioEntry(t) })),
    weights: model.weights.map((w) => ({
      ...w,
      name: w.tensor.name,
      dtype: w.tensor.dtype,
      shapeText: formatShape(w.tensor.shape),
      count: Math.max(1, w.tensor.data.length),
      values: arrayInitializer(w.tensor.data, w.ctype),
    })),
    steps: model.steps.map((s, index) => ({
      ...s,
      index,
      paramsSymbol: `${prefix}_params_${index}`,
      shapeText: formatShape(s.output.shape),
      paramInit: Object.entries(s.params).map(([k, v]) => `.${k} = ${paramLiteral(v)}`).join(', '),
      argList: s.args.map(argExpression).join(', '),
    })),
  };
  return {
    'model.h': renderTemplate('model.h.hbs', context),
    'model.c': renderTemplate('model.c.hbs', context),
  };
}

export function generateBoardFiles(board: Board, prefix: string): GeneratedFiles {
  const context = {
    generator: GENERATOR,
    prefix,
    PREFIX: prefix.toUpperCase(),
    board,
    regions: board.memory.map((r) => ({ ...r, attrs: r.kind === 'flash' ? 'rx' : 'rwx' })),
    cpuFlags: cpuFlags(board),
    systickHz: board.clockHz,
    rtol: '1e-3f',
    atol: '1e-5f',
  };
  return {
    'main.c': renderTemplate('main.c.hbs', context),
    'Makefile': renderTemplate('Makefile.hbs', context),
    'linker.ld': renderTemplate('linker.ld.hbs', context),
  };
}

/** The hand-written runtime travels with the generated code, so the output folder builds alone. */
export function copyRuntime(outDir: string): void {
  cpSync(join(packageRoot(), 'runtime-c'), join(outDir, 'runtime'), {
    recursive: true,
    filter: (src) => !src.includes(`${join('runtime-c', 'tests')}`),
  });
}
