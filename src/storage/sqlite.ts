import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SqliteProfiles } from './profiles-sqlite.js';
import { mergeRecent, rowToEvent, type EventRow } from './rows.js';
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

export interface SqliteOptions {
  /** file path, or ':memory:' */
  path: string;
  /** 'NORMAL' survives process crashes (WAL); 'FULL' also survives power loss */
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * Fault injection for the crash test only: SIGKILL this process after this many rows of an
   * event batch have been written inside its transaction.
   */
  testKillAfterRows?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pins (
  id TEXT PRIMARY KEY, text TEXT, annotations TEXT, locale TEXT, created_at REAL, embeddings TEXT
);
CREATE TABLE IF NOT EXISTS boards (id TEXT PRIMARY KEY, name TEXT, locale TEXT, created_at REAL);
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, locale TEXT, created_at REAL);
CREATE TABLE IF NOT EXISTS save_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, pin_id TEXT NOT NULL, board_id TEXT NOT NULL,
  user_id TEXT, created_at REAL NOT NULL, op TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS saves (
  pin_id TEXT NOT NULL, board_id TEXT NOT NULL, user_id TEXT, created_at REAL NOT NULL,
  seq INTEGER NOT NULL, removed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (pin_id, board_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS saves_seq ON saves (seq);
CREATE INDEX IF NOT EXISTS saves_user ON saves (user_id, created_at);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL,
  pin_id TEXT NOT NULL, action TEXT NOT NULL, surface TEXT NOT NULL, platform TEXT NOT NULL,
  position INTEGER NOT NULL, query_pin TEXT, ts REAL NOT NULL, request_id TEXT, experiment_id TEXT,
  variant TEXT, board_id TEXT
);
CREATE INDEX IF NOT EXISTS events_ts ON events (ts, seq);
CREATE INDEX IF NOT EXISTS events_user ON events (user_id, ts);
CREATE TABLE IF NOT EXISTS pin_counters (
  pin_id TEXT NOT NULL, action TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (pin_id, action)
) WITHOUT ROWID;
`;

type Stmt = Database.Statement;

/** Embedded default storage: one SQLite file in WAL mode; works with no server. */
export class SqliteStorage implements Storage {
  readonly kind = 'sqlite';
  private db: Database.Database;
  private s!: Record<string, Stmt>;
  private readonly killAfter: number;
  private profiles!: SqliteProfiles;

  constructor(private readonly opts: SqliteOptions) {
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    this.db = new Database(opts.path);
    this.killAfter = opts.testKillAfterRows ?? -1;
  }

  async init(): Promise<void> {
    const db = this.db;
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${this.opts.synchronous ?? 'NORMAL'}`);
    db.pragma('busy_timeout = 5000');
    db.pragma('cache_size = -65536'); // 64 MiB of page cache: the event indexes grow large
    db.exec(SCHEMA);
    this.profiles = new SqliteProfiles(db);
    const p = (sql: string): Stmt => db.prepare(sql);
    this.s = {
      upsertPin: p(`INSERT INTO pins (id, text, annotations, locale, created_at, embeddings) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET text = coalesce(excluded.text, text),
          annotations = coalesce(excluded.annotations, annotations), locale = coalesce(excluded.locale, locale),
          created_at = coalesce(excluded.created_at, created_at),
          embeddings = CASE WHEN excluded.embeddings IS NULL THEN embeddings
            ELSE json_patch(coalesce(embeddings, '{}'), excluded.embeddings) END`),
      upsertBoard: p(`INSERT INTO boards (id, name, locale, created_at) VALUES (?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET name = coalesce(excluded.name, name), locale = coalesce(excluded.locale, locale),
          created_at = coalesce(excluded.created_at, created_at)`),
      upsertUser: p(`INSERT INTO users (id, locale, created_at) VALUES (?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET locale = coalesce(excluded.locale, locale), created_at = coalesce(excluded.created_at, created_at)`),
      stubPin: p('INSERT OR IGNORE INTO pins (id) VALUES (?)'),
      stubBoard: p('INSERT OR IGNORE INTO boards (id) VALUES (?)'),
      getPin: p('SELECT * FROM pins WHERE id = ?'),
      getBoard: p('SELECT * FROM boards WHERE id = ?'),
      getUser: p('SELECT * FROM users WHERE id = ?'),
      pinsPage: p('SELECT * FROM pins WHERE id > ? ORDER BY id LIMIT ?'),
      boardsPage: p('SELECT * FROM boards WHERE id > ? ORDER BY id LIMIT ?'),
      saveState: p('SELECT removed FROM saves WHERE pin_id = ? AND board_id = ?'),
      logSave: p('INSERT INTO save_log (pin_id, board_id, user_id, created_at, op) VALUES (?, ?, ?, ?, ?)'),
      putSave: p(`INSERT INTO saves (pin_id, board_id, user_id, created_at, seq, removed) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(pin_id, board_id) DO UPDATE SET user_id = coalesce(excluded.user_id, user_id),
          created_at = excluded.created_at, seq = excluded.seq, removed = excluded.removed`),
      savesPage: p(`SELECT pin_id, board_id, user_id, created_at, seq FROM saves
        WHERE removed = 0 AND seq <= ? AND seq > ? ORDER BY seq LIMIT ?`),
      maxSeq: p('SELECT coalesce(max(seq), 0) AS m FROM save_log'),
      changes: p('SELECT * FROM save_log WHERE seq > ? ORDER BY seq LIMIT ?'),
      insertEvent: p(`INSERT OR IGNORE INTO events (event_id, user_id, pin_id, action, surface, platform, position,
        query_pin, ts, request_id, experiment_id, variant, board_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      bumpCounter: p(`INSERT INTO pin_counters (pin_id, action, n) VALUES (?, ?, ?)
        ON CONFLICT(pin_id, action) DO UPDATE SET n = n + ?`),
      eventsPage: p(`SELECT * FROM events WHERE ts >= ? AND ts < ? AND (ts > ? OR (ts = ? AND seq > ?))
        ORDER BY ts, seq LIMIT ?`),
      countEvents: p('SELECT count(*) AS n FROM events'),
      eventsAfter: p('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
      maxEventSeq: p('SELECT coalesce(max(seq), 0) AS m FROM events'),
      hasEvent: p('SELECT 1 AS x FROM events WHERE event_id = ?'),
      recentEvents: p('SELECT pin_id, action, ts FROM events WHERE user_id = ? ORDER BY ts DESC, seq DESC LIMIT ?'),
      recentSaves: p(`SELECT pin_id, created_at FROM saves WHERE user_id = ? AND removed = 0
        ORDER BY created_at DESC LIMIT ?`),
      counters: p('SELECT action, n FROM pin_counters WHERE pin_id = ?'),
    };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async upsertPins(pins: PinRecord[]): Promise<void> {
    const st = this.s.upsertPin!;
    this.db.transaction(() => {
      for (const p of pins)
        st.run(
          p.id,
          p.text ?? null,
          p.annotations ? JSON.stringify(p.annotations) : null,
          p.locale ?? null,
          p.createdAt ?? null,
          p.embeddings ? JSON.stringify(p.embeddings) : null,
        );
    })();
  }

  async upsertBoards(boards: BoardRecord[]): Promise<void> {
    const st = this.s.upsertBoard!;
    this.db.transaction(() => {
      for (const b of boards) st.run(b.id, b.name ?? null, b.locale ?? null, b.createdAt ?? null);
    })();
  }

  async upsertUsers(users: UserRecord[]): Promise<void> {
    const st = this.s.upsertUser!;
    this.db.transaction(() => {
      for (const u of users) st.run(u.id, u.locale ?? null, u.createdAt ?? null);
    })();
  }

  async getPin(id: string): Promise<PinRecord | null> {
    const r = this.s.getPin!.get(id) as PinRow | undefined;
    return r ? rowToPin(r) : null;
  }

  async getBoard(id: string): Promise<BoardRecord | null> {
    const r = this.s.getBoard!.get(id) as BoardRow | undefined;
    return r ? rowToBoard(r) : null;
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const r = this.s.getUser!.get(id) as { id: string; locale: string | null; created_at: number | null } | undefined;
    if (!r) return null;
    const u: UserRecord = { id: r.id };
    if (r.locale !== null) u.locale = r.locale;
    if (r.created_at !== null) u.createdAt = r.created_at;
    return u;
  }

  async *listPins(batchSize = 5000): AsyncIterable<PinRecord[]> {
    let after = '';
    for (;;) {
      const rows = this.s.pinsPage!.all(after, batchSize) as PinRow[];
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.id;
      yield rows.map(rowToPin);
    }
  }

  async *listBoards(batchSize = 5000): AsyncIterable<BoardRecord[]> {
    let after = '';
    for (;;) {
      const rows = this.s.boardsPage!.all(after, batchSize) as BoardRow[];
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.id;
      yield rows.map(rowToBoard);
    }
  }

  /** One save change inside a transaction; returns its seq or 0 when it changed nothing. */
  private applySave(pin: string, board: string, user: string | null, at: number, op: 'add' | 'remove'): number {
    const cur = this.s.saveState!.get(pin, board) as { removed: number } | undefined;
    if (op === 'add' && cur && cur.removed === 0) return 0;
    if (op === 'remove' && (!cur || cur.removed === 1)) return 0;
    if (op === 'add') {
      this.s.stubPin!.run(pin);
      this.s.stubBoard!.run(board);
    }
    const seq = Number(this.s.logSave!.run(pin, board, user, at, op).lastInsertRowid);
    this.s.putSave!.run(pin, board, user, at, seq, op === 'remove' ? 1 : 0);
    return seq;
  }

  async addSaves(saves: SaveRecord[]): Promise<number> {
    return this.db.transaction(() => {
      let last = 0;
      for (const s of saves) last = Math.max(last, this.applySave(s.pin, s.board, s.user ?? null, s.createdAt, 'add'));
      return last;
    })();
  }

  async removeSaves(saves: { pin: string; board: string }[]): Promise<number> {
    const now = Date.now();
    return this.db.transaction(() => {
      let last = 0;
      for (const s of saves) last = Math.max(last, this.applySave(s.pin, s.board, null, now, 'remove'));
      return last;
    })();
  }

  async *listSaves(opts: { upToSeq?: number; batchSize?: number } = {}): AsyncIterable<SaveRecord[]> {
    const upTo = opts.upToSeq ?? Number.MAX_SAFE_INTEGER;
    const n = opts.batchSize ?? 20_000;
    let after = 0;
    for (;;) {
      const rows = this.s.savesPage!.all(upTo, after, n) as {
        pin_id: string;
        board_id: string;
        user_id: string | null;
        created_at: number;
        seq: number;
      }[];
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.seq;
      yield rows.map((r) => {
        const s: SaveRecord = { pin: r.pin_id, board: r.board_id, createdAt: r.created_at };
        if (r.user_id !== null) s.user = r.user_id;
        return s;
      });
    }
  }

  async maxSaveSeq(): Promise<number> {
    return (this.s.maxSeq!.get() as { m: number }).m;
  }

  async saveChangesSince(afterSeq: number, limit = 1_000_000): Promise<SaveChange[]> {
    const rows = this.s.changes!.all(afterSeq, limit) as {
      seq: number;
      pin_id: string;
      board_id: string;
      user_id: string | null;
      created_at: number;
      op: 'add' | 'remove';
    }[];
    return rows.map((r) => {
      const c: SaveChange = { seq: r.seq, op: r.op, pin: r.pin_id, board: r.board_id, createdAt: r.created_at };
      if (r.user_id !== null) c.user = r.user_id;
      return c;
    });
  }

  async appendEvents(events: EngagementEvent[]): Promise<AppendResult> {
    const ins = this.s.insertEvent!;
    const bump = this.s.bumpCounter!;
    const killAfter = this.killAfter;
    return this.db.transaction(() => {
      let inserted = 0;
      let saveSeq = 0;
      // counters are summed per (pin, action) and written once each
      const counts = new Map<string, number>();
      for (let i = 0; i < events.length; i++) {
        const e = events[i]!;
        if (i === killAfter) process.kill(process.pid, 'SIGKILL');
        const r = ins.run(
          e.eventId,
          e.user,
          e.pin,
          e.action,
          e.surface,
          e.platform,
          e.position,
          e.queryPin ?? null,
          e.timestamp,
          e.requestId ?? null,
          e.experimentId ?? null,
          e.variant ?? null,
          e.board ?? null,
        );
        if (r.changes === 0) continue;
        inserted++;
        const k = `${e.pin}\u0000${e.action}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
        if (e.action === 'save' && e.board !== undefined)
          saveSeq = Math.max(saveSeq, this.applySave(e.pin, e.board, e.user, e.timestamp, 'add'));
      }
      for (const [k, n] of counts) {
        const cut = k.lastIndexOf('\u0000'); // actions never hold NUL; pin ids might
        bump.run(k.slice(0, cut), k.slice(cut + 1), n, n);
      }
      return { inserted, duplicates: events.length - inserted, saveSeq };
    })();
  }

  async *iterateEvents(range: EventRange = {}): AsyncIterable<EngagementEvent[]> {
    const from = range.from ?? -Number.MAX_VALUE;
    const to = range.to ?? Number.MAX_VALUE;
    const n = range.batchSize ?? 10_000;
    let lastTs = -Number.MAX_VALUE;
    let lastSeq = 0;
    for (;;) {
      const rows = this.s.eventsPage!.all(from, to, lastTs, lastTs, lastSeq, n) as (EventRow & {
        seq: number;
      })[];
      if (rows.length === 0) return;
      const last = rows[rows.length - 1]!;
      lastTs = last.ts;
      lastSeq = last.seq;
      yield rows.map(rowToEvent);
    }
  }

  async countEvents(): Promise<number> {
    return (this.s.countEvents!.get() as { n: number }).n;
  }

  async eventsAfter(afterSeq: number, limit = 10_000): Promise<{ events: EngagementEvent[]; lastSeq: number }> {
    const rows = this.s.eventsAfter!.all(afterSeq, limit) as (EventRow & { seq: number })[];
    return { events: rows.map(rowToEvent), lastSeq: rows.length > 0 ? rows[rows.length - 1]!.seq : afterSeq };
  }

  async maxEventSeq(): Promise<number> {
    return (this.s.maxEventSeq!.get() as { m: number }).m;
  }

  async hasEvent(eventId: string): Promise<boolean> {
    return this.s.hasEvent!.get(eventId) !== undefined;
  }

  async recentActions(user: string, limit: number): Promise<RecentAction[]> {
    const ev = (this.s.recentEvents!.all(user, limit) as { pin_id: string; action: string; ts: number }[]).map(
      (r) => ({ pin: r.pin_id, action: r.action, timestamp: r.ts }) as RecentAction,
    );
    const sv = (this.s.recentSaves!.all(user, limit) as { pin_id: string; created_at: number }[]).map(
      (r) => ({ pin: r.pin_id, action: 'save', timestamp: r.created_at }) as RecentAction,
    );
    return mergeRecent(ev, sv, limit);
  }

  async pinCounters(pin: string): Promise<PinCounters> {
    const out: PinCounters = {};
    for (const r of this.s.counters!.all(pin) as { action: keyof PinCounters; n: number }[]) out[r.action] = r.n;
    return out;
  }

  // PinnerSage daily profiles (src/storage/profiles-sqlite.ts)
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

interface PinRow {
  id: string;
  text: string | null;
  annotations: string | null;
  locale: string | null;
  created_at: number | null;
  embeddings: string | null;
}

interface BoardRow {
  id: string;
  name: string | null;
  locale: string | null;
  created_at: number | null;
}

function rowToPin(r: PinRow): PinRecord {
  const p: PinRecord = { id: r.id };
  if (r.text !== null) p.text = r.text;
  if (r.annotations !== null) p.annotations = JSON.parse(r.annotations) as string[];
  if (r.locale !== null) p.locale = r.locale;
  if (r.created_at !== null) p.createdAt = r.created_at;
  if (r.embeddings !== null) p.embeddings = JSON.parse(r.embeddings) as Record<string, number[]>;
  return p;
}

function rowToBoard(r: BoardRow): BoardRecord {
  const b: BoardRecord = { id: r.id };
  if (r.name !== null) b.name = r.name;
  if (r.locale !== null) b.locale = r.locale;
  if (r.created_at !== null) b.createdAt = r.created_at;
  return b;
}
