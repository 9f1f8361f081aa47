import { api } from '../api.js';
import { pinCard, recGrid } from '../card.js';
import { h, mount } from '../dom.js';
import { errorBox, loading } from './common.js';

/** #/pin/ID: the pin and its related pins, each with its explanation. */
export async function pinView(root: HTMLElement, id: string, params: URLSearchParams): Promise<void> {
  const limit = Math.min(100, Math.max(1, Number(params.get('limit') ?? 24) || 24));
  const locale = params.get('locale') ?? '';
  mount(root, h('h1', {}, 'Related pins'), loading());
  try {
    const [self, page] = await Promise.all([api.pins([id]), api.related(id, limit, locale || undefined)]);
    const cards = await api.pins(page.items.map((x) => x.id));
    const localeInput = h('input', { id: 'locale', placeholder: 'any', value: locale, size: 6 });
    const limitInput = h('input', { id: 'limit', type: 'number', min: 1, max: 100, value: limit, size: 4 });
    const apply = (): void => {
      const q = new URLSearchParams();
      if (localeInput.value.trim()) q.set('locale', localeInput.value.trim());
      q.set('limit', limitInput.value);
      location.hash = `#/pin/${encodeURIComponent(id)}?${q}`;
    };
    mount(
      root,
      h('h1', {}, 'Related pins'),
      h('div', { class: 'query-pin' }, pinCard(id, self.get(id))),
      h(
        'div',
        { class: 'controls' },
        h('label', {}, 'locale ', localeInput),
        h('label', {}, 'results ', limitInput),
        h('button', { onclick: apply }, 'Apply'),
        h('span', { class: 'muted' }, `graph version ${page.graph_version}`),
      ),
      h('h2', { id: 'related-title' }, `${page.items.length} related pin${page.items.length === 1 ? '' : 's'}`),
      recGrid(page.items, cards),
    );
  } catch (err) {
    mount(root, h('h1', {}, 'Related pins'), errorBox(err));
  }
}
