// report.html: one page with no external resources — the layer table and the arena drawn as
// a picture: steps across, addresses up, one rectangle per buffer, the LOAD line marked.
import type { Report } from './index.js';

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

export function renderHtml(r: Report): string {
  const m = r.memory;
  const row = (cells: (string | number)[]) => `<tr>${cells.map((c) => `<td>${escape(String(c))}</td>`).join('')}</tr>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>onnx2mcu report: ${escape(r.model.file)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:nth-child(2),td:nth-child(3),td:nth-child(4){text-align:left}</style>
</head><body>
<h1>${escape(r.model.file)} on ${escape(r.board.id)}</h1>
<p>${escape(r.generator)} · ${r.quantization ? `int8 (${escape(r.quantization.source)})` : 'float32'} · weights ${m.weights_bytes} bytes · arena ${m.arena_bytes} bytes
 (LOAD ${m.lower_bound_bytes}, TFLM's greedy by size ${m.baseline_greedy_bytes}, placed by ${escape(m.strategy)}) · schedule ${escape(m.schedule.mode)}: peak ${m.schedule.peak_bytes} (file order ${m.schedule.file_order_peak_bytes})</p>
<h2>Arena</h2>
${arenaSvg(r)}
<h2>Layers</h2>
<table><tr><th>#</th><th>node</th><th>op</th><th>kernel</th><th>output</th><th>dtype</th><th>MACs</th><th>offset</th><th>bytes</th></tr>
${r.layers.map((l) => row([l.index, l.node, l.op, l.kernel, l.shape.join('×'), l.dtype, l.macs, l.arena_offset, l.bytes])).join('\n')}
</table>
<h2>Tensors in the arena</h2>
<table><tr><th>name</th><th>bytes</th><th>first</th><th>last</th><th>offset</th><th>alias of</th></tr>
${m.tensors.map((t) => row([t.name, t.bytes, t.first, t.last, t.offset, t.alias_of ?? ''])).join('\n')}
</table>
</body></html>
`;
}
