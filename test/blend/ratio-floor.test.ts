import { describe, expect, it } from 'vitest';
import { floorBlend } from '../../src/blend/floor.js';
import { freshShare, ratioBlend } from '../../src/blend/ratio.js';
import type { RecommendedPin } from '../../src/surfaces/types.js';

const rp = (pin: number, score: number): RecommendedPin => ({ pin, score, sources: ['x'], parts: {} });
const pins = (l: RecommendedPin[]): number[] => l.map((p) => p.pin);

describe('ratio blending', () => {
  const regular = [1, 2, 3, 4, 5, 6, 7].map((p, i) => rp(p, 10 - i));
  const fresh = [100, 101, 102].map((p, i) => rp(p, 1 - i / 10));

  it('puts a fresh pin in every N-th slot', () => {
    const out = ratioBlend(regular, fresh, 3, 9);
    expect(pins(out)).toEqual([1, 2, 100, 3, 4, 101, 5, 6, 102]);
    expect(out.map((p) => p.fresh)).toEqual([false, false, true, false, false, true, false, false, true]);
    expect(out.map((p) => p.score)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(out[2]!.parts['preBlendScore']).toBe(1);
    expect(freshShare(out, 6)).toBeCloseTo(2 / 6, 12);
  });

  it('fills from the other list when one runs out, and dedupes', () => {
    expect(pins(ratioBlend(regular.slice(0, 2), fresh, 2, 10))).toEqual([1, 100, 2, 101, 102]);
    expect(pins(ratioBlend(regular.slice(0, 3), [rp(2, 5), rp(100, 1)], 2, 10))).toEqual([1, 2, 3, 100]);
    expect(pins(ratioBlend(regular, [], 2, 3))).toEqual([1, 2, 3]);
    expect(pins(ratioBlend(regular, fresh, 1, 4))).toEqual([100, 101, 102, 1]);
  });

  it('validates', () => {
    expect(() => ratioBlend(regular, fresh, 0, 5)).toThrow(/every/);
    expect(() => ratioBlend(regular, fresh, 2, -1)).toThrow(/limit/);
  });
});

describe('floor blending', () => {
  const regular = [1, 2, 3, 4, 5, 6].map((p, i) => rp(p, 10 - i)); // scores 10..5
  it('merges by score when the floor already holds', () => {
    const out = floorBlend(regular, [rp(100, 9.5), rp(101, 1)], { topK: 4, minShare: 0.25, limit: 8 });
    expect(pins(out)).toEqual([1, 100, 2, 3, 4, 5, 6, 101]);
  });

  it('lifts the best fresh pins into the last slots of the top K', () => {
    // top 4 by score: 1 2 3 4 (no fresh); need ceil(0.5·4) = 2 fresh
    const out = floorBlend(regular, [rp(100, 2), rp(101, 3), rp(102, 1)], { topK: 4, minShare: 0.5, limit: 9 });
    expect(pins(out)).toEqual([1, 2, 101, 100, 3, 4, 5, 6, 102]);
    expect(freshShare(out, 4)).toBe(0.5);
    expect(out[2]!.parts['preBlendScore']).toBe(3);
    expect(out.map((p) => p.score)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('counts a pin in both lists as fresh, lifts only what exists, validates', () => {
    const out = floorBlend(regular, [rp(2, 1)], { topK: 3, minShare: 1, limit: 3 });
    expect(pins(out)).toEqual([1, 2, 3]);
    expect(out[1]!.fresh).toBe(true);
    const out2 = floorBlend(regular, [rp(100, 0)], { topK: 3, minShare: 1, limit: 4 });
    expect(pins(out2)).toEqual([1, 2, 100, 3]);
    expect(() => floorBlend(regular, [], { topK: 3, minShare: 2, limit: 3 })).toThrow(/minShare/);
    expect(() => floorBlend([rp(1, NaN)], [], { topK: 3, minShare: 0, limit: 3 })).toThrow(/score NaN/);
  });
});
