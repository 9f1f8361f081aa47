import { describe, expect, it } from 'vitest';
import { TopK } from '../../src/walk/top-k.js';

describe('TopK', () => {
  it('keeps the k best, best first', () => {
    const h = new TopK(3);
    [5, 1, 9, 7, 3, 8].forEach((s, i) => h.push(i, s));
    const r = h.sorted();
    expect(Array.from(r.ids)).toEqual([2, 5, 3]);
    expect(Array.from(r.scores)).toEqual([9, 8, 7]);
  });

  it('breaks ties towards the smaller id, whatever the push order', () => {
    const h = new TopK(2);
    for (const id of [9, 4, 7, 2, 5]) h.push(id, 1);
    expect(Array.from(h.sorted().ids)).toEqual([2, 4]);
  });

  it('returns fewer than k when fewer were pushed, and nothing for k = 0', () => {
    const h = new TopK(5);
    h.push(3, 1);
    expect(Array.from(h.sorted().ids)).toEqual([3]);
    const z = new TopK(0);
    z.push(1, 1);
    expect(z.sorted().ids.length).toBe(0);
  });
});
