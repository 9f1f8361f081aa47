import { ROW_WIDTH, type MemoryRow } from './row.js';

/** One counter update: add `deltas` (ROW_WIDTH values, see row.ts) to pair (query, result). */
export interface CounterUpdate {
  query: number;
  result: number;
  deltas: ArrayLike<number>;
}

/**
 * Real-time Memboost counters between batch runs. Implementations: InMemoryCounterStore (one
 * process) and RedisCounterStore (shared by server replicas).
 */
export interface CounterStore {
  add(updates: CounterUpdate[]): Promise<void>;
  /** all counters of one query pin */
  row(query: number): Promise<MemoryRow>;
  /** forget everything (after a batch run folded the same events into the table) */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export function checkUpdate(u: CounterUpdate): void {
  if (!Number.isInteger(u.query) || u.query < 0) throw new RangeError(`counters: query ${u.query} is not a dense pin id`);
  if (!Number.isInteger(u.result) || u.result < 0) throw new RangeError(`counters: result ${u.result} is not a dense pin id`);
  if (u.deltas.length !== ROW_WIDTH) throw new RangeError(`counters: deltas must have ${ROW_WIDTH} values, got ${u.deltas.length}`);
  for (let i = 0; i < ROW_WIDTH; i++) if (!Number.isFinite(u.deltas[i]!)) throw new RangeError(`counters: delta ${i} is not finite`);
}

export class InMemoryCounterStore implements CounterStore {
  private readonly rows = new Map<number, MemoryRow>();

  async add(updates: CounterUpdate[]): Promise<void> {
    for (const u of updates) {
      checkUpdate(u);
      let row = this.rows.get(u.query);
      if (!row) this.rows.set(u.query, (row = new Map()));
      let v = row.get(u.result);
      if (!v) row.set(u.result, (v = new Float64Array(ROW_WIDTH)));
      for (let i = 0; i < ROW_WIDTH; i++) v[i]! += u.deltas[i]!;
    }
  }

  async row(query: number): Promise<MemoryRow> {
    const out: MemoryRow = new Map();
    const row = this.rows.get(query);
    if (row) for (const [r, v] of row) out.set(r, Float64Array.from(v));
    return out;
  }

  async clear(): Promise<void> {
    this.rows.clear();
  }

  async close(): Promise<void> {}
}
