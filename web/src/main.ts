import { api, currentNamespace, setNamespace } from './api.js';
import { h, mount } from './dom.js';
import { num } from './format.js';
import { pinView } from './views/pin.js';
import { plotsView } from './views/plots.js';
import { searchView } from './views/search.js';
import { userView, usersView } from './views/user.js';

/** Hash router: #/ (search), #/search?q=, #/pin/ID, #/users, #/user/ID, #/plots. */
const view = document.getElementById('view')!;
let leave: (() => void) | null = null;

async function route(): Promise<void> {
  leave?.();
  leave = null;
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?', 2) as [string, string?];
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const section = parts[0] === 'user' || parts[0] === 'users' ? 'users' : parts[0] === 'plots' ? 'plots' : 'search';
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) a.classList.toggle('active', a.dataset['nav'] === section);
  document.body.dataset['view'] = parts[0] ?? 'search';
  view.setAttribute('aria-busy', 'true');
  try {
    if (parts[0] === 'pin' && parts[1]) await pinView(view, parts[1], params);
    else if (parts[0] === 'user' && parts[1]) await userView(view, parts[1]);
    else if (parts[0] === 'users') usersView(view);
    else if (parts[0] === 'plots') leave = await plotsView(view);
    else await searchView(view, params.get('q') ?? '');
  } finally {
    view.setAttribute('aria-busy', 'false');
  }
}

async function overview(): Promise<void> {
  const el = document.getElementById('overview')!;
  try {
    const o = await api.overview();
    mount(el, h('span', {}, `${currentNamespace()} · ${o.storage} · graph v${o.graph_version} · ${num(o.pins)} pins · ${num(o.boards)} boards · ${num(o.edges)} saves`));
  } catch {
    mount(el, h('span', { class: 'error-inline' }, 'server unreachable'));
  }
}

/** Where the chosen namespace is remembered between visits (a `?ns=` page parameter wins). */
const NS_KEY = 'boardwalk.namespace';

/**
 * Fills the namespace selector from GET /v1/namespaces and picks the remembered namespace when
 * the server still has it. Changing it re-renders the overview and the current view.
 */
async function namespaces(): Promise<void> {
  const sel = document.getElementById('namespace') as HTMLSelectElement;
  let list = ['default'];
  try {
    list = (await api.namespaces()).namespaces;
  } catch {
    // a server without the route (or no key for it): the default namespace only
  }
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(NS_KEY);
  } catch {
    // storage disabled: nothing remembered
  }
  const wanted = new URLSearchParams(location.search).get('ns') ?? stored ?? 'default';
  const chosen = list.includes(wanted) ? wanted : 'default';
  mount(sel, list.map((n) => h('option', { value: n }, n)));
  sel.value = chosen;
  sel.disabled = list.length < 2;
  setNamespace(chosen);
  document.body.dataset['namespace'] = chosen;
  sel.addEventListener('change', () => {
    setNamespace(sel.value);
    document.body.dataset['namespace'] = currentNamespace();
    try {
      localStorage.setItem(NS_KEY, sel.value);
    } catch {
      // storage disabled: the choice lasts for this page only
    }
    void overview();
    void route();
  });
}

window.addEventListener('hashchange', () => void route());
void namespaces().then(() => {
  void route();
  void overview();
});
