import { NUM_ACTIONS } from './events.js';
import type { MemboostTable } from './table.js';

/** Layout of one pair's counters: actions[0..4), expected[4..8), impressions at 8. */
export const ROW_WIDTH = 2 * NUM_ACTIONS + 1;
export const EXPECTED_OFFSET = NUM_ACTIONS;
export const IMPRESSIONS_OFFSET = 2 * NUM_ACTIONS;

/** One query's remembered results: result pin -> counters (ROW_WIDTH values). */
export type MemoryRow = Map<number, Float64Array>;

/** The batch table's row for a query as a MemoryRow. */
export function tableRow(table: MemboostTable, q: number): MemoryRow {
  const out: MemoryRow = new Map();
  const [s, e] = table.rowOf(q);
  for (let i = s; i < e; i++) {
    const v = new Float64Array(ROW_WIDTH);
    for (let a = 0; a < NUM_ACTIONS; a++) {
      v[a] = table.actions[i * NUM_ACTIONS + a]!;
      v[EXPECTED_OFFSET + a] = table.expected[i * NUM_ACTIONS + a]!;
    }
    v[IMPRESSIONS_OFFSET] = table.impressions[i]!;
    out.set(table.results[i]!, v);
  }
  return out;
}

/** Adds `extra` into `into` (pairwise counter sums), returning `into`. */
export function addRows(into: MemoryRow, extra: MemoryRow): MemoryRow {
  for (const [r, v] of extra) {
    const cur = into.get(r);
    if (!cur) into.set(r, Float64Array.from(v));
    else for (let k = 0; k < ROW_WIDTH; k++) cur[k]! += v[k]!;
  }
  return into;
}
