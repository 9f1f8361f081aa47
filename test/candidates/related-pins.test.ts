import { describe, expect, it } from 'vitest';
import { NearDuplicates } from '../../src/candidates/near-duplicates.js';
import type { Candidate, CandidateGenerator, CandidateRequest } from '../../src/candidates/types.js';
import { buildMemboostTable } from '../../src/memboost/coec.js';
import { InMemoryCounterStore } from '../../src/memboost/counters.js';
import type { EngagementEvent } from '../../src/memboost/events.js';
import { RealtimeMemboost } from '../../src/memboost/realtime.js';
import type { MemboostParams } from '../../src/memboost/score.js';
import type { Ranker } from '../../src/ranking/ranker.js';
import { BlendRanker, RelatedPinsSurface, tableMemory } from '../../src/surfaces/related-pins.js';
import type { SurfaceRequest } from '../../src/surfaces/types.js';

class Fixed implements CandidateGenerator {
  seen: number[][] = [];
  constructor(
    readonly name: string,
    readonly pins: number[],
    readonly scores: number[],
  ) {}
  generate(req: CandidateRequest): Candidate[] {
    this.seen.push(req.queryPins.slice());
    return this.pins.slice(0, req.limit).map((p, i) => ({ pin: p, score: this.scores[i]!, sources: [this.name], features: { [this.name]: this.scores[i]! } }));
  }
}

function repeat(n: number, e: Omit<EngagementEvent, 'surface' | 'platform' | 'timestamp'>): EngagementEvent[] {
  return Array.from({ length: n }, () => ({ ...e, surface: 'related', platform: 'web', timestamp: 0 }));
}

/**
 * Query 0: pin 1 shown at slot 0 and pin 4 at slot 3, 100 times each, both clicked 20 times.
 * Query 50 sets the global rates: slot 0 clicks 70/200, slot 3 25/200, slot 5 5/100.
 * Pin 9 (slot 5 for query 0) is not proposed by any generator any more.
 */
function log(): EngagementEvent[] {
  return [
    ...repeat(100, { pin: 1, action: 'impression', position: 0, queryPin: 0 }),
    ...repeat(20, { pin: 1, action: 'click', position: 0, queryPin: 0 }),
    ...repeat(100, { pin: 4, action: 'impression', position: 3, queryPin: 0 }),
    ...repeat(20, { pin: 4, action: 'click', position: 3, queryPin: 0 }),
    ...repeat(10, { pin: 9, action: 'impression', position: 5, queryPin: 0 }),
    ...repeat(5, { pin: 9, action: 'click', position: 5, queryPin: 0 }),
    ...repeat(100, { pin: 1, action: 'impression', position: 0, queryPin: 50 }),
    ...repeat(50, { pin: 1, action: 'click', position: 0, queryPin: 50 }),
    ...repeat(100, { pin: 2, action: 'impression', position: 3, queryPin: 50 }),
    ...repeat(5, { pin: 2, action: 'click', position: 3, queryPin: 50 }),
    ...repeat(90, { pin: 3, action: 'impression', position: 5, queryPin: 50 }),
  ];
}

const req = (over: Partial<SurfaceRequest> = {}): SurfaceRequest => ({ queryPins: [0], limit: 10, seed: 1, surface: 'related', explain: true, ...over });
const params: MemboostParams = { beta: [1, 0, 0, 0], alpha: 2, gamma: 1 };

describe('RelatedPinsSurface', () => {
  it('without memory ranks by the default blend of normalised source scores', async () => {
    const a = new Fixed('a', [1, 2, 3, 4], [4, 3, 2, 1]);
    const b = new Fixed('b', [3, 7], [1, 0.5]);
    const s = new RelatedPinsSurface({ sources: [{ generator: a, quota: 4 }, { generator: b, quota: 2 }] });
    const out = await s.recommend(req());
    // pin 3: 0.5 (a) + 1 (b)
    expect(out.map((r) => [r.pin, r.score])).toEqual([
      [3, 1.5],
      [1, 1],
      [2, 0.75],
      [7, 0.5],
      [4, 0.25],
    ]);
    expect(out[0]!.sources).toEqual(['a', 'b']);
    expect(out[0]!.parts).toMatchObject({ ranker: 1.5, memboost: 0, src_a: 0.5, src_b: 1, a: 2, b: 1 });
    // with an agreement bonus, and pin2vec's default weight of 0.25
    const bonus = new RelatedPinsSurface({ sources: [{ generator: a, quota: 4 }, { generator: b, quota: 2 }], ranker: new BlendRanker({}, 0.25) });
    expect((await bonus.recommend(req()))[0]!.score).toBe(1.75);
    const p2v = new Fixed('pin2vec', [3], [1]);
    const weighted = new RelatedPinsSurface({ sources: [{ generator: a, quota: 4 }, { generator: p2v, quota: 1 }] });
    expect((await weighted.recommend(req())).find((r) => r.pin === 3)!.score).toBe(0.75);
    const quiet = await s.recommend(req({ explain: false, limit: 2 }));
    expect(quiet).toHaveLength(2);
    expect(quiet[0]!.parts).toEqual({});
  });

  it('Memboost corrects position bias and re-inserts remembered pins', async () => {
    const table = await buildMemboostTable(log());
    const a = new Fixed('a', [1, 2, 3, 4], [4, 3, 2, 1]);
    const s = new RelatedPinsSurface({ sources: [{ generator: a, quota: 4 }], memory: tableMemory(table), memboost: params });
    const out = await s.recommend(req());
    // same 20 clicks, but pin 1 earned them at slot 0 (expected 35) and pin 4 at slot 3 (expected 12.5)
    expect(table.score(0, 1, params)).toBeCloseTo(Math.log(22 / 37), 6);
    expect(table.score(0, 4, params)).toBeCloseTo(Math.log(22 / 14.5), 6);
    expect(out.map((r) => r.pin)).toEqual([9, 2, 4, 3, 1]);
    const nine = out[0]!;
    expect(nine.sources).toEqual(['memboost']);
    expect(nine.score).toBeCloseTo(Math.log(7 / 2.5), 6);
    expect(out[2]!.score).toBeCloseTo(0.25 + Math.log(22 / 14.5), 6);
    expect(out[2]!.parts.memboostBoost).toBeCloseTo(Math.log(22 / 14.5), 6);
  });

  it('scores a fixed set of pins through the same pipeline', async () => {
    const table = await buildMemboostTable(log());
    const a = new Fixed('a', [1, 2, 3, 4], [4, 3, 2, 1]);
    const s = new RelatedPinsSurface({ sources: [{ generator: a, quota: 4 }], memory: tableMemory(table), memboost: params, insertion: { maxInsert: 0 } });
    const scores = await s.scorePins(req(), [4, 8, 0, 9]);
    expect(scores[0]).toBeCloseTo(0.25 + Math.log(22 / 14.5), 6);
    // 8: nobody proposed it and nothing is remembered; 0: the query itself; 9: remembered only
    expect(scores[1]).toBe(0);
    expect(scores[2]).toBe(-Infinity);
    expect(scores[3]).toBeCloseTo(Math.log(7 / 2.5), 6);
  });

  it('averages Memboost over several query pins', async () => {
    const table = await buildMemboostTable(log());
    const a = new Fixed('a', [4], [1]);
    const s = new RelatedPinsSurface({ sources: [{ generator: a, quota: 1 }], memory: tableMemory(table), memboost: params, insertion: { maxInsert: 0 } });
    const two = await s.recommend(req({ queryPins: [0, 77], queryWeights: [1, 3] }));
    expect(two[0]!.parts.memboost).toBeCloseTo(Math.log(22 / 14.5) / 4, 6);
  });

  it('uses real-time counters between batch runs', async () => {
    const table = await buildMemboostTable(log());
    const rt = new RealtimeMemboost(table, new InMemoryCounterStore());
    const a = new Fixed('a', [1, 2, 3, 4], [4, 3, 2, 1]);
    const s = new RelatedPinsSurface({ sources: [{ generator: a, quota: 4 }], memory: rt, memboost: params, insertion: { maxInsert: 0 } });
    expect((await s.recommend(req())).map((r) => r.pin)).toEqual([2, 4, 3, 1]);
    // pin 3 now gets 30 clicks at slot 5
    await rt.record([...repeat(10, { pin: 3, action: 'impression', position: 5, queryPin: 0 }), ...repeat(30, { pin: 3, action: 'click', position: 5, queryPin: 0 })]);
    expect((await s.recommend(req()))[0]!.pin).toBe(3);
  });

  it('excludes the query, request excludes and near-duplicates; answers duplicates with the original', async () => {
    const a = new Fixed('a', [0, 1, 2, 3, 5], [5, 4, 3, 2, 1]);
    // 5 re-uploads 0
    const dups = NearDuplicates.none(6);
    dups.canonical[5] = 0;
    const s = new RelatedPinsSurface({ sources: [{ generator: a, quota: 5 }], duplicates: dups });
    const out = await s.recommend(req({ queryPins: [5], exclude: new Set([2]) }));
    expect(a.seen.at(-1)).toEqual([0]);
    expect(out.map((r) => r.pin)).toEqual([1, 3]);
  });

  it('uses a supplied ranker and checks its output', async () => {
    const a = new Fixed('a', [1, 2], [2, 1]);
    const inverse: Ranker = { name: 'inv', score: (_r, c) => Float64Array.from(c, (x) => -x.score) };
    const s = new RelatedPinsSurface({ sources: [{ generator: a, quota: 2 }], ranker: inverse });
    expect(s.rankerName).toBe('inv');
    expect((await s.recommend(req())).map((r) => r.pin)).toEqual([2, 1]);
    const broken: Ranker = { name: 'broken', score: () => new Float64Array(1) };
    await expect(new RelatedPinsSurface({ sources: [{ generator: a, quota: 2 }], ranker: broken }).recommend(req())).rejects.toThrow(/returned 1 scores for 2/);
  });

  it('rejects bad configuration and requests', async () => {
    const a = new Fixed('a', [1], [1]);
    expect(() => new RelatedPinsSurface({ sources: [] })).toThrow(/at least one candidate source/);
    expect(() => new RelatedPinsSurface({ sources: [{ generator: a, quota: 1 }, { generator: a, quota: 1 }] })).toThrow(/two sources are named a/);
    expect(() => new RelatedPinsSurface({ sources: [{ generator: a, quota: 1 }], memboost: { beta: [1, 1, 1, 1], alpha: 0, gamma: 1 } })).toThrow(/alpha/);
    const s = new RelatedPinsSurface({ sources: [{ generator: a, quota: 1 }] });
    await expect(s.recommend(req({ queryPins: [] }))).rejects.toThrow(/at least one query pin/);
    expect(new BlendRanker({ a: 2 }).score(req(), [{ pin: 1, score: 1, sources: ['a'], features: { src_a: 0.5 } }])[0]).toBe(1);
  });
});
