import { describe, expect, it } from 'vitest';
import { generatePowerLawGraph } from '../../bench/graph-gen.js';
import { LANES, PixieWalker } from '../../src/walk/pixie.js';
import { graphOf } from './helpers.js';

const small = generatePowerLawGraph({ pins: 3000, boards: 600, edges: 30_000, seed: 11 });

describe('PixieWalker determinism', () => {
  it('same seed gives the same result; another seed a different one', () => {
    const w = new PixieWalker(small);
    const q = [1, 2, 3, 500];
    const a = w.query(q, undefined, { steps: 20_000, seed: 5, np: 0 });
    const b = new PixieWalker(small).query(q, undefined, { steps: 20_000, seed: 5, np: 0 });
    expect(Array.from(b.pins)).toEqual(Array.from(a.pins));
    expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
    expect(Array.from(b.boards)).toEqual(Array.from(a.boards));
    const c = w.query(q, undefined, { steps: 20_000, seed: 6, np: 0 });
    expect(Array.from(c.scores)).not.toEqual(Array.from(a.scores));
    // a walker's state is fully reset between queries
    const a2 = w.query(q, undefined, { steps: 20_000, seed: 5, np: 0 });
    expect(Array.from(a2.scores)).toEqual(Array.from(a.scores));
  });
});

describe('PixieWalker on hand-checked graphs', () => {
  // pin 0 is on board 0 with pins 1 and 2; pin 3 sits alone on board 1
  const star = graphOf([[0, 0], [1, 0], [2, 0], [3, 1]]);

  it('walks exactly the requested steps, one board visit per step, and leaves the query pin out', () => {
    const w = new PixieWalker(star);
    for (const steps of [1, 7, LANES - 1, LANES + 1, 3000]) {
      const r = w.query([0], undefined, { steps, alpha: 0.5, np: 0, seed: 3 });
      expect(r.steps).toBe(steps);
      expect(Array.from(r.boards)).toEqual([0]);
      expect(r.boardScores[0]).toBe(steps);
      expect(w.boardScore(0)).toBe(steps);
      expect(w.boardScore(1)).toBe(0);
      expect(Array.from(r.pins).sort()).toEqual(steps >= 30 ? [1, 2] : Array.from(r.pins).sort());
      expect(r.pins.includes(0)).toBe(false);
      expect(r.pins.includes(3)).toBe(false);
    }
  });

  it('visits neighbours uniformly (each pin of board 0 about a third of the steps)', () => {
    const w = new PixieWalker(star);
    w.query([0], undefined, { steps: 30_000, np: 0, seed: 1, boost: false });
    for (const p of [0, 1, 2]) expect(w.score(p) / 30_000).toBeCloseTo(1 / 3, 1);
    expect(w.score(3)).toBe(0);
    expect(Array.from(w.visited()).sort()).toEqual([0, 1, 2]);
  });

  it('can include the query pins when asked', () => {
    const r = new PixieWalker(star).query([0], undefined, { steps: 3000, np: 0, excludeQuery: false });
    expect(Array.from(r.pins).sort()).toEqual([0, 1, 2]);
  });

  it('boosts pins reached from several query pins: V = (Σ_q √V_q)²', () => {
    // q=0 on board 0 {0, 2}; q=1 on board 1 {1, 2}; alpha = 1 keeps every walk one step long
    const g = graphOf([[0, 0], [2, 0], [1, 1], [2, 1]]);
    const w = new PixieWalker(g);
    const opts = { steps: 2000, alpha: 1, np: 0, seed: 9 };
    // degrees are equal, so each query pin gets 1000 steps; pin 0 takes the first seed of the stream
    w.query([0], undefined, { ...opts, steps: 1000, boost: false });
    const v0 = w.score(2);
    w.query([0, 1], undefined, { ...opts, boost: false });
    const sum = w.score(2);
    const plain0 = w.score(0);
    const v1 = sum - v0;
    expect(v0).toBeGreaterThan(400);
    expect(v1).toBeGreaterThan(400);
    const r = w.query([0, 1], undefined, { ...opts, boost: true });
    expect(w.score(2)).toBeCloseTo((Math.sqrt(v0) + Math.sqrt(v1)) ** 2, 6);
    expect(r.scores[0]).toBeCloseTo((Math.sqrt(v0) + Math.sqrt(v1)) ** 2, 6);
    // a pin reached from one query pin only scores its plain visit count
    expect(w.score(0)).toBeCloseTo(plain0, 9);
  });

  it('divides by degree^β with degreePenalty', () => {
    const g = graphOf([[0, 0], [1, 0], [2, 0], [1, 1], [1, 2], [1, 3], [3, 1]]);
    const w = new PixieWalker(g);
    const opts = { steps: 5000, np: 0, seed: 4 };
    w.query([0], undefined, opts);
    const s1 = w.score(1);
    const s2 = w.score(2);
    w.query([0], undefined, { ...opts, degreePenalty: 0.5 });
    expect(w.score(1)).toBeCloseTo(s1 / Math.sqrt(4), 9);
    expect(w.score(2)).toBeCloseTo(s2, 9);
  });

  it('ranks related boards by visits', () => {
    // pin 0 on boards 0 and 1; board 1 also holds pin 1, which is on board 2
    const g = graphOf([[0, 0], [0, 1], [1, 1], [1, 2]]);
    const w = new PixieWalker(g);
    const r = w.query([0], undefined, { steps: 4000, alpha: 0.5, np: 0, seed: 2 });
    expect(Array.from(r.boards)).toEqual([1, 0, 2]);
    let total = 0;
    for (let i = 0; i < r.boards.length; i++) {
      expect(r.boardScores[i]).toBe(w.boardScore(r.boards[i]!));
      total += r.boardScores[i]!;
    }
    expect(total).toBe(4000);
  });

  it('a query pin without boards walks nothing', () => {
    const g = graphOf([[0, 0], [1, 0]], 3, 1);
    const r = new PixieWalker(g).query([2], undefined, { steps: 100 });
    expect(r.steps).toBe(0);
    expect(r.pins.length).toBe(0);
  });
});

describe('early stopping', () => {
  it('stops at the first step when np = 1 and nv = 1', () => {
    const r = new PixieWalker(small).query([10], undefined, { steps: 10_000, np: 1, nv: 1 });
    expect(r.steps).toBe(1);
    expect(r.earlyStopped).toBe(1);
  });

  it('fires and reduces the steps walked; results agree at the top', () => {
    const w = new PixieWalker(small);
    const full = w.query([10, 20], undefined, { steps: 50_000, np: 0, seed: 1 });
    const early = w.query([10, 20], undefined, { steps: 50_000, np: 50, nv: 4, seed: 1 });
    expect(full.steps).toBe(50_000);
    expect(full.earlyStopped).toBe(0);
    expect(early.earlyStopped).toBe(2);
    expect(early.steps).toBeLessThan(full.steps / 2);
    expect(early.stepsPerQuery[0]! + early.stepsPerQuery[1]!).toBe(early.steps);
    // the best pins are found either way
    const top = new Set(Array.from(full.pins.subarray(0, 5)));
    expect(Array.from(early.pins.subarray(0, 10)).filter((p) => top.has(p)).length).toBeGreaterThanOrEqual(3);
  });

  it('stops exactly when the np-th pin reaches nv visits (counts are exact past the walk batches)', () => {
    const w = new PixieWalker(small);
    for (const [np, nv] of [[40, 3], [200, 5], [7, 2]] as const) {
      const r = w.query([10], undefined, { steps: 200_000, np, nv, seed: np, boost: false, excludeQuery: false });
      expect(r.earlyStopped).toBe(1);
      let atLeast = 0;
      for (const p of w.visited()) if (w.score(p) >= nv) atLeast++;
      expect(atLeast).toBe(np);
      let visits = 0;
      for (const p of w.visited()) visits += w.score(p);
      expect(visits).toBe(r.steps);
    }
  });

  it('never fires when np pins cannot reach nv visits', () => {
    const r = new PixieWalker(small).query([10], undefined, { steps: 2000, np: 5000, nv: 4 });
    expect(r.earlyStopped).toBe(0);
    expect(r.steps).toBe(2000);
  });
});

describe('biased walks', () => {
  it('prefer the matching locale but still visit the others', () => {
    // board 0 holds the query pin 0 and pins 1..20: odd pins locale 1, even pins locale 2
    const edges: Array<[number, number]> = [];
    for (let p = 0; p <= 20; p++) edges.push([p, 0]);
    const g = graphOf(edges);
    const pinCodes = new Uint16Array(21);
    for (let p = 1; p <= 20; p++) pinCodes[p] = p % 2 === 1 ? 1 : 2;
    const w = new PixieWalker(g);
    const steps = 20_000;
    w.query([0], undefined, { steps, alpha: 1, np: 0, seed: 8, boost: false, bias: { pinCodes, code: 1, strength: 4 } });
    let match = 0;
    let other = 0;
    for (let p = 1; p <= 20; p++) (pinCodes[p] === 1 ? (match += w.score(p)) : (other += w.score(p)));
    // acceptance: 10 matching of weight 4 vs 11 others (10 + the query pin, code 0) of weight 1
    expect(match / steps).toBeCloseTo(40 / 51, 1);
    expect(other).toBeGreaterThan(steps * 0.1);
    // unbiased, the split is even
    w.query([0], undefined, { steps, alpha: 1, np: 0, seed: 8, boost: false });
    let m2 = 0;
    for (let p = 1; p <= 20; p += 2) m2 += w.score(p);
    expect(m2 / steps).toBeCloseTo(10 / 21, 1);
  });

  it('biases the pin→board step with board codes', () => {
    // pin 0 on boards 0..9; board 0 is the only one with code 3
    const edges: Array<[number, number]> = [];
    for (let b = 0; b < 10; b++) edges.push([0, b], [b + 1, b]);
    const g = graphOf(edges);
    const boardCodes = new Uint16Array(10);
    boardCodes[0] = 3;
    const w = new PixieWalker(g);
    w.query([0], undefined, { steps: 10_000, alpha: 1, np: 0, seed: 2, bias: { boardCodes, code: 3, strength: 9 } });
    // weight 9 vs 9 others of weight 1: half the steps go through board 0
    expect(w.boardScore(0) / 10_000).toBeCloseTo(0.5, 1);
    expect(w.boardScore(5)).toBeGreaterThan(0);
  });
});

describe('bad input', () => {
  const w = new PixieWalker(small);
  it('names the bad option or pin', () => {
    expect(() => w.query([1], undefined, { alpha: 0 })).toThrow(/alpha must be in \(0, 1\], got 0/);
    expect(() => w.query([1], undefined, { alpha: 1.5 })).toThrow(/alpha/);
    expect(() => w.query([1], undefined, { steps: -5 })).toThrow(/steps must be an integer >= 0/);
    expect(() => w.query([1], undefined, { nv: 0 })).toThrow(/nv must be/);
    expect(() => w.query([1], undefined, { topK: 2.5 })).toThrow(/topK/);
    expect(() => w.query([1], undefined, { seed: 0.5 })).toThrow(/seed/);
    expect(() => w.query([99_999_999])).toThrow(/query pin 99999999 is not a pin of this graph/);
    expect(() => w.query([-1])).toThrow(/query pin -1/);
    expect(() => w.query([1, 2], [1])).toThrow(/got 1 weights for 2 query pins/);
    expect(() => w.query([1], [-2])).toThrow(/weight -2/);
    expect(() => w.query([1], undefined, { bias: { code: 1, strength: 0.5 } })).toThrow(/bias strength must be >= 1/);
    expect(() => w.query([1], undefined, { bias: { code: 1, strength: 2, pinCodes: new Uint16Array(3) } })).toThrow(
      /pinCodes has 3 entries/,
    );
  });
});
