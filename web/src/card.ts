import type { PinCard, RecItem } from './api.js';
import { h } from './dom.js';
import { explain, formatAge, num, pinTitle } from './format.js';

/** A pin card; with a recommendation item, also its score and explanation. */
export function pinCard(id: string, c: PinCard | undefined, item?: RecItem, rank?: number): HTMLElement {
  const now = Date.now();
  const p = c ?? { id, boards: 0 };
  const age = p.created_at !== undefined ? formatAge(now - p.created_at) : null;
  const meta = h(
    'div',
    { class: 'meta' },
    h('span', { class: 'pin-id', title: 'pin id' }, p.id),
    p.locale ? h('span', { class: 'locale', title: 'locale' }, p.locale) : null,
    age ? h('span', { class: 'age', title: 'age' }, age) : null,
    h('span', { title: 'boards it is saved to' }, `${p.boards} board${p.boards === 1 ? '' : 's'}`),
  );
  const annotations = (p.annotations ?? []).slice(0, 6).map((a) => h('span', { class: 'chip annot' }, a));
  const head = h(
    'div',
    { class: 'card-head' },
    rank !== undefined ? h('span', { class: 'rank' }, `#${rank}`) : null,
    h('a', { class: 'title', href: `#/pin/${encodeURIComponent(p.id)}` }, pinTitle(p)),
    item ? h('span', { class: 'score', title: 'final score' }, num(item.score)) : null,
  );
  const el = h('article', { class: 'card', 'data-pin': p.id }, head, annotations.length ? h('div', { class: 'annots' }, annotations) : null, meta);
  if (item) el.appendChild(explanation(item, p.created_at, now));
  return el;
}

function explanation(item: RecItem, createdAt: number | undefined, now: number): HTMLElement {
  const e = explain(item, createdAt, now);
  const row = (k: string, v: string, title: string): HTMLElement => h('div', { class: 'kv', title }, h('span', { class: 'k' }, k), h('span', { class: 'v' }, v));
  const parts = Object.entries(item.parts ?? {});
  return h(
    'div',
    { class: 'explain' },
    h('div', { class: 'sources' }, e.sources.map((src) => h('span', { class: `chip src src-${src.replace(/[^a-z0-9_-]/gi, '')}` }, src))),
    h(
      'div',
      { class: 'kvs' },
      row('visits', num(e.visits), 'Pixie visit count of the walk'),
      row('memboost', e.memboost === null ? '–' : `${num(e.memboost)}${e.memboostBoost !== null ? ` (+${num(e.memboostBoost)})` : ''}`, 'Memboost score (boost added to the final score)'),
      row('ranker', num(e.ranker), 'ranker score'),
      h('div', { class: `kv fresh ${e.fresh ? 'yes' : 'no'}`, title: e.freshReason ?? 'no fresh source; older than 7 days or age unknown' }, h('span', { class: 'k' }, 'fresh'), h('span', { class: 'v' }, e.fresh ? 'yes' : 'no')),
    ),
    parts.length
      ? h(
          'details',
          { class: 'parts' },
          h('summary', {}, `all score parts (${parts.length})`),
          h('table', {}, parts.map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', {}, num(v))))),
        )
      : null,
  );
}

/** A grid of recommended pins with their explanations. */
export function recGrid(items: RecItem[], cards: Map<string, PinCard>): HTMLElement {
  if (items.length === 0) return h('p', { class: 'muted empty' }, 'No results.');
  return h('div', { class: 'grid' }, items.map((it, i) => pinCard(it.id, cards.get(it.id), it, i + 1)));
}
