import type { Candidate } from '../candidates/types.js';
import { NUM_ACTIONS } from './events.js';
import { EXPECTED_OFFSET, type MemoryRow } from './row.js';
import { memboostScore, type MemboostParams } from './score.js';

export interface InsertionOptions {
  /** at most this many remembered pins are re-inserted per request (default 10) */
  maxInsert: number;
  /** only pairs with MB above this are remembered "top results" (default 0: engaged more than expected) */
  minMemboost: number;
  /** and with at least this many weighted actions (default 1) */
  minActions: number;
}

export const DEFAULT_INSERTION: InsertionOptions = { maxInsert: 10, minMemboost: 0, minActions: 1 };

/**
 * Memboost insertion: results that users engaged with for this query in the past, but that the
 * candidate generators no longer return (the graph changed, a walk missed them), are put back
 * as candidates with source `memboost`. Best MB first; `skip` pins (the query, excludes) are
 * never inserted.
 */
export function rememberedCandidates(
  row: MemoryRow,
  present: Set<number>,
  params: MemboostParams,
  options: Partial<InsertionOptions> = {},
  skip?: (pin: number) => boolean,
): Candidate[] {
  const o: InsertionOptions = { ...DEFAULT_INSERTION, ...options };
  if (!Number.isInteger(o.maxInsert) || o.maxInsert < 0) throw new RangeError(`memboost insertion: maxInsert must be an integer >= 0, got ${o.maxInsert}`);
  const found: Candidate[] = [];
  for (const [r, v] of row) {
    if (present.has(r) || (skip !== undefined && skip(r))) continue;
    let weighted = 0;
    for (let a = 0; a < NUM_ACTIONS; a++) weighted += params.beta[a]! * v[a]!;
    if (weighted < o.minActions) continue;
    const mb = memboostScore(v, v.subarray(EXPECTED_OFFSET), params);
    if (!(mb > o.minMemboost)) continue;
    found.push({ pin: r, score: mb, sources: ['memboost'], features: { memboost: mb, inserted: 1 } });
  }
  found.sort((a, b) => b.score - a.score || a.pin - b.pin);
  return found.slice(0, o.maxInsert);
}
