// Code generation: the lowered model becomes model.c and model.h, and the board gets its
// harness, Makefile and linker script. Every file comes from a template in templates/.
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { cpuFlags, packageRoot, type Board } from '../boards/index.js';
import { ARENA_GUARD_BYTES, formatShape } from '../ir/graph.js';
import type { CallArg, IoTensor, LoweredModel } from '../lower/index.js';
import { arrayInitializer, paramLiteral } from './c-literals.js';
import { planWriteChecks, type WriteCheckSource } from './write-checks.js';

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

/** `+ i0 * s0 + i1 * s1 …` for the loop strides of an argument inside StreamedRows' loops. */
function loopAdvance(strides: number[] | undefined): string {
  return (strides ?? []).map((s, level) => (s === 0 ? '' : ` + i${level} * ${s}`)).join('');
}

function argExpression(arg: CallArg): string {
  switch (arg.kind) {
    case 'null': return `(${arg.ctype} *)0`; // converts to const and non-const pointers alike
    case 'weight': {
      const advance = loopAdvance(arg.strides);
      return advance ? `(const ${arg.ctype} *)((const uint8_t *)${arg.symbol}${advance})` : arg.symbol;
    }
    case 'arena': return arg.writable
      ? `(${arg.ctype} *)(arena + ${arg.offset}${loopAdvance(arg.strides)})`
      : `(const ${arg.ctype} *)(arena + ${arg.offset}${loopAdvance(arg.strides)})`;
    case 'io': {
      const base = arg.direction === 'input' ? `(const uint8_t *)inputs[${arg.index}]` : `(uint8_t *)outputs[${arg.index}]`;
      return `(${arg.writable ? '' : 'const '}${arg.ctype} *)(${base}${loopAdvance(arg.strides)})`;
    }
  }
}

/** Where a step's output is, for the hooks after it (the arena, or the caller's output buffer). */
function outputPointer(model: LoweredModel, output: LoweredModel['steps'][number]['output']): string {
  const io = model.ioOutside ? model.outputs.findIndex((o) => o.name === output.name) : -1;
  return io >= 0 ? `(const uint8_t *)outputs[${io}]` : `arena + ${output.offset}`;
}

/**
 * model.c's run function as blocks: a step on its own, or the consecutive steps of one node that
 * run inside nested loops (StreamedRows). The hooks after a block (the per-layer dump and the
 * write check) run once per step, after the whole block.
 */
function runBlocks(model: LoweredModel) {
  const blocks: { loop: false | { open: string; close: string; indent: string }; calls: object[]; hooks: object[] }[] = [];
  model.steps.forEach((s, index) => {
    const call = { kernel: s.kernel, paramsSymbol: `${model.prefix}_params_${index}`, argList: s.args.map(argExpression).join(', ') };
    const hook = { index, data: outputPointer(model, s.output), bytes: s.output.bytes };
    const previous = blocks.at(-1);
    const sameLoop = s.loop && index > 0 && model.steps[index - 1].node === s.node && model.steps[index - 1].loop;
    if (sameLoop && previous) {
      previous.calls.push(call);
      previous.hooks.push(hook);
      return;
    }
    const counts = s.loop?.counts ?? [];
    const loop = s.loop ? {
      open: counts.map((c, level) => `${'  '.repeat(level + 1)}for (int32_t i${level} = 0; i${level} < ${c}; ++i${level}) {`).join('\n'),
      close: counts.map((_, level) => `${'  '.repeat(counts.length - level)}}`).join('\n'),
      indent: '  '.repeat(counts.length + 1),
    } : false;
    blocks.push({ loop, calls: [call], hooks: [hook] });
  });
  return blocks;
}

function ioEntry(t: IoTensor): string {
  const shape = t.shape.length ? t.shape.join(', ') : '0';
  return `{ "${t.name.replace(/["\\]/g, '\\$&')}", ${ONNX_DTYPE[t.dtype]}, ${t.shape.length}, { ${shape} }, ${t.offset}u, ${t.bytes}u }`;
}

/** A C string literal: quotes, backslashes, '?' (trigraphs) and unprintable bytes escaped. */
function cString(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let body = '';
  for (const byte of bytes) {
    const c = String.fromCharCode(byte);
    body += c === '"' || c === '\\' || c === '?' ? `\\${c}` : byte >= 0x20 && byte < 0x7f ? c : `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `"${body}"`;
}

/** A table's length and initializer rows; C has no empty arrays, so an empty one gets a placeholder. */
function tableRows(rows: string[], placeholder: string, separator = ',\n  '): { count: number; rows: string } {
  return rows.length > 0
    ? { count: rows.length, rows: rows.join(separator) }
    : { count: 1, rows: `${placeholder} /* unused: C has no empty arrays */` };
}

/** model.c's tables for the write check (-DO2M_CHECK_WRITES): see write-checks.ts. */
function writeCheckTables(model: LoweredModel, source: WriteCheckSource) {
  const checks = planWriteChecks(model.steps, model.inputs.map((i) => i.name), source);
  const lists: number[] = [];
  const span = (indices: number[]) => {
    lists.push(...indices);
    return `${lists.length - indices.length}u, ${indices.length}u`;
  };
  const stepRows = [
    `{ -1, "(before the first step)", "", ${span([])}, ${span(checks.initial)} }`,
    ...checks.steps.map((c, k) => {
      const step = model.steps[k];
      return `{ ${c.node}, ${cString(step.node)}, ${cString(step.kernel)}, ${span(c.verify)}, ${span(c.record)} }`;
    }),
  ];
  return {
    buffers: tableRows(checks.buffers.map((b) => `{ ${b.offset}u, ${b.bytes}u, ${cString(b.name)} }`), '{ 0u, 0u, "" }'),
    lists: tableRows(lists.map((i) => `${i}u`), '0u', ', '),
    steps: tableRows(stepRows, ''),
  };
}

export interface GeneratedFiles {
  [path: string]: string;
}

/**
 * model.c and model.h. With `writeChecks` (the plan and its schedule), model.c also carries the
 * tables of the debug build's write check, compiled only under -DO2M_CHECK_WRITES.
 */
export function generateModelSources(
  model: LoweredModel, arenaBytes: number, modelFile: string, writeChecks?: WriteCheckSource,
): GeneratedFiles {
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
    })),
    blocks: runBlocks(model),
    ioOutside: model.ioOutside,
    writeChecks: writeChecks ? writeCheckTables(model, writeChecks) : false,
  };
  return {
    'model.h': renderTemplate('model.h.hbs', context),
    'model.c': renderTemplate('model.c.hbs', context),
  };
}

/** The harness needs the model's inputs and outputs when they live outside the arena (--io outside). */
export function generateBoardFiles(board: Board, prefix: string, model?: LoweredModel): GeneratedFiles {
  const context = {
    generator: GENERATOR,
    prefix,
    PREFIX: prefix.toUpperCase(),
    ioOutside: model?.ioOutside ?? false,
    // Sizes the profiling build's per-step table; C has no empty arrays.
    stepCount: Math.max(1, model?.steps.length ?? 0),
    inputs: (model?.inputs ?? []).map((t, index) => ({ index, bytes: Math.max(1, t.bytes) })),
    outputs: (model?.outputs ?? []).map((t, index) => ({ index, bytes: Math.max(1, t.bytes) })),
    board,
    regions: board.memory.map((r) => ({ ...r, attrs: r.kind === 'flash' ? 'rx' : 'rwx' })),
    cpuFlags: cpuFlags(board),
    systickHz: board.qemu.systickHz ?? board.clockHz,
    arenaGuardBytes: ARENA_GUARD_BYTES,
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
