import type { Candidate } from '../candidates/types.js';

/** One source's candidates (best first) and how many new pins it may contribute. */
export interface SourceList {
  source: string;
  candidates: Candidate[];
  /** most pins this source may add to the merged list (pins it shares with others don't count) */
  quota: number;
}

export interface MergeOptions {
  /** size of the merged list */
  limit: number;
  /** when sources run dry below their quotas, fill the remaining slots from the others (default true) */
  fill: boolean;
}

/**
 * Merges per-source candidate lists with quotas and de-duplication.
 *
 * Sources take turns (round-robin in the given order), each adding its next unseen pin while
 * under its quota, so every source gets its share of the top of the list. When all quotas are
 * met or exhausted and `fill` is on, the round-robin continues without quotas up to `limit`.
 * A pin proposed by several sources appears once, with every source that proposed it (also those
 * whose list held it beyond their quota), the union of their features, and for each source s a
 * feature `src_<s>` = that source's score normalised by its best score (in [0, 1] for
 * non-negative scores). The merged score is the sum of these normalised scores.
 */
export function mergeCandidates(lists: SourceList[], options: Partial<MergeOptions> & { limit: number }): Candidate[] {
  const o: MergeOptions = { fill: true, ...options };
  if (!Number.isInteger(o.limit) || o.limit < 0) throw new RangeError(`merge: limit must be an integer >= 0, got ${o.limit}`);
  const names = new Set<string>();
  for (const l of lists) {
    if (!Number.isInteger(l.quota) || l.quota < 0) throw new RangeError(`merge: quota of source ${l.source} must be an integer >= 0, got ${l.quota}`);
    if (names.has(l.source)) throw new Error(`merge: source ${l.source} appears twice`);
    names.add(l.source);
  }
  const chosen = new Map<number, Candidate>();
  const order: number[] = [];
  const cursor = new Array<number>(lists.length).fill(0);
  const taken = new Array<number>(lists.length).fill(0);

  const run = (useQuota: boolean): void => {
    let progress = true;
    while (order.length < o.limit && progress) {
      progress = false;
      for (let s = 0; s < lists.length && order.length < o.limit; s++) {
        const l = lists[s]!;
        if (useQuota && taken[s]! >= l.quota) continue;
        // skip pins already chosen: they don't use this source's quota
        while (cursor[s]! < l.candidates.length && chosen.has(l.candidates[cursor[s]!]!.pin)) cursor[s]!++;
        if (cursor[s]! >= l.candidates.length) continue;
        const c = l.candidates[cursor[s]!++]!;
        chosen.set(c.pin, { pin: c.pin, score: 0, sources: [], features: {} });
        order.push(c.pin);
        taken[s]!++;
        progress = true;
      }
    }
  };
  run(true);
  if (o.fill) run(false);

  // annotate with every source that proposed each chosen pin
  for (const l of lists) {
    let best = 0;
    for (const c of l.candidates) if (Math.abs(c.score) > best) best = Math.abs(c.score);
    for (const c of l.candidates) {
      const m = chosen.get(c.pin);
      if (!m || m.sources.includes(l.source)) continue;
      m.sources.push(l.source);
      for (const k in c.features) {
        const v = c.features[k]!;
        m.features[k] = k in m.features ? Math.max(m.features[k]!, v) : v;
      }
      const norm = best > 0 ? c.score / best : 0;
      m.features[`src_${l.source}`] = norm;
      m.score += norm;
    }
  }
  return order.map((p) => chosen.get(p)!);
}

/** Quotas from shares of a total (largest-remainder rounding, so they sum to `total`). */
export function quotasFromShares(shares: Record<string, number>, total: number): Record<string, number> {
  const keys = Object.keys(shares);
  let sum = 0;
  for (const k of keys) {
    const v = shares[k]!;
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`quota share of ${k} must be a finite number >= 0, got ${v}`);
    sum += v;
  }
  const out: Record<string, number> = {};
  if (sum === 0) {
    for (const k of keys) out[k] = 0;
    return out;
  }
  let given = 0;
  const rema: { k: string; r: number }[] = [];
  for (const k of keys) {
    const exact = (shares[k]! / sum) * total;
    out[k] = Math.floor(exact);
    given += out[k];
    rema.push({ k, r: exact - out[k] });
  }
  rema.sort((a, b) => b.r - a.r || a.k.localeCompare(b.k));
  for (let i = 0; given < total && i < rema.length; i++, given++) out[rema[i]!.k]!++;
  return out;
}
