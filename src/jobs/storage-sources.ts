/**
 * Adapters from Storage's event log to the event streams the batch jobs take: two-tower
 * retraining (EngagementSource), PinnerSage's daily job (dense-id EventSource) and the GBDT
 * ranker's training join (ranking EngagementEvent with a request id and dense pin).
 */
import type { EngagementEvent as RetrievalEvent, EngagementSource } from '../retrieval/engagements.js';
import type { EngagementEvent as RankingEvent } from '../ranking/logging.js';
import type { EngagementEvent as StoredEvent, EventRange, Storage } from '../storage/types.js';
import type { EngagementEvent as UserEvent, EventSource } from '../users/events.js';

export interface StorageSourceOptions {
  /** inclusive lower bound on timestamp, epoch ms */
  since?: number;
  /** exclusive upper bound on timestamp, epoch ms */
  until?: number;
  /** only these actions (default: all) */
  actions?: readonly string[];
  batchSize?: number;
}

function rangeOf(o: StorageSourceOptions): EventRange {
  if (o.since !== undefined && !Number.isFinite(o.since)) throw new RangeError(`storage source: since must be a finite epoch ms, got ${o.since}`);
  if (o.until !== undefined && !Number.isFinite(o.until)) throw new RangeError(`storage source: until must be a finite epoch ms, got ${o.until}`);
  if (o.batchSize !== undefined && (!Number.isInteger(o.batchSize) || o.batchSize < 1)) {
    throw new RangeError(`storage source: batchSize must be an integer >= 1, got ${o.batchSize}`);
  }
  if (o.actions !== undefined && o.actions.length === 0) throw new RangeError('storage source: actions must not be empty (leave it out for all)');
  const r: EventRange = {};
  if (o.since !== undefined) r.from = o.since;
  if (o.until !== undefined) r.to = o.until;
  if (o.batchSize !== undefined) r.batchSize = o.batchSize;
  return r;
}

/** Stored events in (timestamp, arrival) order, filtered by action. */
export async function* storedEvents(storage: Storage, o: StorageSourceOptions = {}): AsyncIterable<StoredEvent> {
  const range = rangeOf(o);
  const keep = o.actions ? new Set(o.actions) : null;
  for await (const batch of storage.iterateEvents(range)) {
    for (const e of batch) if (!keep || keep.has(e.action)) yield e;
  }
}

/** An EngagementSource (two-tower retraining) over stored events; also async-iterable itself. */
export class StorageEngagementSource implements EngagementSource, AsyncIterable<RetrievalEvent> {
  readonly description: string;
  constructor(
    private readonly storage: Storage,
    private readonly opts: StorageSourceOptions = {},
  ) {
    rangeOf(opts); // fail early on bad options
    const parts = [`storage:${storage.kind}`];
    if (opts.since !== undefined) parts.push(`since=${new Date(opts.since).toISOString()}`);
    if (opts.actions) parts.push(`actions=${opts.actions.join(',')}`);
    this.description = parts.join(' ');
  }

  async *events(): AsyncIterable<RetrievalEvent> {
    for await (const e of storedEvents(this.storage, this.opts)) yield { user: e.user, pin: e.pin, action: e.action, timestamp: e.timestamp };
  }

  [Symbol.asyncIterator](): AsyncIterator<RetrievalEvent> {
    return this.events()[Symbol.asyncIterator]();
  }
}

export function storageEngagementSource(storage: Storage, opts: StorageSourceOptions = {}): StorageEngagementSource {
  return new StorageEngagementSource(storage, opts);
}

/** Maps an external id to a dense id, or -1 when unknown. */
export type DenseLookup = (external: string) => number;

export interface DenseEventOptions extends StorageSourceOptions {
  /** external pin id -> dense graph id (e.g. `(id) => graph.pins.get(id)`); unknown pins are skipped */
  pin: DenseLookup;
  /** external user id -> dense id; default: numbered 0, 1, ... in first-seen order (see `users`) */
  user?: DenseLookup;
  /** filled with the first-seen user numbering when `user` is left out (index = dense id) */
  users?: string[];
}

/**
 * PinnerSage's EventSource over stored events (dense ids). Events whose pin (or user, with a
 * lookup) is unknown are skipped: they cannot be embedded anyway.
 */
export function storageUserEvents(storage: Storage, o: DenseEventOptions): EventSource {
  rangeOf(o);
  if (typeof o.pin !== 'function') throw new TypeError('storageUserEvents: pin lookup is required');
  return {
    async *[Symbol.asyncIterator](): AsyncIterator<UserEvent> {
      const seen = new Map<string, number>();
      const names = o.users ?? [];
      for await (const e of storedEvents(storage, o)) {
        const pin = o.pin(e.pin);
        if (pin < 0) continue;
        let user: number;
        if (o.user) {
          user = o.user(e.user);
          if (user < 0) continue;
        } else {
          const u = seen.get(e.user);
          if (u === undefined) {
            user = names.length;
            seen.set(e.user, user);
            names.push(e.user);
          } else user = u;
        }
        yield { user, pin, action: e.action, timestamp: e.timestamp };
      }
    },
  };
}

export interface RankingEventStats {
  read: number;
  /** events without a request id (cannot be joined to the candidate log) */
  noRequest: number;
  /** events whose pin the lookup does not know */
  unknownPin: number;
}

/**
 * Stored events as the ranker's training join wants them ({requestId, pin, action, ts}), with
 * dense pins. Events without a request id or with an unknown pin are counted and left out.
 */
export async function readRankingEvents(storage: Storage, o: DenseEventOptions): Promise<{ events: RankingEvent[]; stats: RankingEventStats }> {
  const events: RankingEvent[] = [];
  const stats: RankingEventStats = { read: 0, noRequest: 0, unknownPin: 0 };
  for await (const e of storedEvents(storage, o)) {
    stats.read++;
    if (!e.requestId) {
      stats.noRequest++;
      continue;
    }
    const pin = o.pin(e.pin);
    if (pin < 0) {
      stats.unknownPin++;
      continue;
    }
    const r: RankingEvent = { requestId: e.requestId, pin, action: e.action, ts: e.timestamp };
    if (o.user) {
      const u = o.user(e.user);
      if (u >= 0) r.user = u;
    }
    events.push(r);
  }
  return { events, stats };
}
