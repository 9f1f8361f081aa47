import { describe, expect, it } from 'vitest';
import { datasetFromArrays, datasetGraph, userItemsOf, type EvalDataset } from '../../src/eval/datasets.js';
import { PixieRankedMethod } from '../../src/eval/methods/pixie-ranked.js';
import { createMethod, methodNames } from '../../src/eval/methods/registry.js';
import { trainingHoldout } from '../../src/eval/methods/training-holdout.js';
import { NUM_WALK_FEATURES, WALK_FEATURES, WalkFeaturizer } from '../../src/eval/methods/walk-features.js';
import { evaluateMethod } from '../../src/eval/runner.js';
import { Rng } from '../../src/util/rng.js';

/** small, fast settings for the tiny sets below */
const FAST = { steps: 3000, rounds: 30, negs: 10, es: 10 };

/**
 * 60 users in three communities of 12 items (items 36..39 are popular with everyone); each user
 * trains on 5 community items and 1 popular item. Held-out: a 6th community item, negatives:
 * 10 items of the next community. `poison` swaps every test list for a different one (other
 * held-out items, other negatives, a new item id) and keeps the training rows exactly.
 */
function threeCommunities(poison = false): EvalDataset {
  const rng = new Rng(11);
  const train: [number, number, number][] = [];
  const held: [number, number, number[]][] = [];
  for (let u = 0; u < 60; u++) {
    const c = u % 3;
    const items = new Set<number>();
    while (items.size < 6) items.add(c * 12 + rng.int(12));
    const list = [...items];
    for (const it of list.slice(0, 5)) train.push([u, it, 1 + rng.int(50)]);
    train.push([u, 36 + rng.int(4), 1 + rng.int(50)]);
    const next = ((c + 1) % 3) * 12;
    if (poison) held.push([u, u % 2 === 0 ? 40 : next, [list[5]!, ...Array.from({ length: 9 }, (_, i) => (next + 12 + i) % 36)]]);
    else held.push([u, list[5]!, Array.from({ length: 10 }, (_, i) => next + i)]);
  }
  return datasetFromArrays('three', train, held);
}

function candidates(ds: EvalDataset, u: number): Uint32Array {
  return Uint32Array.from([ds.heldOut[u]!, ...ds.negatives.subarray(ds.negOffsets[u]!, ds.negOffsets[u + 1]!)]);
}

describe('pixie-ranked eval method', () => {
  it('is registered and not run by default', () => {
    expect(methodNames()).toContain('pixie-ranked');
  });

  it('trains on the training data and ranks held-out items above the other community', async () => {
    const ds = threeCommunities();
    const m = createMethod('pixie-ranked', { params: FAST, seed: 3 });
    const r = await evaluateMethod(ds, m);
    expect(r.users).toBe(60);
    // chance NDCG@10 among 11 candidates is about 0.35
    expect(r.ndcg).toBeGreaterThan(0.8);
    expect((m as PixieRankedMethod).model.featureNames).toEqual([...WALK_FEATURES]);
  });

  it('is deterministic: same seed, same model and scores; another seed, another model', async () => {
    const run = (seed: number): { model: string; scores: number[] } => {
      const ds = threeCommunities();
      const m = new PixieRankedMethod({ params: FAST, seed });
      m.prepare(ds);
      const c = candidates(ds, 4);
      const out = new Float64Array(c.length);
      m.scoreUser(4, c, out);
      return { model: JSON.stringify(m.model.toJSON()), scores: Array.from(out) };
    };
    const a = run(3);
    expect(run(3)).toEqual(a);
    expect(run(4).model).not.toEqual(a.model);
  });

  it('never reads the test files for training: poisoned test lists leave the model unchanged', () => {
    const clean = threeCommunities();
    const poisoned = threeCommunities(true);
    expect(poisoned.numItems).toBeGreaterThan(clean.numItems);
    expect(Array.from(poisoned.heldOut)).not.toEqual(Array.from(clean.heldOut));
    const fit = (ds: EvalDataset): PixieRankedMethod => {
      const m = new PixieRankedMethod({ params: { ...FAST, reps: 2 }, seed: 3 });
      m.prepare(ds);
      return m;
    };
    const a = fit(clean);
    const b = fit(poisoned);
    expect(JSON.stringify(b.model.toJSON())).toEqual(JSON.stringify(a.model.toJSON()));
    expect(b.training.history).toEqual(a.training.history);
    // and the split it trains on ignores them too
    expect(trainingHoldout(poisoned, 10, 9).negatives).toEqual(trainingHoldout(clean, 10, 9).negatives);
  });

  it('rejects bad parameters with the parameter named', () => {
    expect(() => createMethod('pixie-ranked', { params: { obj: 3 } })).toThrow(/obj must be an integer in \[0, 2\]/);
    expect(() => createMethod('pixie-ranked', { params: { lr: 0 } })).toThrow(/lr must be in \(0, 1\]/);
    expect(() => createMethod('pixie-ranked', { params: { depthh: 3 } })).toThrow(/unknown parameter "depthh"/);
    // leaving the own board out is exact only for one-hop walks
    const m = createMethod('pixie-ranked', { params: { ...FAST, ownboard: 1, alpha: 0.5 } });
    expect(() => m.prepare(threeCommunities())).toThrow(/own board out needs one-hop walks \(alpha = 1\)/);
  });
});

describe('training holdout', () => {
  it('holds out one training item per user with negatives the user never had', () => {
    const ds = threeCommunities();
    const s = trainingHoldout(ds, 10, 1);
    for (let u = 0; u < ds.numUsers; u++) {
      const before = Array.from(userItemsOf(ds, u));
      const after = Array.from(userItemsOf(s, u));
      expect(after.length).toBe(before.length - 1);
      expect(before).toContain(s.heldOut[u]);
      expect(after).not.toContain(s.heldOut[u]);
      const negs = Array.from(s.negatives.subarray(s.negOffsets[u]!, s.negOffsets[u + 1]!));
      expect(negs.length).toBe(10);
      expect(new Set(negs).size).toBe(10);
      for (const n of negs) expect(before).not.toContain(n);
    }
    expect(s.userItems.length).toBe(ds.userItems.length - ds.numUsers);
  });

  it('keeps users with a single item whole and rejects a bad negative count', () => {
    const ds = datasetFromArrays('one', [[0, 0], [0, 1], [1, 1]], [[0, 2, [1]]]);
    const s = trainingHoldout(ds, 5, 1);
    expect(s.heldOut[1]).toBe(-1);
    expect(Array.from(userItemsOf(s, 1))).toEqual([1]);
    // user 0 has both items below the largest training item + 1: nothing left to sample
    expect(s.negOffsets[1]! - s.negOffsets[0]!).toBe(0);
    expect(() => trainingHoldout(ds, 0, 1)).toThrow(/negatives must be an integer >= 1/);
  });
});

describe('walk features', () => {
  /** boards (users): 0 = {0,1,2}, 1 = {1,2}, 2 = {2,3}; the query user is board 0 */
  function small(): EvalDataset {
    return datasetFromArrays('small', [[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2], [2, 3]], [[0, 3, [1]]]);
  }
  const col = (name: string): number => WALK_FEATURES.indexOf(name as (typeof WALK_FEATURES)[number]);

  it('computes the exact one-hop walk features by hand, without self-visits', () => {
    const ds = small();
    const fz = new WalkFeaturizer(datasetGraph(ds), { steps: 40_000, alpha: 1, beta: 0.5, ownBoard: false, seed: 1 });
    const q = Uint32Array.of(0, 1);
    const out = new Float32Array(3 * NUM_WALK_FEATURES);
    fz.compute(0, q, Float64Array.of(1, 1), Uint32Array.of(2, 1, 3), out);
    const row = (k: number, name: string): number => out[k * NUM_WALK_FEATURES + col(name)]!;
    // item 2 from query 0: board 0 (1/(1·3)); from query 1 (deg 2): boards 0 and 1: 1/(2·3) + 1/(2·2)
    expect(row(0, 'p_co')).toBe(3);
    expect(row(0, 'p_hits')).toBe(2);
    expect(row(0, 'p_p3')).toBeCloseTo((1 / 3 + 1 / 6 + 1 / 4) / 2, 6);
    expect(row(0, 'p_max')).toBeCloseTo(5 / 12, 6);
    // item 1 is a query pin: only query 0 reaches it (board 0), its own walk does not count
    expect(row(1, 'p_co')).toBe(1);
    expect(row(1, 'p_p3')).toBeCloseTo(1 / 3 / 2, 6);
    expect(row(1, 'w_hits')).toBe(1);
    // item 3 shares no board with the query pins
    expect(row(2, 'p_co')).toBe(0);
    expect(row(2, 'w_visits')).toBe(0);
    expect(row(2, 'deg')).toBe(1);
    expect(row(0, 'n_items')).toBe(2);
    // the walk estimate agrees with the exact expectation
    expect(row(0, 'w_visits')).toBeCloseTo(row(0, 'p_p3'), 2);
    expect(row(0, 'rank_boost')).toBe(0);
  });

  it('gives a repeated candidate the same row, and drops the own board when asked', () => {
    const ds = small();
    const g = datasetGraph(ds);
    const q = Uint32Array.of(0, 1);
    const v = Float64Array.of(1, 1);
    const fz = new WalkFeaturizer(g, { steps: 20_000, alpha: 1, beta: 0.5, ownBoard: false, seed: 1 });
    const out = new Float32Array(3 * NUM_WALK_FEATURES);
    fz.compute(0, q, v, Uint32Array.of(2, 3, 2), out);
    expect(Array.from(out.subarray(2 * NUM_WALK_FEATURES))).toEqual(Array.from(out.subarray(0, NUM_WALK_FEATURES)));
    const own = new WalkFeaturizer(g, { steps: 20_000, alpha: 1, beta: 0.5, ownBoard: true, seed: 1 });
    own.compute(0, q, v, Uint32Array.of(2, 1), out);
    // without board 0, item 2 is reached only from query 1 through board 1; item 1 not at all
    expect(out[col('p_co')]).toBe(1);
    expect(out[col('p_p3')]).toBeCloseTo(1 / 4 / 2, 6);
    expect(out[NUM_WALK_FEATURES + col('p_co')]).toBe(0);
    // its walk visits less their expectation through board 0: noise around 0 (was 1/6 with it)
    expect(out[NUM_WALK_FEATURES + col('w_visits')]).toBeLessThan(0.01);
    expect(() => own.compute(0, q, v, Uint32Array.of(9), out)).toThrow(/candidate item 9 is not in the graph/);
  });
});
