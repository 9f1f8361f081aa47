import { describe, expect, it } from 'vitest';
import { CountMinSketch } from '../../src/retrieval/count-min.js';

describe('CountMinSketch', () => {
  it('counts exactly when keys do not collide, and never under-counts', () => {
    const s = new CountMinSketch(1 << 12, 4, 9);
    s.add(5);
    s.add(5);
    s.add(7, 3);
    expect(s.estimate(5)).toBe(2);
    expect(s.estimate(7)).toBe(3);
    expect(s.estimate(123)).toBe(0);
    expect(s.total).toBe(5);
    expect(s.probability(7)).toBeCloseTo(0.6, 12);
  });

  it('over-counts only through collisions in a narrow sketch', () => {
    const s = new CountMinSketch(16, 3, 1);
    const truth = new Map<number, number>();
    for (let i = 0; i < 500; i++) {
      const k = (i * 37) % 101;
      s.add(k);
      truth.set(k, (truth.get(k) ?? 0) + 1);
    }
    for (const [k, c] of truth) expect(s.estimate(k)).toBeGreaterThanOrEqual(c);
  });

  it('probability is 0 before anything is streamed', () => {
    expect(new CountMinSketch().probability(1)).toBe(0);
  });

  it('rejects bad sizes', () => {
    expect(() => new CountMinSketch(0)).toThrow(/width/);
    expect(() => new CountMinSketch(8, 1.5)).toThrow(/depth/);
  });
});
