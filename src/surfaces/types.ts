import type { CandidateRequest } from '../candidates/types.js';

/** One recommended pin with everything `explain=true` shows. */
export interface RecommendedPin {
  /** dense pin id */
  pin: number;
  /** final score the list is sorted by */
  score: number;
  /** candidate sources that proposed it */
  sources: string[];
  /** score parts: visits, memboost, ranker, feature contributions, ... */
  parts: Record<string, number>;
  fresh?: boolean;
}

export interface SurfaceRequest extends CandidateRequest {
  /** client surface name: related, homefeed, related_boards, notifications, ... */
  surface: string;
  explain: boolean;
  /** dense pin ids that must not be returned (seen, hidden, request-time excludes) */
  exclude?: Set<number>;
}

/** A surface composes candidate generators, Memboost, ranking and blending into one list. */
export interface Surface {
  readonly name: string;
  recommend(req: SurfaceRequest): Promise<RecommendedPin[]>;
}
