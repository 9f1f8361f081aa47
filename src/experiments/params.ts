import { compileRules } from '../rules/index.js';

/**
 * The variant params serving understands. Each is checked when the experiments file loads, so
 * a typo or a wrong type stops the server with the experiment, variant and param named instead
 * of being silently ignored per request.
 */
export interface VariantParams {
  /** ranker: "current" (the registry's serving model), "none" (Pixie visit-count order), "blend" (source-score blend), "v<N>" (that version of the surface's own model) or "<client>-v<N>" */
  ranker?: string;
  /** Pixie walk steps per query */
  pixieSteps?: number;
  /** home feed: a fresh pin every N slots (ratio blending); 0 = no fresh pins blended in */
  freshRatio?: number;
  /** per-source candidate quotas for the merge (sources a surface lacks are ignored there) */
  quotas?: Partial<Record<QuotaSource, number>>;
  /** default of exclude_seen for the variant (a request's own value wins) */
  excludeSeen?: boolean;
  /** default page size (a request's own limit wins) */
  limit?: number;
  /** rules (the rule language) applied after the request-time filters */
  rules?: string;
}

/** Candidate sources a quota may name: Related Pins' and the home feed's. */
export const QUOTA_SOURCES = ['pixie', 'board', 'text', 'visual', 'locale', 'pin2vec', 'two_tower', 'pinnersage', 'fresh_boards', 'fresh_neighbours'] as const;
export type QuotaSource = (typeof QUOTA_SOURCES)[number];

export const MAX_PIXIE_STEPS = 10_000_000;
const RANKER_RE = /^(none|blend|current|v[1-9]\d{0,8}|[a-z0-9][a-z0-9_-]{0,63}-v[1-9]\d{0,8})$/;

type Check = (v: unknown) => string | null;

const isInt = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** One checker per param: returns the problem, or null when the value is fine. */
const CHECKS: Record<keyof VariantParams, Check> = {
  ranker: (v) => (typeof v === 'string' && RANKER_RE.test(v) ? null : 'must be "current", "none", "blend", "v<N>" or "<client>-v<N>"'),
  pixieSteps: (v) => (isInt(v, 1, MAX_PIXIE_STEPS) ? null : `must be an integer from 1 to ${MAX_PIXIE_STEPS}`),
  freshRatio: (v) => (isInt(v, 0, 1000) ? null : 'must be an integer from 0 (no fresh pins) to 1000 (a fresh pin every N slots)'),
  quotas: (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must be an object of source -> quota';
    for (const [k, q] of Object.entries(v)) {
      if (!(QUOTA_SOURCES as readonly string[]).includes(k)) return `unknown source "${k}" (sources: ${QUOTA_SOURCES.join(', ')})`;
      if (!isInt(q, 0, 10_000)) return `quota of ${k} must be an integer from 0 to 10000, got ${JSON.stringify(q)}`;
    }
    return null;
  },
  excludeSeen: (v) => (typeof v === 'boolean' ? null : 'must be true or false'),
  limit: (v) => (isInt(v, 1, 100) ? null : 'must be an integer from 1 to 100'),
  rules: (v) => {
    if (typeof v !== 'string') return 'must be a string of rules';
    try {
      compileRules(v);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  },
};

export const PARAM_NAMES = Object.keys(CHECKS) as (keyof VariantParams)[];

/** Checks a variant's params; errors read `experiment E: variant V: param "p": <problem>, got <value>`. */
export function parseVariantParams(raw: Record<string, unknown>, experiment: string, variant: string): VariantParams {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const check = CHECKS[k as keyof VariantParams] as Check | undefined;
    if (!check) throw new Error(`experiment ${experiment}: variant ${variant}: unknown param "${k}" (params: ${PARAM_NAMES.join(', ')})`);
    const problem = check(v);
    if (problem !== null) throw new Error(`experiment ${experiment}: variant ${variant}: param "${k}": ${problem}, got ${JSON.stringify(v)}`);
    out[k] = k === 'quotas' ? { ...(v as object) } : v;
  }
  return out as VariantParams;
}

/** The params that change what the engine computes (the rest act on the finished list). */
export interface ServingParams {
  ranker?: string;
  pixieSteps?: number;
  freshRatio?: number;
  quotas?: Partial<Record<QuotaSource, number>>;
}

/** The serving part of merged params (empty object when a variant changes none of them). */
export function servingParams(p: VariantParams): ServingParams {
  const o: ServingParams = {};
  if (p.ranker !== undefined) o.ranker = p.ranker;
  if (p.pixieSteps !== undefined) o.pixieSteps = p.pixieSteps;
  if (p.freshRatio !== undefined) o.freshRatio = p.freshRatio;
  if (p.quotas !== undefined && Object.keys(p.quotas).length > 0) o.quotas = p.quotas;
  return o;
}
