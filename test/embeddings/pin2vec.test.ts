import { describe, expect, it } from 'vitest';
import { ExactCosineIndex } from '../../src/embeddings/exact-index.js';
import { trainPin2Vec } from '../../src/embeddings/pin2vec.js';
import { splitSessions } from '../../src/embeddings/sessions.js';
import { unitRow } from '../../src/embeddings/vectors.js';
import { Rng } from '../../src/util/rng.js';

describe('splitSessions', () => {
  it('groups by user, orders by time and splits on inactivity gaps', () => {
    // user 1: pins 5 (t=0), 6 (t=10), 7 (t=100) -> gap 90 > 50 splits; user 0: 2 (t=5), 3 (t=1)
    const s = splitSessions([1, 1, 0, 1, 0], [5, 6, 2, 7, 3], [0, 10, 5, 100, 1], 50, 1);
    expect(Array.from(s.offsets)).toEqual([0, 2, 4, 5]);
    expect(Array.from(s.items)).toEqual([3, 2, 5, 6, 7]);
    // minLength 2 drops the single-pin session
    const t = splitSessions([1, 1, 0, 1, 0], [5, 6, 2, 7, 3], [0, 10, 5, 100, 1], 50);
    expect(Array.from(t.offsets)).toEqual([0, 2, 4]);
    expect(Array.from(t.items)).toEqual([3, 2, 5, 6]);
  });

  it('rejects bad input', () => {
    expect(() => splitSessions([1], [1, 2], [0], 10)).toThrow(/same length/);
    expect(() => splitSessions([1], [1], [0], 0)).toThrow(/gapMs must be > 0/);
    expect(() => splitSessions([1], [-1], [0], 10)).toThrow(/pin -1/);
    expect(() => splitSessions([1], [1], [NaN], 10)).toThrow(/timestamp/);
  });
});

/** Sessions that stay inside one of two communities: pins 0..9 and 10..19. */
function communitySessions(n: number, seed: number): { users: number[]; pins: number[]; ts: number[] } {
  const rng = new Rng(seed);
  const users: number[] = [];
  const pins: number[] = [];
  const ts: number[] = [];
  for (let s = 0; s < n; s++) {
    const base = (s % 2) * 10;
    for (let i = 0; i < 6; i++) {
      users.push(s);
      pins.push(base + rng.int(10));
      ts.push(i);
    }
  }
  return { users, pins, ts };
}

describe('trainPin2Vec', () => {
  const { users, pins, ts } = communitySessions(300, 4);
  const sessions = splitSessions(users, pins, ts, 60_000);

  it('puts pins that share sessions close together', () => {
    const col = trainPin2Vec(sessions, 21, { dim: 8, epochs: 5, seed: 2, subsample: 0 });
    expect(col.present![20]).toBe(0);
    const index = new ExactCosineIndex(col);
    let same = 0;
    for (const q of [0, 3, 12, 17]) {
      const r = index.knn(unitRow(col, q), 5, (p) => p === q);
      for (const p of r.ids) if (p < 10 === q < 10) same++;
    }
    expect(same).toBe(20);
  });

  it('is deterministic for a seed', () => {
    const a = trainPin2Vec(sessions, 21, { dim: 4, epochs: 1, seed: 9 });
    const b = trainPin2Vec(sessions, 21, { dim: 4, epochs: 1, seed: 9 });
    const c = trainPin2Vec(sessions, 21, { dim: 4, epochs: 1, seed: 10 });
    expect(a.vectors).toEqual(b.vectors);
    expect(a.vectors).not.toEqual(c.vectors);
  });

  it('rejects bad options and sessions', () => {
    expect(() => trainPin2Vec(sessions, 21, { dim: 0 })).toThrow(/dim must be/);
    expect(() => trainPin2Vec(sessions, 21, { lr: 2 })).toThrow(/lr must be/);
    expect(() => trainPin2Vec(sessions, 5)).toThrow(/>= numPins 5/);
    expect(() => trainPin2Vec({ offsets: Uint32Array.from([0, 3]), items: new Uint32Array(2) }, 5)).toThrow(/offsets/);
  });
});
