import { describe, expect, it } from 'vitest';
import { FreshNeighbourMap } from '../../src/candidates/fresh-neighbours.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { MemboostTable } from '../../src/memboost/table.js';
import { PositionRates } from '../../src/memboost/rates.js';
import { remapFreshMap, remapMemboostTable } from '../../src/serving/full-surfaces.js';

/** Artefact graph: pins a b c (dense 0 1 2). Serving graph: c a (dense 0 1), b is gone. */
function graphs() {
  const from = new GraphBuilder();
  for (const p of ['a', 'b', 'c']) from.addEdge(p, 'X');
  const to = new GraphBuilder();
  to.addEdge('c', 'X');
  to.addEdge('a', 'X');
  return { from: from.build(), to: to.build() };
}

describe('artefact id remapping', () => {
  it('re-keys the Memboost table by external id and drops pairs with unknown pins', () => {
    const { from, to } = graphs();
    // query a(0): results b(1), c(2); query c(2): result a(0)
    const t = new MemboostTable(
      Uint32Array.of(0, 2),
      Uint32Array.of(0, 2, 3),
      Uint32Array.of(1, 2, 0),
      Float32Array.of(10, 20, 30),
      Float32Array.from({ length: 12 }, (_, i) => i),
      Float32Array.from({ length: 12 }, (_, i) => 100 + i),
      new PositionRates(),
    );
    const m = remapMemboostTable(t, from.pins, to);
    // serving ids: c=0, a=1 → query c(0): a(1) [was pair 2]; query a(1): c(0) [was pair 1]
    expect(Array.from(m.queries)).toEqual([0, 1]);
    expect(Array.from(m.offsets)).toEqual([0, 1, 2]);
    expect(Array.from(m.results)).toEqual([1, 0]);
    expect(Array.from(m.impressions)).toEqual([30, 20]);
    expect(m.stats(1, 0)!.actions).toEqual([4, 5, 6, 7]);
    expect(m.stats(0, 1)!.expected).toEqual([108, 109, 110, 111]);
    // same ids (no snapshot): kept as is
    expect(remapMemboostTable(t, null, from).numPairs).toBe(3);
  });

  it('re-keys the fresh-neighbour map', () => {
    const { from, to } = graphs();
    // established a(0) → fresh b(1), c(2); established c(2) → fresh a(0)
    const map = new FreshNeighbourMap(Uint32Array.of(0, 2, 2, 3), Uint32Array.of(1, 2, 0), Float32Array.of(0.5, 0.25, 0.75));
    const m = remapFreshMap(map, from.pins, to);
    expect(m.numPins).toBe(2);
    expect(Array.from(m.freshOf(1))).toEqual([0]); // a → c
    expect(Array.from(m.sims)).toEqual([0.75, 0.25]);
    expect(Array.from(m.freshOf(0))).toEqual([1]); // c → a
    // same ids on a grown graph: padded
    const big = new GraphBuilder();
    for (const p of ['a', 'b', 'c', 'd']) big.addEdge(p, 'X');
    const grown = remapFreshMap(map, null, big.build());
    expect(grown.numPins).toBe(4);
    expect(Array.from(grown.freshOf(0))).toEqual([1, 2]);
    expect(Array.from(grown.freshOf(2))).toEqual([0]);
    expect(grown.freshOf(3).length).toBe(0);
  });
});
