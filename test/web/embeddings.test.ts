import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { PinBoardGraph } from '../../src/graph/graph.js';
import { GraphEmbeddings } from '../../src/server/console.js';

function graph(edges: [string, string][]): PinBoardGraph {
  const b = new GraphBuilder();
  for (const [p, q] of edges) b.addEdge(p, q);
  return b.build();
}

const BASE: [string, string][] = [
  ['a', 'B1'],
  ['b', 'B1'],
  ['c', 'B1'],
  ['c', 'B2'],
  ['d', 'B2'],
  ['e', 'B3'],
  ['f', 'B3'],
  ['g', 'B4'],
  ['h', 'B4'],
  ['i', 'B4'],
  ['j', 'B5'],
];

describe('console PinnerSage embeddings', () => {
  it('carries vectors over to a newer graph by external id; new pins have none', () => {
    const emb = new GraphEmbeddings(4, 1, 0.5);
    const g1 = graph(BASE);
    const t1 = emb.of(g1);
    expect(emb.of(g1)).toBe(t1);
    expect(t1.dim).toBe(4);
    // the newer graph lists pins in another order and adds pin z
    const g2 = graph([['z', 'B5'], ...[...BASE].reverse()]);
    const t2 = emb.of(g2);
    expect(t2.dim).toBe(4);
    for (const id of ['a', 'c', 'f', 'j']) {
      const p1 = g1.pins.get(id);
      const p2 = g2.pins.get(id);
      expect(Array.from(t2.vectors.subarray(p2 * 4, p2 * 4 + 4))).toEqual(Array.from(t1.vectors.subarray(p1 * 4, p1 * 4 + 4)));
      expect(t2.present![p2]).toBe(1);
    }
    expect(t2.present![g2.pins.get('z')]).toBe(0);
  });

  it('recomputes once too many pins lack a vector', () => {
    const emb = new GraphEmbeddings(4, 1, 0.1);
    emb.of(graph(BASE));
    const g2 = graph([...BASE, ['y', 'B5'], ['z', 'B5']]);
    const t2 = emb.of(g2);
    // 2 of 12 pins new > 10%: a fresh SVD gives every connected pin a vector
    expect(t2.present![g2.pins.get('z')]).toBe(1);
    expect(t2.present![g2.pins.get('y')]).toBe(1);
    // unit rows (cosine geometry for Ward)
    const z = g2.pins.get('z');
    let n = 0;
    for (let k = 0; k < 4; k++) n += t2.vectors[z * 4 + k]! ** 2;
    expect(n).toBeCloseTo(1, 5);
  });
});
