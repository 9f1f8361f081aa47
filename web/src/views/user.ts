import { api, type Cluster } from '../api.js';
import { pinCard, recGrid } from '../card.js';
import { h, mount } from '../dom.js';
import { formatAge, num, pinTitle } from '../format.js';
import { errorBox, loading } from './common.js';

function userForm(id: string): HTMLElement {
  const input = h('input', { id: 'user-query', type: 'search', placeholder: 'user id', value: id });
  const go = (): void => {
    const v = input.value.trim();
    if (v) location.hash = `#/user/${encodeURIComponent(v)}`;
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') go();
  });
  return h('div', { class: 'searchbar' }, input, h('button', { id: 'user-open', onclick: go }, 'Open user'));
}

/** #/users: pick a user. */
export function usersView(root: HTMLElement): void {
  mount(root, h('h1', {}, 'Users'), userForm(''), h('p', { class: 'muted' }, 'A user’s home feed and PinnerSage interest clusters (computed now from their recent actions).'));
}

/** #/user/ID: home feed and PinnerSage clusters. */
export async function userView(root: HTMLElement, id: string): Promise<void> {
  const feed = h('section', { id: 'homefeed', class: 'col-main' }, h('h2', {}, 'Home feed'), loading());
  const side = h('section', { id: 'clusters', class: 'col-side' }, h('h2', {}, 'Interest clusters'), loading());
  mount(root, h('h1', {}, `User ${id}`), userForm(id), h('div', { class: 'two-col' }, side, feed));
  const feedP = (async () => {
    try {
      const page = await api.homefeed(id, 24);
      const cards = await api.pins(page.items.map((x) => x.id));
      mount(feed, h('h2', {}, `Home feed (${page.items.length})`), recGrid(page.items, cards));
    } catch (err) {
      mount(feed, h('h2', {}, 'Home feed'), errorBox(err));
    }
  })();
  const clusterP = (async () => {
    try {
      const c = await api.clusters(id);
      mount(
        side,
        h('h2', {}, `Interest clusters (${c.clusters.length})`),
        h('p', { class: 'muted' }, `PinnerSage over ${c.interest_actions} engagement action${c.interest_actions === 1 ? '' : 's'}; medoid pin, importance share.`),
        c.clusters.length ? c.clusters.map(clusterBox) : h('p', { class: 'muted empty' }, 'No engagement to cluster yet.'),
        c.actions.length
          ? h(
              'details',
              { class: 'recent' },
              h('summary', {}, `recent actions (${c.actions.length})`),
              h('ul', {}, c.actions.map((a) => h('li', {}, h('a', { href: `#/pin/${encodeURIComponent(a.pin)}` }, a.pin), ` ${a.action}, ${formatAge(Date.now() - a.timestamp)} ago`))),
            )
          : null,
      );
    } catch (err) {
      mount(side, h('h2', {}, 'Interest clusters'), errorBox(err));
    }
  })();
  await Promise.all([feedP, clusterP]);
}

function clusterBox(c: Cluster, i: number): HTMLElement {
  const pct = Math.round(c.share * 100);
  return h(
    'div',
    { class: 'cluster' },
    h(
      'div',
      { class: 'cluster-head' },
      h('span', { class: 'rank' }, `#${i + 1}`),
      h('span', { class: 'imp-bar', title: `importance ${num(c.importance)} (${pct}% of the user’s total)` }, h('span', { class: 'imp-fill', style: { width: `${Math.max(2, pct)}%` } })),
      h('span', { class: 'imp-val' }, `${pct}%`),
    ),
    pinCard(c.medoid.id, c.medoid),
    h(
      'div',
      { class: 'cluster-meta muted' },
      `${c.size} pin${c.size === 1 ? '' : 's'} · ${c.actions} action${c.actions === 1 ? '' : 's'} · active ${formatAge(Date.now() - c.last_active)} ago · importance ${num(c.importance)}`,
    ),
    h('div', { class: 'members' }, c.pins.map((p) => h('a', { class: 'chip', href: `#/pin/${encodeURIComponent(p)}`, title: p }, p === c.medoid.id ? `★ ${pinTitle(c.medoid, 24)}` : p))),
  );
}
