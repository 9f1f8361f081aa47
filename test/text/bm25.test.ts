import { describe, expect, it } from 'vitest';
import { Bm25Index } from '../../src/text/bm25.js';
import { tokenize } from '../../src/text/tokenize.js';

describe('tokenize', () => {
  it('lower-cases, splits on punctuation, drops stop words and 1-char tokens', () => {
    expect(tokenize('The Red-Velvet cake, a recipe & 2 tips; café!')).toEqual(['red', 'velvet', 'cake', 'recipe', 'tips', 'café']);
  });
  it('rejects non-strings', () => {
    expect(() => tokenize(3 as unknown as string)).toThrow(/expected a string/);
  });
});

describe('Bm25Index', () => {
  const docs = ['red cake recipe', 'red red dress', 'chocolate cake', null];
  const idx = Bm25Index.build(docs);

  it('scores by hand-computed BM25', () => {
    // N = 4, avgdl = (3+3+2+0)/4 = 2, k1 = 1.2, b = 0.75
    const idf = (df: number): number => Math.log(1 + (4 - df + 0.5) / (df + 0.5));
    const part = (tf: number, len: number): number => (tf * 2.2) / (tf + 1.2 * (1 - 0.75 + (0.75 * len) / 2));
    const hits = idx.search('red', 10);
    expect(hits.map((h) => h.doc)).toEqual([1, 0]);
    expect(hits[0]!.score).toBeCloseTo(idf(2) * part(2, 3), 10);
    expect(hits[1]!.score).toBeCloseTo(idf(2) * part(1, 3), 10);
    const cake = idx.search('cake', 10);
    // shorter doc 2 beats doc 0 for the same tf
    expect(cake.map((h) => h.doc)).toEqual([2, 0]);
    expect(cake[0]!.score).toBeCloseTo(idf(2) * part(1, 2), 10);
  });

  it('searchLike uses a document as the query and leaves it out', () => {
    const hits = idx.searchLike(0, 10);
    expect(hits.map((h) => h.doc).sort()).toEqual([1, 2]);
    expect(idx.docTermsOf(1)).toEqual(new Map([['red', 2], ['dress', 1]]));
    expect(idx.searchLike(3, 5)).toEqual([]);
  });

  it('respects k and exclude, ignores unknown terms', () => {
    expect(idx.search('red cake', 1)).toHaveLength(1);
    expect(idx.search('red', 10, (d) => d === 1).map((h) => h.doc)).toEqual([0]);
    expect(idx.search('banana', 10)).toEqual([]);
    expect(idx.docFreq('cake')).toBe(2);
  });

  it('rejects bad input with clear errors', () => {
    expect(() => Bm25Index.build([], { b: 2 })).toThrow(/b must be in \[0, 1\]/);
    expect(() => idx.search('red', -1)).toThrow(/k must be an integer/);
    expect(() => idx.searchLike(9, 1)).toThrow(/document 9 is not in the index/);
  });
});
