import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { buildMemboostTable } from '../../src/memboost/coec.js';
import { Bm25Index } from '../../src/text/bm25.js';
import { createRelatedPins, pinDocuments, tableMemory, vectorColumnFromRows, type PinCatalogueRow } from '../../src/surfaces/related-pins.js';

function catalogue() {
  const b = new GraphBuilder();
  // two boards about cakes, one about sheds; pin 'e' is a near-duplicate image of 'a'
  for (const p of ['a', 'b', 'c']) b.addEdge(p, 'cakes');
  for (const p of ['a', 'b', 'd']) b.addEdge(p, 'baking');
  for (const p of ['f', 'g']) b.addEdge(p, 'sheds');
  b.addEdge('e', 'misc');
  b.addEdge('g', 'misc');
  for (const [p, l] of [['a', 'en'], ['b', 'en'], ['c', 'fr'], ['d', 'en'], ['e', 'en'], ['f', 'en'], ['g', 'fr']] as const) b.setPinMeta(p, { locale: l });
  const g = b.build();
  const rows: PinCatalogueRow[] = [
    { id: 'a', annotations: ['chocolate cake'], embeddings: { visual: [1, 0, 0] } },
    { id: 'b', text: 'vanilla cake', embeddings: { visual: [0.9, 0.2, 0] } },
    { id: 'c', annotations: ['gâteau'], embeddings: { visual: [0.7, 0.7, 0] } },
    { id: 'd', annotations: ['chocolate cookies'], embeddings: { visual: [0, 1, 0] } },
    { id: 'e', annotations: ['chocolate cake'], embeddings: { visual: [1, 0.001, 0] } },
    { id: 'f', text: 'garden shed', embeddings: { visual: [0, 0, 1] } },
    { id: 'zzz', text: 'not in the graph' },
  ];
  return { g, rows };
}

describe('createRelatedPins', () => {
  it('builds documents and vector columns in dense order', () => {
    const { g, rows } = catalogue();
    const docs = pinDocuments(rows, g.pins);
    expect(docs[g.pins.get('a')]).toBe('chocolate cake');
    expect(docs[g.pins.get('g')]).toBeNull();
    const col = vectorColumnFromRows('visual', rows, g.pins)!;
    expect(col.dim).toBe(3);
    expect(col.present![g.pins.get('g')]).toBe(0);
    expect(Array.from(col.vectors.subarray(g.pins.get('b') * 3, g.pins.get('b') * 3 + 3))).toEqual([Math.fround(0.9), Math.fround(0.2), 0]);
    expect(vectorColumnFromRows('text', rows, g.pins)).toBeNull();
    expect(() => vectorColumnFromRows('visual', [...rows, { id: 'g', embeddings: { visual: [1] } }], g.pins)).toThrow(/has 1 dims, expected 3/);
  });

  it('wires every available source, near-duplicates and Memboost', async () => {
    const { g, rows } = catalogue();
    const id = (x: string): number => g.pins.get(x);
    const visual = vectorColumnFromRows('visual', rows, g.pins)!;
    const table = await buildMemboostTable([
      { pin: id('f'), queryPin: id('a'), action: 'impression', position: 5, platform: 'web', surface: 'related', timestamp: 0 },
      { pin: id('f'), queryPin: id('a'), action: 'save', position: 5, platform: 'web', surface: 'related', timestamp: 0 },
      { pin: id('d'), queryPin: id('b'), action: 'impression', position: 5, platform: 'web', surface: 'related', timestamp: 0 },
    ]);
    const s = createRelatedPins(
      { graph: g, text: Bm25Index.build(pinDocuments(rows, g.pins)), visual, memory: tableMemory(table) },
      { pixie: { steps: 2000 }, duplicateThreshold: 0.01, hnsw: { seed: 1 } },
    );
    const out = await s.recommend({ queryPins: [id('e')], limit: 10, seed: 1, surface: 'related', explain: true, locale: 'fr' });
    const pins = out.map((r) => g.pins.external(r.pin));
    // e is a duplicate of a (a has more boards): answered with a's related pins, without a or e
    expect(pins).not.toContain('a');
    expect(pins).not.toContain('e');
    // b shares both of a's boards; c shares one and is in the viewer's locale
    expect(pins.slice(0, 2).sort()).toEqual(['b', 'c']);
    expect(pins).toContain('f');
    const f = out.find((r) => g.pins.external(r.pin) === 'f')!;
    // one save where half a save was expected: MB = log((4 + 2) / (4·0.5 + 2))
    expect(f.parts.memboost).toBeCloseTo(Math.log(6 / 4), 6);
    const sources = new Set(out.flatMap((r) => r.sources));
    for (const src of ['pixie', 'board', 'text', 'visual', 'pixie@locale', 'board@locale']) expect(sources.has(src)).toBe(true);
    const c = out.find((r) => g.pins.external(r.pin) === 'c')!;
    expect(c.sources).toContain('board@locale');
  });
});
