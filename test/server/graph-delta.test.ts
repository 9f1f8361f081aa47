import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { categoricalValue } from '../../src/graph/metadata.js';
import { applyDelta } from '../../src/serving/graph-delta.js';
import { Lru } from '../../src/serving/lru.js';
import { userQuery } from '../../src/serving/user-queries.js';

function base() {
  const b = new GraphBuilder();
  b.addEdge('x', 'B1');
  b.addEdge('y', 'B1');
  b.addEdge('y', 'B2');
  b.setPinMeta('x', { locale: 'en' });
  return b.build();
}

describe('applyDelta', () => {
  it('adds and removes edges, appends new nodes, keeps dense ids of old ones', () => {
    const g = base();
    const h = applyDelta(
      g,
      [
        { op: 'add', pin: 'z', board: 'B2' },
        { op: 'remove', pin: 'y', board: 'B1' },
        { op: 'add', pin: 'x', board: 'B3' },
        { op: 'add', pin: 'q', board: 'B3' },
        { op: 'remove', pin: 'q', board: 'B3' }, // last op wins
      ],
      [{ kind: 'pin', id: 'z', locale: 'fr', createdAt: 42 }],
    );
    for (const id of ['x', 'y']) expect(h.pins.get(id)).toBe(g.pins.get(id));
    expect(h.numPins).toBe(4); // x y z q
    expect(h.numBoards).toBe(3);
    const edges = (p: string) => [...h.boardsOf(h.pins.get(p))].map((b) => h.boards.external(b)).sort();
    expect(edges('x')).toEqual(['B1', 'B3']);
    expect(edges('y')).toEqual(['B2']);
    expect(edges('z')).toEqual(['B2']);
    expect(edges('q')).toEqual([]);
    expect(h.numEdges).toBe(4);
    expect(categoricalValue(h.meta.pins.locale, h.pins.get('z'))).toBe('fr');
    expect(categoricalValue(h.meta.pins.locale, h.pins.get('x'))).toBe('en');
    expect(h.meta.pins.createdAt![h.pins.get('z')]).toBe(42);
    // the old graph is untouched
    expect(g.numEdges).toBe(3);
    expect(applyDelta(g, [], [])).toBe(g);
  });
});

describe('userQuery', () => {
  it('weights actions, decays with age, sums per pin and drops hidden pins', () => {
    const day = 86_400_000;
    const q = userQuery(
      [
        { pin: 'a', action: 'save', timestamp: 10 * day },
        { pin: 'b', action: 'click', timestamp: 10 * day },
        { pin: 'a', action: 'click', timestamp: 7 * day }, // 3 days old: half weight
        { pin: 'c', action: 'impression', timestamp: 10 * day },
        { pin: 'd', action: 'closeup', timestamp: 9 * day },
        { pin: 'd', action: 'hide', timestamp: 10 * day },
      ],
      { halfLifeMs: 3 * day },
    );
    expect(q.pins).toEqual(['a', 'b']);
    expect(q.weights[0]).toBeCloseTo(1 + 0.4 * 0.5, 12);
    expect(q.weights[1]).toBeCloseTo(0.4, 12);
    expect(q.hidden).toEqual(['d']);
    expect(q.seen.sort()).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('Lru', () => {
  it('evicts the least recently used entry', () => {
    const c = new Lru<number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1);
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.size).toBe(2);
    expect(() => new Lru(-1)).toThrow('cache capacity must be an integer >= 0, got -1');
  });
});

describe('applyDelta against a rebuild from scratch', () => {
  it('random adds and removes give the same edges as building the final edge set', async () => {
    const { Rng } = await import('../../src/util/rng.js');
    const rng = new Rng(11);
    for (let round = 0; round < 30; round++) {
      const edges = new Set<string>();
      const b = new GraphBuilder();
      for (let i = 0; i < 40; i++) {
        const e = `p${rng.int(15)}|B${rng.int(6)}`;
        edges.add(e);
      }
      for (const e of edges) {
        const [p, bd] = e.split('|');
        b.addEdge(p!, bd!);
      }
      const g = b.build();
      const changes: { op: 'add' | 'remove'; pin: string; board: string }[] = [];
      for (let i = 0; i < 25; i++) {
        const pin = `p${rng.int(20)}`;
        const board = `B${rng.int(8)}`;
        const op = rng.next() < 0.6 ? 'add' : 'remove';
        changes.push({ op, pin, board });
        if (op === 'add') edges.add(`${pin}|${board}`);
        else edges.delete(`${pin}|${board}`);
      }
      const h = applyDelta(g, changes, []);
      const got = new Set<string>();
      for (let p = 0; p < h.numPins; p++) {
        const row = h.boardsOf(p);
        for (let i = 1; i < row.length; i++) expect(row[i]!).toBeGreaterThan(row[i - 1]!); // sorted, unique
        for (const x of row) got.add(`${h.pins.external(p)}|${h.boards.external(x)}`);
      }
      expect(got).toEqual(edges);
      // the board side is the transpose
      let n = 0;
      for (let x = 0; x < h.numBoards; x++) for (const p of h.pinsOf(x)) n += got.has(`${h.pins.external(p)}|${h.boards.external(x)}`) ? 1 : 0;
      expect(n).toBe(edges.size);
    }
  });
});

describe('CompactList', () => {
  it('round-trips items, sources and parts', async () => {
    const { CompactList } = await import('../../src/serving/compact-list.js');
    const items: import('../../src/surfaces/types.js').RecommendedPin[] = [
      { pin: 5, score: 3.5, sources: ['pixie'], parts: { pixie: 3.5 } },
      { pin: 2, score: 1, sources: ['pixie', 'bm25'], parts: { pixie: 0.5, bm25: 0.25 }, fresh: true },
      { pin: 9, score: 0, sources: [], parts: {} },
    ];
    const c = new CompactList(items);
    expect(c.length).toBe(3);
    expect([...c.pins]).toEqual([5, 2, 9]);
    expect(c.item(0)).toEqual(items[0]);
    expect(c.item(1)).toEqual(items[1]);
    expect(c.item(2)).toEqual(items[2]);
    expect(c.parts(1)).toEqual({ pixie: 0.5, bm25: 0.25 });
    expect(new CompactList([]).length).toBe(0);
  });
});
