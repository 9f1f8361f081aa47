import { describe, expect, it } from 'vitest';
import { condensedIndex, cutByCost, squaredDistances, wardClusters, wardLinkage } from '../../src/users/ward.js';
import { medoidOf } from '../../src/users/medoid.js';

describe('ward linkage', () => {
  it('matches the hand-computed dendrogram of 0, 1, 5, 6, 20 on a line', () => {
    const x = [0, 1, 5, 6, 20];
    const m = wardLinkage(squaredDistances(x, 5, 1), 5);
    // {0,1} and {5,6} at 1; their centroids 0.5 and 5.5: ΔSSE = 2·2/4·25 = 25, height √50;
    // then {0,1,5,6} (centroid 3) with 20: ΔSSE = 4·1/5·17² = 231.2, height √462.4
    expect(m.map((g) => [g.left, g.right, g.size])).toEqual([
      [0, 1, 2],
      [2, 3, 2],
      [5, 6, 4],
      [4, 7, 5],
    ]);
    expect(m[0]!.height).toBeCloseTo(1, 12);
    expect(m[0]!.cost).toBeCloseTo(0.5, 12);
    expect(m[2]!.height).toBeCloseTo(Math.sqrt(50), 12);
    expect(m[2]!.cost).toBeCloseTo(25, 12);
    expect(m[3]!.height).toBeCloseTo(Math.sqrt(462.4), 12);
    expect(m[3]!.cost).toBeCloseTo(231.2, 12);
  });

  it('matches scipy linkage(method="ward") on a 2-d example', () => {
    const x = [0, 0, 0, 2, 3, 0, 3, 2, 10, 1, 1, 1];
    const m = wardLinkage(squaredDistances(x, 6, 2), 6);
    // scipy.cluster.hierarchy.linkage(X, 'ward')
    const expected = [
      [0, 5, 1.41421356, 2],
      [1, 6, 1.82574186, 3],
      [2, 3, 2.0, 2],
      [7, 8, 4.13118224, 5],
      [4, 9, 11.10255226, 6],
    ];
    m.forEach((g, i) => {
      expect([g.left, g.right, g.size]).toEqual([expected[i]![0], expected[i]![1], expected[i]![3]]);
      expect(g.height).toBeCloseTo(expected[i]![2]!, 7);
    });
  });

  it('cuts at a cost threshold into as many clusters as the data supports', () => {
    const x = [0, 1, 5, 6, 20];
    expect(Array.from(wardClusters(x, 5, 1, 0.4))).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(wardClusters(x, 5, 1, 1))).toEqual([0, 0, 1, 1, 2]);
    expect(Array.from(wardClusters(x, 5, 1, 30))).toEqual([0, 0, 0, 0, 1]);
    expect(Array.from(wardClusters(x, 5, 1, 1000))).toEqual([0, 0, 0, 0, 0]);
  });

  it('handles 0, 1 and duplicate points', () => {
    expect(wardLinkage(new Float64Array(0), 0)).toEqual([]);
    expect(wardLinkage(new Float64Array(0), 1)).toEqual([]);
    expect(Array.from(wardClusters([2, 2, 2], 3, 1, 0))).toEqual([0, 0, 0]);
  });

  it('rejects bad input with a clear error', () => {
    expect(() => squaredDistances([1, 2, 3], 2, 2)).toThrow(/cannot hold 2 points/);
    expect(() => squaredDistances([1, NaN], 2, 1)).toThrow(/not finite/);
    expect(() => wardLinkage(new Float64Array(2), 3)).toThrow(/needs 3 entries/);
    expect(() => cutByCost([], 2, -1)).toThrow(/maxCost/);
  });

  it('condensed index matches the row-major upper triangle', () => {
    let w = 0;
    for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) expect(condensedIndex(5, j, i)).toBe(w++);
  });
});

describe('medoid', () => {
  it('picks the member with the smallest total distance', () => {
    // points 0, 1, 2, 3, 10: sums 16, 13, 12, 13, 34 -> point 2
    const d2 = squaredDistances([0, 1, 2, 3, 10], 5, 1);
    expect(medoidOf(d2, 5, [0, 1, 2, 3, 4])).toBe(2);
    // 0, 1, 2, 10: sums 13, 11, 11, 27 -> tie between 1 and 2, earliest member wins
    expect(medoidOf(d2, 5, [0, 1, 2, 4])).toBe(1);
    expect(medoidOf(d2, 5, [2, 1, 0, 4])).toBe(2);
    expect(medoidOf(d2, 5, [3])).toBe(3);
    expect(() => medoidOf(d2, 5, [])).toThrow(/no members/);
    expect(() => medoidOf(d2, 5, [7])).toThrow(/not one of the 5 points/);
  });
});
