// report.html: one page with no external resources — the layer table and the arena drawn as
// a picture: steps across, addresses up, one rectangle per buffer, the LOAD line marked.
import { footprintRows, type Report } from './index.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A stable colour per buffer name, so the same tensor keeps its colour between compiles. */
function colour(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) >>> 0;
  return `hsl(${h % 360} 60% 62%)`;
}

export const ARENA_PICTURE = { width: 900, height: 420, margin: 60 };

/** The arena picture as SVG: x = schedule steps (0 to the step after the last), y = byte offsets. */
export function arenaSvg(r: Report): string {
  const { width, height, margin } = ARENA_PICTURE;
  const m = r.memory;
  const buffers = m.tensors.filter((t) => t.alias_of === undefined);
  const steps = Math.max(1, ...buffers.map((b) => b.last + 1));
  const top = Math.max(1, m.arena_bytes, m.baseline_greedy_bytes);
  const x = (step: number) => margin + (step / steps) * (width - 2 * margin);
  const y = (offset: number) => height - margin - (offset / top) * (height - 2 * margin);
  const rects = buffers.map((b) => {
    const [x0, x1, y0, y1] = [x(b.first), x(b.last + 1), y(b.offset + b.bytes), y(b.offset)];
    return `<rect class="buffer" data-name="${escape(b.name)}" data-offset="${b.offset}" data-bytes="${b.bytes}" data-first="${b.first}" data-last="${b.last}" `
      + `x="${x0.toFixed(2)}" y="${y0.toFixed(2)}" width="${(x1 - x0).toFixed(2)}" height="${Math.max(0.5, y1 - y0).toFixed(2)}" fill="${colour(b.name)}" stroke="#333" stroke-width="0.5">`
      + `<title>${escape(b.name)}: ${b.bytes} bytes at ${b.offset}, steps ${b.first}-${b.last}</title></rect>`;
  });
  const line = (bytes: number, label: string, cls: string, dash: string) =>
    `<line class="${cls}" data-bytes="${bytes}" x1="${margin}" x2="${width - margin}" y1="${y(bytes).toFixed(2)}" y2="${y(bytes).toFixed(2)}" stroke="#000" stroke-dasharray="${dash}"/>`
    + `<text x="${width - margin + 4}" y="${(y(bytes) + 4).toFixed(2)}" font-size="11">${label}</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect x="${margin}" y="${margin}" width="${width - 2 * margin}" height="${height - 2 * margin}" fill="none" stroke="#999"/>`,
    ...rects,
    line(m.lower_bound_bytes, `LOAD ${m.lower_bound_bytes}`, 'load', '6 3'),
    line(m.arena_bytes, `arena ${m.arena_bytes}`, 'arena', '1 0'),
    ...(m.baseline_greedy_bytes > m.arena_bytes ? [line(m.baseline_greedy_bytes, `TFLM greedy ${m.baseline_greedy_bytes}`, 'baseline', '2 2')] : []),
    `<text x="${width / 2}" y="${height - 15}" text-anchor="middle" font-size="12">schedule step</text>`,
    `<text x="15" y="${height / 2}" transform="rotate(-90 15 ${height / 2})" text-anchor="middle" font-size="12">arena offset (bytes)</text>`,
    '</svg>',
  ].join('\n');
}

/** The parts of a region, in the order they are drawn along its bar. */
const PART_ORDER = ['code', 'weights', 'data', 'arena', 'stack'] as const;
const PART_COLOUR: Record<(typeof PART_ORDER)[number], string> = {
  code: '#6c8ebf', weights: '#d79b00', data: '#82b366', arena: '#b85450', stack: '#9673a6',
};

export const REGION_BAR = { width: 900, height: 26, label: 150 };

/**
 * One bar per memory region, the region's whole length across: the estimated parts (code,
 * weights, data, arena, stack) in colour, the reserve hatched at the end, and a tick where the
 * ELF's measured use ends.
 */
export function regionBarsSvg(r: Report): string {
  const { width, height, label } = REGION_BAR;
  const span = width - label - 10;
  const rows = r.budget.regions.map((b, i) => {
    const y = 10 + i * (height + 22);
    const x = (bytes: number) => label + (Math.min(bytes, b.length) / Math.max(1, b.length)) * span;
    let at = 0;
    const parts = PART_ORDER.filter((p) => (b.parts[p] ?? 0) > 0).map((p) => {
      const bytes = b.parts[p]!;
      const rect = `<rect class="part" data-region="${escape(b.region)}" data-part="${p}" data-bytes="${bytes}" x="${x(at).toFixed(2)}" y="${y}" width="${(x(at + bytes) - x(at)).toFixed(2)}" height="${height}" fill="${PART_COLOUR[p]}"><title>${p}: ${bytes} bytes${p === 'code' || p === 'data' ? ' (estimated)' : ''}</title></rect>`;
      at += bytes;
      return rect;
    });
    const reserve = b.reserve > 0
      ? `<rect class="reserve" data-bytes="${b.reserve}" x="${x(b.length - b.reserve).toFixed(2)}" y="${y}" width="${(x(b.length) - x(b.length - b.reserve)).toFixed(2)}" height="${height}" fill="url(#hatch)"><title>reserved for the application: ${b.reserve} bytes</title></rect>`
      : '';
    const measured = b.measured_used === null ? ''
      : `<line class="measured" data-region="${escape(b.region)}" data-bytes="${b.measured_used}" x1="${x(b.measured_used).toFixed(2)}" x2="${x(b.measured_used).toFixed(2)}" y1="${y - 4}" y2="${y + height + 4}" stroke="#000" stroke-width="2"><title>measured (ELF): ${b.measured_used} bytes</title></line>`;
    const used = b.measured_used ?? b.estimated_used;
    return [
      `<text x="0" y="${y + height / 2 + 4}" font-size="12">${escape(b.region)} (${b.kind})</text>`,
      `<rect x="${label}" y="${y}" width="${span}" height="${height}" fill="#f4f4f4" stroke="#999"/>`,
      ...parts, reserve, measured,
      `<text x="${label}" y="${y + height + 14}" font-size="11">${used.toLocaleString('en')} of ${b.available.toLocaleString('en')} bytes available (${(b.measured_percent ?? b.estimated_percent).toFixed(1)} %, ${b.measured_used === null ? 'estimated' : 'measured'})${b.fits ? '' : ' — does not fit'}</text>`,
    ].join('\n');
  });
  const legend = PART_ORDER.map((p, i) => `<rect x="${label + i * 110}" y="${10 + r.budget.regions.length * (height + 22)}" width="12" height="12" fill="${PART_COLOUR[p]}"/><text x="${label + i * 110 + 16}" y="${21 + r.budget.regions.length * (height + 22)}" font-size="11">${p}</text>`);
  const total = 30 + r.budget.regions.length * (height + 22);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}" font-family="sans-serif">`,
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#888" stroke-width="2"/></pattern></defs>',
    ...rows, ...legend, '</svg>',
  ].join('\n');
}

export function renderHtml(r: Report): string {
  const m = r.memory;
  const cell = (c: string | number | null) => `<td>${c === null ? '—' : escape(typeof c === 'number' ? c.toLocaleString('en') : c)}</td>`;
  const row = (cells: (string | number | null)[]) => `<tr>${cells.map(cell).join('')}</tr>`;
  const ios = [...r.model.inputs.map((t) => ['input', t] as const), ...r.model.outputs.map((t) => ['output', t] as const)];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>onnx2mcu report: ${escape(r.model.file)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:13px;margin-bottom:1em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:nth-child(2),td:nth-child(3),td:nth-child(4){text-align:left}</style>
</head><body>
<h1>${escape(r.model.file)} on ${escape(r.board.id)}</h1>
<p>${escape(r.generator)} · ${escape(r.board.name)} · ${r.quantization ? `int8 (${escape(r.quantization.source)})` : 'float32'} · ${r.macs.toLocaleString('en')} MACs · model sha256 ${escape(r.model.sha256)}</p>
<table><tr><th></th><th>name</th><th>dtype</th><th>shape</th><th>scale</th><th>zero point</th></tr>
${ios.map(([kind, t]) => row([kind, t.name, t.dtype, t.shape.join('×'), t.scale, t.zero_point])).join('\n')}
</table>
<h2>Memory by region</h2>
${regionBarsSvg(r)}
<table><tr><th>bytes</th><th>estimated</th><th>measured (ELF${r.measured?.stack_peak_bytes !== null && r.measured ? ', run' : ''})</th></tr>
${footprintRows(r).map((f) => row([f.what, f.estimated, f.measured])).join('\n')}
${row(['stack: deepest call path / painted peak', m.stack_bytes, r.measured?.stack_peak_bytes ?? null])}
${row(['in use: flash + peak RAM (stack as deep as it goes)', r.estimate.in_use_bytes, r.measured?.in_use_bytes ?? null])}
${row(['instructions per inference', null, r.measured?.instructions_per_inference ?? null])}
</table>
<h2>Arena</h2>
<p>arena ${m.arena_bytes} bytes (LOAD ${m.lower_bound_bytes}, TFLM's greedy by size ${m.baseline_greedy_bytes}, placed by ${escape(m.strategy)}) · schedule ${escape(m.schedule.mode)}: peak ${m.schedule.peak_bytes} (file order ${m.schedule.file_order_peak_bytes})</p>
${arenaSvg(r)}
<h2>Layers</h2>
<table><tr><th>#</th><th>node</th><th>op</th><th>kernel</th><th>output</th><th>dtype</th><th>MACs</th><th>weight bytes</th><th>offset</th><th>bytes</th><th>instructions</th><th>per MAC</th></tr>
${r.layers.map((l) => row([l.index, l.node, l.op, l.kernel, l.shape.join('×'), l.dtype, l.macs, l.weight_bytes, l.arena_offset, l.bytes,
    l.in_block_of !== undefined ? `in ${l.in_block_of}` : l.instructions, l.instructions_per_mac === null ? null : l.instructions_per_mac.toFixed(2)])).join('\n')}
</table>
<h2>Tensors in the arena</h2>
<table><tr><th>name</th><th>bytes</th><th>first</th><th>last</th><th>offset</th><th>alias of</th></tr>
${m.tensors.map((t) => row([t.name, t.bytes, t.first, t.last, t.offset, t.alias_of ?? ''])).join('\n')}
</table>
</body></html>
`;
}
