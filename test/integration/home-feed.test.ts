import { describe, expect, it } from 'vitest';
import type { Candidate, CandidateGenerator, CandidateRequest } from '../../src/candidates/types.js';
import { GbdtRanker } from '../../src/ranking/gbdt-ranker.js';
import { trainGbdt } from '../../src/ranking/gbdt/train.js';
import { HomeFeedSurface, OnDemandPinnerSage } from '../../src/surfaces/home-feed.js';
import type { RecommendedPin, Surface, SurfaceRequest } from '../../src/surfaces/types.js';
import { makeEmbeddingTable } from '../../src/users/embeddings.js';
import { ExactNeighbourIndex } from '../../src/users/neighbour-index.js';

/** A generator returning fixed pins with descending scores. */
function fixed(name: string, pins: number[]): CandidateGenerator {
  return {
    name,
    generate: (req: CandidateRequest): Candidate[] =>
      pins.slice(0, req.limit).map((pin, i) => ({ pin, score: pins.length - i, sources: [name], features: { [`${name}_rank`]: i } })),
  };
}

const req = (over: Partial<SurfaceRequest> = {}): SurfaceRequest => ({ surface: 'homefeed', queryPins: [0], limit: 6, seed: 1, explain: true, ...over });

describe('HomeFeedSurface', () => {
  it('ranks merged regular candidates and puts fresh pins into every n-th slot', async () => {
    const s = new HomeFeedSurface({
      sources: [
        { generator: fixed('a', [1, 2, 3, 4, 5]), quota: 10 },
        { generator: fixed('b', [3, 6]), quota: 10 },
      ],
      fresh: [{ generator: fixed('fresh', [10, 11]), quota: 5 }],
      blend: { mode: 'ratio', every: 3 },
    });
    const out = await s.recommend(req());
    // blend ranker: a normalised 1, .8, .6, .4, .2; b: 3 → 1 (+.6 from a) = 1.6, 6 → .5
    expect(out.map((r) => r.pin)).toEqual([3, 1, 10, 2, 6, 11]);
    expect(out[0]!.sources).toEqual(['a', 'b']);
    expect(out[0]!.parts.ranker).toBeCloseTo(1.6, 9);
    expect(out[2]!.fresh).toBe(true);
    expect(out[2]!.parts.freshScore).toBe(1);
    expect(out.map((r) => r.score)).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it('ranks with a GBDT ranker and explains the top pins with feature contributions', async () => {
    // positives: candidates source b proposed
    const x = Float32Array.from({ length: 20 }, (_, i) => i % 2);
    const { model } = trainGbdt({ x, rows: 20, featureNames: ['src:b'], labels: x }, { rounds: 2, maxDepth: 1, learningRate: 1, minChildWeight: 0 });
    const s = new HomeFeedSurface({
      sources: [
        { generator: fixed('a', [1, 2, 3, 4, 5]), quota: 10 },
        { generator: fixed('b', [5, 6]), quota: 10 },
      ],
      ranker: new GbdtRanker(model, 'gbdt:homefeed'),
      explainTop: 3,
    });
    expect(s.rankerName).toBe('gbdt:homefeed');
    const out = await s.recommend(req());
    // b's pins first (ties: smaller id), then a's in id order
    expect(out.map((r) => r.pin)).toEqual([5, 6, 1, 2, 3, 4]);
    expect(out[0]!.parts['gbdt:src:b']).toBeGreaterThan(0);
    expect(out[0]!.parts['gbdt:src:b']! + out[0]!.parts['gbdt:bias']!).toBeCloseTo(out[0]!.parts.ranker!, 5);
    expect(out[2]!.parts['gbdt:src:b']).toBeLessThan(0);
    // beyond explainTop: no contributions
    expect(out[3]!.parts['gbdt:bias']).toBeUndefined();
  });

  it('drops excluded and query pins; without fresh candidates the ranked list is served', async () => {
    const s = new HomeFeedSurface({ sources: [{ generator: fixed('a', [0, 1, 2, 3]), quota: 10 }], fresh: [{ generator: fixed('fresh', []), quota: 5 }] });
    const out = await s.recommend(req({ exclude: new Set([2]) }));
    expect(out.map((r) => r.pin)).toEqual([1, 3]);
    expect(out[0]!.fresh).toBeUndefined();
  });

  it('falls back when no source has candidates, and rejects bad settings', async () => {
    const fallback: Surface = { name: 'homefeed', recommend: async (): Promise<RecommendedPin[]> => [{ pin: 9, score: 1, sources: ['popular'], parts: {} }] };
    const s = new HomeFeedSurface({ sources: [{ generator: fixed('a', []), quota: 10 }], fallback });
    expect((await s.recommend(req({ queryPins: [] }))).map((r) => r.pin)).toEqual([9]);
    expect(() => new HomeFeedSurface({ sources: [], blend: { mode: 'ratio', every: 0 } })).toThrow(/blend.every/);
    expect(() => new HomeFeedSurface({ sources: [{ generator: fixed('a', []), quota: 1 }, { generator: fixed('a', []), quota: 1 }] })).toThrow(/two sources are named a/);
    await expect(s.recommend(req({ limit: -1 }))).rejects.toThrow(/limit/);
  });
});

describe('OnDemandPinnerSage', () => {
  // pins 0,1 point along x, pins 2,3 along y, pin 4 near x, pin 5 near y
  const v = [1, 0, 0.99, 0.1, 0, 1, 0.1, 0.99, 0.95, 0.3, 0.3, 0.95];
  const emb = makeEmbeddingTable(Float32Array.from(v), 2);
  const index = new ExactNeighbourIndex(emb);

  it('turns query weights back into action ages and clusters them', () => {
    const ps = new OnDemandPinnerSage(emb, index, { halfLifeMs: 1000, profile: { maxCost: 0.5 }, retrieval: { medoids: 2 } });
    const p = ps.profileOf({ queryPins: [0, 1, 2, 3], queryWeights: [1, 0.5, 1, 1], limit: 4, seed: 1, now: 10_000 });
    expect(p.clusters.length).toBe(2);
    expect(p.clusters.map((c) => Array.from(c.pins).sort()).sort()).toEqual([
      [0, 1],
      [2, 3],
    ]);
    // weight 0.5 = one half-life old
    expect(Math.max(...p.clusters.map((c) => c.lastActive))).toBe(10_000);
  });

  it('retrieves neighbours of the medoids, leaving out the engaged pins', () => {
    const ps = new OnDemandPinnerSage(emb, index, { halfLifeMs: 1000, profile: { maxCost: 0.5 }, retrieval: { medoids: 2 } });
    const out = ps.generate({ queryPins: [0, 1, 2, 3], limit: 2, seed: 3, now: 10_000 });
    expect(out.map((c) => c.pin).sort()).toEqual([4, 5]);
    expect(out[0]!.sources).toEqual(['pinnersage']);
    expect(() => new OnDemandPinnerSage(emb, index, { halfLifeMs: 0, profile: {}, retrieval: {} })).toThrow(/halfLifeMs/);
  });
});
