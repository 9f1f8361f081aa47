/**
 * Learned retrieval as a home-feed candidate source: the user tower reads the request's query
 * pins (the user's recent engagements) or, when there are none, the user's stored history; the
 * user embedding then queries the HNSW index of the serving version. Feature: `two_tower` (u·v).
 */
import { checkRequest } from '../candidates/common.js';
import type { Candidate, CandidateGenerator, CandidateRequest } from '../candidates/types.js';
import type { PinContent, UserContent } from '../features/two-tower.js';
import type { ContentQuery, RetrievalService } from './service.js';

export interface TwoTowerSourceOptions {
  /** generator name (default 'two_tower') */
  name?: string;
  /** recent engaged pins of a known user, most recent last (used when queryPins is empty) */
  userHistory?: (user: number) => ArrayLike<number> | undefined;
  /**
   * content of a pin (metadata, annotations, text, vectors); the service encodes it with the
   * serving model's own feature spec, so it can never feed another version's features
   */
  pinContent?: (pin: number) => PinContent | undefined;
  /** the requesting user's profile record and recent actions */
  userContent?: (req: CandidateRequest) => UserContent | undefined;
  /** PinnerSage interest embedding of a known user */
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
    const q: ContentQuery = { history };
    if (o.pinContent) q.pinContent = o.pinContent;
    const user = o.userContent?.(req);
    if (user) q.user = user;
    if (req.user !== undefined) {
      const int = o.userInterest?.(req.user);
      if (int) q.interest = int;
    }
    // the user's own pins are not candidates
    const seen = new Set<number>();
    for (let i = 0; i < history.length; i++) seen.add(history[i]!);
    const r = this.service.retrieveContent(q, req.limit, seen.size > 0 ? (p) => !seen.has(p) : undefined);
    const out: Candidate[] = new Array<Candidate>(r.pins.length);
    for (let i = 0; i < r.pins.length; i++) {
      out[i] = { pin: r.pins[i]!, score: r.scores[i]!, sources: [this.name], features: { two_tower: r.scores[i]! } };
    }
    return out;
  }
}
