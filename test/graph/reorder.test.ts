import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { PinBoardGraph } from '../../src/graph/graph.js';
import { IdMap } from '../../src/graph/id-map.js';
import { nodeOrder, reorderGraph, REORDER_KINDS, type ReorderKind } from '../../src/graph/reorder.js';
import { deserializeGraph, readSnapshotHeader, serializeGraph } from '../../src/graph/snapshot.js';
import { PixieWalker } from '../../src/walk/pixie.js';
import { Rng } from '../../src/util/rng.js';

function graphOf(edges: Array<[number, number]>, np: number, nb: number): PinBoardGraph {
  return PinBoardGraph.fromEdges(Uint32Array.from(edges.map((e) => e[0])), Uint32Array.from(edges.map((e) => e[1])), np, nb);
}

/** A seeded random graph with skewed degrees and scattered ids. */
function randomGraph(np: number, nb: number, m: number, seed: number): PinBoardGraph {
  const rng = new Rng(seed);
  const ep = new Uint32Array(m);
  const eb = new Uint32Array(m);
  for (let i = 0; i < m; i++) {
    ep[i] = Math.floor(np * rng.next() ** 2);
    eb[i] = Math.floor(nb * rng.next() ** 3);
  }
  // scatter the popular low ids
  const pp = Uint32Array.from({ length: np }, (_, i) => i);
  const pb = Uint32Array.from({ length: nb }, (_, i) => i);
  rng.shuffle(pp);
  rng.shuffle(pb);
  for (let i = 0; i < m; i++) {
    ep[i] = pp[ep[i]!]!;
    eb[i] = pb[eb[i]!]!;
  }
  return PinBoardGraph.fromEdges(ep, eb, np, nb);
}

/** Edges as "pinExt|boardExt" strings: equal sets = same graph under the id maps. */
function externalEdges(g: PinBoardGraph): string[] {
  const out: string[] = [];
  for (let p = 0; p < g.numPins; p++) for (const b of g.boardsOf(p)) out.push(`${g.pins.external(p)}|${g.boards.external(b)}`);
  return out.sort();
}

function expectSortedRows(offsets: Uint32Array, adj: Uint32Array): void {
  for (let r = 0; r + 1 < offsets.length; r++) for (let i = offsets[r]! + 1; i < offsets[r + 1]!; i++) expect(adj[i]!).toBeGreaterThan(adj[i - 1]!);
}

describe('nodeOrder', () => {
  // degrees 1, 3, 0, 3, 2, 5 (mean 14/6 ≈ 2.33)
  const offsets = Uint32Array.from([0, 1, 4, 4, 7, 9, 14]);
  it('degree: descending degree, ties in old order', () => {
    expect(Array.from(nodeOrder(offsets, 'degree'))).toEqual([5, 1, 3, 4, 0, 2]);
  });
  it('hub: above-mean nodes by degree first, the rest in old order', () => {
    expect(Array.from(nodeOrder(offsets, 'hub'))).toEqual([5, 1, 3, 0, 2, 4]);
  });
  it('dbg: groups by floor(log2 degree), old order inside a group', () => {
    // groups: 5 -> 3; 3,3,2 -> 2; 1 -> 1; 0 -> 0
    expect(Array.from(nodeOrder(offsets, 'dbg'))).toEqual([5, 1, 3, 4, 0, 2]);
    const o2 = Uint32Array.from([0, 2, 5, 8]); // degrees 2, 3, 3: one group, old order kept
    expect(Array.from(nodeOrder(o2, 'dbg'))).toEqual([0, 1, 2]);
  });
});

describe('reorderGraph', () => {
  it('hand-checked small case', () => {
    // pin 0: b1; pin 1: b0 b1; pin 2: b0 b1 b2 — board 1 has 3 pins, board 0 two, board 2 one
    const g = graphOf([[0, 1], [1, 0], [1, 1], [2, 0], [2, 1], [2, 2]], 3, 3);
    const r = reorderGraph(g, { order: 'degree' });
    expect(Array.from(r.pinOrder)).toEqual([2, 1, 0]);
    expect(Array.from(r.pinPerm)).toEqual([2, 1, 0]);
    expect(Array.from(r.boardOrder)).toEqual([1, 0, 2]);
    expect(Array.from(r.boardPerm)).toEqual([1, 0, 2]);
    const h = r.graph;
    expect(Array.from(h.pinOffsets)).toEqual([0, 3, 5, 6]);
    expect(Array.from(h.pinAdj)).toEqual([0, 1, 2, 0, 1, 0]);
    expect(Array.from(h.boardOffsets)).toEqual([0, 3, 5, 6]);
    expect(Array.from(h.boardAdj)).toEqual([0, 1, 2, 0, 1, 0]);
    expect(h.pins.toArray()).toEqual(['2', '1', '0']);
    expect(h.pins.get('2')).toBe(0);
    expect(h.pins.get(0)).toBe(2);
    expect(h.pins.isIdentity).toBe(false);
    expect(h.pins.byteSize()).toBe(24);
  });

  for (const order of REORDER_KINDS) {
    it(`${order}: isomorphic, rows sorted, external ids keep their neighbours`, () => {
      const g = randomGraph(300, 60, 2500, 11);
      const { graph: h, pinPerm, boardPerm } = reorderGraph(g, { order });
      expect([h.numPins, h.numBoards, h.numEdges]).toEqual([g.numPins, g.numBoards, g.numEdges]);
      expectSortedRows(h.pinOffsets, h.pinAdj);
      expectSortedRows(h.boardOffsets, h.boardAdj);
      for (let p = 0; p < g.numPins; p++) {
        expect(h.pinDegree(pinPerm[p]!)).toBe(g.pinDegree(p));
        const mapped = Array.from(g.boardsOf(p), (b) => boardPerm[b]!).sort((a, b) => a - b);
        expect(Array.from(h.boardsOf(pinPerm[p]!))).toEqual(mapped);
        expect(h.pins.external(pinPerm[p]!)).toBe(g.pins.external(p));
      }
      for (let b = 0; b < g.numBoards; b++) {
        const mapped = Array.from(g.pinsOf(b), (p) => pinPerm[p]!).sort((a, b) => a - b);
        expect(Array.from(h.pinsOf(boardPerm[b]!))).toEqual(mapped);
      }
      expect(externalEdges(h)).toEqual(externalEdges(g));
      if (order === 'degree') for (let p = 1; p < h.numPins; p++) expect(h.pinDegree(p)).toBeLessThanOrEqual(h.pinDegree(p - 1));
    });
  }

  it('string id maps and metadata follow the nodes', () => {
    const b = new GraphBuilder();
    const rows: [string, string][] = [['a', 'food'], ['b', 'food'], ['c', 'food'], ['c', 'cars'], ['d', 'cars'], ['c', 'art']];
    for (const [p, q] of rows) b.addEdge(p, q);
    b.setPinMeta('a', { locale: 'en', topic: 'cooking', createdAt: 1_700_000_000_000 });
    b.setPinMeta('c', { locale: 'de' });
    b.setBoardMeta('cars', { locale: 'fr', createdAt: 5 });
    const g = b.build();
    const { graph: h } = reorderGraph(g, { order: 'degree' });
    expect(h.pins.external(0)).toBe('c'); // degree 3
    expect(h.boards.external(0)).toBe('food');
    expect(externalEdges(h)).toEqual(externalEdges(g));
    for (const id of ['a', 'b', 'c', 'd']) {
      const p = g.pins.require(id);
      const q = h.pins.require(id);
      expect(h.meta.pins.locale!.values[h.meta.pins.locale!.codes[q]!]).toBe(g.meta.pins.locale!.values[g.meta.pins.locale!.codes[p]!]);
      expect(h.meta.pins.topic!.codes[q]).toBe(g.meta.pins.topic!.codes[p]);
      expect(Object.is(h.meta.pins.createdAt![q], g.meta.pins.createdAt![p])).toBe(true);
    }
    const cars = h.boards.require('cars');
    expect(h.meta.boards.createdAt![cars]).toBe(5);
    expect(h.meta.boards.locale!.values[h.meta.boards.locale!.codes[cars]!]).toBe('fr');
    expect(h.pins.isIdentity).toBe(false);
    expect(h.pins.permutation).toBeNull(); // string ids stay a string map
  });

  it('reordering a reordered graph composes the permutations', () => {
    const g = randomGraph(120, 30, 800, 3);
    const once = reorderGraph(g, { order: 'hub' }).graph;
    const twice = reorderGraph(once, { order: 'degree' }).graph;
    expect(twice.pins.permutation).not.toBeNull();
    expect(externalEdges(twice)).toEqual(externalEdges(g));
  });

  it('rejects an unknown order', () => {
    const g = graphOf([[0, 0]], 1, 1);
    expect(() => reorderGraph(g, { order: 'random' as ReorderKind })).toThrow('reorder: unknown order "random" (expected one of degree, hub, dbg)');
  });

  it('walks give the same top pins by external id', () => {
    const g = randomGraph(400, 80, 3000, 5);
    const { graph: h, pinPerm } = reorderGraph(g, { order: 'degree' });
    const q = 17;
    const opts = { steps: 400_000, np: 0, topK: 10, seed: 9 };
    const a = new PixieWalker(g).query([q], undefined, opts);
    const b = new PixieWalker(h).query([pinPerm[q]!], undefined, opts);
    const top = (x: PinBoardGraph, pins: Uint32Array): string[] => Array.from(pins.subarray(0, 5), (p) => x.pins.external(p));
    expect(top(h, b.pins).slice(0, 3)).toEqual(top(g, a.pins).slice(0, 3));
    // visit shares agree closely pin by pin
    const wa = new PixieWalker(g);
    const wb = new PixieWalker(h);
    wa.query([q], undefined, opts);
    wb.query([pinPerm[q]!], undefined, opts);
    for (const p of a.pins) expect(Math.abs(wb.score(pinPerm[p]!) - wa.score(p)) / wa.score(p)).toBeLessThan(0.1);
    // further down, near-ties may swap places: B's top 5 all score near A's 5th on A's walk
    for (const p of b.pins.subarray(0, 5)) expect(wa.score(g.pins.get(h.pins.external(p)))).toBeGreaterThan(0.9 * a.scores[4]!);
  });
});

describe('IdMap.permuted and the snapshot', () => {
  it('maps both ways and checks its input', () => {
    const m = IdMap.permuted(Uint32Array.from([2, 0, 1]));
    expect(m.size).toBe(3);
    expect([m.get('2'), m.get('0'), m.get(1), m.get('3'), m.get('01'), m.get('x')]).toEqual([0, 1, 2, -1, -1, -1]);
    expect(m.external(0)).toBe('2');
    expect(() => m.external(3)).toThrow('dense id 3 out of range');
    expect(() => IdMap.permuted(Uint32Array.from([0, 0]))).toThrow('IdMap.permuted: external id 0 appears twice');
    expect(() => IdMap.permuted(Uint32Array.from([0, 5]))).toThrow('IdMap.permuted: external id 5 at 1 is >= size 2');
    expect(IdMap.permuted(Uint32Array.from([0, 1])).isIdentity).toBe(true);
  });

  it('round-trips a reordered graph (version 2, compact perm sections); plain graphs stay version 1', () => {
    const g = randomGraph(200, 40, 1500, 8);
    expect(readSnapshotHeader(serializeGraph(g)).version).toBe(1);
    const { graph: h } = reorderGraph(g, { order: 'dbg' });
    const buf = serializeGraph(h);
    const head = readSnapshotHeader(buf);
    expect(head.version).toBe(2);
    expect(head.info.pinIds).toBe('perm');
    expect(head.sections.map((s) => s.name)).toContain('pin.perm');
    expect(head.sections.map((s) => s.name)).not.toContain('pin.ids');
    for (const shared of [false, true]) {
      const back = deserializeGraph(buf, { shared });
      expect(Array.from(back.pinAdj)).toEqual(Array.from(h.pinAdj));
      expect(Array.from(back.boardOffsets)).toEqual(Array.from(h.boardOffsets));
      expect(back.pins.toArray()).toEqual(h.pins.toArray());
      expect(back.boards.toArray()).toEqual(h.boards.toArray());
      expect(back.pins.get('17')).toBe(h.pins.get('17'));
      expect(externalEdges(back)).toEqual(externalEdges(g));
    }
  });

  it('round-trips a reordered string-id graph with metadata', () => {
    const b = new GraphBuilder();
    for (const [p, q] of [['x', 'B1'], ['y', 'B1'], ['y', 'B2']] as const) b.addEdge(p, q);
    b.setPinMeta('y', { locale: 'en' });
    const { graph: h } = reorderGraph(b.build(), { order: 'degree' });
    const back = deserializeGraph(serializeGraph(h));
    expect(back.pins.toArray()).toEqual(['y', 'x']);
    expect(back.boards.toArray()).toEqual(['B1', 'B2']);
    expect(back.meta.pins.locale!.codes[0]).toBe(h.meta.pins.locale!.codes[0]);
    expect(readSnapshotHeader(serializeGraph(h)).version).toBe(1);
  });

  it('a corrupt perm section is reported', () => {
    const { graph: h } = reorderGraph(randomGraph(50, 10, 200, 2), { order: 'degree' });
    const buf = Buffer.from(serializeGraph(h));
    const s = readSnapshotHeader(buf).sections.find((x) => x.name === 'pin.perm')!;
    buf.writeUInt32LE(buf.readUInt32LE(s.offset + 4), s.offset); // duplicate an id
    expect(() => deserializeGraph(buf, { verify: false })).toThrow(/snapshot: section pin\.perm: IdMap\.permuted: external id \d+ appears twice/);
  });
});
