/**
 * One daily PinnerSage run against storage: stored events (dense ids through the graph) →
 * runPinnerSageDaily → StorageProfileSink (one atomic run). Shared by `boardwalk
 * pinnersage-daily` and the server's schedule.
 */
import type { PinBoardGraph } from '../graph/graph.js';
import type { ProfileRun, Storage } from '../storage/types.js';
import type { EmbeddingTable } from '../users/embeddings.js';
import { DAY_MS } from '../users/importance.js';
import { DEFAULT_PINNERSAGE, validatePinnerSageOptions, type PinnerSageOptions } from '../users/pinnersage.js';
import { runPinnerSageDaily, type PinnerSageDailyStats } from './pinnersage-daily.js';
import { StorageProfileSink } from './pinnersage-store.js';
import { storageUserEvents } from './storage-sources.js';

/** Actions that say a user is interested (impressions and hides do not). */
export const INTEREST_ACTIONS: readonly string[] = ['click', 'long_click', 'closeup', 'save'];

export interface DailyFromStorageOptions {
  /** cut-off, epoch ms: events after it are left to the online path */
  now: number;
  options?: Partial<PinnerSageOptions>;
  /** action types that count (default INTEREST_ACTIONS) */
  actions?: readonly string[];
  onProgress?: (phase: 'read' | 'cluster' | 'write', done: number, total?: number) => void;
}

export interface DailyFromStorageResult extends PinnerSageDailyStats {
  run: ProfileRun;
}

export async function runPinnerSageDailyFromStorage(
  storage: Storage,
  graph: PinBoardGraph,
  embeddings: { table: EmbeddingTable; version: string },
  o: DailyFromStorageOptions,
): Promise<DailyFromStorageResult> {
  const opts = { ...DEFAULT_PINNERSAGE, ...o.options };
  validatePinnerSageOptions(opts);
  if (!Number.isFinite(o.now)) throw new RangeError(`pinnersage-daily: now must be a finite epoch ms, got ${o.now}`);
  const actions = o.actions ?? INTEREST_ACTIONS;
  if (actions.length === 0) throw new RangeError('pinnersage-daily: actions must not be empty');
  const users: string[] = [];
  const events = storageUserEvents(storage, {
    pin: (id) => graph.pins.get(id),
    users,
    since: o.now - opts.windowDays * DAY_MS,
    // `until` is exclusive; the cut-off itself belongs to the batch
    until: o.now + 1e-3,
    actions: [...actions],
  });
  const sink = new StorageProfileSink(storage, {
    userName: (u) => users[u]!,
    pinName: (p) => graph.pins.external(p),
    modelVersion: embeddings.version,
    ...(o.onProgress ? { onWritten: (d: number, t: number) => o.onProgress!('write', d, t) } : {}),
  });
  const stats = await runPinnerSageDaily({
    events,
    embeddings: embeddings.table,
    store: sink,
    now: o.now,
    options: opts,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  return { ...stats, run: sink.lastRun! };
}
