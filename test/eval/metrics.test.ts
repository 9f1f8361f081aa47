import { describe, expect, it } from 'vitest';
import { heldOutRank, hitAt, LeaveOneOutMetrics, ndcgAt } from '../../src/eval/metrics.js';

describe('leave-one-out metrics', () => {
  it('ranks the held-out item (index 0) among the negatives', () => {
    expect(heldOutRank([5, 1, 2, 3])).toBe(0);
    expect(heldOutRank([2, 1, 3, 4])).toBe(2);
    expect(heldOutRank([0, 1, 1, 1])).toBe(3);
  });

  it('breaks ties pessimistically: an equal negative ranks above the held-out item', () => {
    expect(heldOutRank([1, 1, 0, 0])).toBe(1);
    expect(heldOutRank([1, 1, 1, 1])).toBe(3);
    // a model that scores everything equal gets no credit at K = 3 with 3 negatives
    const m = new LeaveOneOutMetrics(3);
    m.add([7, 7, 7, 7]);
    expect(m.hr).toBe(0);
    expect(m.ndcg).toBe(0);
  });

  it('treats -Infinity like any other score', () => {
    expect(heldOutRank([0, -Infinity, -Infinity, 1])).toBe(1);
    expect(heldOutRank([-Infinity, -Infinity])).toBe(1);
  });

  it('computes HR@K and NDCG@K by hand', () => {
    expect(hitAt(9, 10)).toBe(1);
    expect(hitAt(10, 10)).toBe(0);
    expect(ndcgAt(0, 10)).toBe(1);
    expect(ndcgAt(1, 10)).toBeCloseTo(1 / Math.log2(3), 12);
    expect(ndcgAt(10, 10)).toBe(0);
    const m = new LeaveOneOutMetrics(2);
    m.add([3, 1, 2]); // rank 0: hit, gain 1
    m.add([2, 3, 1]); // rank 1: hit, gain 1/log2(3) = 0.6309
    m.add([1, 2, 3]); // rank 2: miss
    m.add([1, 1, 0]); // tie -> rank 1: hit, 0.6309
    expect(m.users).toBe(4);
    expect(m.hr).toBeCloseTo(3 / 4, 12);
    expect(m.ndcg).toBeCloseTo((1 + 2 / Math.log2(3)) / 4, 12);
  });

  it('rejects NaN scores and bad K', () => {
    expect(() => heldOutRank([NaN, 1])).toThrow(/held-out score is NaN/);
    expect(() => heldOutRank([1, 2, NaN])).toThrow(/score 2 is NaN/);
    expect(() => new LeaveOneOutMetrics(0)).toThrow(/K must be an integer >= 1/);
    expect(() => heldOutRank([])).toThrow(/no scores/);
  });
});
