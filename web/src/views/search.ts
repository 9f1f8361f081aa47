import { api } from '../api.js';
import { pinCard } from '../card.js';
import { h, mount } from '../dom.js';
import { num } from '../format.js';
import { errorBox, loading } from './common.js';

/** #/ and #/search?q=…: search pins by id or text. */
export async function searchView(root: HTMLElement, q: string): Promise<void> {
  const input = h('input', { id: 'pin-query', type: 'search', placeholder: 'pin id or words (e.g. "mountain hiking")', value: q, autofocus: true });
  const go = (): void => {
    const v = input.value.trim();
    if (v) location.hash = `#/search?q=${encodeURIComponent(v)}`;
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') go();
  });
  const results = h('section', { id: 'search-results' });
  mount(
    root,
    h('h1', {}, 'Pins'),
    h('div', { class: 'searchbar' }, input, h('button', { id: 'pin-search', onclick: go }, 'Search')),
    h('p', { class: 'muted' }, 'An exact pin id opens first; words are matched by BM25 over pin text and annotations. Click a pin for its related pins.'),
    results,
  );
  if (!q) return;
  mount(results, loading());
  try {
    const r = await api.search(q);
    if (r.items.length === 0) return mount(results, h('p', { class: 'muted empty' }, `No pin matches “${q}”.`));
    mount(results, h('h2', {}, `${r.items.length} pin${r.items.length === 1 ? '' : 's'} for “${q}”`), h(
        'div',
        { class: 'grid' },
        r.items.map((c) => {
          const el = pinCard(c.id, c);
          el.querySelector('.meta')?.append(h('span', { class: 'match', title: 'how it matched' }, c.match === 'id' ? 'id match' : `BM25 ${num(c.score)}`));
          return el;
        }),
      ),
    );
  } catch (err) {
    mount(results, errorBox(err));
  }
}
