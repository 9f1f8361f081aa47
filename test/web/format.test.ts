import { describe, expect, it } from 'vitest';
import { explain, formatAge, num, pinTitle } from '../../web/src/format.js';

const DAY = 86_400_000;

describe('card explanation', () => {
  it('reads visits, Memboost and ranker parts', () => {
    const e = explain({ sources: ['pixie', 'memboost'], parts: { visits: 42, memboost: 0.5, memboostBoost: 0.1, ranker: 1.25 } }, 0, 400 * DAY);
    expect(e).toEqual({ sources: ['pixie', 'memboost'], visits: 42, memboost: 0.5, memboostBoost: 0.1, ranker: 1.25, fresh: false, freshReason: null });
    // the Pixie-only surface names its part after the source
    expect(explain({ sources: ['pixie'], parts: { pixie: 7 } }, undefined, 0).visits).toBe(7);
    expect(explain({}, undefined, 0)).toMatchObject({ sources: [], visits: null, memboost: null, ranker: null, fresh: false });
  });

  it('fresh: a fresh source, fresh features, or created within 7 days', () => {
    expect(explain({ sources: ['fresh_boards'] }, undefined, 0)).toMatchObject({ fresh: true, freshReason: 'proposed by fresh_boards' });
    expect(explain({ sources: ['pixie'], parts: { freshVotes: 2 } }, undefined, 0).fresh).toBe(true);
    expect(explain({ sources: ['pixie'] }, 10 * DAY, 12 * DAY)).toMatchObject({ fresh: true, freshReason: 'created 2 d ago' });
    expect(explain({ sources: ['pixie'] }, 10 * DAY, 18 * DAY).fresh).toBe(false);
  });
});

describe('formatting', () => {
  it('ages', () => {
    expect(formatAge(30_000)).toBe('30 s');
    expect(formatAge(5 * 60_000)).toBe('5 min');
    expect(formatAge(3 * 3600_000)).toBe('3 h');
    expect(formatAge(12 * DAY)).toBe('12 d');
    expect(formatAge(730 * DAY)).toBe('2.0 y');
    expect(formatAge(-5)).toBe('0 s');
  });

  it('numbers', () => {
    expect(num(null)).toBe('–');
    expect(num(0)).toBe('0');
    expect(num(449)).toBe('449');
    expect(num(36)).toBe('36');
    expect(num(120000)).toBe('120,000');
    expect(num(12345.6)).toBe('12,346');
    expect(num(3.14159)).toBe('3.14');
    expect(num(93.99999999)).toBe('94');
    expect(num(0.5)).toBe('0.5');
    expect(num(449.6)).toBe('450');
    expect(num(0.012345)).toBe('0.0123');
    expect(num(1e-6)).toBe('1.00e-6');
  });

  it('titles fall back from text to annotations to id, and are cut', () => {
    expect(pinTitle({ id: 'a', text: 'Hello', annotations: ['x'] })).toBe('Hello');
    expect(pinTitle({ id: 'a', text: ' ', annotations: ['x', 'y'] })).toBe('x, y');
    expect(pinTitle({ id: 'a' })).toBe('a');
    expect(pinTitle({ id: 'a', text: 'abcdefghij' }, 5)).toBe('abcd…');
  });
});
