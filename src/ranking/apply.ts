import type { Candidate, CandidateRequest } from '../candidates/types.js';
import type { ExplorationPolicy } from './exploration.js';
import { GbdtRanker, VisitOrderRanker } from './gbdt-ranker.js';
import { candidateRecords, type CandidateLogSink } from './logging.js';
import type { Ranker } from './ranker.js';
import type { ModelRegistry } from './registry.js';

/** One candidate after ranking, with the parts `explain=true` shows. */
export interface RankedCandidate {
  candidate: Candidate;
  score: number;
  /** 'ranker' = the score; with explain, 'gbdt:<feature>' contributions and 'gbdt:bias' */
  parts: Record<string, number>;
}

/** The client's promoted GBDT ranker, or visit-count order when it has none yet. */
export function rankerFor(registry: ModelRegistry | null, client: string): Ranker {
  return registry?.ranker(client) ?? new VisitOrderRanker();
}

/**
 * Scores candidates and serves them: in score order, or shuffled for the exploration share of
 * requests (marked). When a sink is given, every candidate (served or not) is logged with its
 * served position for later training. Returns at most `limit` ranked candidates.
 */
export function rankAndServe(
  ranker: Ranker,
  req: CandidateRequest,
  candidates: Candidate[],
  o: {
    client: string;
    requestId: string;
    explain?: boolean;
    exploration?: ExplorationPolicy;
    sink?: CandidateLogSink;
    limit?: number;
  },
): { ranked: RankedCandidate[]; randomized: boolean } {
  const scores = ranker.score(req, candidates);
  const n = candidates.length;
  let order: Int32Array;
  let randomized = false;
  if (o.exploration) ({ order, randomized } = o.exploration.order(o.requestId, scores));
  else {
    order = Int32Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  }
  const limit = Math.min(n, o.limit ?? req.limit);
  const served = order.subarray(0, limit);
  const contrib = o.explain && ranker instanceof GbdtRanker ? ranker.explain(req, served.length ? Array.from(served, (i) => candidates[i]!) : []) : null;
  const ranked = Array.from(served, (i, k) => {
    const parts: Record<string, number> = { ranker: scores[i]! };
    if (contrib) for (const [f, v] of Object.entries(contrib[k]!)) parts[`gbdt:${f}`] = v;
    return { candidate: candidates[i]!, score: scores[i]!, parts };
  });
  o.sink?.log(candidateRecords(o.requestId, o.client, req, candidates, served, randomized));
  return { ranked, randomized };
}
