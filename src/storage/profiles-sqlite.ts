import type Database from 'better-sqlite3';
import { StorageInputError, type ProfileRun, type StoredInterestCluster, type StoredProfile } from './types.js';

/**
 * PinnerSage daily profiles in SQLite. A run's rows are written under its run id while the
 * previous run stays current; `commit` flips the current run and deletes older rows in one
 * transaction, so readers see either the old profiles or the new ones, never a mix.
 */
export const PROFILE_SCHEMA = `
CREATE TABLE IF NOT EXISTS pinnersage_runs (
  run_id INTEGER PRIMARY KEY AUTOINCREMENT, cutoff REAL NOT NULL, model_version TEXT NOT NULL,
  started_at REAL NOT NULL, status TEXT NOT NULL, users INTEGER NOT NULL DEFAULT 0, clusters INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS pinnersage_profiles (
  run_id INTEGER NOT NULL, user_id TEXT NOT NULL, computed_at REAL NOT NULL, n_clusters INTEGER NOT NULL,
  clusters TEXT NOT NULL, PRIMARY KEY (run_id, user_id)
) WITHOUT ROWID;
`;

interface RunRow {
  run_id: number;
  cutoff: number;
  model_version: string;
  started_at: number;
  status: ProfileRun['status'];
  users: number;
  clusters: number;
}

interface ProfileRow {
  user_id: string;
  computed_at: number;
  clusters: string;
}

export function runFromRow(r: RunRow): ProfileRun {
  return { id: Number(r.run_id), cutoff: r.cutoff, modelVersion: r.model_version, startedAt: r.started_at, status: r.status, users: Number(r.users), clusters: Number(r.clusters) };
}

export function checkRunMeta(meta: { cutoff: number; modelVersion: string }): void {
  if (!Number.isFinite(meta.cutoff)) throw new StorageInputError(`profile run: cutoff must be a finite epoch ms, got ${meta.cutoff}`);
  if (typeof meta.modelVersion !== 'string' || meta.modelVersion === '') throw new StorageInputError('profile run: modelVersion must be a non-empty string');
}

export function checkProfile(p: StoredProfile): void {
  if (typeof p.user !== 'string' || p.user === '') throw new StorageInputError('profile: user must be a non-empty string');
  if (!Number.isFinite(p.computedAt)) throw new StorageInputError(`profile of ${p.user}: computedAt must be a finite epoch ms`);
  for (const c of p.clusters) {
    if (typeof c.medoid !== 'string' || !c.pins.includes(c.medoid)) throw new StorageInputError(`profile of ${p.user}: medoid ${JSON.stringify(c.medoid)} must be one of the cluster's pins`);
    if (!Number.isFinite(c.importance) || c.importance < 0) throw new StorageInputError(`profile of ${p.user}: importance must be a finite number >= 0, got ${c.importance}`);
  }
}

/** Compact JSON of the clusters: the one format both stores write. */
export function encodeClusters(cs: StoredInterestCluster[]): string {
  return JSON.stringify(cs.map((c) => ({ m: c.medoid, i: c.importance, p: c.pins, a: c.actions, l: c.lastActive })));
}

export function decodeClusters(raw: string | unknown): StoredInterestCluster[] {
  const arr = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { m: string; i: number; p: string[]; a: number; l: number }[];
  return arr.map((c) => ({ medoid: c.m, importance: c.i, pins: c.p, actions: c.a, lastActive: c.l }));
}

export class SqliteProfiles {
  private readonly q;

  constructor(private readonly db: Database.Database) {
    db.exec(PROFILE_SCHEMA);
    const p = (sql: string): Database.Statement => db.prepare(sql);
    this.q = {
      run: p('SELECT * FROM pinnersage_runs WHERE run_id = ?'),
      current: p("SELECT * FROM pinnersage_runs WHERE status = 'current' ORDER BY run_id DESC LIMIT 1"),
      writing: p("SELECT run_id FROM pinnersage_runs WHERE status = 'writing'"),
      setStatus: p('UPDATE pinnersage_runs SET status = ? WHERE run_id = ?'),
      replaceCurrent: p("UPDATE pinnersage_runs SET status = 'replaced' WHERE status = 'current'"),
      insertRun: p("INSERT INTO pinnersage_runs (cutoff, model_version, started_at, status) VALUES (?, ?, ?, 'writing')"),
      dropRows: p('DELETE FROM pinnersage_profiles WHERE run_id = ?'),
      dropOthers: p('DELETE FROM pinnersage_profiles WHERE run_id <> ?'),
      put: p('INSERT OR REPLACE INTO pinnersage_profiles (run_id, user_id, computed_at, n_clusters, clusters) VALUES (?, ?, ?, ?, ?)'),
      counts: p('SELECT count(*) AS users, coalesce(sum(n_clusters), 0) AS clusters FROM pinnersage_profiles WHERE run_id = ?'),
      setCounts: p('UPDATE pinnersage_runs SET users = ?, clusters = ? WHERE run_id = ?'),
      get: p('SELECT user_id, computed_at, clusters FROM pinnersage_profiles WHERE run_id = ? AND user_id = ?'),
      page: p('SELECT user_id, computed_at, clusters FROM pinnersage_profiles WHERE run_id = ? AND user_id > ? ORDER BY user_id LIMIT ?'),
    };
  }

  private writingRun(run: number): void {
    const r = this.q.run.get(run) as RunRow | undefined;
    if (!r) throw new StorageInputError(`profile run ${run} does not exist`);
    if (r.status !== 'writing') throw new StorageInputError(`profile run ${run} is ${r.status}, not writing (another run started since?)`);
  }

  async begin(meta: { cutoff: number; modelVersion: string }): Promise<number> {
    checkRunMeta(meta);
    return this.db.transaction(() => {
      for (const r of this.q.writing.all() as { run_id: number }[]) {
        this.q.dropRows.run(r.run_id);
        this.q.setStatus.run('abandoned', r.run_id);
      }
      return Number(this.q.insertRun.run(meta.cutoff, meta.modelVersion, Date.now()).lastInsertRowid);
    })();
  }

  async write(run: number, profiles: StoredProfile[]): Promise<void> {
    for (const p of profiles) checkProfile(p);
    this.db.transaction(() => {
      this.writingRun(run);
      for (const p of profiles) this.q.put.run(run, p.user, p.computedAt, p.clusters.length, encodeClusters(p.clusters));
    })();
  }

  async commit(run: number): Promise<ProfileRun> {
    return this.db.transaction(() => {
      this.writingRun(run);
      const c = this.q.counts.get(run) as { users: number; clusters: number };
      this.q.setCounts.run(c.users, c.clusters, run);
      this.q.replaceCurrent.run();
      this.q.setStatus.run('current', run);
      this.q.dropOthers.run(run);
      return runFromRow(this.q.run.get(run) as RunRow);
    })();
  }

  async abort(run: number): Promise<void> {
    this.db.transaction(() => {
      this.writingRun(run);
      this.q.dropRows.run(run);
      this.q.setStatus.run('abandoned', run);
    })();
  }

  async current(): Promise<ProfileRun | null> {
    const r = this.q.current.get() as RunRow | undefined;
    return r ? runFromRow(r) : null;
  }

  async get(user: string): Promise<StoredProfile | null> {
    const cur = await this.current();
    if (!cur) return null;
    const r = this.q.get.get(cur.id, user) as ProfileRow | undefined;
    return r ? { user: r.user_id, computedAt: r.computed_at, clusters: decodeClusters(r.clusters) } : null;
  }

  async *list(opts: { run?: number; batchSize?: number } = {}): AsyncIterable<StoredProfile[]> {
    const run = opts.run ?? (await this.current())?.id;
    if (run === undefined) return;
    const n = opts.batchSize ?? 5000;
    let after = '';
    for (;;) {
      const rows = this.q.page.all(run, after, n) as ProfileRow[];
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.user_id;
      yield rows.map((r) => ({ user: r.user_id, computedAt: r.computed_at, clusters: decodeClusters(r.clusters) }));
    }
  }
}
