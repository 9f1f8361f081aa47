import type { CounterStore, CounterUpdate } from './counters.js';
import { actionIndex, checkEvent, IGNORED_ACTION, NUM_ACTIONS, type EngagementEvent } from './events.js';
import type { PositionRates } from './rates.js';
import { addRows, EXPECTED_OFFSET, IMPRESSIONS_OFFSET, ROW_WIDTH, tableRow, type MemoryRow } from './row.js';
import type { MemboostTable } from './table.js';

/**
 * Keeps Memboost fresh between batch runs: each new event of the surface updates a CounterStore
 * (an impression adds the slot's global action rates to the expected counts, an action adds 1
 * to its count), and `row(q)` returns the batch table's row plus those counters.
 */
export class RealtimeMemboost {
  constructor(
    private table: MemboostTable,
    readonly counters: CounterStore,
    readonly surface = 'related',
  ) {}

  get rates(): PositionRates {
    return this.table.rates;
  }

  get batch(): MemboostTable {
    return this.table;
  }

  /** Counter deltas for one event, or null when the event is not Memboost's. */
  updateFor(e: EngagementEvent): CounterUpdate | null {
    if (e.surface !== this.surface || e.queryPin === undefined) return null;
    checkEvent(e, 'memboost event');
    const a = actionIndex(e.action);
    if (a === IGNORED_ACTION) return null;
    const deltas = new Float64Array(ROW_WIDTH);
    if (a < 0) {
      const bucket = this.table.rates.findBucket(e.platform, e.position);
      for (let k = 0; k < NUM_ACTIONS; k++) deltas[EXPECTED_OFFSET + k] = this.table.rates.rate(bucket, k);
      deltas[IMPRESSIONS_OFFSET] = 1;
    } else deltas[a] = 1;
    return { query: e.queryPin, result: e.pin, deltas };
  }

  async record(events: EngagementEvent[]): Promise<number> {
    const ups: CounterUpdate[] = [];
    for (const e of events) {
      const u = this.updateFor(e);
      if (u) ups.push(u);
    }
    await this.counters.add(ups);
    return ups.length;
  }

  async row(q: number): Promise<MemoryRow> {
    return addRows(tableRow(this.table, q), await this.counters.row(q));
  }

  /** After a batch run that covered the counted events: swap the table and reset counters. */
  async replaceTable(table: MemboostTable): Promise<void> {
    this.table = table;
    await this.counters.clear();
  }
}
