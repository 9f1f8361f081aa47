import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FreshBoardsGenerator, freshPinsOfBoards, DEFAULT_FRESH_BOARDS } from '../../src/candidates/fresh-boards.js';
import { buildNewNeighbours, FreshNeighbourCounter, FreshNeighbourMap, FreshNeighboursGenerator, splitByFreshness } from '../../src/candidates/fresh-neighbours.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { loadFreshNeighbourMap, runNewNeighbours, saveFreshNeighbourMap } from '../../src/jobs/new-neighbours.js';
import { makeEmbeddingTable, normalizeRows } from '../../src/users/embeddings.js';
import { PixieWalker } from '../../src/walk/pixie.js';

const DAY = 86_400_000;
const NOW = 1000 * DAY;

/** pins 0-3 old; 10, 11, 13 fresh; 12 created 20 days ago. Boards a: 0 1 2 10 11 12, b: 0 3 13, c: 4 5 */
function graph() {
  const g = new GraphBuilder();
  const edges: [number, string][] = [[0, 'a'], [1, 'a'], [2, 'a'], [10, 'a'], [11, 'a'], [12, 'a'], [0, 'b'], [3, 'b'], [13, 'b'], [4, 'c'], [5, 'c']];
  for (const [p, b] of edges) g.addEdge(p, b);
  const created: Record<number, number> = { 0: 400, 1: 300, 2: 200, 3: 100, 4: 50, 5: 50, 10: 1, 11: 3, 12: 20, 13: 2 };
  for (const [p, age] of Object.entries(created)) g.setPinMeta(p, { createdAt: NOW - age * DAY });
  return g.build();
}

describe('fresh pins of related boards', () => {
  const g = graph();
  const pin = (ext: number) => g.pins.require(ext);
  const board = (ext: string) => g.boards.require(ext);

  it('takes the newest fresh pins of each board, summing board scores', () => {
    const o = { ...DEFAULT_FRESH_BOARDS, pinsPerBoard: 1 };
    const out = freshPinsOfBoards(g, [board('a'), board('b')], [5, 3], NOW, o);
    expect(out.map((c) => [g.pins.external(c.pin), c.score])).toEqual([
      ['10', 5],
      ['13', 3],
    ]);
    expect(out[0]!.features['ageDays']).toBeCloseTo(1, 9);
    const two = freshPinsOfBoards(g, [board('a'), board('b')], [5, 3], NOW, { ...o, pinsPerBoard: 5 });
    expect(two.map((c) => g.pins.external(c.pin)).sort()).toEqual(['10', '11', '13']); // 12 is too old
  });

  it('generator walks from the query pins to boards a and b only', () => {
    const gen = new FreshBoardsGenerator(new PixieWalker(g), { pinsPerBoard: 2, steps: 2000 });
    const out = gen.generate({ queryPins: [pin(0)], limit: 10, seed: 1, now: NOW });
    expect(out.map((c) => g.pins.external(c.pin)).sort()).toEqual(['10', '11', '13']);
    expect(gen.generate({ queryPins: [pin(0)], limit: 10, seed: 1, now: NOW })).toEqual(out);
    expect(gen.generate({ queryPins: [pin(4)], limit: 10, seed: 1, now: NOW })).toEqual([]);
    expect(() => gen.generate({ queryPins: [99], limit: 10, seed: 1, now: NOW })).toThrow(/query pin 99/);
    expect(() => new FreshBoardsGenerator(new PixieWalker(g), { boards: 0 })).toThrow(/boards/);
  });
});

describe('new-neighbour map', () => {
  // established 0..3 on the unit circle at 0°, 90°, 180°, 270°; fresh 4 near 0°, 5 near 90°
  const vec = new Float32Array([1, 0, 0, 1, -1, 0, 0, -1, 0.95, 0.1, 0.1, 0.95]);
  normalizeRows(vec, 2);
  const emb = makeEmbeddingTable(vec, 2);
  const exactSearch = (v: Float32Array, k: number) => {
    const s = [0, 1, 2, 3].map((p) => ({ p, d: v[0]! * vec[2 * p]! + v[1]! * vec[2 * p + 1]! })).sort((a, b) => b.d - a.d).slice(0, k);
    return { ids: Uint32Array.from(s.map((x) => x.p)), scores: Float64Array.from(s.map((x) => x.d)) };
  };

  it('finds nearest established pins by embedding and by text', () => {
    const byEmb = buildNewNeighbours({ fresh: [4, 5], established: [0, 1, 2, 3], numPins: 6, embeddings: emb, embeddingSearch: exactSearch }, { k: 1, embeddingWeight: 1, textWeight: 0 });
    expect(Array.from(byEmb.neighbours)).toEqual([0, 1]);
    expect(byEmb.sims[0]).toBeCloseTo(vec[8]!, 6);
    const texts = ['red shoes', 'green tea', 'blue sky', 'red wine', 'tea cup', 'red sky'];
    const byText = buildNewNeighbours({ fresh: [4, 5], established: [0, 1, 2, 3], numPins: 6, texts }, { k: 2, embeddingWeight: 0, textWeight: 1 });
    expect(Array.from(byText.neighbours.subarray(0, 1))).toEqual([1]); // "tea cup" -> "green tea"
    expect(Array.from(byText.neighbours.subarray(byText.offsets[1]!, byText.offsets[2]!))).toEqual([2, 0]); // "sky" is rarer than "red"
    // combined: text pulls fresh 5 ("red sky", vector near 90°) towards 2 and 0
    const both = buildNewNeighbours({ fresh: [5], established: [0, 1, 2, 3], numPins: 6, texts, embeddings: emb, embeddingSearch: exactSearch }, { k: 1, embeddingWeight: 0.5, textWeight: 0.5 });
    expect(both.neighbours.length).toBe(1);
    expect(() => buildNewNeighbours({ fresh: [0], established: [0], numPins: 6, texts }, {})).toThrow(/both fresh and established/);
    expect(() => buildNewNeighbours({ fresh: [4], established: [0], numPins: 6 }, {})).toThrow(/embeddings and\/or texts/);
  });

  it('inverts the map and counts votes over Pixie results', () => {
    // fresh 4 -> {0, 1}, fresh 5 -> {1}
    const map = FreshNeighbourMap.invert(Uint32Array.from([4, 5]), Uint32Array.from([0, 2, 3]), Uint32Array.from([0, 1, 1]), Float32Array.from([0.9, 0.5, 0.8]), 6);
    expect(Array.from(map.freshOf(0))).toEqual([4]);
    expect(Array.from(map.freshOf(1))).toEqual([4, 5]);
    const c = new FreshNeighbourCounter(map);
    const out = c.count([0, 1, 3], 5);
    expect(out.map((x) => [x.pin, x.score])).toEqual([
      [4, 2],
      [5, 1],
    ]);
    expect(out[0]!.features['freshSim']).toBeCloseTo(0.7, 6);
    expect(c.count([1], 5).map((x) => x.pin)).toEqual([5, 4]); // one vote each; 5 has the higher similarity
    expect(c.count([1], 5, new Set([5])).map((x) => x.pin)).toEqual([4]);
  });

  it('job splits by creation time, builds, saves and loads the map', () => {
    const g = graph();
    const { fresh, established } = splitByFreshness(g.meta.pins.createdAt, g.numPins, NOW, 7);
    expect(Array.from(fresh).map((p) => g.pins.external(p)).sort()).toEqual(['10', '11', '13']);
    expect(established.length).toBe(7);
    // embeddings: each fresh pin sits on top of one established pin
    const v = new Float32Array(g.numPins * 2);
    const put = (ext: number, x: number, y: number) => v.set([x, y], g.pins.require(ext) * 2);
    [[0, 1, 0], [1, 0, 1], [2, -1, 0], [3, 0, -1], [4, 0.7, 0.7], [5, -0.7, 0.7], [12, -0.7, -0.7], [10, 1, 0.01], [11, 0.01, 1], [13, -1, 0.01]].forEach(([e, x, y]) => put(e!, x!, y!));
    normalizeRows(v, 2);
    const { map, stats } = runNewNeighbours({ graph: g, now: NOW, embeddings: makeEmbeddingTable(v, 2), options: { k: 1, embeddingWeight: 1, textWeight: 0, candidates: 3 } });
    expect(stats).toMatchObject({ fresh: 3, established: 7, edges: 3 });
    expect(Array.from(map.freshOf(g.pins.require(0))).map((p) => g.pins.external(p))).toEqual(['10']);
    expect(Array.from(map.freshOf(g.pins.require(2))).map((p) => g.pins.external(p))).toEqual(['13']);
    const dir = mkdtempSync(join(tmpdir(), 'bw-fresh-'));
    try {
      const f = join(dir, 'map.bin');
      saveFreshNeighbourMap(f, map);
      const back = loadFreshNeighbourMap(f);
      expect(Array.from(back.offsets)).toEqual(Array.from(map.offsets));
      expect(Array.from(back.fresh)).toEqual(Array.from(map.fresh));
      expect(Array.from(back.sims)).toEqual(Array.from(map.sims));
      writeFileSync(f, Buffer.from('nonsense-bytes-here'));
      expect(() => loadFreshNeighbourMap(f)).toThrow(/bad magic/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // the generator: walking from pin 0 reaches 0's board neighbours, whose fresh neighbours vote
    const gen = new FreshNeighboursGenerator(new PixieWalker(g), map, { steps: 2000 });
    const out = gen.generate({ queryPins: [g.pins.require(1)], limit: 5, seed: 2, now: NOW });
    expect(out.map((c) => g.pins.external(c.pin))).toContain('10');
    expect(out.every((c) => c.sources[0] === 'fresh_neighbours')).toBe(true);
  });
});
