import { describe, expect, it } from 'vitest';
import { datasetFromArrays, type EvalDataset } from '../../src/eval/datasets.js';
import { createMethod, methodNames, registerMethod } from '../../src/eval/methods/registry.js';
import { evaluateMethod } from '../../src/eval/runner.js';

/**
 * Two clusters: items {0,1,2} are saved together, items {3,4,5} together; item 3 is the most
 * popular. User 0 has {0,1}, held-out 2, negatives [3, 4, 1] (1 is one of the user's own items).
 */
function tiny(): EvalDataset {
  const rows: [number, number][] = [];
  const users = [[0, 1], [0, 1, 2], [0, 2], [1, 2], [3, 4], [3, 4, 5], [3], [3]];
  users.forEach((items, u) => items.forEach((i) => rows.push([u, i])));
  return datasetFromArrays('tiny', rows, [
    [0, 2, [3, 4, 1]],
    [4, 5, [0, 1, 2]],
  ]);
}

function scores(name: string, params: Record<string, number> = {}, user = 0): number[] {
  const ds = tiny();
  const m = createMethod(name, { params, seed: 3 });
  m.prepare(ds);
  const negs = ds.negatives.subarray(ds.negOffsets[user]!, ds.negOffsets[user + 1]!);
  const items = Uint32Array.from([ds.heldOut[user]!, ...negs]);
  const out = new Float64Array(items.length);
  m.scoreUser(user, items, out);
  return Array.from(out);
}

describe('eval methods on a hand-built set', () => {
  it('registers the four built-in methods', () => {
    expect(methodNames().slice(0, 4)).toEqual(['pop', 'itemknn', 'rp3beta', 'pixie']);
  });

  it('popularity scores training degree and so prefers the popular wrong item', () => {
    expect(scores('pop', { exclude: 0 })).toEqual([3, 4, 2, 3]);
    expect(scores('pop')).toEqual([3, 4, 2, -Infinity]);
  });

  it('item kNN: shrunk cosine summed over the user items', () => {
    // sim(0,2) = sim(1,2) = 2 users in common / sqrt(3·3) = 2/3
    const s = scores('itemknn', { shrink: 0, exclude: 0 });
    expect(s[0]).toBeCloseTo(4 / 3, 12);
    expect(s[1]).toBe(0);
    expect(s[2]).toBe(0);
    // item 1 from item 0: users {0,1} in common -> 2/3
    expect(s[3]).toBeCloseTo(2 / 3, 12);
    const shrunk = scores('itemknn', { shrink: 1, exclude: 0 });
    expect(shrunk[0]).toBeCloseTo(2 * (2 / 4), 12);
  });

  it('item kNN keeps only each target item`s k nearest neighbours', () => {
    // target 2: sim to 0 and 1 are both 2/3; with k = 1 one of them (a tie) survives
    expect(scores('itemknn', { shrink: 0, k: 1, exclude: 0 })[0]).toBeCloseTo(2 / 3, 12);
  });

  it('RP3beta matches the walk probabilities computed by hand', () => {
    // W[0][2] = 1/3·(1/3 + 1/2) = 5/18 (via users 1 and 2), W[1][2] = 5/18 (users 1 and 3)
    const s = scores('rp3beta', { alpha: 1, beta: 0, k: 100, exclude: 0 });
    expect(s[0]).toBeCloseTo(10 / 18, 12);
    expect(s[1]).toBe(0);
    const damped = scores('rp3beta', { alpha: 1, beta: 0.5, k: 100, exclude: 0 });
    expect(damped[0]).toBeCloseTo(10 / 18 / Math.sqrt(3), 12);
    const half = scores('rp3beta', { alpha: 0.5, beta: 0, k: 100, exclude: 0 });
    expect(half[0]).toBeCloseTo(2 * Math.sqrt(1 / 3) * (Math.sqrt(1 / 3) + Math.sqrt(1 / 2)), 12);
  });

  it('Pixie walks reach the held-out item and never the other cluster; same seed, same scores', () => {
    const s = scores('pixie', { steps: 2000 });
    expect(s[0]).toBeGreaterThan(0);
    expect(s[1]).toBe(0);
    expect(s[2]).toBe(0);
    expect(s[3]).toBe(-Infinity);
    expect(scores('pixie', { steps: 2000 })).toEqual(s);
    // query weighting by degree and play count still gives a valid ranking
    const w = scores('pixie', { steps: 2000, qexp: 0, qval: 1, alpha: 1, beta: 0.5 });
    expect(w[0]).toBeGreaterThan(0);
    expect(w[1]).toBe(0);
  });

  it('every method ranks held-out items first on the tiny set except popularity', async () => {
    for (const name of ['itemknn', 'rp3beta', 'pixie']) {
      const r = await evaluateMethod(tiny(), createMethod(name, { params: name === 'pixie' ? { steps: 2000 } : {} }));
      expect(r.users).toBe(2);
      expect(r.hr).toBe(1);
      expect(r.ndcg).toBe(1);
    }
    // popular wrong items beat both held-out items (3 over 2 for user 0; 0, 1, 2 over 5 for user 4)
    const pop = await evaluateMethod(tiny(), createMethod('pop'), { k: 1 });
    expect(pop.hr).toBe(0);
  });

  it('rejects unknown methods, unknown parameters and bad values', () => {
    expect(() => createMethod('nope')).toThrow(/unknown eval method "nope"/);
    expect(() => createMethod('pixie', { params: { stepz: 1 } })).toThrow(/unknown parameter "stepz"/);
    expect(() => createMethod('pixie', { params: { alpha: 0 } })).toThrow(/alpha must be in \(0, 1\]/);
    expect(() => createMethod('itemknn', { params: { k: 0 } })).toThrow(/k must be an integer in/);
    expect(() => createMethod('rp3beta', { params: { beta: NaN } })).toThrow(/must be a finite number/);
    expect(() => createMethod('pop', { params: { exclude: 2 } })).toThrow(/exclude must be an integer in \[0, 1\]/);
    expect(() => createMethod('pop', { params: { toString: 1 } })).toThrow(/unknown parameter "toString"/);
    expect(() => registerMethod({ name: 'pop', description: '', create: () => createMethod('pop') })).toThrow(/already registered/);
  });
});
