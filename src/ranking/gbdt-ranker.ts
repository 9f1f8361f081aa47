import type { Candidate, CandidateRequest } from '../candidates/types.js';
import { FeatureExtractor } from './features.js';
import type { GbdtModel } from './gbdt/model.js';
import type { Ranker } from './ranker.js';

/**
 * The lightweight ranker: a GBDT model over the model's own named feature list. Scores are the
 * model's margin (monotone in the probability, and comparable across ranking objectives).
 */
export class GbdtRanker implements Ranker {
  private readonly extractor: FeatureExtractor;
  private margins: Float64Array = new Float64Array(64);

  constructor(
    readonly model: GbdtModel,
    readonly name = 'gbdt',
  ) {
    this.extractor = new FeatureExtractor(model.featureNames);
  }

  score(_req: CandidateRequest, candidates: Candidate[]): Float64Array {
    const n = candidates.length;
    if (n === 0) return new Float64Array(0);
    const x = this.extractor.scratch(candidates);
    if (this.margins.length < n) this.margins = new Float64Array(Math.max(n, this.margins.length * 2));
    this.model.predictMargin(x, n, this.margins);
    return this.margins.slice(0, n);
  }

  /**
   * Per-candidate feature contributions to the score (Saabas path attribution): one record per
   * candidate, feature name -> contribution, plus `bias`; the parts sum to the score.
   */
  explain(_req: CandidateRequest, candidates: Candidate[]): Record<string, number>[] {
    const nf = this.model.nFeatures;
    const x = this.extractor.matrix(candidates);
    const c = new Float64Array(nf + 1);
    return candidates.map((_, i) => {
      this.model.contributions(x, i * nf, c);
      const out: Record<string, number> = {};
      for (let f = 0; f < nf; f++) if (c[f] !== 0) out[this.model.featureNames[f]!] = c[f]!;
      out.bias = c[nf]!;
      return out;
    });
  }
}

/** The pre-model baseline: order by Pixie visit count (falls back to the generator score). */
export class VisitOrderRanker implements Ranker {
  readonly name = 'visit-order';
  score(_req: CandidateRequest, candidates: Candidate[]): Float64Array {
    return Float64Array.from(candidates, (c) => c.features.visits ?? c.score);
  }
}
