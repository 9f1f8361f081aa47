import { describe, expect, it } from 'vitest';
import { beyondAccuracy, popularityPercentiles, shortHead, topKUnseen, topListsFromArrays } from '../../src/eval/beyond-accuracy.js';
import { datasetFromArrays } from '../../src/eval/datasets.js';
import type { EvalMethod } from '../../src/eval/methods/types.js';

// users 0..3, items 0..4; item popularity (training users): [3, 2, 1, 1, 1]
const ds = datasetFromArrays(
  'tiny',
  [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 2],
    [2, 0],
    [2, 1],
    [2, 3],
    [3, 4],
  ],
  [],
);

describe('beyond-accuracy metrics', () => {
  const top = topListsFromArrays([0, 1, 3], [[2, 3], [1, 3], [0]], 2);

  it('hand-checked coverage, novelty, diversity, ARP, percentile, long tail', () => {
    const r = beyondAccuracy(ds, top);
    expect(r.lists).toBe(3);
    expect(r.slots).toBe(5);
    expect(r.coverage).toBeCloseTo(4 / 5, 12);
    // -log2(pop/4): 2, 2, 1, 2, -log2(3/4)
    expect(r.novelty).toBeCloseTo((2 + 2 + 1 + 2 - Math.log2(3 / 4)) / 5, 12);
    // [2,3]: disjoint users -> 1; [1,3]: |{0,2} ∩ {2}| / sqrt(2*1) -> 1 - 0.7071; [0] has no pairs
    expect(r.diversity).toBeCloseTo((1 + (1 - 1 / Math.SQRT2)) / 2, 12);
    expect(r.arp).toBeCloseTo((1 + 1.5 + 3) / 3, 12);
    expect(r.popularityPercentile).toBeCloseTo((0.25 + 0.25 + 0.75 + 0.25 + 1) / 5, 12);
    // head = {item 0} (3 of 8 interactions >= 20%)
    expect(r.longTailShare).toBeCloseTo(4 / 5, 12);
  });

  it('uses embeddings for diversity when given', () => {
    const vectors = Float32Array.from([1, 1, 0, 1, 1, 0, 1, 0, 0, 0]);
    const r = beyondAccuracy(ds, top, { embeddings: { dim: 2, vectors } });
    expect(r.diversity).toBeCloseTo((0 + 1) / 2, 6);
    expect(() => beyondAccuracy(ds, top, { embeddings: { dim: 3, vectors } })).toThrow(/embeddings: 10 values for 5 items of dim 3/);
  });

  it('percentiles and short head', () => {
    expect([...popularityPercentiles(Uint32Array.from([3, 2, 1, 1, 1]))]).toEqual([1, 0.75, 0.25, 0.25, 0.25]);
    expect([...popularityPercentiles(Uint32Array.from([7, 7]))]).toEqual([0.5, 0.5]);
    expect([...shortHead(Uint32Array.from([1, 5, 5, 1]), 0.4)]).toEqual([0, 1, 0, 0]); // 5 of 12 >= 4.8
    expect([...shortHead(Uint32Array.from([1, 5, 5, 1]), 0.5)]).toEqual([0, 1, 1, 0]); // 5 < 6, then 10
  });

  it('rejects bad lists', () => {
    expect(() => beyondAccuracy(ds, topListsFromArrays([0], [[9]], 1))).toThrow(/item 9 is outside the catalogue \(5 items\)/);
    expect(() => topListsFromArrays([0], [[1, 2, 3]], 2)).toThrow(/more than k=2/);
    expect(() => topListsFromArrays([0, 1], [[1]], 2)).toThrow(/2 users but 1 lists/);
  });

  it('topKUnseen ranks the unseen catalogue, ties to the lower id', () => {
    const table = [5, 1, 5, 3, -Infinity];
    const method: EvalMethod = {
      name: 'table',
      settings: () => '',
      params: () => ({}),
      prepare: () => undefined,
      scoreUser: (_u, items, out) => items.forEach((it, j) => (out[j] = table[it]!)),
    };
    const t = topKUnseen(ds, method, Uint32Array.from([0, 3]), 3);
    // user 0 trained 0, 1: [2, 3] then nothing (item 4 is -Infinity); user 3 trained 4: 0 and 2 tie at 5
    expect([...t.items]).toEqual([2, 3, -1, 0, 2, 3]);
    expect(beyondAccuracy(ds, t).slots).toBe(5);
  });
});
