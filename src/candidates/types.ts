/**
 * The one interface every candidate generator implements. Pins are dense graph ids; a
 * generator returns its best candidates with a score in its own scale and its source name.
 */
export interface Candidate {
  /** dense pin id */
  pin: number;
  /** the generator's own score (higher is better) */
  score: number;
  /** every source that proposed this pin (after merging, more than one) */
  sources: string[];
  /** named numeric parts used by ranking and `explain` (e.g. visits, bm25, cosine, memboost) */
  features: Record<string, number>;
}

/** What a generator may look at for one request. */
export interface CandidateRequest {
  /** weighted query pins (dense ids); one for Related Pins, many for the home feed */
  queryPins: number[];
  queryWeights?: number[];
  /** viewer's locale, for locale-segmented or biased generation */
  locale?: string;
  /** dense user id when the viewer is known */
  user?: number;
  /** external id of the viewer, for per-user state kept outside the graph (PinnerSage profiles) */
  viewer?: string;
  /** how many candidates the generator should return at most */
  limit: number;
  /** seed for any randomness; same request + seed -> same output */
  seed: number;
  /** request time in epoch ms (freshness, decay) */
  now?: number;
}

export interface CandidateGenerator {
  readonly name: string;
  generate(req: CandidateRequest): Candidate[];
}
