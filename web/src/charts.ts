import { h, s } from './dom.js';
import { num } from './format.js';

/** Small SVG charts: horizontal bars and time lines. */

export interface Bar {
  label: string;
  value: number;
  /** css class of the bar: 'ours', 'published', 'source' */
  kind: string;
  title?: string;
}

export function barChart(title: string, bars: Bar[], opts: { max?: number; width?: number; digits?: number; labelWidth?: number } = {}): HTMLElement {
  const width = opts.width ?? 420;
  const labelW = opts.labelWidth ?? 130;
  const maxChars = Math.floor(labelW / 6.5);
  const valueW = 56;
  const rowH = 20;
  const top = 4;
  const plotW = width - labelW - valueW;
  const max = opts.max ?? Math.max(1e-12, ...bars.map((b) => b.value));
  const height = top + bars.length * rowH + 4;
  const svg = s('svg', { class: 'chart bar', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const w = Math.max(0, Math.min(1, b.value / max)) * plotW;
    const label = b.label.length > maxChars ? `${b.label.slice(0, maxChars - 1)}…` : b.label;
    svg.appendChild(s('text', { x: labelW - 6, y: y + 14, 'text-anchor': 'end', class: 'label' }, label));
    const rect = s('rect', { x: labelW, y: y + 3, width: w.toFixed(1), height: rowH - 6, class: `bar-${b.kind}`, rx: 2 });
    rect.appendChild(s('title', {}, b.title ?? `${b.label}: ${b.value}`));
    svg.appendChild(rect);
    const v = opts.digits !== undefined ? b.value.toFixed(opts.digits).replace(/^0\./, '.') : num(b.value);
    svg.appendChild(s('text', { x: labelW + w + 4, y: y + 14, class: 'value' }, v));
  });
  return h('figure', { class: 'chart-box' }, h('figcaption', {}, title), bars.length ? svg : h('p', { class: 'muted' }, 'no data yet'));
}

export interface Series {
  name: string;
  kind: string;
  /** [time ms, value|null] — null breaks the line */
  points: [number, number | null][];
}

export function lineChart(title: string, series: Series[], opts: { unit?: string; width?: number; height?: number } = {}): HTMLElement {
  const width = opts.width ?? 420;
  const height = opts.height ?? 170;
  const left = 48;
  const bottom = 20;
  const top = 8;
  const right = 8;
  const all = series.flatMap((x) => x.points);
  const times = all.map((p) => p[0]);
  const vals = all.map((p) => p[1]).filter((v): v is number => v !== null && Number.isFinite(v));
  const svg = s('svg', { class: 'chart line', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  if (times.length === 0) return h('figure', { class: 'chart-box' }, h('figcaption', {}, title), h('p', { class: 'muted' }, 'waiting for samples…'));
  const t0 = Math.min(...times);
  const t1 = Math.max(t0 + 1, ...times);
  const vmax = niceMax(Math.max(1e-9, ...vals));
  const x = (t: number): number => left + ((t - t0) / (t1 - t0)) * (width - left - right);
  const y = (v: number): number => top + (1 - v / vmax) * (height - top - bottom);
  for (let k = 0; k <= 4; k++) {
    const v = (vmax * k) / 4;
    svg.appendChild(s('line', { x1: left, x2: width - right, y1: y(v), y2: y(v), class: 'grid' }));
    svg.appendChild(s('text', { x: left - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'label' }, `${num(v)}${opts.unit ?? ''}`));
  }
  svg.appendChild(s('text', { x: left, y: height - 4, class: 'label' }, `${Math.round((t1 - t0) / 1000)} s window`));
  for (const ser of series) {
    let d = '';
    let pen = false;
    for (const [t, v] of ser.points) {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    if (d) svg.appendChild(s('path', { d, class: `line-${ser.kind}` }));
    const last = [...ser.points].reverse().find((p) => p[1] !== null);
    if (last) svg.appendChild(s('circle', { cx: x(last[0]), cy: y(last[1]!), r: 3, class: `dot-${ser.kind}` }));
  }
  const legend = h(
    'div',
    { class: 'legend' },
    series.map((ser) => {
      const last = [...ser.points].reverse().find((p) => p[1] !== null);
      return h('span', { class: `key key-${ser.kind}` }, `${ser.name}: ${last ? num(last[1]) + (opts.unit ?? '') : '–'}`);
    }),
  );
  return h('figure', { class: 'chart-box' }, h('figcaption', {}, title), svg, legend);
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
