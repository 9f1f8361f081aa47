import type { EmbeddingTable } from '../users/embeddings.js';
import type { EventSource } from '../users/events.js';
import { validateEvent } from '../users/events.js';
import { DAY_MS } from '../users/importance.js';
import type { OnlineProfiles } from '../users/online.js';
import { computeProfile, DEFAULT_PINNERSAGE, validatePinnerSageOptions, type Action, type PinnerSageOptions, type UserProfile } from '../users/pinnersage.js';
import type { ProfileSink } from '../users/profile-store.js';

export interface PinnerSageDailyInput {
  events: EventSource;
  embeddings: EmbeddingTable;
  /** in memory or storage (StorageProfileSink): replaced whole, or left as it was when the run fails */
  store: ProfileSink;
  /** the online state to reconcile once the batch result is stored */
  online?: OnlineProfiles;
  /** cutoff (epoch ms): events after it are left to the online path */
  now: number;
  options?: Partial<PinnerSageOptions>;
  /** only these action types count (default: all) */
  actions?: ReadonlySet<string>;
  /** progress: `read` counts events as they are read, `cluster` counts users (of `total`) */
  onProgress?: (phase: 'read' | 'cluster', done: number, total?: number) => void;
}

export interface PinnerSageDailyStats {
  users: number;
  clusters: number;
  events: number;
  usedEvents: number;
  ms: number;
  /** the three phases: reading the log, clustering, writing the store */
  readMs: number;
  clusterMs: number;
  writeMs: number;
}

/**
 * The daily PinnerSage batch: reads the event log, recomputes every user's clusters from the
 * actions in the window up to `now`, replaces the store's profiles (all or nothing: a run that
 * fails leaves the previous profiles), then reconciles the online state (drops today's actions
 * the batch now covers).
 */
export async function runPinnerSageDaily(input: PinnerSageDailyInput): Promise<PinnerSageDailyStats> {
  const t0 = performance.now();
  const o = { ...DEFAULT_PINNERSAGE, ...input.options };
  validatePinnerSageOptions(o);
  if (!Number.isFinite(input.now)) throw new RangeError(`pinnersage-daily: now must be a finite epoch ms, got ${input.now}`);
  const from = input.now - o.windowDays * DAY_MS;
  const byUser = new Map<number, Action[]>();
  let events = 0;
  let used = 0;
  const progress = input.onProgress;
  for await (const e of input.events) {
    validateEvent(e);
    events++;
    if (progress && (events & 4095) === 0) progress('read', events);
    if (e.timestamp > input.now || e.timestamp < from) continue;
    if (input.actions && !input.actions.has(e.action)) continue;
    let a = byUser.get(e.user);
    if (!a) byUser.set(e.user, (a = []));
    a.push({ pin: e.pin, timestamp: e.timestamp });
    used++;
  }
  const profiles: UserProfile[] = [];
  let clusters = 0;
  progress?.('read', events);
  const t1 = performance.now();
  const users = [...byUser.keys()].sort((a, b) => a - b);
  for (let i = 0; i < users.length; i++) {
    const u = users[i]!;
    if (progress && (i & 255) === 0) progress('cluster', i, users.length);
    const p = computeProfile(u, byUser.get(u)!, input.embeddings, input.now, o);
    if (p.clusters.length === 0) continue;
    clusters += p.clusters.length;
    profiles.push(p);
  }
  progress?.('cluster', users.length, users.length);
  const t2 = performance.now();
  await input.store.replaceAll(profiles, { cutoff: input.now });
  input.online?.reconcile(input.now);
  const t3 = performance.now();
  return { users: profiles.length, clusters, events, usedEvents: used, ms: t3 - t0, readMs: t1 - t0, clusterMs: t2 - t1, writeMs: t3 - t2 };
}
