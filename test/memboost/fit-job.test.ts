import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdMap } from '../../src/graph/id-map.js';
import { computeMemboost, runMemboostJob } from '../../src/jobs/memboost-job.js';
import { buildMemboostTable } from '../../src/memboost/coec.js';
import type { EngagementEvent } from '../../src/memboost/events.js';
import { evaluateParams, fitMemboostParams, fitQueriesFromEvents } from '../../src/memboost/fit.js';
import { MemboostTable } from '../../src/memboost/table.js';
import type { EngagementEvent as StoredEvent } from '../../src/storage/types.js';
import { Rng } from '../../src/util/rng.js';

/**
 * Query 0 shows pins 1..5 in that order (base scores 5..1), query 1 shows pins 11..15. Users
 * click slot s with probability exam(s)·rel(pin), exam = 1/(1+s); pin 5 (slot 4) is the most
 * relevant, query 1's pins are all equally relevant (they set the slot rates). Times 0..n-1.
 */
function simulate(n: number, seed: number): EngagementEvent[] {
  const rng = new Rng(seed);
  const rel = [0, 0.3, 0.3, 0.2, 0.2, 0.9];
  const out: EngagementEvent[] = [];
  for (let t = 0; t < n; t++) {
    for (const q of [0, 1]) {
      for (let s = 0; s < 5; s++) {
        const pin = q * 10 + s + 1;
        const base = { pin, queryPin: q, position: s, platform: 'web', surface: 'related', timestamp: t };
        out.push({ ...base, action: 'impression' });
        if (rng.next() < (q === 0 ? rel[pin]! : 0.4) / (1 + s)) out.push({ ...base, action: 'click' });
      }
    }
  }
  return out;
}

const base = (_q: number, r: number): number => (6 - (r % 10)) / 5;

describe('Memboost parameter fitting', () => {
  it('NDCG of base + γ·MB is hand-checkable', async () => {
    const t = await buildMemboostTable(simulate(400, 1));
    const q = { query: 0, results: [1, 5], base: [1, 0], gains: [0, 1] };
    expect(evaluateParams(t, [q], { beta: [1, 0, 0, 0], alpha: 1, gamma: 0 })).toBeCloseTo(1 / Math.log2(3), 12);
    expect(evaluateParams(t, [q], { beta: [1, 0, 0, 0], alpha: 1, gamma: 10 })).toBe(1);
  });

  it('fits γ > 0 when remembered engagement beats the base ranking', async () => {
    const log = simulate(600, 2);
    const early = await buildMemboostTable(log.filter((e) => e.timestamp < 400));
    const queries = fitQueriesFromEvents(
      log.filter((e) => e.timestamp >= 400),
      base,
    );
    expect(queries).toHaveLength(2);
    expect(queries[0]!.results).toEqual([1, 2, 3, 4, 5]);
    const r = fitMemboostParams(early, queries);
    expect(r.params.gamma).toBeGreaterThan(0);
    expect(r.ndcg).toBeGreaterThan(r.baseline);
    expect(() => fitMemboostParams(early, [{ query: 0, results: [1], base: [], gains: [1] }])).toThrow(/1 results, 0 base scores/);
  });
});

describe('memboost job', () => {
  it('computes the table and refits on the latest part of the log', async () => {
    const log = simulate(500, 3);
    const r = await computeMemboost(() => log, { refit: { heldOutFraction: 0.25, baseScore: base } });
    expect(r.stats.pairs).toBe(10);
    expect(r.stats.events).toBe(log.length);
    expect(r.fit!.queries).toBe(2);
    expect(r.params.gamma).toBeGreaterThan(0);
    // pin 5 over-performs its slot, pin 1 does not
    expect(r.table.score(0, 5, r.params)).toBeGreaterThan(r.table.score(0, 1, r.params));
    await expect(computeMemboost(() => log, { refit: { heldOutFraction: 1, baseScore: base } })).rejects.toThrow(/heldOutFraction/);
  });

  it('reads stored events with external ids and writes the table', async () => {
    const pins = IdMap.fromIds(['a', 'b', 'c']);
    const stored: StoredEvent[] = [
      { eventId: '1', user: 'u', pin: 'b', action: 'impression', surface: 'related', platform: 'web', position: 0, queryPin: 'a', timestamp: 1 },
      { eventId: '2', user: 'u', pin: 'b', action: 'long_click', surface: 'related', platform: 'web', position: 0, queryPin: 'a', timestamp: 2 },
      { eventId: '3', user: 'u', pin: 'b', action: 'hide', surface: 'related', platform: 'web', position: 0, queryPin: 'a', timestamp: 2 },
      { eventId: '4', user: 'u', pin: 'zzz', action: 'click', surface: 'related', platform: 'web', position: 0, queryPin: 'a', timestamp: 3 },
      { eventId: '5', user: 'u', pin: 'c', action: 'save', surface: 'homefeed', platform: 'web', position: 0, timestamp: 3 },
    ];
    const storage = {
      async *iterateEvents() {
        yield stored.slice(0, 2);
        yield stored.slice(2);
      },
    };
    const dir = mkdtempSync(join(tmpdir(), 'bw-memboost-'));
    try {
      const out = join(dir, 'mb', 'table.bin');
      const r = await runMemboostJob(storage, pins, { out });
      expect(r.dropped).toBe(1);
      expect(r.stats.events).toBe(2);
      const t = MemboostTable.decode(readFileSync(out));
      expect(t.stats(0, 1)!.actions).toEqual([0, 1, 0, 0]);
      expect(JSON.parse(readFileSync(`${out}.params.json`, 'utf8')).params.alpha).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
