import { afterAll, describe, expect, it } from 'vitest';
import { generatePowerLawGraph } from '../../bench/graph-gen.js';
import { PixieWalker, type PixieResult } from '../../src/walk/pixie.js';
import { WalkPool } from '../../src/walk/pool.js';
import { WalkMemory } from '../../src/walk/walk-memory.js';

const g = generatePowerLawGraph({ pins: 2000, boards: 400, edges: 20_000, seed: 3 });
const pool = new WalkPool(g, { threads: 2 });
afterAll(() => pool.close());

function same(a: PixieResult, b: PixieResult): void {
  expect(Array.from(a.pins)).toEqual(Array.from(b.pins));
  expect(Array.from(a.scores)).toEqual(Array.from(b.scores));
  expect(Array.from(a.boards)).toEqual(Array.from(b.boards));
  expect(Array.from(a.boardScores)).toEqual(Array.from(b.boardScores));
  expect(Array.from(a.stepsPerQuery)).toEqual(Array.from(b.stepsPerQuery));
  expect(a.steps).toBe(b.steps);
  expect(a.earlyStopped).toBe(b.earlyStopped);
}

describe('WalkPool', () => {
  it('returns what the single-thread walker returns for the same seed', async () => {
    const w = new PixieWalker(g);
    const queries = [
      { pins: [5], options: { steps: 5000, seed: 1 } },
      { pins: [5, 17, 300], weights: [1, 2, 0.5], options: { steps: 8000, seed: 2, np: 50, nv: 3 } },
      { pins: [42], options: { steps: 3000, seed: 3, degreePenalty: 0.5, boost: false } },
      { pins: [7, 8], options: { steps: 4000, seed: 4, bias: { pinCodes: new Uint16Array(2000).fill(1, 0, 1000), code: 1, strength: 3 } } },
    ];
    const many = await pool.queryMany(queries);
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i]!;
      same(many[i]!, w.query(q.pins, q.weights, q.options));
      same(await pool.query(q.pins, q.weights, q.options), w.query(q.pins, q.weights, q.options));
    }
  });

  it('biased queries: codes placed in the walk memory once, read there by every worker', async () => {
    const wm = WalkMemory.of(g)!;
    const bump = (): number => new Int32Array(wm.memory.buffer, 0, 1)[0]!;
    const pinCodes = Uint16Array.from({ length: 2000 }, (_, i) => i % 3);
    const boardCodes = Uint16Array.from({ length: 400 }, (_, i) => i % 2);
    const w = new PixieWalker(g);
    const q = (seed: number) => ({ pins: [seed % 50, 60], options: { steps: 6000, seed, bias: { pinCodes, boardCodes, code: 1, strength: 4 } } });
    same(await pool.query(q(1).pins, undefined, q(1).options), w.query(q(1).pins, undefined, q(1).options));
    const placed = bump();
    const many = await pool.queryMany(Array.from({ length: 12 }, (_, i) => q(i + 2)));
    for (let i = 0; i < many.length; i++) same(many[i]!, w.query(q(i + 2).pins, undefined, q(i + 2).options));
    // no copy per query: the bump allocator has not moved
    expect(bump()).toBe(placed);
  });

  it('rejects bad options and unknown pins with the walker message', async () => {
    await expect(pool.query([1], undefined, { alpha: 2 })).rejects.toThrow(/alpha must be in \(0, 1\], got 2/);
    await expect(pool.query([123_456])).rejects.toThrow(/query pin 123456 is not a pin of this graph/);
    // still usable afterwards
    expect((await pool.query([1], undefined, { steps: 100, np: 0 })).steps).toBe(100);
  });

  it('rejects a bad thread count and queries after close', async () => {
    expect(() => new WalkPool(g, { threads: 0 })).toThrow(/threads must be an integer >= 1/);
    const p = new WalkPool(g, { threads: 1 });
    expect((await p.query([3], undefined, { steps: 200, np: 0 })).steps).toBe(200);
    await p.close();
    await expect(p.query([3])).rejects.toThrow(/closed/);
  });
});
