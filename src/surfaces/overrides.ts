import type { Candidate, CandidateRequest } from '../candidates/types.js';
import type { Ranker } from '../ranking/ranker.js';
import type { ExperimentTag, ServingOverrides } from './types.js';

/** A canonical text of overrides ('' for none): part of cache keys and of variant-surface keys. */
export function overridesKey(o: ServingOverrides | undefined): string {
  if (!o) return '';
  const parts: string[] = [];
  if (o.ranker !== undefined) parts.push(`r=${o.ranker}`);
  if (o.pixieSteps !== undefined) parts.push(`s=${o.pixieSteps}`);
  if (o.freshRatio !== undefined) parts.push(`f=${o.freshRatio}`);
  if (o.quotas) {
    const q = Object.keys(o.quotas)
      .sort()
      .map((k) => `${k}:${o.quotas![k]}`);
    if (q.length > 0) parts.push(`q=${q.join(',')}`);
  }
  return parts.join(';');
}

/** A canonical text of experiment assignments ('' for none). */
export function tagsKey(tags: readonly ExperimentTag[] | undefined): string {
  return tags ? tags.map((t) => `${t.experimentId}=${t.variant}`).join(',') : '';
}

/**
 * The "none" ranker of a variant: Pixie visit counts alone (candidates Pixie did not reach
 * score 0 and follow in merge order), i.e. the pipeline without a learned or blended ranker.
 */
export class VisitCountRanker implements Ranker {
  readonly name = 'visits';

  score(_req: CandidateRequest, candidates: Candidate[]): Float64Array {
    const out = new Float64Array(candidates.length);
    for (let i = 0; i < candidates.length; i++) out[i] = candidates[i]!.features['visits'] ?? 0;
    return out;
  }
}
