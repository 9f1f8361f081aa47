import type { RecommendedPin } from '../surfaces/types.js';

export interface FloorOptions {
  /** the top K the floor applies to */
  topK: number;
  /** minimum share of fresh pins in the top K, in [0, 1] */
  minShare: number;
  /** length of the output */
  limit: number;
}

/**
 * Floor blending: regular and fresh pins, both scored by the same ranker, are merged by score;
 * then, if the top K holds fewer than ⌈minShare·K⌉ fresh pins, the best fresh pins below K
 * are lifted into the top K's last slots, displacing its lowest regular pins (which move to
 * just after K). A pin in both lists counts as fresh and keeps its higher score. Output pins
 * are copies with `fresh` set; scores are rewritten to descend with position (the ranker
 * score stays in parts.preBlendScore).
 */
export function floorBlend(regular: readonly RecommendedPin[], fresh: readonly RecommendedPin[], options: FloorOptions): RecommendedPin[] {
  const { topK, minShare, limit } = options;
  if (!Number.isInteger(topK) || topK < 1) throw new RangeError(`floor blend: topK must be an integer >= 1, got ${topK}`);
  if (!(minShare >= 0 && minShare <= 1)) throw new RangeError(`floor blend: minShare must be in [0, 1], got ${minShare}`);
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`floor blend: limit must be an integer >= 0, got ${limit}`);
  const byPin = new Map<number, RecommendedPin>();
  const add = (p: RecommendedPin, isFresh: boolean): void => {
    if (!Number.isFinite(p.score)) throw new RangeError(`floor blend: pin ${p.pin} has score ${p.score}`);
    const old = byPin.get(p.pin);
    if (!old) byPin.set(p.pin, { ...p, parts: { ...p.parts, preBlendScore: p.score }, fresh: isFresh });
    else {
      if (p.score > old.score) {
        old.score = p.score;
        old.parts['preBlendScore'] = p.score;
      }
      old.fresh = old.fresh || isFresh;
    }
  };
  for (const p of regular) add(p, false);
  for (const p of fresh) add(p, true);
  const merged = [...byPin.values()].sort((a, b) => b.score - a.score || a.pin - b.pin);
  const k = Math.min(topK, merged.length);
  const need = Math.ceil(minShare * Math.min(topK, merged.length) - 1e-9);
  let have = 0;
  for (let i = 0; i < k; i++) if (merged[i]!.fresh) have++;
  let out = merged;
  if (have < need) {
    const lift: RecommendedPin[] = [];
    for (let i = k; i < merged.length && lift.length < need - have; i++) if (merged[i]!.fresh) lift.push(merged[i]!);
    // drop the lowest regular pins of the top K, as many as are lifted
    const top = merged.slice(0, k);
    const dropped: RecommendedPin[] = [];
    for (let i = top.length - 1; i >= 0 && dropped.length < lift.length; i--) {
      if (!top[i]!.fresh) dropped.unshift(top.splice(i, 1)[0]!);
    }
    const liftSet = new Set(lift);
    const rest = merged.slice(k).filter((p) => !liftSet.has(p));
    out = [...top, ...lift, ...dropped, ...rest];
  }
  out = out.slice(0, limit);
  for (let i = 0; i < out.length; i++) out[i]!.score = out.length - i;
  return out;
}
