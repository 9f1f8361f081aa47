import { describe, expect, it } from 'vitest';
import { datasetFromArrays } from '../../src/eval/datasets.js';
import { comparePinnerSage, PinnerSageMethod, pseudoActions, EVAL_NOW } from '../../src/users/eval-method.js';
import { ExactNeighbourIndex } from '../../src/users/neighbour-index.js';
import { DAY_MS } from '../../src/users/importance.js';
import { orthonormalize, svdItemEmbeddings, symmetricEigen } from '../../src/users/svd-embeddings.js';
import { evaluateFreshness, simulateCreation } from '../../src/users/freshness-eval.js';

/** three item groups of 10 (A 0-9, B 10-19, C 20-29); users 0-29 like one group, users 30-35 like A and B */
function synthetic() {
  const rows: [number, number][] = [];
  for (let u = 0; u < 30; u++) {
    const g = Math.floor(u / 10);
    for (let k = 0; k < 6; k++) rows.push([u, g * 10 + ((u + k) % 10)]);
  }
  for (let u = 30; u < 36; u++) for (let k = 0; k < 4; k++) rows.push([u, (u + k) % 10], [u, 10 + ((u + k) % 10)]);
  const held: [number, number, number[]][] = [];
  for (let u = 30; u < 36; u++) held.push([u, (u + 5) % 10, [20, 21, 22, 23, 24, 25, 26, 27, 28, 29]]);
  return datasetFromArrays('synthetic', rows, held);
}

describe('svd item embeddings', () => {
  it('Jacobi eigen-decomposition of a 2×2', () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect([...values].sort()).toEqual([expect.closeTo(1, 10), expect.closeTo(3, 10)]);
    const e = values[0]! > values[1]! ? 0 : 1;
    expect(Math.abs(vectors[e]!)).toBeCloseTo(Math.SQRT1_2, 10);
  });

  it('orthonormalises columns', () => {
    const m = Float64Array.from([1, 1, 0, 1, 1, 0]); // 3×2
    orthonormalize(m, 3, 2);
    expect(m[0]! * m[1]! + m[2]! * m[3]! + m[4]! * m[5]!).toBeCloseTo(0, 12);
    expect(m[1]! ** 2 + m[3]! ** 2 + m[5]! ** 2).toBeCloseTo(1, 12);
  });

  it('separates item communities and is seeded', () => {
    const ds = synthetic();
    const e = svdItemEmbeddings(ds.userOffsets, ds.userItems, ds.numItems, { dim: 4, seed: 3 });
    const cos = (a: number, b: number) => {
      let s = 0;
      for (let t = 0; t < 4; t++) s += e[a * 4 + t]! * e[b * 4 + t]!;
      return s;
    };
    expect(cos(20, 25)).toBeGreaterThan(0.9);
    expect(Math.abs(cos(20, 5))).toBeLessThan(0.2);
    expect(cos(1, 2)).toBeGreaterThan(cos(1, 22));
    expect(Array.from(svdItemEmbeddings(ds.userOffsets, ds.userItems, ds.numItems, { dim: 4, seed: 3 }))).toEqual(Array.from(e));
    expect(() => svdItemEmbeddings(ds.userOffsets, ds.userItems, 5)).toThrow(/numItems 5/);
  });
});

describe('pinnersage evaluation', () => {
  it('spreads pseudo-times over the window in file order', () => {
    const ds = synthetic();
    const a = pseudoActions(ds, 90)[30]!;
    expect(a.length).toBe(8);
    expect(a[7]!.timestamp).toBe(EVAL_NOW);
    expect(a[0]!.timestamp).toBeCloseTo(EVAL_NOW - (90 * DAY_MS * 7) / 8, 3);
  });

  it('finds both interests of a two-group user and ranks the held-out item first', () => {
    const ds = synthetic();
    const m = new PinnerSageMethod({ params: { dim: 4, maxCost: 0.5, medoids: 0 } });
    m.prepare(ds);
    const p = m.profile(30);
    expect(p.clusters.length).toBe(2);
    expect(p.clusters.map((c) => (c.medoid < 10 ? 'A' : 'B')).sort()).toEqual(['A', 'B']);
    const r = comparePinnerSage(ds, { params: { dim: 4, maxCost: 0.5 }, recall: true, index: (e) => new ExactNeighbourIndex(e) });
    expect(r.users).toBe(6);
    expect(r.pinnersage.hr).toBe(1);
    expect(r.single.hr).toBe(1);
    expect(r.pinnersage.clustersPerUser).toBeGreaterThanOrEqual(2);
    expect(r.pinnersage.recall100).toBe(1);
  });

  it('rejects unknown parameters', () => {
    expect(() => new PinnerSageMethod({ params: { nope: 1 } })).toThrow(/unknown parameter/);
    expect(() => new PinnerSageMethod({ params: { medoids: -1 } })).toThrow(/medoids/);
  });
});

describe('freshness evaluation', () => {
  it('simulates the requested fresh share, seeded', () => {
    const a = simulateCreation(10000, 0.1, 7, 5);
    let n = 0;
    for (const f of a.isFresh) n += f;
    expect(n / 10000).toBeCloseTo(0.1, 1);
    expect(Array.from(simulateCreation(50, 0.1, 7, 5).createdAt)).toEqual(Array.from(simulateCreation(50, 0.1, 7, 5).createdAt));
    expect(() => simulateCreation(5, 2, 7, 1)).toThrow(/freshFraction/);
  });

  it('ratio and floor blending raise the fresh share of the top K', () => {
    const r = evaluateFreshness(synthetic(), { freshFraction: 0.3, embeddingDim: 4, steps: 2000, k: 5, ratioEvery: 5, floorShare: 0.4, neighbourK: 3 });
    expect(r.users).toBe(6);
    expect(r.ratio.freshShare).toBeGreaterThanOrEqual(0.2 - 1e-9);
    expect(r.floor.freshShare).toBeGreaterThanOrEqual(0.4 - 1e-9);
    expect(evaluateFreshness(synthetic(), { freshFraction: 0.3, embeddingDim: 4, steps: 2000, k: 5, neighbourK: 3 }).base).toEqual(
      evaluateFreshness(synthetic(), { freshFraction: 0.3, embeddingDim: 4, steps: 2000, k: 5, neighbourK: 3 }).base,
    );
  });
});
