import { describe, expect, it } from 'vitest';
import { buildMemboostTable, CoecAggregator } from '../../src/memboost/coec.js';
import { rememberedCandidates } from '../../src/memboost/insertion.js';
import { tableRow } from '../../src/memboost/row.js';
import { memboostScore, type MemboostParams } from '../../src/memboost/score.js';
import { MemboostTable } from '../../src/memboost/table.js';
import { ev, smallLog } from './fixtures.js';

describe('COEC aggregation', () => {
  it('computes actions and position-corrected expected counts', async () => {
    const agg = new CoecAggregator();
    await agg.addAll(smallLog());
    expect(agg.events).toBe(12);
    expect(agg.skipped).toBe(2);
    const t = agg.finish();
    expect(t.numPairs).toBe(2);
    const b0 = t.rates.findBucket('web', 0);
    const b1 = t.rates.findBucket('web', 1);
    expect(t.rates.rate(b0, 0)).toBe(0.5);
    expect(t.rates.rate(b1, 0)).toBe(0.25);
    expect(t.rates.rate(b1, 3)).toBe(0.25);
    const s1 = t.stats(10, 1)!;
    expect(s1.impressions).toBe(4);
    expect(s1.actions).toEqual([2, 0, 0, 0]);
    // clicks: 3·0.5 + 1·0.25 ; saves: 3·0 + 1·0.25
    expect(s1.expected).toEqual([1.75, 0, 0, 0.25]);
    const s2 = t.stats(10, 2)!;
    expect(s2.actions).toEqual([1, 0, 0, 1]);
    expect(s2.expected).toEqual([1.25, 0, 0, 0.75]);
    expect(t.stats(10, 7)).toBeNull();
  });

  it('scores MB = log((Σβ·a + α)/(Σβ·e + α))', async () => {
    const t = await buildMemboostTable(smallLog());
    const clicksOnly: MemboostParams = { beta: [1, 0, 0, 0], alpha: 1, gamma: 1 };
    expect(t.score(10, 1, clicksOnly)).toBeCloseTo(Math.log(3 / 2.75), 12);
    expect(t.score(10, 2, clicksOnly)).toBeCloseTo(Math.log(2 / 2.25), 12);
    const all: MemboostParams = { beta: [1, 2, 0.5, 4], alpha: 2, gamma: 1 };
    expect(t.score(10, 1, all)).toBeCloseTo(Math.log(4 / 4.75), 12);
    expect(t.score(10, 2, all)).toBeCloseTo(Math.log(7 / 6.25), 12);
    // unknown pairs are neutral
    expect(t.score(11, 1, all)).toBe(0);
    expect(memboostScore([0, 0, 0, 0], [0, 0, 0, 0], all)).toBe(0);
  });

  it('keeps platforms apart and clamps deep positions', async () => {
    const t = await buildMemboostTable([ev(1, 'impression', 0, 'ios'), ev(1, 'click', 0, 'ios'), ev(2, 'impression', 0, 'web'), ev(3, 'impression', 99, 'web')], {
      maxPosition: 5,
    });
    expect(t.rates.rate(t.rates.findBucket('ios', 0), 0)).toBe(1);
    expect(t.rates.rate(t.rates.findBucket('web', 0), 0)).toBe(0);
    expect(t.rates.findBucket('web', 99)).toBe(t.rates.findBucket('web', 5));
    expect(t.stats(10, 2)!.expected[0]).toBe(0);
  });

  it('round-trips through its binary snapshot', async () => {
    const t = await buildMemboostTable(smallLog());
    const u = MemboostTable.decode(t.encode());
    expect(u.stats(10, 2)).toEqual(t.stats(10, 2));
    expect(u.rates.rate(u.rates.findBucket('web', 1), 3)).toBe(0.25);
    expect(() => MemboostTable.decode(new Uint8Array(2))).toThrow(/truncated/);
  });

  it('rejects bad events with clear errors', () => {
    const agg = new CoecAggregator();
    expect(() => agg.add(ev(1, 'like', 0))).toThrow(/unknown action "like"/);
    expect(() => agg.add(ev(1, 'click', -1))).toThrow(/position -1/);
    expect(() => agg.add(ev(1.5, 'click', 0))).toThrow(/pin 1.5/);
    expect(() => agg.add({ ...ev(1, 'click', 0), platform: '' })).toThrow(/platform/);
  });
});

describe('Memboost insertion', () => {
  it('re-inserts remembered, over-performing results the generators missed', async () => {
    const log = smallLog();
    // pin 3: one impression at slot 1 and two saves -> strongly above expectation
    log.push(ev(3, 'impression', 1), ev(3, 'save', 1), ev(3, 'save', 1));
    const t = await buildMemboostTable(log);
    const p: MemboostParams = { beta: [1, 2, 0.5, 4], alpha: 2, gamma: 1 };
    const row = tableRow(t, 10);
    const ins = rememberedCandidates(row, new Set([1]), p);
    // pin 1 is present already; slot 1 now saves at 3/5, so pin 2's one save is below expectation
    expect(ins.map((c) => c.pin)).toEqual([3]);
    expect(t.score(10, 2, p)).toBeCloseTo(Math.log(7 / (1.1 + 4 * 1.8 + 2)), 6);
    expect(rememberedCandidates(row, new Set([1]), p, { minMemboost: -10 }).map((c) => c.pin)).toEqual([3, 2]);
    expect(ins[0]!.sources).toEqual(['memboost']);
    expect(ins[0]!.features.memboost).toBeCloseTo(t.score(10, 3, p), 6);
    expect(rememberedCandidates(row, new Set(), p, { maxInsert: 1 }).map((c) => c.pin)).toEqual([3]);
    expect(rememberedCandidates(row, new Set(), p, { minMemboost: -10 }, (x) => x === 3).map((c) => c.pin)).toEqual([2, 1]);
    expect(rememberedCandidates(row, new Set(), p, { minActions: 10 })).toEqual([]);
  });
});
