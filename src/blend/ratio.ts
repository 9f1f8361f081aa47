import type { RecommendedPin } from '../surfaces/types.js';

/**
 * Ratio blending: every `every`-th slot (slots every, 2·every, ... counting from 1) takes the
 * next fresh pin, the other slots the next regular pin. When one list runs out the other fills
 * the rest. A pin in both lists appears once, where it comes first. Output pins are copies,
 * `fresh` set, scores rewritten to descend with position (the input score is kept in
 * parts.preBlendScore).
 */
export function ratioBlend(regular: readonly RecommendedPin[], fresh: readonly RecommendedPin[], every: number, limit: number): RecommendedPin[] {
  if (!Number.isInteger(every) || every < 1) throw new RangeError(`ratio blend: every must be an integer >= 1, got ${every}`);
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`ratio blend: limit must be an integer >= 0, got ${limit}`);
  const out: RecommendedPin[] = [];
  const seen = new Set<number>();
  let r = 0;
  let f = 0;
  const take = (list: readonly RecommendedPin[], i: number, isFresh: boolean): number => {
    while (i < list.length && seen.has(list[i]!.pin)) i++;
    if (i < list.length) {
      const p = list[i]!;
      seen.add(p.pin);
      out.push({ ...p, parts: { ...p.parts, preBlendScore: p.score }, fresh: isFresh });
      i++;
    }
    return i;
  };
  while (out.length < limit && (r < regular.length || f < fresh.length)) {
    const before = out.length;
    const freshSlot = (out.length + 1) % every === 0;
    if (freshSlot) f = take(fresh, f, true);
    else r = take(regular, r, false);
    if (out.length === before) {
      // the preferred list is exhausted: fill from the other
      if (freshSlot) r = take(regular, r, false);
      else f = take(fresh, f, true);
    }
  }
  for (let i = 0; i < out.length; i++) out[i]!.score = out.length - i;
  return out;
}

/** Share of the first k pins that are fresh. */
export function freshShare(list: readonly RecommendedPin[], k: number): number {
  const n = Math.min(k, list.length);
  if (n === 0) return 0;
  let c = 0;
  for (let i = 0; i < n; i++) if (list[i]!.fresh) c++;
  return c / n;
}
