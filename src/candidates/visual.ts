import { hasVector, unitRow, type VectorColumn, type VectorIndex } from '../embeddings/vectors.js';
import { checkRequest } from './common.js';
import type { NearDuplicates } from './near-duplicates.js';
import type { Candidate, CandidateGenerator, CandidateRequest } from './types.js';

/**
 * Visually similar pins: nearest neighbours of the query pins' vectors in a supplied embedding
 * column (e.g. a visual embedding), through any VectorIndex (HnswIndex in production). Several
 * query pins search with their weighted mean vector. Near-duplicates of the query (same image)
 * are not "similar", they are the same pin: they are left out. Feature: `cosine`.
 */
export class VisualGenerator implements CandidateGenerator {
  readonly name: string;
  private readonly q: Float32Array;
  private readonly row: Float32Array;

  constructor(
    readonly column: VectorColumn,
    readonly index: VectorIndex,
    readonly duplicates?: NearDuplicates,
    name = 'visual',
  ) {
    if (index.dim !== column.dim) throw new RangeError(`visual generator: index has ${index.dim} dims, column ${column.name} has ${column.dim}`);
    this.name = name;
    this.q = new Float32Array(column.dim);
    this.row = new Float32Array(column.dim);
  }

  generate(req: CandidateRequest): Candidate[] {
    checkRequest(this.name, req, Number.MAX_SAFE_INTEGER);
    const q = this.q;
    q.fill(0);
    let any = false;
    const queries = new Set<number>();
    for (let i = 0; i < req.queryPins.length; i++) {
      let p = req.queryPins[i]!;
      queries.add(p);
      if (this.duplicates) {
        p = this.duplicates.originalOf(p);
        queries.add(p);
      }
      if (!hasVector(this.column, p)) continue;
      const w = req.queryWeights ? req.queryWeights[i]! : 1;
      unitRow(this.column, p, this.row);
      for (let j = 0; j < q.length; j++) q[j]! += w * this.row[j]!;
      any = true;
    }
    if (!any || req.limit === 0) return [];
    const dups = this.duplicates;
    const origins = dups ? new Set([...queries].map((p) => dups.originalOf(p))) : null;
    const exclude = (p: number): boolean => queries.has(p) || (origins !== null && origins.has(dups!.originalOf(p)));
    const r = this.index.knn(q, req.limit, exclude);
    const out: Candidate[] = [];
    for (let i = 0; i < r.ids.length; i++) {
      const cos = 1 - r.distances[i]!;
      out.push({ pin: r.ids[i]!, score: cos, sources: [this.name], features: { cosine: cos } });
    }
    return out;
  }
}
