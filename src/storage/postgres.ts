import pg from 'pg';
import { PostgresProfiles, profileSchemaSql } from './profiles-postgres.js';
import { RedisOnlineState } from './redis.js';
import { rowToEvent, type EventRow } from './rows.js';
import type {
  AppendResult,
  BoardRecord,
  EngagementEvent,
  EventRange,
  PinCounters,
  PinRecord,
  ProfileRun,
  RecentAction,
  SaveChange,
  SaveRecord,
  Storage,
  StoredProfile,
  UserRecord,
} from './types.js';

export interface PostgresOptions {
  /** e.g. postgres://postgres@127.0.0.1:5432/boardwalk */
  url: string;
  /** schema holding the tables (created if missing) */
  schema: string;
  redisUrl: string;
  /** key prefix for the online state in Redis */
  redisPrefix: string;
  poolSize?: number;
  /** crash test only: SIGKILL after the chunk holding this row index has been written */
  testKillAfterRows?: number;
}

const CHUNK = 1000;

function schemaSql(s: string): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.pins (id TEXT PRIMARY KEY, text TEXT, annotations JSONB, locale TEXT,
  created_at DOUBLE PRECISION, embeddings JSONB);
CREATE TABLE IF NOT EXISTS ${s}.boards (id TEXT PRIMARY KEY, name TEXT, locale TEXT, created_at DOUBLE PRECISION);
CREATE TABLE IF NOT EXISTS ${s}.users (id TEXT PRIMARY KEY, locale TEXT, created_at DOUBLE PRECISION);
CREATE TABLE IF NOT EXISTS ${s}.save_log (seq BIGSERIAL PRIMARY KEY, pin_id TEXT NOT NULL, board_id TEXT NOT NULL,
  user_id TEXT, created_at DOUBLE PRECISION NOT NULL, op TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.saves (pin_id TEXT NOT NULL, board_id TEXT NOT NULL, user_id TEXT,
  created_at DOUBLE PRECISION NOT NULL, seq BIGINT NOT NULL, removed BOOLEAN NOT NULL DEFAULT FALSE,
  PRIMARY KEY (pin_id, board_id));
CREATE INDEX IF NOT EXISTS saves_seq ON ${s}.saves (seq);
CREATE TABLE IF NOT EXISTS ${s}.events (seq BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL, pin_id TEXT NOT NULL, action TEXT NOT NULL, surface TEXT NOT NULL, platform TEXT NOT NULL,
  position INTEGER NOT NULL, query_pin TEXT, ts DOUBLE PRECISION NOT NULL, request_id TEXT, experiment_id TEXT,
  variant TEXT, board_id TEXT);
CREATE INDEX IF NOT EXISTS events_ts ON ${s}.events (ts, seq);
`;
}

/**
 * PostgreSQL for the catalogue, the saves and the event log; Redis for online state (recent
 * user actions, engagement counters). Redis is written after the PostgreSQL commit and can be
 * rebuilt from the event log, which stays the source of truth.
 */
export class PostgresStorage implements Storage {
  readonly kind = 'postgres';
  readonly pool: pg.Pool;
  readonly online: RedisOnlineState;
  private readonly s: string;
  private readonly profiles: PostgresProfiles;

  constructor(private readonly opts: PostgresOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(opts.schema)) throw new Error(`postgres schema name ${JSON.stringify(opts.schema)} must match [a-z_][a-z0-9_]*`);
    this.s = opts.schema;
    this.pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 8 });
    // An idle client's error (server restart) must not crash the process.
    this.pool.on('error', () => undefined);
    this.online = new RedisOnlineState(opts.redisUrl, opts.redisPrefix);
    this.profiles = new PostgresProfiles(this.pool, this.s, (fn) => this.tx(fn));
  }

  async init(): Promise<void> {
    await this.pool.query(schemaSql(this.s) + profileSchemaSql(this.s));
    await this.online.connect();
    if (!(await this.online.isBuilt())) await this.rebuildOnlineState();
  }

  async close(): Promise<void> {
    await this.online.close();
    await this.pool.end();
  }

  /** Drops the schema and the Redis keys (tests). */
  async dropAll(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${this.s} CASCADE`);
    await this.online.dropAll();
  }

  /** Replays the event log and user saves into Redis (after Redis lost its data). */
  async rebuildOnlineState(): Promise<void> {
    await this.online.dropAll();
    for await (const batch of this.iterateEvents({ batchSize: 10_000 }))
      await this.online.record(batch.map((e) => ({ ...e, count: true })));
    const r = await this.pool.query(`SELECT pin_id, user_id, created_at FROM ${this.s}.saves WHERE NOT removed AND user_id IS NOT NULL ORDER BY created_at`);
    await this.online.record(
      r.rows.map((x: { pin_id: string; user_id: string; created_at: number }) => ({
        user: x.user_id,
        pin: x.pin_id,
        action: 'save' as const,
        timestamp: x.created_at,
        count: false,
      })),
    );
    await this.online.markBuilt();
  }

  /**
   * Online state follows the committed log. If Redis fails here the write still stands (it is
   * in PostgreSQL); the online state is marked stale so the next start replays the log.
   */
  private async recordOnline(items: Parameters<RedisOnlineState['record']>[0]): Promise<void> {
    try {
      await this.online.record(items);
    } catch (err) {
      this.onlineError = err as Error;
      await this.online.markStale().catch(() => undefined);
    }
  }

  /** The last Redis error while recording online state, if any (for /readyz and logs). */
  onlineError: Error | null = null;

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async upsertPins(pins: PinRecord[]): Promise<void> {
    const s = this.s;
    await this.tx(async (c) => {
      for (const p of pins)
        await c.query(
          `INSERT INTO ${s}.pins (id, text, annotations, locale, created_at, embeddings) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO UPDATE SET text = coalesce(excluded.text, pins.text),
             annotations = coalesce(excluded.annotations, pins.annotations), locale = coalesce(excluded.locale, pins.locale),
             created_at = coalesce(excluded.created_at, pins.created_at),
             embeddings = CASE WHEN excluded.embeddings IS NULL THEN pins.embeddings
               ELSE coalesce(pins.embeddings, '{}'::jsonb) || excluded.embeddings END`,
          [
            p.id,
            p.text ?? null,
            p.annotations ? JSON.stringify(p.annotations) : null,
            p.locale ?? null,
            p.createdAt ?? null,
            p.embeddings ? JSON.stringify(p.embeddings) : null,
          ],
        );
    });
  }

  async upsertBoards(boards: BoardRecord[]): Promise<void> {
    const s = this.s;
    await this.tx(async (c) => {
      for (const b of boards)
        await c.query(
          `INSERT INTO ${s}.boards (id, name, locale, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET name = coalesce(excluded.name, boards.name),
             locale = coalesce(excluded.locale, boards.locale), created_at = coalesce(excluded.created_at, boards.created_at)`,
          [b.id, b.name ?? null, b.locale ?? null, b.createdAt ?? null],
        );
    });
  }

  async upsertUsers(users: UserRecord[]): Promise<void> {
    const s = this.s;
    await this.tx(async (c) => {
      for (const u of users)
        await c.query(
          `INSERT INTO ${s}.users (id, locale, created_at) VALUES ($1, $2, $3)
           ON CONFLICT (id) DO UPDATE SET locale = coalesce(excluded.locale, users.locale),
             created_at = coalesce(excluded.created_at, users.created_at)`,
          [u.id, u.locale ?? null, u.createdAt ?? null],
        );
    });
  }

  async getPin(id: string): Promise<PinRecord | null> {
    const r = await this.pool.query(`SELECT * FROM ${this.s}.pins WHERE id = $1`, [id]);
    return r.rows[0] ? rowToPin(r.rows[0] as PgPinRow) : null;
  }

  async getBoard(id: string): Promise<BoardRecord | null> {
    const r = await this.pool.query(`SELECT * FROM ${this.s}.boards WHERE id = $1`, [id]);
    return r.rows[0] ? rowToBoard(r.rows[0] as PgBoardRow) : null;
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const r = await this.pool.query(`SELECT * FROM ${this.s}.users WHERE id = $1`, [id]);
    const row = r.rows[0] as { id: string; locale: string | null; created_at: number | null } | undefined;
    if (!row) return null;
    const u: UserRecord = { id: row.id };
    if (row.locale !== null) u.locale = row.locale;
    if (row.created_at !== null) u.createdAt = row.created_at;
    return u;
  }

  async *listPins(batchSize = 5000): AsyncIterable<PinRecord[]> {
    let after = '';
    for (;;) {
      // COLLATE "C" so keyset order matches plain byte order whatever the database locale
      const r = await this.pool.query(`SELECT * FROM ${this.s}.pins WHERE id COLLATE "C" > $1 ORDER BY id COLLATE "C" LIMIT $2`, [after, batchSize]);
      if (r.rows.length === 0) return;
      after = (r.rows[r.rows.length - 1] as PgPinRow).id;
      yield (r.rows as PgPinRow[]).map(rowToPin);
    }
  }

  async *listBoards(batchSize = 5000): AsyncIterable<BoardRecord[]> {
    let after = '';
    for (;;) {
      const r = await this.pool.query(`SELECT * FROM ${this.s}.boards WHERE id COLLATE "C" > $1 ORDER BY id COLLATE "C" LIMIT $2`, [after, batchSize]);
      if (r.rows.length === 0) return;
      after = (r.rows[r.rows.length - 1] as PgBoardRow).id;
      yield (r.rows as PgBoardRow[]).map(rowToBoard);
    }
  }

  private async applySave(c: pg.PoolClient, pin: string, board: string, user: string | null, at: number, op: 'add' | 'remove'): Promise<number> {
    const s = this.s;
    const cur = await c.query(`SELECT removed FROM ${s}.saves WHERE pin_id = $1 AND board_id = $2 FOR UPDATE`, [pin, board]);
    const row = cur.rows[0] as { removed: boolean } | undefined;
    if (op === 'add' && row && !row.removed) return 0;
    if (op === 'remove' && (!row || row.removed)) return 0;
    if (op === 'add') {
      await c.query(`INSERT INTO ${s}.pins (id) VALUES ($1) ON CONFLICT DO NOTHING`, [pin]);
      await c.query(`INSERT INTO ${s}.boards (id) VALUES ($1) ON CONFLICT DO NOTHING`, [board]);
    }
    const l = await c.query(`INSERT INTO ${s}.save_log (pin_id, board_id, user_id, created_at, op) VALUES ($1, $2, $3, $4, $5) RETURNING seq`, [
      pin,
      board,
      user,
      at,
      op,
    ]);
    const seq = Number((l.rows[0] as { seq: string }).seq);
    await c.query(
      `INSERT INTO ${s}.saves (pin_id, board_id, user_id, created_at, seq, removed) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (pin_id, board_id) DO UPDATE SET user_id = coalesce(excluded.user_id, saves.user_id),
         created_at = excluded.created_at, seq = excluded.seq, removed = excluded.removed`,
      [pin, board, user, at, seq, op === 'remove'],
    );
    return seq;
  }

  async addSaves(saves: SaveRecord[]): Promise<number> {
    const s = this.s;
    // set-based: one statement per chunk instead of four round trips per save
    const last = await this.tx(async (c) => {
      let m = 0;
      for (let i = 0; i < saves.length; i += 5000) {
        const chunk = saves.slice(i, i + 5000);
        const r = await c.query(
          `WITH input AS (
             SELECT DISTINCT ON (pin, board) pin, board, usr, at
             FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[]) WITH ORDINALITY AS t(pin, board, usr, at, ord)
             ORDER BY pin, board, ord DESC),
           todo AS (
             SELECT i.* FROM input i LEFT JOIN ${s}.saves x ON x.pin_id = i.pin AND x.board_id = i.board
             WHERE x.pin_id IS NULL OR x.removed),
           p AS (INSERT INTO ${s}.pins (id) SELECT DISTINCT pin FROM todo ON CONFLICT DO NOTHING),
           b AS (INSERT INTO ${s}.boards (id) SELECT DISTINCT board FROM todo ON CONFLICT DO NOTHING),
           logged AS (
             INSERT INTO ${s}.save_log (pin_id, board_id, user_id, created_at, op)
             SELECT pin, board, usr, at, 'add' FROM todo ORDER BY pin, board
             RETURNING seq, pin_id, board_id, user_id, created_at)
           INSERT INTO ${s}.saves (pin_id, board_id, user_id, created_at, seq, removed)
           SELECT pin_id, board_id, user_id, created_at, seq, FALSE FROM logged
           ON CONFLICT (pin_id, board_id) DO UPDATE SET user_id = coalesce(excluded.user_id, saves.user_id),
             created_at = excluded.created_at, seq = excluded.seq, removed = FALSE
           RETURNING seq`,
          [chunk.map((x) => x.pin), chunk.map((x) => x.board), chunk.map((x) => x.user ?? null), chunk.map((x) => x.createdAt)],
        );
        for (const row of r.rows as { seq: string }[]) m = Math.max(m, Number(row.seq));
      }
      return m;
    });
    await this.recordOnline(
      saves.filter((s) => s.user !== undefined).map((s) => ({ user: s.user!, pin: s.pin, action: 'save' as const, timestamp: s.createdAt, count: false })),
    );
    return last;
  }

  async removeSaves(saves: { pin: string; board: string }[]): Promise<number> {
    const now = Date.now();
    return this.tx(async (c) => {
      let m = 0;
      for (const s of saves) m = Math.max(m, await this.applySave(c, s.pin, s.board, null, now, 'remove'));
      return m;
    });
  }

  async *listSaves(opts: { upToSeq?: number; batchSize?: number } = {}): AsyncIterable<SaveRecord[]> {
    const upTo = opts.upToSeq ?? Number.MAX_SAFE_INTEGER;
    const n = opts.batchSize ?? 20_000;
    let after = 0;
    for (;;) {
      const r = await this.pool.query(
        `SELECT pin_id, board_id, user_id, created_at, seq FROM ${this.s}.saves
         WHERE NOT removed AND seq <= $1 AND seq > $2 ORDER BY seq LIMIT $3`,
        [upTo, after, n],
      );
      if (r.rows.length === 0) return;
      const rows = r.rows as { pin_id: string; board_id: string; user_id: string | null; created_at: number; seq: string }[];
      after = Number(rows[rows.length - 1]!.seq);
      yield rows.map((x) => {
        const s: SaveRecord = { pin: x.pin_id, board: x.board_id, createdAt: x.created_at };
        if (x.user_id !== null) s.user = x.user_id;
        return s;
      });
    }
  }

  async maxSaveSeq(): Promise<number> {
    const r = await this.pool.query(`SELECT coalesce(max(seq), 0) AS m FROM ${this.s}.save_log`);
    return Number((r.rows[0] as { m: string }).m);
  }

  async saveChangesSince(afterSeq: number, limit = 1_000_000): Promise<SaveChange[]> {
    const r = await this.pool.query(`SELECT * FROM ${this.s}.save_log WHERE seq > $1 ORDER BY seq LIMIT $2`, [afterSeq, limit]);
    return (r.rows as { seq: string; pin_id: string; board_id: string; user_id: string | null; created_at: number; op: 'add' | 'remove' }[]).map((x) => {
      const c: SaveChange = { seq: Number(x.seq), op: x.op, pin: x.pin_id, board: x.board_id, createdAt: x.created_at };
      if (x.user_id !== null) c.user = x.user_id;
      return c;
    });
  }

  async appendEvents(events: EngagementEvent[]): Promise<AppendResult> {
    const s = this.s;
    const killAfter = this.opts.testKillAfterRows ?? -1;
    const fresh: EngagementEvent[] = [];
    let saveSeq = 0;
    await this.tx(async (c) => {
      for (let start = 0; start < events.length; start += CHUNK) {
        const chunk = events.slice(start, start + CHUNK);
        const cols: unknown[][] = Array.from({ length: 13 }, () => []);
        for (const e of chunk) {
          const v = [e.eventId, e.user, e.pin, e.action, e.surface, e.platform, e.position, e.queryPin ?? null, e.timestamp,
            e.requestId ?? null, e.experimentId ?? null, e.variant ?? null, e.board ?? null];
          for (let i = 0; i < 13; i++) cols[i]!.push(v[i]);
        }
        const r = await c.query(
          `INSERT INTO ${s}.events (event_id, user_id, pin_id, action, surface, platform, position, query_pin, ts,
             request_id, experiment_id, variant, board_id)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[],
             $9::float8[], $10::text[], $11::text[], $12::text[], $13::text[])
           ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
          cols,
        );
        const ids = new Set((r.rows as { event_id: string }[]).map((x) => x.event_id));
        for (const e of chunk)
          if (ids.delete(e.eventId)) {
            fresh.push(e);
            if (e.action === 'save' && e.board !== undefined)
              saveSeq = Math.max(saveSeq, await this.applySave(c, e.pin, e.board, e.user, e.timestamp, 'add'));
          }
        if (killAfter >= 0 && start + chunk.length > killAfter) process.kill(process.pid, 'SIGKILL');
      }
    });
    await this.recordOnline(fresh.map((e) => ({ user: e.user, pin: e.pin, action: e.action, timestamp: e.timestamp, count: true })));
    return { inserted: fresh.length, duplicates: events.length - fresh.length, saveSeq };
  }

  async *iterateEvents(range: EventRange = {}): AsyncIterable<EngagementEvent[]> {
    const from = range.from ?? -Number.MAX_VALUE;
    const to = range.to ?? Number.MAX_VALUE;
    const n = range.batchSize ?? 10_000;
    let lastTs = -Number.MAX_VALUE;
    let lastSeq = 0;
    for (;;) {
      const r = await this.pool.query(
        `SELECT * FROM ${this.s}.events WHERE ts >= $1 AND ts < $2 AND (ts, seq) > ($3, $4) ORDER BY ts, seq LIMIT $5`,
        [from, to, lastTs, lastSeq, n],
      );
      if (r.rows.length === 0) return;
      const rows = r.rows as (EventRow & { seq: string })[];
      const last = rows[rows.length - 1]!;
      lastTs = Number(last.ts);
      lastSeq = Number(last.seq);
      yield rows.map(rowToEvent);
    }
  }

  async countEvents(): Promise<number> {
    const r = await this.pool.query(`SELECT count(*) AS n FROM ${this.s}.events`);
    return Number((r.rows[0] as { n: string }).n);
  }

  async eventsAfter(afterSeq: number, limit = 10_000): Promise<{ events: EngagementEvent[]; lastSeq: number }> {
    const r = await this.pool.query(`SELECT * FROM ${this.s}.events WHERE seq > $1 ORDER BY seq LIMIT $2`, [afterSeq, limit]);
    const rows = r.rows as (EventRow & { seq: string })[];
    return { events: rows.map(rowToEvent), lastSeq: rows.length > 0 ? Number(rows[rows.length - 1]!.seq) : afterSeq };
  }

  async maxEventSeq(): Promise<number> {
    const r = await this.pool.query(`SELECT coalesce(max(seq), 0) AS m FROM ${this.s}.events`);
    return Number((r.rows[0] as { m: string }).m);
  }

  async hasEvent(eventId: string): Promise<boolean> {
    const r = await this.pool.query(`SELECT 1 FROM ${this.s}.events WHERE event_id = $1`, [eventId]);
    return r.rows.length > 0;
  }

  recentActions(user: string, limit: number): Promise<RecentAction[]> {
    return this.online.recentActions(user, limit);
  }

  pinCounters(pin: string): Promise<PinCounters> {
    return this.online.pinCounters(pin);
  }
  // PinnerSage daily profiles (src/storage/profiles-postgres.ts)
  beginProfileRun(meta: { cutoff: number; modelVersion: string }): Promise<number> {
    return this.profiles.begin(meta);
  }
  writeProfiles(run: number, profiles: StoredProfile[]): Promise<void> {
    return this.profiles.write(run, profiles);
  }
  commitProfileRun(run: number): Promise<ProfileRun> {
    return this.profiles.commit(run);
  }
  abortProfileRun(run: number): Promise<void> {
    return this.profiles.abort(run);
  }
  currentProfileRun(): Promise<ProfileRun | null> {
    return this.profiles.current();
  }
  getProfile(user: string): Promise<StoredProfile | null> {
    return this.profiles.get(user);
  }
  listProfiles(opts?: { run?: number; batchSize?: number }): AsyncIterable<StoredProfile[]> {
    return this.profiles.list(opts);
  }

}

interface PgPinRow {
  id: string;
  text: string | null;
  annotations: string[] | null;
  locale: string | null;
  created_at: number | null;
  embeddings: Record<string, number[]> | null;
}

interface PgBoardRow {
  id: string;
  name: string | null;
  locale: string | null;
  created_at: number | null;
}

function rowToPin(r: PgPinRow): PinRecord {
  const p: PinRecord = { id: r.id };
  if (r.text !== null) p.text = r.text;
  if (r.annotations !== null) p.annotations = r.annotations;
  if (r.locale !== null) p.locale = r.locale;
  if (r.created_at !== null) p.createdAt = r.created_at;
  if (r.embeddings !== null) p.embeddings = r.embeddings;
  return p;
}

function rowToBoard(r: PgBoardRow): BoardRecord {
  const b: BoardRecord = { id: r.id };
  if (r.name !== null) b.name = r.name;
  if (r.locale !== null) b.locale = r.locale;
  if (r.created_at !== null) b.createdAt = r.created_at;
  return b;
}
