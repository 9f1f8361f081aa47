import { actionIndex, checkEvent, IGNORED_ACTION, NUM_ACTIONS, type EngagementEvent } from './events.js';
import { PositionRates } from './rates.js';
import { MemboostTable } from './table.js';

export interface CoecOptions {
  /** only events of this surface count (default 'related') */
  surface: string;
  /** positions beyond this share one bias bucket (default 50) */
  maxPosition: number;
}

const PAIR_SHIFT = 2 ** 26;

/**
 * Aggregates an event log into the Memboost table (clicks over expected clicks, COEC).
 *
 * For each (query q, result r): actions_a = count of action a; expected_a = Σ over r's
 * impressions at (platform, position) of the global rate of a at that (platform, position).
 * The global rates are only known once the whole log is read, so impressions are kept per
 * (pair, bucket) and expected counts are formed in `finish()`. Events of other surfaces, or
 * without a query pin, are skipped (counted in `skipped`).
 */
export class CoecAggregator {
  readonly rates: PositionRates;
  private readonly o: CoecOptions;
  private readonly pairIndex = new Map<number, number>();
  private pairQ: number[] = [];
  private pairR: number[] = [];
  private pairActions: number[] = [];
  /** (pair * slotsTotal + bucket) -> impressions; buckets grow with platforms, so keyed by pair and bucket */
  private readonly pairBucket = new Map<number, number>();
  events = 0;
  skipped = 0;

  constructor(options: Partial<CoecOptions> = {}) {
    this.o = { surface: 'related', maxPosition: 50, ...options };
    this.rates = new PositionRates(this.o.maxPosition);
  }

  add(e: EngagementEvent): void {
    if (e.surface !== this.o.surface || e.queryPin === undefined || e.queryPin === null) {
      this.skipped++;
      return;
    }
    checkEvent(e, `memboost event ${this.events + this.skipped}`);
    const a = actionIndex(e.action);
    if (a === IGNORED_ACTION) {
      this.skipped++;
      return;
    }
    const q = e.queryPin;
    const r = e.pin;
    if (q >= PAIR_SHIFT || r >= PAIR_SHIFT) throw new RangeError(`memboost: pin ids must be < ${PAIR_SHIFT}`);
    this.events++;
    const bucket = this.rates.bucket(e.platform, e.position);
    const key = q * PAIR_SHIFT + r;
    let pi = this.pairIndex.get(key);
    if (pi === undefined) {
      pi = this.pairQ.length;
      this.pairIndex.set(key, pi);
      this.pairQ.push(q);
      this.pairR.push(r);
      for (let k = 0; k <= NUM_ACTIONS; k++) this.pairActions.push(0);
    }
    const base = pi * (NUM_ACTIONS + 1);
    if (a < 0) {
      this.rates.addImpression(bucket);
      this.pairActions[base + NUM_ACTIONS]!++;
      // 2^20 buckets per pair is far above platforms × positions in practice
      const bk = pi * 1048576 + bucket;
      this.pairBucket.set(bk, (this.pairBucket.get(bk) ?? 0) + 1);
    } else {
      this.rates.addAction(bucket, a);
      this.pairActions[base + a]!++;
    }
  }

  async addAll(events: AsyncIterable<EngagementEvent> | Iterable<EngagementEvent>): Promise<this> {
    for await (const e of events) this.add(e);
    return this;
  }

  finish(): MemboostTable {
    const n = this.pairQ.length;
    const expected = new Float64Array(n * NUM_ACTIONS);
    for (const [bk, imps] of this.pairBucket) {
      const pi = Math.floor(bk / 1048576);
      const bucket = bk - pi * 1048576;
      for (let a = 0; a < NUM_ACTIONS; a++) expected[pi * NUM_ACTIONS + a]! += imps * this.rates.rate(bucket, a);
    }
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => this.pairQ[x]! - this.pairQ[y]! || this.pairR[x]! - this.pairR[y]!);
    const queries: number[] = [];
    const offsets: number[] = [0];
    const results = new Uint32Array(n);
    const impressions = new Float32Array(n);
    const actions = new Float32Array(n * NUM_ACTIONS);
    const exp = new Float32Array(n * NUM_ACTIONS);
    for (let k = 0; k < n; k++) {
      const pi = order[k]!;
      const q = this.pairQ[pi]!;
      if (queries.length === 0 || queries[queries.length - 1] !== q) {
        if (queries.length > 0) offsets.push(k);
        queries.push(q);
      }
      results[k] = this.pairR[pi]!;
      const base = pi * (NUM_ACTIONS + 1);
      impressions[k] = this.pairActions[base + NUM_ACTIONS]!;
      for (let a = 0; a < NUM_ACTIONS; a++) {
        actions[k * NUM_ACTIONS + a] = this.pairActions[base + a]!;
        exp[k * NUM_ACTIONS + a] = expected[pi * NUM_ACTIONS + a]!;
      }
    }
    offsets.push(n);
    if (queries.length === 0) offsets.length = 1;
    return new MemboostTable(Uint32Array.from(queries), Uint32Array.from(offsets), results, impressions, actions, exp, this.rates);
  }
}

/** Reads a whole log and returns the Memboost table. */
export async function buildMemboostTable(
  events: AsyncIterable<EngagementEvent> | Iterable<EngagementEvent>,
  options: Partial<CoecOptions> = {},
): Promise<MemboostTable> {
  const agg = new CoecAggregator(options);
  await agg.addAll(events);
  return agg.finish();
}
