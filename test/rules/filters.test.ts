import { describe, expect, it } from 'vitest';
import { applyDefaultFilters, exclusionsFromActions, isExpired, parseExcludeList } from '../../src/rules/filters.js';
import type { RecommendedPin } from '../../src/surfaces/types.js';

const pins: RecommendedPin[] = [1, 2, 3, 4, 5, 6, 7].map((id) => ({ pin: id, score: 10 - id, sources: ['pixie'], parts: {} }));

describe('default filters', () => {
  it('derives seen and negative pins from actions', () => {
    const x = exclusionsFromActions([
      { pin: 'a', action: 'save' },
      { pin: 'b', action: 'hide' },
      { pin: 'c', action: 'impression' },
      { pin: 'd', action: 'closeup' },
    ]);
    expect([...x.seen].sort()).toEqual(['a', 'd']);
    expect([...x.negative]).toEqual(['b']);
    expect([...exclusionsFromActions([{ pin: 'c', action: 'impression' }], { impressionsAreSeen: true }).seen]).toEqual(['c']);
  });

  it('removes seen, negative, hidden, excluded and expired pins, keeping order', () => {
    const r = applyDefaultFilters(pins, {
      seen: new Set([1]),
      negative: new Set([2]),
      hidden: new Set([3, 2]),
      exclude: new Set([4]),
      expiresAt: (p) => (p === 5 ? 1000 : p === 6 ? 3000 : undefined),
      now: 2000,
    });
    expect(r.pins.map((p) => p.pin)).toEqual([6, 7]);
    expect(r.removed).toEqual({ seen: 1, negative: 0, hidden: 2, excluded: 1, expired: 1 });
    expect(applyDefaultFilters(pins, { seen: new Set([1]), excludeSeen: false }).pins).toHaveLength(7);
  });

  it('TTL and exclude-list validation', () => {
    expect(isExpired(1000, 500, 1499)).toBe(false);
    expect(isExpired(1000, 500, 1500)).toBe(true);
    expect(isExpired(undefined, 500, 1e12)).toBe(false);
    expect(parseExcludeList(['a', 'b'])).toEqual(['a', 'b']);
    expect(parseExcludeList(undefined)).toEqual([]);
    expect(() => parseExcludeList('a')).toThrow(/exclude must be an array/);
    expect(() => parseExcludeList(['a', 3])).toThrow(/exclude\[1\] must be a non-empty string pin id, got 3/);
    expect(() => parseExcludeList(['a', 'b', 'c'], 2)).toThrow(/at most 2 pin ids, got 3/);
  });
});
