import { describe, expect, it } from 'vitest';
import { DAY_MS, importance } from '../../src/users/importance.js';
import { sampleProportional } from '../../src/users/sampling.js';
import { Rng } from '../../src/util/rng.js';

describe('importance', () => {
  it('decays exponentially with age in days', () => {
    const now = 100 * DAY_MS;
    expect(importance([now, now, now], now, 0.1)).toBeCloseTo(3, 12);
    expect(importance([now - 10 * DAY_MS], now, 0.1)).toBeCloseTo(Math.exp(-1), 12);
    expect(importance([now - 10 * DAY_MS, now - 20 * DAY_MS], now, 0.1)).toBeCloseTo(Math.exp(-1) + Math.exp(-2), 12);
    expect(importance([now - 50 * DAY_MS], now, 0)).toBe(1);
    expect(importance([now + DAY_MS], now, 1)).toBe(1); // future clamps to age 0
  });
  it('rejects bad lambda and times', () => {
    expect(() => importance([0], 0, -1)).toThrow(/lambda/);
    expect(() => importance([NaN], 0, 1)).toThrow(/timestamp/);
  });
});

describe('sampleProportional', () => {
  it('first draws follow the weights (chi-square, fixed seed)', () => {
    const w = [1, 2, 3, 4];
    const counts = [0, 0, 0, 0];
    const rng = new Rng(42);
    const N = 20000;
    for (let i = 0; i < N; i++) counts[sampleProportional(w, 1, rng)[0]!]!++;
    let chi2 = 0;
    for (let i = 0; i < 4; i++) {
      const e = (N * w[i]!) / 10;
      chi2 += (counts[i]! - e) ** 2 / e;
    }
    // 3 degrees of freedom: P(chi2 > 11.34) = 0.01
    expect(chi2).toBeLessThan(11.34);
  });

  it('draws distinct indices; second draw is proportional among the rest', () => {
    // weights 6, 3, 1: P(second = 1 | first = 0) = 3/4
    const rng = new Rng(7);
    let firstZero = 0;
    let thenOne = 0;
    for (let i = 0; i < 20000; i++) {
      const s = sampleProportional([6, 3, 1], 2, rng);
      expect(s[0]).not.toBe(s[1]);
      if (s[0] === 0) {
        firstZero++;
        if (s[1] === 1) thenOne++;
      }
    }
    expect(firstZero / 20000).toBeCloseTo(0.6, 1);
    expect(thenOne / firstZero).toBeCloseTo(0.75, 1);
  });

  it('never draws zero weights, is seeded, and validates', () => {
    expect(sampleProportional([0, 5, 0], 3, new Rng(1))).toEqual([1]);
    expect(sampleProportional([1, 1, 1, 1], 3, new Rng(3))).toEqual(sampleProportional([1, 1, 1, 1], 3, new Rng(3)));
    expect(() => sampleProportional([1, -1], 1, new Rng(1))).toThrow(/weight -1/);
    expect(() => sampleProportional([1], 1.5, new Rng(1))).toThrow(/k must be/);
  });
});
