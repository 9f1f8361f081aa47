import type { FitResult } from './fit.js';
import { checkParams, DEFAULT_MEMBOOST, type MemboostParams } from './score.js';

/**
 * Memboost parameters as a job stored them. `ranker` names the ranking model they were fitted
 * against (`rankerKey`); null when they were set by hand, not fitted.
 */
export interface StoredMemboostParams {
  params: MemboostParams;
  ranker: string | null;
  fit: FitResult | null;
}

/** Key of a ranking model: `<client>@v<version>` for a registry model, `blend` for the default ranker. */
export function rankerKey(client: string, version: number | null): string {
  return version === null || version < 1 ? 'blend' : `${client}@v${version}`;
}

/** Checks a parsed params file; `where` names the file in the error. */
export function parseStoredParams(json: unknown, where: string): StoredMemboostParams {
  if (!json || typeof json !== 'object') throw new Error(`memboost params ${where}: not a JSON object`);
  const j = json as Partial<StoredMemboostParams>;
  if (!j.params) throw new Error(`memboost params ${where}: no 'params'`);
  try {
    checkParams(j.params);
  } catch (e) {
    throw new Error(`memboost params ${where}: ${(e as Error).message}`);
  }
  const ranker = j.ranker ?? null;
  if (ranker !== null && typeof ranker !== 'string') throw new Error(`memboost params ${where}: 'ranker' must be a string or null`);
  return { params: j.params, ranker, fit: j.fit ?? null };
}

export type ParamsOrigin = 'fitted' | 'configured' | 'defaults';

/**
 * Which parameters serve a ranker. γ is relative to the ranker's score scale, so fitted
 * parameters apply only to the ranker they were fitted against. In order: the first candidate
 * fitted for `served`; else the first one set by hand (ranker null, an operator's choice that
 * holds for any ranker); else DEFAULT_MEMBOOST.
 */
export function resolveMemboostParams(
  served: string,
  candidates: readonly (StoredMemboostParams | null)[],
): { params: MemboostParams; origin: ParamsOrigin; fittedFor: string | null } {
  for (const c of candidates) if (c && c.ranker === served) return { params: c.params, origin: 'fitted', fittedFor: served };
  for (const c of candidates) if (c && c.ranker === null) return { params: c.params, origin: 'configured', fittedFor: null };
  return { params: DEFAULT_MEMBOOST, origin: 'defaults', fittedFor: null };
}
