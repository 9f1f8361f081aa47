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
  /** per-request changes to the pipeline (an experiment variant's params); see overrides.ts */
  overrides?: ServingOverrides;
  /** the viewer's experiment assignments, carried into logged candidates */
  experiments?: readonly ExperimentTag[];
}

/**
 * What one request may change in a surface's pipeline. A surface ignores what it does not
 * have (the Pixie-only surfaces read only pixieSteps; Related Pins has no fresh blending).
 */
export interface ServingOverrides {
  /** "current", "none" (Pixie visit-count order), "blend", "v<N>" or "<client>-v<N>" from the ranking registry */
  ranker?: string;
  pixieSteps?: number;
  /** a fresh pin every N slots; 0 = none */
  freshRatio?: number;
  /** per-source merge quotas, by generator name */
  quotas?: Readonly<Record<string, number>>;
}

export interface ExperimentTag {
  experimentId: string;
  variant: string;
}

/** A surface composes candidate generators, Memboost, ranking and blending into one list. */
export interface Surface {
  readonly name: string;
  recommend(req: SurfaceRequest): Promise<RecommendedPin[]>;
}
