import type { RecommendedPin } from '../surfaces/types.js';

/**
 * Default filters, as pure functions over a ranked list: drop what the user has seen
 * (engaged with), engaged with negatively (hid), what the catalogue hides, pins past their
 * time to live, and the request's own exclude list.
 */

/** Actions that mark a pin as seen / as a negative signal. */
export const SEEN_ACTIONS: ReadonlySet<string> = new Set(['click', 'long_click', 'closeup', 'save']);
export const NEGATIVE_ACTIONS: ReadonlySet<string> = new Set(['hide']);

export interface UserExclusions<K> {
  seen: Set<K>;
  negative: Set<K>;
}

/**
 * Seen and negative pins from a user's recent actions. Impressions count as seen only with
 * `impressionsAreSeen` (a pin shown but ignored may deserve another chance).
 */
export function exclusionsFromActions<K>(actions: Iterable<{ pin: K; action: string }>, opts: { impressionsAreSeen?: boolean } = {}): UserExclusions<K> {
  const seen = new Set<K>();
  const negative = new Set<K>();
  for (const a of actions) {
    if (NEGATIVE_ACTIONS.has(a.action)) negative.add(a.pin);
    else if (SEEN_ACTIONS.has(a.action) || (opts.impressionsAreSeen === true && a.action === 'impression')) seen.add(a.pin);
  }
  return { seen, negative };
}

/** True when a pin created at `createdAt` with time to live `ttlMs` has expired at `now`. Unknown = never. */
export function isExpired(createdAt: number | undefined, ttlMs: number | undefined, now: number): boolean {
  if (createdAt === undefined || ttlMs === undefined || !Number.isFinite(ttlMs)) return false;
  return now >= createdAt + ttlMs;
}

/**
 * A request-time exclude list: an array of at most `max` non-empty pin id strings. Throws a
 * message naming the bad entry.
 */
export function parseExcludeList(raw: unknown, max = 1000): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new Error('exclude must be an array of pin ids');
  if (raw.length > max) throw new Error(`exclude lists at most ${max} pin ids, got ${raw.length}`);
  raw.forEach((x, i) => {
    if (typeof x !== 'string' || x.length === 0) throw new Error(`exclude[${i}] must be a non-empty string pin id, got ${JSON.stringify(x)}`);
  });
  return raw as string[];
}

export interface DefaultFilterInput {
  /** pins the user engaged with (see exclusionsFromActions) */
  seen?: ReadonlySet<number>;
  /** pins the user hid */
  negative?: ReadonlySet<number>;
  /** pins the catalogue hides (removed, moderated) */
  hidden?: ReadonlySet<number>;
  /** request-time exclude list */
  exclude?: ReadonlySet<number>;
  /** a pin's expiry time (epoch ms) when it has a time to live */
  expiresAt?: (pin: number) => number | undefined;
  now?: number;
  /** default true; false keeps seen pins (e.g. a "saved again" surface) */
  excludeSeen?: boolean;
}

export type FilterReason = 'seen' | 'negative' | 'hidden' | 'excluded' | 'expired';

export interface FilterOutcome {
  pins: RecommendedPin[];
  removed: Record<FilterReason, number>;
}

/** Keeps list order; counts each removed pin under the first reason that applies. */
export function applyDefaultFilters(pins: readonly RecommendedPin[], f: DefaultFilterInput): FilterOutcome {
  const removed: Record<FilterReason, number> = { seen: 0, negative: 0, hidden: 0, excluded: 0, expired: 0 };
  const now = f.now ?? Date.now();
  const dropSeen = f.excludeSeen !== false;
  const out: RecommendedPin[] = [];
  for (const p of pins) {
    const id = p.pin;
    let why: FilterReason | null = null;
    if (f.hidden?.has(id)) why = 'hidden';
    else if (f.negative?.has(id)) why = 'negative';
    else if (f.exclude?.has(id)) why = 'excluded';
    else if (dropSeen && f.seen?.has(id)) why = 'seen';
    else if (f.expiresAt) {
      const e = f.expiresAt(id);
      if (e !== undefined && now >= e) why = 'expired';
    }
    if (why === null) out.push(p);
    else removed[why]++;
  }
  return { pins: out, removed };
}
