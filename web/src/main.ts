import { api } from './api.js';
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
    mount(el, h('span', {}, `${o.storage} · graph v${o.graph_version} · ${num(o.pins)} pins · ${num(o.boards)} boards · ${num(o.edges)} saves`));
  } catch {
    mount(el, h('span', { class: 'error-inline' }, 'server unreachable'));
  }
}

window.addEventListener('hashchange', () => void route());
void route();
void overview();
