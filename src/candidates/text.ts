import type { Bm25Index } from '../text/bm25.js';
import { checkRequest } from './common.js';
import type { Candidate, CandidateGenerator, CandidateRequest } from './types.js';

/**
 * Text search: BM25 over pin annotations; the query is the query pins' own annotation terms
 * (weighted by query weight). Feature: `bm25`.
 */
export class TextGenerator implements CandidateGenerator {
  readonly name: string;

  constructor(
    readonly index: Bm25Index,
    name = 'text',
  ) {
    this.name = name;
  }

  generate(req: CandidateRequest): Candidate[] {
    checkRequest(this.name, req, this.index.numDocs);
    const terms = new Map<string, number>();
    for (let i = 0; i < req.queryPins.length; i++) {
      const w = req.queryWeights ? req.queryWeights[i]! : 1;
      for (const t of this.index.docTermsOf(req.queryPins[i]!).keys()) terms.set(t, (terms.get(t) ?? 0) + w);
    }
    if (terms.size === 0) return [];
    const qs = new Set(req.queryPins);
    const hits = this.index.search(terms, req.limit, (d) => qs.has(d));
    return hits.map((h) => ({ pin: h.doc, score: h.score, sources: [this.name], features: { bm25: h.score } }));
  }
}
