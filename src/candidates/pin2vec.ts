import { hasVector, unitRow, type VectorColumn, type VectorIndex } from '../embeddings/vectors.js';
import { checkRequest } from './common.js';
import type { Candidate, CandidateGenerator, CandidateRequest } from './types.js';

/**
 * Session co-occurrence (Pin2Vec): nearest neighbours of the query pins' skip-gram vectors
 * (weighted mean for several query pins). Feature: `pin2vec` (cosine similarity).
 */
export class Pin2VecGenerator implements CandidateGenerator {
  readonly name: string;
  private readonly q: Float32Array;
  private readonly row: Float32Array;

  constructor(
    readonly vectors: VectorColumn,
    readonly index: VectorIndex,
    name = 'pin2vec',
  ) {
    this.name = name;
    this.q = new Float32Array(vectors.dim);
    this.row = new Float32Array(vectors.dim);
  }

  generate(req: CandidateRequest): Candidate[] {
    checkRequest(this.name, req, Number.MAX_SAFE_INTEGER);
    const q = this.q;
    q.fill(0);
    let any = false;
    for (let i = 0; i < req.queryPins.length; i++) {
      const p = req.queryPins[i]!;
      if (!hasVector(this.vectors, p)) continue;
      const w = req.queryWeights ? req.queryWeights[i]! : 1;
      unitRow(this.vectors, p, this.row);
      for (let j = 0; j < q.length; j++) q[j]! += w * this.row[j]!;
      any = true;
    }
    if (!any || req.limit === 0) return [];
    const qs = new Set(req.queryPins);
    const r = this.index.knn(q, req.limit, (p) => qs.has(p));
    const out: Candidate[] = [];
    for (let i = 0; i < r.ids.length; i++) {
      const cos = 1 - r.distances[i]!;
      out.push({ pin: r.ids[i]!, score: cos, sources: [this.name], features: { pin2vec: cos } });
    }
    return out;
  }
}
