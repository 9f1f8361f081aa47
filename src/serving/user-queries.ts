import type { Action, RecentAction } from '../storage/types.js';

/** How much each action says about interest (impressions say nothing; hides are excluded). */
export const ACTION_WEIGHTS: Record<Action, number> = {
  save: 1,
  long_click: 0.8,
  closeup: 0.6,
  click: 0.4,
  impression: 0,
  hide: 0,
};

export interface UserQuery {
  /** external pin ids with weights, heaviest first */
  pins: string[];
  weights: number[];
  /** every pin the user acted on (for exclude_seen) */
  seen: string[];
  /** pins the user hid (always excluded) */
  hidden: string[];
}

/**
 * Turns a user's recent actions (newest first) into weighted query pins for the home feed:
 * weight = action weight × 2^(−age / halfLife), age measured from the newest action so the
 * result does not depend on the clock; summed per pin; the `maxPins` heaviest are kept.
 */
export function userQuery(actions: RecentAction[], opts: { halfLifeMs?: number; maxPins?: number } = {}): UserQuery {
  const halfLife = opts.halfLifeMs ?? 3 * 86_400_000;
  const maxPins = opts.maxPins ?? 20;
  const newest = actions.length ? Math.max(...actions.map((a) => a.timestamp)) : 0;
  const w = new Map<string, number>();
  const seen = new Set<string>();
  const hidden = new Set<string>();
  for (const a of actions) {
    seen.add(a.pin);
    if (a.action === 'hide') {
      hidden.add(a.pin);
      continue;
    }
    const base = ACTION_WEIGHTS[a.action] ?? 0;
    if (base <= 0) continue;
    const decay = Math.pow(2, -(newest - a.timestamp) / halfLife);
    w.set(a.pin, (w.get(a.pin) ?? 0) + base * decay);
  }
  for (const h of hidden) w.delete(h);
  const top = [...w.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, maxPins);
  return { pins: top.map((t) => t[0]), weights: top.map((t) => t[1]), seen: [...seen], hidden: [...hidden] };
}
