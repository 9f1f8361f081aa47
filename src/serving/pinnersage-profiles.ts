/**
 * PinnerSage profiles as the home feed serves them: the daily run's stored profiles (loaded
 * from storage when a newer run is committed), merged at read time with today's online
 * clusters (OnlineProfiles, fed from event ingestion). A user without a stored profile gets
 * the on-demand clusters of the request's query pins instead. See docs/pinnersage-freshness.md.
 */
import cluster from 'node:cluster';
import type { Candidate, CandidateGenerator, CandidateRequest } from '../candidates/types.js';
import type { PinBoardGraph } from '../graph/graph.js';
import { runPinnerSageDailyFromStorage, INTEREST_ACTIONS, type DailyFromStorageResult } from '../jobs/pinnersage-run.js';
import type { EngagementEvent, ProfileRun, Storage, StoredProfile } from '../storage/types.js';
import { hasEmbedding, type EmbeddingTable } from '../users/embeddings.js';
import type { NeighbourIndex } from '../users/neighbour-index.js';
import { MergedProfiles, OnlineProfiles } from '../users/online.js';
import { DEFAULT_PINNERSAGE, validatePinnerSageOptions, type InterestCluster, type PinnerSageOptions, type UserProfile } from '../users/pinnersage.js';
import { PinnerSageRetriever, type PinnerSageRetrievalOptions, type ProfileSource } from '../users/retrieval.js';

export interface PinnerSageServingConfig {
  /** look for a newer committed daily run every this many seconds (0 = never) */
  pollSeconds: number;
  /**
   * read events other processes stored (cluster workers, other instances on one database) every
   * this many seconds into the online state (0 = never: only this process's own events)
   */
  tailSeconds: number;
  /** run the daily job inside the server every this many minutes (0 = never: run the CLI) */
  dailyEveryMinutes: number;
  /** the job's window, importance decay and Ward threshold; also used for the online clusters */
  lookbackDays: number;
  lambda: number;
  threshold: number;
  maxActions: number;
  /** event actions that count as interest */
  actions: string[];
}

export const DEFAULT_PINNERSAGE_SERVING: PinnerSageServingConfig = {
  pollSeconds: 60,
  tailSeconds: 5,
  dailyEveryMinutes: 0,
  lookbackDays: DEFAULT_PINNERSAGE.windowDays,
  lambda: DEFAULT_PINNERSAGE.lambdaPerDay,
  threshold: DEFAULT_PINNERSAGE.maxCost,
  maxActions: DEFAULT_PINNERSAGE.maxActions,
  actions: [...INTEREST_ACTIONS],
};

/** events per read of the tail, and how many arrival numbers each tail re-reads (see tail) */
const TAIL_BATCH = 5000;
const TAIL_OVERLAP = 1000;

export function profileOptions(c: PinnerSageServingConfig): PinnerSageOptions {
  const o: PinnerSageOptions = { windowDays: c.lookbackDays, lambdaPerDay: c.lambda, maxCost: c.threshold, maxActions: c.maxActions };
  validatePinnerSageOptions(o);
  return o;
}

interface TodayAction {
  pin: string;
  action: string;
  timestamp: number;
}

/** The embeddings (and graph) a daily run inside the server uses: the ones being served. */
export interface ServedEmbeddings {
  graph: PinBoardGraph;
  table: EmbeddingTable;
  version: string;
}

/**
 * Stored + online profiles by external user id. `refresh()` loads a newer committed run and
 * reconciles: online actions at or before its cut-off are dropped (the run has them), later
 * ones are replayed from the event log. `record()` takes ingested events.
 */
export class ServedProfiles {
  private run: ProfileRun | null = null;
  private batch = new Map<string, StoredProfile>();
  private today = new Map<string, TodayAction[]>();
  private seen = new Set<string>();
  private userVersion = new Map<string, number>();
  private readonly userIds = new Map<string, number>();
  private readonly actions: Set<string>;
  private readonly popts: PinnerSageOptions;
  /** while a refresh replays the log, ingested events wait here */
  private pending: EngagementEvent[] | null = null;
  private bound: BoundProfiles | null = null;
  private timers: NodeJS.Timeout[] = [];
  private runningDaily: Promise<DailyFromStorageResult | null> | null = null;
  /** arrival number of the last stored event the online state has read (see tail) */
  private tailSeq = 0;
  private tailing: Promise<number> | null = null;

  constructor(
    private readonly storage: Storage,
    readonly config: PinnerSageServingConfig = DEFAULT_PINNERSAGE_SERVING,
    /** progress messages; failures go to stderr when it is left out */
    private readonly log?: (msg: string) => void,
  ) {
    this.popts = profileOptions(config);
    if (config.actions.length === 0) throw new RangeError('pinnersage serving: actions must not be empty');
    this.actions = new Set(config.actions);
  }

  get currentRun(): ProfileRun | null {
    return this.run;
  }

  get storedUsers(): number {
    return this.batch.size;
  }

  /** Users with online actions since the run's cut-off. */
  get onlineUsers(): number {
    return this.today.size;
  }

  has(user: string): boolean {
    return this.batch.has(user);
  }

  /** Part of the home feed's cache key: '' when the user has no stored profile (on-demand). */
  tag(user: string): string {
    if (!this.run || !this.batch.has(user)) return '';
    return `ps${this.run.id}.${this.userVersion.get(user) ?? 0}`;
  }

  /** Loads the current run when it is newer than the loaded one; true when it changed. */
  async refresh(): Promise<boolean> {
    const cur = await this.storage.currentProfileRun();
    if (!cur || (this.run && cur.id === this.run.id)) return false;
    this.pending = [];
    let done = false;
    try {
      // events stored after this point are read by tail(), those before by the replay below
      const seqAtLoad = await this.storage.maxEventSeq();
      const batch = new Map<string, StoredProfile>();
      for await (const rows of this.storage.listProfiles({ run: cur.id })) for (const p of rows) batch.set(p.user, p);
      const today = new Map<string, TodayAction[]>();
      const seen = new Set<string>();
      for await (const evs of this.storage.iterateEvents({ from: cur.cutoff })) for (const e of evs) this.take(e, cur.cutoff, batch, today, seen);
      for (const e of this.pending) this.take(e, cur.cutoff, batch, today, seen);
      this.run = cur;
      this.batch = batch;
      this.today = today;
      this.seen = seen;
      this.userVersion = new Map();
      this.tailSeq = seqAtLoad;
      // surfaces hold the bound profiles: reload them in place
      this.bound?.reload(this.today);
      done = true;
    } finally {
      const waiting = this.pending;
      this.pending = null;
      // a failed load keeps the old run: what arrived meanwhile goes to its online state
      if (!done) this.record(waiting);
    }
    this.log?.(`pinnersage: serving daily run ${cur.id} (${cur.users} users, ${cur.clusters} clusters, cut-off ${new Date(cur.cutoff).toISOString()}, ${cur.modelVersion}); ${this.today.size} users with online actions since`);
    return true;
  }

  /** Keeps one event in `today` when it is a stored user's interest action after the cut-off. */
  private take(e: EngagementEvent, cutoff: number, batch: Map<string, StoredProfile>, today: Map<string, TodayAction[]>, seen: Set<string>): boolean {
    if (!(e.timestamp > cutoff) || !this.actions.has(e.action) || !batch.has(e.user) || seen.has(e.eventId)) return false;
    seen.add(e.eventId);
    let a = today.get(e.user);
    if (!a) today.set(e.user, (a = []));
    a.push({ pin: e.pin, action: e.action, timestamp: e.timestamp });
    // Ward is O(n²): keep the newest maxActions
    if (a.length > 2 * this.popts.maxActions) a.splice(0, a.length - this.popts.maxActions);
    return true;
  }

  /** Ingested events (after they are stored): updates the online clusters of stored users. */
  record(events: readonly EngagementEvent[]): void {
    if (this.pending) {
      this.pending.push(...events);
      return;
    }
    if (!this.run) return;
    for (const e of events) {
      if (!this.take(e, this.run.cutoff, this.batch, this.today, this.seen)) continue;
      this.userVersion.set(e.user, (this.userVersion.get(e.user) ?? 0) + 1);
      this.bound?.add(e.user, e.pin, e.action, e.timestamp);
    }
  }

  /** The profiles in the dense ids of `g` (the graph the embedding table belongs to). */
  bind(g: PinBoardGraph, emb: EmbeddingTable): BoundProfiles {
    const b = this.bound;
    if (b && b.graph === g && b.emb === emb) return b;
    const next = new BoundProfiles(this, g, emb, this.popts);
    next.reload(this.today);
    this.bound = next;
    return next;
  }

  /** @internal dense user number (stable for the process) */
  denseUser(user: string): number {
    let u = this.userIds.get(user);
    if (u === undefined) this.userIds.set(user, (u = this.userIds.size));
    return u;
  }

  /** @internal */
  storedProfile(user: string): StoredProfile | undefined {
    return this.batch.get(user);
  }

  /**
   * Reads the events stored since the last tail (by arrival number, whatever their timestamps)
   * and takes those other processes ingested: with several workers or instances on one store,
   * each one's online state then holds every process's events, not only its own. Event ids
   * dedupe, so re-reading is harmless. Returns how many events were newly taken; one at a time.
   */
  tail(): Promise<number> {
    if (this.tailing) return this.tailing;
    const go = async (): Promise<number> => {
      const run = this.run;
      if (!run) return 0;
      let taken = 0;
      // re-read a few arrival numbers back: on PostgreSQL a lower number can commit after a
      // higher one (concurrent transactions); ids dedupe what was read before
      let after = Math.max(0, this.tailSeq - TAIL_OVERLAP);
      for (;;) {
        const { events, lastSeq } = await this.storage.eventsAfter(after, TAIL_BATCH);
        if (this.run !== run) return taken; // a newer run was loaded meanwhile: its refresh replayed the log
        const before = this.seen.size;
        this.record(events);
        taken += this.seen.size - before;
        if (lastSeq > this.tailSeq) this.tailSeq = lastSeq;
        if (events.length < TAIL_BATCH) return taken;
        after = lastSeq;
        // SQLite reads synchronously: let requests in between batches
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    this.tailing = go().finally(() => {
      this.tailing = null;
    });
    return this.tailing;
  }

  /**
   * Runs the daily job now with the served embeddings, then serves its result. One at a time:
   * a call while one runs waits for that one.
   */
  runDaily(served: () => ServedEmbeddings | null, now = Date.now()): Promise<DailyFromStorageResult | null> {
    if (this.runningDaily) return this.runningDaily;
    const go = async (): Promise<DailyFromStorageResult | null> => {
      const s = served();
      if (!s) {
        this.log?.('pinnersage: daily run skipped (no PinnerSage embeddings served)');
        return null;
      }
      const r = await runPinnerSageDailyFromStorage(this.storage, s.graph, { table: s.table, version: s.version }, { now, options: this.popts, actions: this.config.actions });
      this.log?.(`pinnersage: daily run ${r.run.id}: ${r.users} users, ${r.clusters} clusters from ${r.usedEvents} events in ${(r.ms / 1000).toFixed(1)} s`);
      await this.refresh();
      return r;
    };
    this.runningDaily = go().finally(() => {
      this.runningDaily = null;
    });
    return this.runningDaily;
  }

  private fail(msg: string): void {
    if (this.log) this.log(msg);
    else process.stderr.write(`boardwalk: ${msg}\n`);
  }

  /** Polls for newer runs and, when configured, runs the daily job on a timer. */
  start(served: () => ServedEmbeddings | null): void {
    const c = this.config;
    if (c.pollSeconds > 0) {
      const t = setInterval(() => void this.refresh().catch((e: Error) => this.fail(`pinnersage: refresh failed: ${e.message}`)), c.pollSeconds * 1000);
      t.unref();
      this.timers.push(t);
    }
    if (c.tailSeconds > 0) {
      const t = setInterval(() => void this.tail().catch((e: Error) => this.fail(`pinnersage: reading other processes' events failed: ${e.message}`)), c.tailSeconds * 1000);
      t.unref();
      this.timers.push(t);
    }
    // with several workers only the first runs the job; the others pick its run up by polling
    if (c.dailyEveryMinutes > 0 && (cluster.isPrimary || cluster.worker?.id === 1)) {
      const t = setInterval(() => void this.runDaily(served).catch((e: Error) => this.fail(`pinnersage: daily run failed (previous profiles stay served): ${e.message}`)), c.dailyEveryMinutes * 60_000);
      t.unref();
      this.timers.push(t);
    }
  }

  /** Stops the timers and waits for a daily run in progress. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.runningDaily?.catch(() => undefined);
    await this.tailing?.catch(() => undefined);
  }
}

/** Stored + online profiles in one graph's dense ids (a ProfileSource for the retriever). */
export class BoundProfiles implements ProfileSource {
  private online: OnlineProfiles;
  private merged: MergedProfiles;
  private dense = new Map<number, UserProfile | null>();
  private readonly names: string[] = [];

  constructor(
    private readonly served: ServedProfiles,
    readonly graph: PinBoardGraph,
    readonly emb: EmbeddingTable,
    private readonly popts: PinnerSageOptions,
  ) {
    this.online = new OnlineProfiles(emb, popts);
    this.merged = new MergedProfiles({ get: (u) => this.batch(u) ?? undefined }, this.online);
  }

  /** @internal a new run was loaded: forget the dense batch profiles, rebuild today's clusters */
  reload(today: ReadonlyMap<string, readonly { pin: string; action: string; timestamp: number }[]>): void {
    this.dense = new Map();
    this.online = new OnlineProfiles(this.emb, this.popts);
    this.merged = new MergedProfiles({ get: (u) => this.batch(u) ?? undefined }, this.online);
    for (const [user, acts] of today) for (const a of acts) this.add(user, a.pin, a.action, a.timestamp);
  }

  /** Dense number of a user with a stored profile, or -1 (then the caller falls back). */
  userOf(user: string): number {
    if (!this.served.has(user)) return -1;
    const u = this.served.denseUser(user);
    this.names[u] = user;
    return u;
  }

  /** @internal one online action (pins the embeddings lack are skipped: they cannot be clustered) */
  add(user: string, pin: string, action: string, timestamp: number): void {
    const p = this.graph.pins.get(pin);
    if (p < 0 || !hasEmbedding(this.emb, p)) return;
    const u = this.userOf(user);
    if (u < 0) return;
    this.online.add({ user: u, pin: p, action, timestamp });
  }

  /** The stored profile in dense ids (clusters whose medoid the graph or embeddings lack are dropped). */
  private batch(u: number): UserProfile | null {
    let d = this.dense.get(u);
    if (d !== undefined) return d;
    const name = this.names[u];
    const s = name === undefined ? undefined : this.served.storedProfile(name);
    d = null;
    if (s) {
      const clusters: InterestCluster[] = [];
      for (const c of s.clusters) {
        const m = this.graph.pins.get(c.medoid);
        if (m < 0 || !hasEmbedding(this.emb, m)) continue;
        const pins: number[] = [];
        for (const x of c.pins) {
          const p = this.graph.pins.get(x);
          if (p >= 0) pins.push(p);
        }
        clusters.push({ medoid: m, importance: c.importance, pins: Uint32Array.from(pins), actions: c.actions, lastActive: c.lastActive });
      }
      if (clusters.length > 0) d = { user: u, clusters, computedAt: s.computedAt };
    }
    this.dense.set(u, d);
    return d;
  }

  get(u: number): UserProfile | undefined {
    return this.batch(u) ? this.merged.get(u) : undefined;
  }
}

/**
 * The home feed's PinnerSage source: the viewer's stored + online profile when there is one,
 * else `fallback` (on-demand clusters of the request's query pins).
 */
export class StoredPinnerSage implements CandidateGenerator {
  readonly name = 'pinnersage';
  private readonly retriever: PinnerSageRetriever;

  constructor(
    private readonly profiles: BoundProfiles,
    emb: EmbeddingTable,
    index: NeighbourIndex,
    retrieval: Partial<PinnerSageRetrievalOptions>,
    private readonly fallback: CandidateGenerator,
  ) {
    this.retriever = new PinnerSageRetriever(profiles, emb, index, retrieval);
  }

  generate(req: CandidateRequest): Candidate[] {
    const u = req.viewer === undefined ? -1 : this.profiles.userOf(req.viewer);
    if (u < 0 || !this.profiles.get(u)) return this.fallback.generate(req);
    return this.retriever.generate({ ...req, user: u }).map((c) => ({ ...c, features: { ...c.features, pinnersageStored: 1 } }));
  }
}
