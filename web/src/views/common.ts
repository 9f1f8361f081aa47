import { h } from '../dom.js';

export function loading(): HTMLElement {
  return h('p', { class: 'muted loading' }, 'Loading…');
}

export function errorBox(err: unknown): HTMLElement {
  return h('div', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err));
}
