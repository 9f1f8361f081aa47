import type { Candidate, CandidateRequest } from '../candidates/types.js';

/**
 * Orders candidates for one request. The lightweight GBDT ranker implements this per client
 * surface; `VisitOrderRanker`-style defaults implement it without a model.
 */
export interface Ranker {
  readonly name: string;
  /** one score per candidate, higher first; must not reorder or mutate the input */
  score(req: CandidateRequest, candidates: Candidate[]): Float64Array;
}
