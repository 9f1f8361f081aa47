import type { Candidate, CandidateRequest } from './types.js';

/** Builds candidates from parallel id/score arrays; `feature` names the raw score. */
export function toCandidates(ids: ArrayLike<number>, scores: ArrayLike<number>, source: string, feature: string): Candidate[] {
  const out: Candidate[] = new Array<Candidate>(ids.length);
  for (let i = 0; i < ids.length; i++) {
    out[i] = { pin: ids[i]!, score: scores[i]!, sources: [source], features: { [feature]: scores[i]! } };
  }
  return out;
}

/** Throws a clear error for malformed requests; shared by all generators. */
export function checkRequest(gen: string, req: CandidateRequest, numPins: number): void {
  if (!req || !Array.isArray(req.queryPins)) throw new TypeError(`${gen}: request.queryPins must be an array of pin ids`);
  if (!Number.isInteger(req.limit) || req.limit < 0) throw new RangeError(`${gen}: limit must be an integer >= 0, got ${req.limit}`);
  if (req.queryWeights && req.queryWeights.length !== req.queryPins.length)
    throw new RangeError(`${gen}: got ${req.queryWeights.length} query weights for ${req.queryPins.length} query pins`);
  for (const p of req.queryPins) {
    if (!Number.isInteger(p) || p < 0 || p >= numPins) throw new RangeError(`${gen}: query pin ${p} is not a pin (0..${numPins - 1})`);
  }
}
