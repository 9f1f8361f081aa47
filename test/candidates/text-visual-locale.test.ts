import { describe, expect, it } from 'vitest';
import { LocaleSegmentedGenerator } from '../../src/candidates/locale.js';
import { NearDuplicates } from '../../src/candidates/near-duplicates.js';
import { Pin2VecGenerator } from '../../src/candidates/pin2vec.js';
import { TextGenerator } from '../../src/candidates/text.js';
import type { Candidate, CandidateGenerator, CandidateRequest } from '../../src/candidates/types.js';
import { VisualGenerator } from '../../src/candidates/visual.js';
import { ExactCosineIndex } from '../../src/embeddings/exact-index.js';
import { HnswIndex } from '../../src/embeddings/hnsw-index.js';
import type { VectorColumn } from '../../src/embeddings/vectors.js';
import { CategoricalBuilder } from '../../src/graph/metadata.js';
import { Bm25Index } from '../../src/text/bm25.js';

describe('TextGenerator', () => {
  const idx = Bm25Index.build(['chocolate cake recipe', 'vanilla cake', 'chocolate chip cookies', 'garden shed', 'chocolate cake frosting']);
  const gen = new TextGenerator(idx);

  it("queries with the pin's own annotations and ranks by BM25", () => {
    const out = gen.generate({ queryPins: [0], limit: 10, seed: 1 });
    // pin 4 shares chocolate + cake; pins 1 and 2 one term each (equal idf), the shorter pin 1 first
    expect(out.map((c) => c.pin)).toEqual([4, 1, 2]);
    expect(out[0]!.features.bm25).toBeGreaterThan(out[1]!.features.bm25!);
    expect(out.every((c) => c.sources[0] === 'text')).toBe(true);
  });

  it('returns nothing for a pin without text and rejects unknown pins', () => {
    const g2 = new TextGenerator(Bm25Index.build(['a', 'cake']));
    expect(g2.generate({ queryPins: [0], limit: 5, seed: 1 })).toEqual([]);
    expect(() => gen.generate({ queryPins: [9], limit: 5, seed: 1 })).toThrow(/query pin 9 is not a pin/);
  });
});

/** pins 0..5 in 2-d: 0 and 1 near-identical (1 re-uploads 0), 2 close, 3 opposite, 4 orthogonal, 5 has none */
function column(): VectorColumn {
  return {
    name: 'visual',
    dim: 2,
    vectors: Float32Array.from([1, 0, 1, 0.001, 0.9, 0.3, -1, 0, 0, 1, 0, 0]),
    present: Uint8Array.from([1, 1, 1, 1, 1, 0]),
  };
}

describe('VisualGenerator and near-duplicates', () => {
  for (const kind of ['exact', 'hnsw'] as const) {
    it(`finds nearest neighbours by cosine (${kind})`, () => {
      const col = column();
      const index = kind === 'exact' ? new ExactCosineIndex(col) : new HnswIndex(col, { seed: 1 });
      const gen = new VisualGenerator(col, index);
      const out = gen.generate({ queryPins: [2], limit: 3, seed: 1 });
      expect(out.map((c) => c.pin)).toEqual([1, 0, 4]);
      expect(out[1]!.features.cosine).toBeCloseTo(0.9 / Math.hypot(0.9, 0.3), 5);
    });
  }

  it('groups near-duplicates under the original and skips them as results', () => {
    const col = column();
    const index = new ExactCosineIndex(col);
    // pin 0 has more engagement, so it is the original of the pair {0, 1}
    const dups = NearDuplicates.detect(col, index, { threshold: 0.01, priority: [5, 1, 0, 0, 0, 0] });
    expect(Array.from(dups.canonical)).toEqual([0, 0, 2, 3, 4, 5]);
    expect(dups.groups).toBe(1);
    const gen = new VisualGenerator(col, index, dups);
    // the duplicate 1 is answered like its original 0, and 0 itself is not "similar" to 1
    expect(gen.generate({ queryPins: [1], limit: 2, seed: 1 }).map((c) => c.pin)).toEqual([2, 4]);
    expect(() => NearDuplicates.detect(col, index, { threshold: 3 })).toThrow(/threshold must be in/);
  });

  it('rejects mismatched columns', () => {
    const col = column();
    expect(() => new ExactCosineIndex({ ...col, vectors: new Float32Array(5) })).toThrow(/not a multiple of dim/);
    expect(() => new VisualGenerator({ ...col, dim: 3, vectors: new Float32Array(18), present: undefined }, new ExactCosineIndex(col))).toThrow(
      /index has 2 dims/,
    );
  });
});

describe('Pin2VecGenerator', () => {
  it('returns nearest vectors of the weighted query mean', () => {
    const col = column();
    const gen = new Pin2VecGenerator(col, new ExactCosineIndex(col));
    const out = gen.generate({ queryPins: [0, 4], limit: 2, seed: 1 });
    // mean of (1,0) and (0,1) is closest to (0.9,0.3)·norm and (1,0.001)
    expect(out.map((c) => c.pin)).toEqual([2, 1]);
    expect(gen.generate({ queryPins: [5], limit: 2, seed: 1 })).toEqual([]);
  });
});

describe('LocaleSegmentedGenerator', () => {
  class Fixed implements CandidateGenerator {
    readonly name = 'fixed';
    lastLimit = 0;
    generate(req: CandidateRequest): Candidate[] {
      this.lastLimit = req.limit;
      return [0, 1, 2, 3, 4, 5].map((p) => ({ pin: p, score: 6 - p, sources: ['fixed'], features: { x: p } }));
    }
  }
  const b = new CategoricalBuilder();
  ['en', 'en', 'en', 'fr', 'en', 'fr'].forEach((l, i) => b.set(i, l));
  const locale = b.build(6);

  it('keeps only pins of the viewer locale, reaching deep into the inner list', () => {
    const inner = new Fixed();
    const gen = new LocaleSegmentedGenerator(inner, locale, { overfetch: 3 });
    const out = gen.generate({ queryPins: [0], limit: 2, seed: 1, locale: 'fr' });
    expect(inner.lastLimit).toBe(6);
    expect(out.map((c) => c.pin)).toEqual([3, 5]);
    expect(out[0]!.sources).toEqual(['fixed@locale']);
    expect(out[0]!.features).toEqual({ x: 3, localeMatch: 1 });
  });

  it('proposes nothing without a known locale', () => {
    const gen = new LocaleSegmentedGenerator(new Fixed(), locale);
    expect(gen.generate({ queryPins: [0], limit: 2, seed: 1 })).toEqual([]);
    expect(gen.generate({ queryPins: [0], limit: 2, seed: 1, locale: 'de' })).toEqual([]);
  });
});
