import { api, type EvalAnswer } from '../api.js';
import { barChart, lineChart, type Bar } from '../charts.js';
import { h, mount } from '../dom.js';
import { delta, histogram, parseProm, quantile, sumBy, type Buckets } from '../prom.js';
import { errorBox, loading } from './common.js';

const LATENCY = 'boardwalk_http_request_duration_seconds';
/** API traffic only: the console's own polling of /metrics and /console is left out. */
const apiRoute = (l: Record<string, string>): boolean => (l['route'] ?? '').startsWith('/v1/');
const POLL_MS = 2000;
const KEEP = 90;

interface Point {
  t: number;
  rps: number | null;
  p50: number | null;
  p99: number | null;
}

/** Live state kept across visits of the plots page. */
const live = { points: [] as Point[], last: null as { t: number; h: Buckets } | null, timer: 0 as number, candidates: {} as Record<string, number>, routes: {} as Record<string, number> };

/** #/plots: eval vs published, live latency/throughput from /metrics, candidates per source. */
export async function plotsView(root: HTMLElement): Promise<() => void> {
  const evalBox = h('section', { id: 'eval-plots' }, h('h2', {}, 'Quality: eval vs published'), loading());
  const liveBox = h('section', { id: 'live-plots' }, h('h2', {}, 'Requests (live from /metrics)'));
  const candBox = h('section', { id: 'candidate-plots' }, h('h2', {}, 'Candidates per source'));
  mount(root, h('h1', {}, 'Plots'), evalBox, liveBox, candBox);
  const draw = (): void => {
    mount(
      liveBox,
      h('h2', {}, 'Requests (live from /metrics)'),
      h(
        'div',
        { class: 'charts' },
        lineChart('Throughput (API requests/s)', [{ name: 'req/s', kind: 'a', points: live.points.map((p) => [p.t, p.rps]) }]),
        lineChart('Latency (ms)', [
          { name: 'p50', kind: 'a', points: live.points.map((p) => [p.t, p.p50]) },
          { name: 'p99', kind: 'b', points: live.points.map((p) => [p.t, p.p99]) },
        ], { unit: ' ms' }),
        barChart('Requests by route (total)', Object.entries(live.routes).sort((a, b) => b[1] - a[1]).map(([label, value]) => ({ label, value, kind: 'source' })), { width: 520, labelWidth: 200 }),
      ),
      h('p', { class: 'muted' }, `Sampled every ${POLL_MS / 1000} s while this page is open; /v1/ routes only; latency quantiles interpolated in histogram buckets.`),
    );
    mount(
      candBox,
      h('h2', {}, 'Candidates per source'),
      h('div', { class: 'charts' }, barChart('Candidates returned per source (cache misses, total)', Object.entries(live.candidates).sort((a, b) => b[1] - a[1]).map(([label, value]) => ({ label, value, kind: 'source' })))),
    );
  };
  const poll = async (): Promise<void> => {
    try {
      const samples = parseProm(await api.metrics());
      const t = Date.now();
      const hNow = histogram(samples, LATENCY, apiRoute);
      const d = delta(live.last?.h ?? null, hNow);
      if (live.last) {
        const secs = (t - live.last.t) / 1000;
        const q50 = d.count > 0 ? quantile(0.5, d) : null;
        const q99 = d.count > 0 ? quantile(0.99, d) : null;
        live.points.push({ t, rps: secs > 0 ? d.count / secs : null, p50: q50 === null ? null : q50 * 1000, p99: q99 === null ? null : q99 * 1000 });
        if (live.points.length > KEEP) live.points.shift();
      }
      live.last = { t, h: hNow };
      live.candidates = sumBy(samples, 'boardwalk_candidates_total', 'source');
      const routes: Record<string, number> = {};
      for (const x of samples) if (x.name === `${LATENCY}_count` && apiRoute(x.labels)) routes[x.labels['route']!] = (routes[x.labels['route']!] ?? 0) + x.value;
      live.routes = routes;
      draw();
    } catch (err) {
      mount(liveBox, h('h2', {}, 'Requests (live from /metrics)'), errorBox(err));
    }
  };
  draw();
  await poll();
  window.clearInterval(live.timer);
  live.timer = window.setInterval(() => void poll(), POLL_MS);
  try {
    drawEval(evalBox, await api.eval());
  } catch (err) {
    mount(evalBox, h('h2', {}, 'Quality: eval vs published'), errorBox(err));
  }
  return () => window.clearInterval(live.timer);
}

function drawEval(box: HTMLElement, e: EvalAnswer): void {
  const k = e.report?.k ?? 10;
  const datasets = new Set<string>([...Object.keys(e.published), ...(e.report?.rows.map((r) => r.dataset) ?? [])]);
  const panels: HTMLElement[] = [];
  for (const ds of datasets) {
    const ours = (e.report?.rows ?? []).filter((r) => r.dataset === ds);
    const pub = e.published[ds] ?? [];
    for (const metric of ['hr', 'ndcg'] as const) {
      const bars: Bar[] = [
        ...ours.map((r) => ({ label: r.label ?? r.method, value: r[metric], kind: 'ours', title: `boardwalk ${r.label ?? r.method} on ${ds}: ${r[metric].toFixed(4)} (${r.users} users)` })),
        ...pub.map((p) => ({ label: p.method, value: p[metric], kind: 'published', title: `${p.method}, ${p.source}: ${p[metric].toFixed(4)}` })),
      ].sort((a, b) => b.value - a.value);
      panels.push(barChart(`${ds} — ${metric === 'hr' ? 'HR' : 'NDCG'}@${k}`, bars, { max: 1, digits: 4 }));
    }
  }
  const note = e.report
    ? h('p', { class: 'muted' }, `From ${e.file} (seed ${e.report.seed}, ${e.report.userSample === null ? 'all users' : `${e.report.userSample} users per set`}).`)
    : h('p', { class: 'notice' }, e.error ?? `No eval report at ${e.file}. Write one with: boardwalk eval --json ${e.file}`);
  mount(
    box,
    h('h2', {}, 'Quality: eval vs published'),
    note,
    h('div', { class: 'legend' }, h('span', { class: 'key key-ours' }, 'boardwalk'), h('span', { class: 'key key-published' }, 'published')),
    h('div', { class: 'charts' }, panels),
  );
}
