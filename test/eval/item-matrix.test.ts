import { describe, expect, it } from 'vitest';
import { ItemMatrix } from '../../src/eval/methods/item-matrix.js';
import { Rng } from '../../src/util/rng.js';

describe('ItemMatrix full-catalogue scoring', () => {
  it('scores the whole catalogue (by-source path) exactly like small candidate lists', () => {
    const n = 1500;
    const rng = new Rng(4);
    const off = new Uint32Array(n + 1);
    const src: number[] = [];
    const w: number[] = [];
    for (let j = 0; j < n; j++) {
      const set = new Set<number>();
      const deg = rng.int(8);
      while (set.size < deg) set.add(rng.int(n));
      for (const i of [...set].sort((a, b) => a - b)) {
        src.push(i);
        w.push(rng.int(16) / 8); // dyadic weights: sums are exact in any order
      }
      off[j + 1] = src.length;
    }
    const m = new ItemMatrix(off, Uint32Array.from(src), Float64Array.from(w));
    const user = Uint32Array.from([3, 17, 17, 400, 1499]); // a repeated item counts once on both paths
    const all = Uint32Array.from({ length: n + 2 }, (_, i) => i); // two ids outside the matrix score 0
    const full = new Float64Array(all.length);
    m.score(user, all, full);
    const small = new Float64Array(all.length);
    for (let s = 0; s < all.length; s += 100) m.score(user, all.subarray(s, s + 100), small.subarray(s, s + 100));
    expect(Array.from(full)).toEqual(Array.from(small));
    expect(full[n]).toBe(0);
    expect(full.some((x) => x > 0)).toBe(true);
  });
});
