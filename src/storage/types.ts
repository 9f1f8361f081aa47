/**
 * The one storage interface boardwalk's service and batch jobs use. Two implementations:
 * SQLite (embedded default, src/storage/sqlite.ts) and PostgreSQL + Redis
 * (src/storage/postgres.ts with src/storage/redis.ts for online state).
 *
 * All ids here are external string ids; dense graph ids never reach storage.
 */

export const ACTIONS = ['impression', 'click', 'long_click', 'closeup', 'save', 'hide'] as const;
export type Action = (typeof ACTIONS)[number];

export const PLATFORMS = ['web', 'ios', 'android'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface PinRecord {
  id: string;
  text?: string;
  annotations?: string[];
  locale?: string;
  /** epoch ms */
  createdAt?: number;
  /** named embedding vectors, e.g. { visual: [...], text: [...] } */
  embeddings?: Record<string, number[]>;
}

export interface BoardRecord {
  id: string;
  name?: string;
  locale?: string;
  createdAt?: number;
}

export interface UserRecord {
  id: string;
  locale?: string;
  createdAt?: number;
}

/** One pin→board save. `user` is who saved it, when known. */
export interface SaveRecord {
  pin: string;
  board: string;
  user?: string;
  /** epoch ms */
  createdAt: number;
}

/** A change to the saves relation, in commit order (`seq` grows). */
export interface SaveChange extends SaveRecord {
  seq: number;
  op: 'add' | 'remove';
}

export interface EngagementEvent {
  /** idempotency key: an event id seen twice is stored once */
  eventId: string;
  user: string;
  pin: string;
  action: Action;
  surface: string;
  platform: Platform;
  position: number;
  queryPin?: string;
  /** epoch ms */
  timestamp: number;
  requestId?: string;
  experimentId?: string;
  variant?: string;
  /** for action 'save': the board saved to; the event then also records the save */
  board?: string;
}

/** A user's recent action, newest first (online state). */
export interface RecentAction {
  pin: string;
  action: Action;
  timestamp: number;
}

export interface AppendResult {
  /** events newly stored */
  inserted: number;
  /** events whose id was already stored (ignored) */
  duplicates: number;
  /** highest save seq written by the batch (save events with a board), or 0 */
  saveSeq: number;
}

export interface EventRange {
  /** inclusive, epoch ms */
  from?: number;
  /** exclusive, epoch ms */
  to?: number;
  batchSize?: number;
}

export type PinCounters = Partial<Record<Action, number>>;

/** One PinnerSage interest cluster as stored (external pin ids). */
export interface StoredInterestCluster {
  medoid: string;
  importance: number;
  /** distinct pins in the cluster; `pins.length` is its size */
  pins: string[];
  /** actions (with repeats) in the cluster */
  actions: number;
  /** latest action time in the cluster, epoch ms */
  lastActive: number;
}

/** A user's PinnerSage profile written by one daily run. */
export interface StoredProfile {
  user: string;
  /** most important first */
  clusters: StoredInterestCluster[];
  /** the run's cut-off, epoch ms */
  computedAt: number;
}

/** One daily PinnerSage run; only the `current` run's profiles are served. */
export interface ProfileRun {
  id: number;
  /** events at or before this time (epoch ms) are in the run; later ones are online state */
  cutoff: number;
  /** the embeddings the clusters were computed with, e.g. `svd:...` or `two_tower:<version>` */
  modelVersion: string;
  startedAt: number;
  status: 'writing' | 'current' | 'replaced' | 'abandoned';
  users: number;
  clusters: number;
}

export interface Storage {
  readonly kind: string;
  /** creates tables if missing */
  init(): Promise<void>;
  close(): Promise<void>;

  upsertPins(pins: PinRecord[]): Promise<void>;
  upsertBoards(boards: BoardRecord[]): Promise<void>;
  upsertUsers(users: UserRecord[]): Promise<void>;
  getPin(id: string): Promise<PinRecord | null>;
  getBoard(id: string): Promise<BoardRecord | null>;
  getUser(id: string): Promise<UserRecord | null>;
  /** all pins with metadata, in id order, in batches */
  listPins(batchSize?: number): AsyncIterable<PinRecord[]>;
  listBoards(batchSize?: number): AsyncIterable<BoardRecord[]>;

  /** Adds saves (unknown pins and boards are created bare); returns the last save seq. Atomic. */
  addSaves(saves: SaveRecord[]): Promise<number>;
  /** Removes saves; returns the last save seq. Atomic. */
  removeSaves(saves: { pin: string; board: string }[]): Promise<number>;
  /** Current saves (not removed) with seq <= `upToSeq` (all when omitted), in batches. */
  listSaves(opts?: { upToSeq?: number; batchSize?: number }): AsyncIterable<SaveRecord[]>;
  /** Highest save seq so far (0 when none). */
  maxSaveSeq(): Promise<number>;
  /** Save changes with seq > `afterSeq`, in seq order. */
  saveChangesSince(afterSeq: number, limit?: number): Promise<SaveChange[]>;

  /** Stores a batch whole or not at all; idempotent by event id. */
  appendEvents(events: EngagementEvent[]): Promise<AppendResult>;
  /** Events with from <= timestamp < to, ordered by (timestamp, arrival), in batches. */
  iterateEvents(range?: EventRange): AsyncIterable<EngagementEvent[]>;
  /**
   * Up to `limit` events stored after arrival number `afterSeq`, in arrival order, and the
   * arrival number of the last one (`afterSeq` when none): how a process reads what other
   * processes on the same store ingested.
   */
  eventsAfter(afterSeq: number, limit?: number): Promise<{ events: EngagementEvent[]; lastSeq: number }>;
  /** Highest event arrival number so far (0 when none). */
  maxEventSeq(): Promise<number>;
  countEvents(): Promise<number>;
  hasEvent(eventId: string): Promise<boolean>;

  /** The user's most recent actions, newest first. */
  recentActions(user: string, limit: number): Promise<RecentAction[]>;
  /** Real-time engagement counters of a pin by action. */
  pinCounters(pin: string): Promise<PinCounters>;

  // PinnerSage daily profiles: a run writes in batches, then one commit makes it current.
  /** Starts a run (abandoning any run still `writing`); returns its id. */
  beginProfileRun(meta: { cutoff: number; modelVersion: string }): Promise<number>;
  /** Writes profiles of a `writing` run (a user written twice keeps the last). */
  writeProfiles(run: number, profiles: StoredProfile[]): Promise<void>;
  /** Atomically makes the run current and drops the previous runs' profiles. */
  commitProfileRun(run: number): Promise<ProfileRun>;
  /** Drops a `writing` run's profiles; the current run stays served. */
  abortProfileRun(run: number): Promise<void>;
  /** The current run, or null before the first commit. */
  currentProfileRun(): Promise<ProfileRun | null>;
  /** A user's profile from the current run. */
  getProfile(user: string): Promise<StoredProfile | null>;
  /** Every profile of the current run (or of `run`), in user order, in batches. */
  listProfiles(opts?: { run?: number; batchSize?: number }): AsyncIterable<StoredProfile[]>;
}

/** Thrown for input storage refuses (bad batch); the HTTP layer maps it to 400. */
export class StorageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageInputError';
  }
}

/** How many recent actions online state keeps per user. */
export const RECENT_ACTIONS_KEPT = 200;
