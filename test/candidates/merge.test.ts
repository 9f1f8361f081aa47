import { describe, expect, it } from 'vitest';
import { mergeCandidates, quotasFromShares } from '../../src/blend/merge.js';
import type { Candidate } from '../../src/candidates/types.js';

const list = (source: string, pins: number[], scores: number[]): Candidate[] =>
  pins.map((p, i) => ({ pin: p, score: scores[i]!, sources: [source], features: { [`raw_${source}`]: scores[i]! } }));

describe('mergeCandidates', () => {
  const A = { source: 'a', quota: 2, candidates: list('a', [1, 2, 3, 4], [4, 3, 2, 1]) };
  const B = { source: 'b', quota: 2, candidates: list('b', [2, 5, 6], [10, 5, 1]) };

  it('takes turns within quotas and de-duplicates', () => {
    const out = mergeCandidates([A, B], { limit: 4 });
    expect(out.map((c) => c.pin)).toEqual([1, 2, 3, 5]);
    const two = out[1]!;
    expect(two.sources).toEqual(['a', 'b']);
    expect(two.features).toEqual({ raw_a: 3, raw_b: 10, src_a: 0.75, src_b: 1 });
    expect(two.score).toBeCloseTo(1.75, 12);
    expect(out[3]!.features.src_b).toBe(0.5);
  });

  it('fills past quotas only when allowed', () => {
    expect(mergeCandidates([A, B], { limit: 6 }).map((c) => c.pin)).toEqual([1, 2, 3, 5, 4, 6]);
    expect(mergeCandidates([A, B], { limit: 6, fill: false }).map((c) => c.pin)).toEqual([1, 2, 3, 5]);
  });

  it('keeps every source that proposed a chosen pin, even beyond its quota', () => {
    const C = { source: 'c', quota: 1, candidates: list('c', [9, 3], [2, 1]) };
    const out = mergeCandidates([A, B, C], { limit: 5, fill: false });
    expect(out.map((c) => c.pin)).toEqual([1, 2, 9, 3, 5]);
    expect(out.find((c) => c.pin === 3)!.sources).toEqual(['a', 'c']);
  });

  it('a zero quota source only annotates', () => {
    const out = mergeCandidates([{ ...A, quota: 0 }, B], { limit: 3, fill: false });
    expect(out.map((c) => c.pin)).toEqual([2, 5]);
    expect(out[0]!.sources).toEqual(['a', 'b']);
  });

  it('rejects bad input', () => {
    expect(() => mergeCandidates([A, { ...A }], { limit: 1 })).toThrow(/source a appears twice/);
    expect(() => mergeCandidates([{ ...A, quota: -1 }], { limit: 1 })).toThrow(/quota of source a/);
    expect(() => mergeCandidates([A], { limit: 1.5 })).toThrow(/limit must be/);
  });
});

describe('quotasFromShares', () => {
  it('rounds by largest remainder to the total', () => {
    expect(quotasFromShares({ pixie: 0.5, board: 0.3, text: 0.2 }, 10)).toEqual({ pixie: 5, board: 3, text: 2 });
    expect(quotasFromShares({ a: 1, b: 1, c: 1 }, 10)).toEqual({ a: 4, b: 3, c: 3 });
    expect(() => quotasFromShares({ a: -1 }, 3)).toThrow(/share of a/);
  });
});
