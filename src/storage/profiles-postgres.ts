import type pg from 'pg';
import { checkProfile, checkRunMeta, decodeClusters, encodeClusters, runFromRow } from './profiles-sqlite.js';
import { StorageInputError, type ProfileRun, type StoredProfile } from './types.js';

/** The PinnerSage profile tables in a PostgreSQL schema (same layout as SQLite's). */
export function profileSchemaSql(s: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${s}.pinnersage_runs (run_id BIGSERIAL PRIMARY KEY, cutoff DOUBLE PRECISION NOT NULL,
  model_version TEXT NOT NULL, started_at DOUBLE PRECISION NOT NULL, status TEXT NOT NULL,
  users INTEGER NOT NULL DEFAULT 0, clusters INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS ${s}.pinnersage_profiles (run_id BIGINT NOT NULL, user_id TEXT NOT NULL,
  computed_at DOUBLE PRECISION NOT NULL, n_clusters INTEGER NOT NULL, clusters JSONB NOT NULL,
  PRIMARY KEY (run_id, user_id));
`;
}

type Tx = <T>(fn: (c: pg.PoolClient) => Promise<T>) => Promise<T>;

/**
 * PinnerSage daily profiles in PostgreSQL: rows are written under a `writing` run; commit flips
 * the current run and deletes older rows in one transaction (see profiles-sqlite.ts).
 */
export class PostgresProfiles {
  constructor(
    private readonly pool: pg.Pool,
    private readonly s: string,
    private readonly tx: Tx,
  ) {}

  private async writingRun(c: pg.PoolClient, run: number): Promise<void> {
    const r = await c.query(`SELECT status FROM ${this.s}.pinnersage_runs WHERE run_id = $1 FOR UPDATE`, [run]);
    const row = r.rows[0] as { status: string } | undefined;
    if (!row) throw new StorageInputError(`profile run ${run} does not exist`);
    if (row.status !== 'writing') throw new StorageInputError(`profile run ${run} is ${row.status}, not writing (another run started since?)`);
  }

  async begin(meta: { cutoff: number; modelVersion: string }): Promise<number> {
    checkRunMeta(meta);
    const s = this.s;
    return this.tx(async (c) => {
      await c.query(`DELETE FROM ${s}.pinnersage_profiles WHERE run_id IN (SELECT run_id FROM ${s}.pinnersage_runs WHERE status = 'writing')`);
      await c.query(`UPDATE ${s}.pinnersage_runs SET status = 'abandoned' WHERE status = 'writing'`);
      const r = await c.query(`INSERT INTO ${s}.pinnersage_runs (cutoff, model_version, started_at, status) VALUES ($1, $2, $3, 'writing') RETURNING run_id`, [
        meta.cutoff,
        meta.modelVersion,
        Date.now(),
      ]);
      return Number((r.rows[0] as { run_id: string }).run_id);
    });
  }

  async write(run: number, profiles: StoredProfile[]): Promise<void> {
    for (const p of profiles) checkProfile(p);
    const s = this.s;
    await this.tx(async (c) => {
      await this.writingRun(c, run);
      for (let i = 0; i < profiles.length; i += 1000) {
        const chunk = profiles.slice(i, i + 1000);
        await c.query(
          `INSERT INTO ${s}.pinnersage_profiles (run_id, user_id, computed_at, n_clusters, clusters)
           SELECT $1, u, t, n, j::jsonb FROM unnest($2::text[], $3::float8[], $4::int[], $5::text[]) AS x(u, t, n, j)
           ON CONFLICT (run_id, user_id) DO UPDATE SET computed_at = excluded.computed_at, n_clusters = excluded.n_clusters, clusters = excluded.clusters`,
          [run, chunk.map((p) => p.user), chunk.map((p) => p.computedAt), chunk.map((p) => p.clusters.length), chunk.map((p) => encodeClusters(p.clusters))],
        );
      }
    });
  }

  commit(run: number): Promise<ProfileRun> {
    const s = this.s;
    return this.tx(async (c) => {
      await this.writingRun(c, run);
      await c.query(
        `UPDATE ${s}.pinnersage_runs SET users = x.users, clusters = x.clusters
         FROM (SELECT count(*) AS users, coalesce(sum(n_clusters), 0) AS clusters FROM ${s}.pinnersage_profiles WHERE run_id = $1) x
         WHERE run_id = $1`,
        [run],
      );
      await c.query(`UPDATE ${s}.pinnersage_runs SET status = 'replaced' WHERE status = 'current'`);
      await c.query(`UPDATE ${s}.pinnersage_runs SET status = 'current' WHERE run_id = $1`, [run]);
      await c.query(`DELETE FROM ${s}.pinnersage_profiles WHERE run_id <> $1`, [run]);
      const r = await c.query(`SELECT * FROM ${s}.pinnersage_runs WHERE run_id = $1`, [run]);
      return runFromRow(r.rows[0] as Parameters<typeof runFromRow>[0]);
    });
  }

  async abort(run: number): Promise<void> {
    const s = this.s;
    await this.tx(async (c) => {
      await this.writingRun(c, run);
      await c.query(`DELETE FROM ${s}.pinnersage_profiles WHERE run_id = $1`, [run]);
      await c.query(`UPDATE ${s}.pinnersage_runs SET status = 'abandoned' WHERE run_id = $1`, [run]);
    });
  }

  async current(): Promise<ProfileRun | null> {
    const r = await this.pool.query(`SELECT * FROM ${this.s}.pinnersage_runs WHERE status = 'current' ORDER BY run_id DESC LIMIT 1`);
    return r.rows[0] ? runFromRow(r.rows[0] as Parameters<typeof runFromRow>[0]) : null;
  }

  async get(user: string): Promise<StoredProfile | null> {
    const r = await this.pool.query(
      `SELECT p.user_id, p.computed_at, p.clusters FROM ${this.s}.pinnersage_profiles p
       JOIN ${this.s}.pinnersage_runs r ON r.run_id = p.run_id AND r.status = 'current' WHERE p.user_id = $1`,
      [user],
    );
    const row = r.rows[0] as { user_id: string; computed_at: number; clusters: unknown } | undefined;
    return row ? { user: row.user_id, computedAt: row.computed_at, clusters: decodeClusters(row.clusters) } : null;
  }

  async *list(opts: { run?: number; batchSize?: number } = {}): AsyncIterable<StoredProfile[]> {
    const run = opts.run ?? (await this.current())?.id;
    if (run === undefined) return;
    const n = opts.batchSize ?? 5000;
    let after = '';
    for (;;) {
      const r = await this.pool.query(
        `SELECT user_id, computed_at, clusters FROM ${this.s}.pinnersage_profiles
         WHERE run_id = $1 AND user_id COLLATE "C" > $2 ORDER BY user_id COLLATE "C" LIMIT $3`,
        [run, after, n],
      );
      if (r.rows.length === 0) return;
      const rows = r.rows as { user_id: string; computed_at: number; clusters: unknown }[];
      after = rows[rows.length - 1]!.user_id;
      yield rows.map((x) => ({ user: x.user_id, computedAt: x.computed_at, clusters: decodeClusters(x.clusters) }));
    }
  }
}
