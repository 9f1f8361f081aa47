/**
 * Learned retrieval as a home-feed candidate source: the user tower reads the request's query
 * pins (the user's recent engagements) or, when there are none, the user's stored history; the
 * user embedding then queries the HNSW index of the serving version. Feature: `two_tower` (u·v).
 */
import { checkRequest } from '../candidates/common.js';
import type { Candidate, CandidateGenerator, CandidateRequest } from '../candidates/types.js';
import type { UserInput } from './model.js';
import type { RetrievalService } from './service.js';

export interface TwoTowerSourceOptions {
  /** generator name (default 'two_tower') */
  name?: string;
  /** recent engaged pins of a known user, most recent last (used when queryPins is empty) */
  userHistory?: (user: number) => ArrayLike<number> | undefined;
  /** features of a pin (needed for pins newer than the model) */
  pinFeatures?: (pin: number) => Float32Array | undefined;
  /** profile features and PinnerSage interest embedding of a known user */
  userProfile?: (user: number) => Float32Array | undefined;
  userInterest?: (user: number) => Float32Array | undefined;
}

export class TwoTowerCandidateSource implements CandidateGenerator {
  readonly name: string;

  constructor(
    private readonly service: RetrievalService,
    private readonly opts: TwoTowerSourceOptions = {},
  ) {
    this.name = opts.name ?? 'two_tower';
  }

  generate(req: CandidateRequest): Candidate[] {
    checkRequest(this.name, req, Number.MAX_SAFE_INTEGER);
    if (req.limit === 0) return [];
    const o = this.opts;
    let history: ArrayLike<number> = req.queryPins;
    if (history.length === 0 && req.user !== undefined && o.userHistory) history = o.userHistory(req.user) ?? [];
    const input: UserInput = { history };
    if (o.pinFeatures) {
      const f: (Float32Array | undefined)[] = new Array(history.length);
      for (let i = 0; i < history.length; i++) f[i] = o.pinFeatures(history[i]!);
      input.historyFeatures = f;
    }
    if (req.user !== undefined) {
      const prof = o.userProfile?.(req.user);
      const int = o.userInterest?.(req.user);
      if (prof) input.profile = prof;
      if (int) input.interest = int;
    }
    // the user's own pins are not candidates
    const seen = new Set<number>();
    for (let i = 0; i < history.length; i++) seen.add(history[i]!);
    const r = this.service.retrieve(input, req.limit, seen.size > 0 ? (p) => !seen.has(p) : undefined);
    const out: Candidate[] = new Array<Candidate>(r.pins.length);
    for (let i = 0; i < r.pins.length; i++) {
      out[i] = { pin: r.pins[i]!, score: r.scores[i]!, sources: [this.name], features: { two_tower: r.scores[i]! } };
    }
    return out;
  }
}
