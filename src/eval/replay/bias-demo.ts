import { CoecAggregator } from '../../memboost/coec.js';
import { DEFAULT_MEMBOOST, type MemboostParams } from '../../memboost/score.js';
import { Rng } from '../../util/rng.js';
import { ClickModel } from './click-model.js';

export interface BiasDemoOptions {
  /** results shown per view (default 20) */
  slots: number;
  /** slot of the one highly attractive result (default 14: shown low) */
  goodSlot: number;
  /** attractiveness of the good result and of the others (default 0.5 / 0.1) */
  good: number;
  other: number;
  views: number;
  eta: number;
  seed: number;
  params: MemboostParams;
}

export interface BiasDemoResult {
  goodSlot: number;
  /** rank (1-based) of the good result when ordered by raw clicks (= raw CTR: equal impressions) */
  rawClickRank: number;
  /** its rank when ordered by Memboost MB (clicks over position-expected clicks) */
  memboostRank: number;
  goodClicks: number;
  goodExpected: number;
  goodMemboost: number;
  /** clicks of the result in slot 0, for comparison */
  topClicks: number;
  topMemboost: number;
}

/**
 * The controlled position-bias experiment: one query always shows the same `slots` results in
 * the same order; one of them, shown low, is 5× as attractive as the rest. Raw clicks still
 * rank it mid-list (position bias), Memboost ranks it first.
 */
export function positionBiasDemo(options: Partial<BiasDemoOptions> = {}): BiasDemoResult {
  const o: BiasDemoOptions = { slots: 20, goodSlot: 14, good: 0.5, other: 0.1, views: 5000, eta: 1, seed: 1, params: DEFAULT_MEMBOOST, ...options };
  if (!Number.isInteger(o.goodSlot) || o.goodSlot < 0 || o.goodSlot >= o.slots) throw new RangeError(`bias demo: goodSlot must be in 0..${o.slots - 1}`);
  const rng = new Rng(o.seed);
  const model = new ClickModel(o.eta);
  const agg = new CoecAggregator({ maxPosition: o.slots });
  // result pin of slot s is s + 1; query pin 0. A second query with uniform results shares the
  // slots, so the global slot rates are not just this list's own CTRs.
  for (let v = 0; v < o.views; v++) {
    for (const q of [0, 1000]) {
      for (let s = 0; s < o.slots; s++) {
        const pin = q + s + 1;
        const base = { pin, queryPin: q, position: s, platform: 'web', surface: 'related', timestamp: v };
        agg.add({ ...base, action: 'impression' });
        const attr = q === 0 && s === o.goodSlot ? o.good : o.other;
        if (model.click(rng, s, attr)) agg.add({ ...base, action: 'click' });
      }
    }
  }
  const t = agg.finish();
  const rows: { slot: number; clicks: number; expected: number; mb: number }[] = [];
  for (let s = 0; s < o.slots; s++) {
    const st = t.stats(0, s + 1)!;
    rows.push({ slot: s, clicks: st.actions[0]!, expected: st.expected[0]!, mb: t.score(0, s + 1, o.params) });
  }
  const rankBy = (key: (r: (typeof rows)[number]) => number): number =>
    1 + rows.filter((r) => key(r) > key(rows[o.goodSlot]!) || (key(r) === key(rows[o.goodSlot]!) && r.slot < o.goodSlot)).length;
  const good = rows[o.goodSlot]!;
  return {
    goodSlot: o.goodSlot,
    rawClickRank: rankBy((r) => r.clicks),
    memboostRank: rankBy((r) => r.mb),
    goodClicks: good.clicks,
    goodExpected: good.expected,
    goodMemboost: good.mb,
    topClicks: rows[0]!.clicks,
    topMemboost: rows[0]!.mb,
  };
}
