import { describe, expect, it } from 'vitest';
import { makeEmbeddingTable, normalizeRows } from '../../src/users/embeddings.js';
import { DAY_MS } from '../../src/users/importance.js';
import { ExactNeighbourIndex, HnswNeighbourIndex } from '../../src/users/neighbour-index.js';
import { computeProfile, meanEmbedding } from '../../src/users/pinnersage.js';
import { interleave, PinnerSageRetriever } from '../../src/users/retrieval.js';
import { InMemoryProfileStore } from '../../src/users/profile-store.js';
import { PinBoardGraph } from '../../src/graph/graph.js';
import { PixieWalker } from '../../src/walk/pixie.js';

// 9 pins in 2-d: 0-2 near the x axis, 3-5 near the y axis, 6-8 near (-1, 0)
const raw = new Float32Array([1, 0, 0.99, 0.1, 0.98, -0.1, 0, 1, 0.1, 0.99, -0.1, 0.98, -1, 0, -0.99, 0.1, -0.98, -0.1]);
normalizeRows(raw, 2);
const emb = makeEmbeddingTable(raw, 2);
const now = 1000 * DAY_MS;

describe('computeProfile', () => {
  it('finds one cluster per interest with medoid, importance and members', () => {
    const actions = [
      { pin: 0, timestamp: now - 1 * DAY_MS },
      { pin: 1, timestamp: now - 1 * DAY_MS },
      { pin: 2, timestamp: now - 1 * DAY_MS },
      { pin: 0, timestamp: now - 2 * DAY_MS }, // a repeat counts for importance only
      { pin: 3, timestamp: now - 10 * DAY_MS },
      { pin: 4, timestamp: now - 10 * DAY_MS },
      { pin: 6, timestamp: now - 200 * DAY_MS }, // outside the 90-day window
    ];
    const p = computeProfile(7, actions, emb, now, { lambdaPerDay: 0.1, maxCost: 0.2 });
    expect(p.user).toBe(7);
    expect(p.clusters.length).toBe(2);
    const [a, b] = p.clusters;
    // x-axis cluster: pin 0 lies between 1 and 2, so it is the medoid
    expect(a!.medoid).toBe(0);
    expect(Array.from(a!.pins).sort()).toEqual([0, 1, 2]);
    expect(a!.actions).toBe(4);
    expect(a!.importance).toBeCloseTo(3 * Math.exp(-0.1) + Math.exp(-0.2), 10);
    expect(Array.from(b!.pins).sort()).toEqual([3, 4]);
    expect(b!.importance).toBeCloseTo(2 * Math.exp(-1), 10);
  });

  it('caps to the latest actions and ignores pins without embeddings', () => {
    const present = new Uint8Array(9).fill(1);
    present[1] = 0;
    const e2 = makeEmbeddingTable(raw, 2, present);
    const actions = [0, 1, 2, 3, 4, 5].map((pin, i) => ({ pin, timestamp: now - (6 - i) * DAY_MS }));
    const p = computeProfile(1, actions, e2, now, { maxActions: 3, maxCost: 0.2 });
    const pins = p.clusters.flatMap((c) => Array.from(c.pins)).sort();
    expect(pins).toEqual([3, 4, 5]);
  });

  it('validates options', () => {
    expect(() => computeProfile(1, [], emb, now, { maxActions: 0 })).toThrow(/maxActions/);
    expect(() => computeProfile(1, [{ pin: 0, timestamp: NaN }], emb, now)).toThrow(/timestamp NaN/);
    expect(computeProfile(1, [], emb, now).clusters).toEqual([]);
  });

  it('meanEmbedding averages with decay and normalises', () => {
    const v = meanEmbedding([{ pin: 0, timestamp: now }, { pin: 3, timestamp: now }], emb, now)!;
    expect(v[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(v[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(meanEmbedding([], emb, now)).toBeNull();
  });
});

describe('retrieval', () => {
  it('interleaves ranked lists without repeats', () => {
    expect(interleave([[1, 2, 3], [2, 4], [5]], 10).pins).toEqual([1, 2, 5, 3, 4]);
    expect(interleave([[1, 2, 3], [2, 4]], 3, new Set([1])).pins).toEqual([2, 4, 3]);
  });

  it('exact and hnsw indexes agree on a small table', () => {
    const exact = new ExactNeighbourIndex(emb);
    const hnsw = new HnswNeighbourIndex(emb);
    const q = [1, 0];
    expect(Array.from(exact.search(q, 3).ids).sort()).toEqual([0, 1, 2]);
    expect(Array.from(hnsw.search(q, 3).ids).sort()).toEqual([0, 1, 2]);
    expect(hnsw.search(q, 1).scores[0]).toBeCloseTo(1, 5);
    expect(() => exact.search([1], 3)).toThrow(/dimension 1/);
  });

  it('retrieves around sampled medoids, excluding engaged pins, seeded', () => {
    const store = new InMemoryProfileStore();
    const acts = [0, 3].map((pin) => ({ pin, timestamp: now }));
    store.set(computeProfile(5, acts, emb, now, { maxCost: 0.2 }));
    const r = new PinnerSageRetriever(store, emb, new ExactNeighbourIndex(emb), { medoids: 2 });
    const out = r.generate({ queryPins: [], user: 5, limit: 4, seed: 3 });
    expect(out.map((c) => c.pin).sort()).toEqual([1, 2, 4, 5]);
    expect(out[0]!.sources).toEqual(['pinnersage']);
    expect(out[0]!.score).toBeGreaterThan(out[3]!.score);
    expect(r.generate({ queryPins: [], user: 5, limit: 4, seed: 3 })).toEqual(out);
    expect(r.generate({ queryPins: [], user: 99, limit: 4, seed: 3 })).toEqual([]);
    expect(() => new PinnerSageRetriever(store, emb, new ExactNeighbourIndex(emb), { medoids: 0 })).toThrow(/medoids/);
  });

  it('adds Pixie neighbours of each sampled medoid when asked', () => {
    // graph: pins 0 and 7 share a board; pins 3 and 8 share another
    const g = PinBoardGraph.fromEdges(Uint32Array.from([0, 7, 3, 8]), Uint32Array.from([0, 0, 1, 1]), 9, 2);
    const store = new InMemoryProfileStore();
    store.set(computeProfile(5, [0, 3].map((pin) => ({ pin, timestamp: now })), emb, now, { maxCost: 0.2 }));
    const r = new PinnerSageRetriever(store, emb, new ExactNeighbourIndex(emb), { medoids: 2, pixieSteps: 500 }, new PixieWalker(g));
    const out = r.generate({ queryPins: [], user: 5, limit: 8, seed: 3 });
    const px = out.filter((c) => c.sources[0] === 'pinnersage_pixie').map((c) => c.pin).sort();
    expect(px).toEqual([7, 8]);
    expect(() => new PinnerSageRetriever(store, emb, new ExactNeighbourIndex(emb), { pixieSteps: 10 })).toThrow(/PixieWalker/);
  });
});
