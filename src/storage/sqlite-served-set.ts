import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ServedSetStore } from '../experiments/served-set.js';

export interface SqliteServedSetOptions {
  /** an entry not written for this long is forgotten (default 30 min) */
  ttlMs?: number;
  /** most pins remembered per request (default 10,000); later ones are refused */
  maxPinsPerEntry?: number;
  /** expired entries are swept every this many writes (default 500) */
  sweepEvery?: number;
  /** clock, for tests */
  now?: () => number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS served_requests (request_id TEXT PRIMARY KEY, touched REAL NOT NULL, n INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS served_requests_touched ON served_requests (touched);
CREATE TABLE IF NOT EXISTS served_pins (request_id TEXT NOT NULL, pin TEXT NOT NULL, PRIMARY KEY (request_id, pin)) WITHOUT ROWID;
`;

/**
 * Served sets in SQLite tables, so every process on one SQLite file (cluster workers, several
 * servers on one disk) follows the same cursors: page 2 served by another process never repeats
 * page 1. It opens its own connection to the file (WAL, busy timeout) and sweeps expired rows
 * every `sweepEvery` writes. `:memory:` cannot be shared between connections and is refused.
 */
export class SqliteServedSetStore implements ServedSetStore<string> {
  private readonly db: Database.Database;
  private readonly ttlMs: number;
  private readonly maxPins: number;
  private readonly sweepEvery: number;
  private readonly now: () => number;
  private writes = 0;
  private readonly s: Record<'touched' | 'entry' | 'pins' | 'touch' | 'addPin' | 'del' | 'delPins' | 'sweepPins' | 'sweep', Database.Statement>;

  constructor(path: string, opts: SqliteServedSetOptions = {}) {
    if (path === ':memory:' || path === '') throw new Error('served sets in SQLite need a database file shared by the processes (not :memory:)');
    this.ttlMs = opts.ttlMs ?? 30 * 60_000;
    this.maxPins = opts.maxPinsPerEntry ?? 10_000;
    this.sweepEvery = opts.sweepEvery ?? 500;
    this.now = opts.now ?? Date.now;
    if (!(this.ttlMs > 0)) throw new RangeError(`served sets: ttlMs must be > 0, got ${this.ttlMs}`);
    if (!Number.isInteger(this.maxPins) || this.maxPins < 1) throw new RangeError(`served sets: maxPinsPerEntry must be an integer >= 1, got ${this.maxPins}`);
    if (!Number.isInteger(this.sweepEvery) || this.sweepEvery < 1) throw new RangeError(`served sets: sweepEvery must be an integer >= 1, got ${this.sweepEvery}`);
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    this.db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    const p = (sql: string): Database.Statement => db.prepare(sql);
    this.s = {
      touched: p('SELECT touched FROM served_requests WHERE request_id = ?'),
      pins: p('SELECT pin FROM served_pins WHERE request_id = ?'),
      touch: p(`INSERT INTO served_requests (request_id, touched, n) VALUES (?, ?, ?)
        ON CONFLICT(request_id) DO UPDATE SET touched = excluded.touched, n = excluded.n`),
      addPin: p('INSERT OR IGNORE INTO served_pins (request_id, pin) VALUES (?, ?)'),
      entry: p('SELECT touched, n FROM served_requests WHERE request_id = ?'),
      del: p('DELETE FROM served_requests WHERE request_id = ?'),
      delPins: p('DELETE FROM served_pins WHERE request_id = ?'),
      sweepPins: p('DELETE FROM served_pins WHERE request_id IN (SELECT request_id FROM served_requests WHERE touched < ?)'),
      sweep: p('DELETE FROM served_requests WHERE touched < ?'),
    };
  }

  async get(requestId: string): Promise<ReadonlySet<string>> {
    const row = this.s.touched.get(requestId) as { touched: number } | undefined;
    if (!row) return new Set();
    if (this.now() - row.touched >= this.ttlMs) {
      this.remove(requestId);
      return new Set();
    }
    return new Set((this.s.pins.all(requestId) as { pin: string }[]).map((r) => r.pin));
  }

  async add(requestId: string, pins: Iterable<string>): Promise<void> {
    const list = [...pins];
    const now = this.now();
    // one transaction per page: the pins and the refreshed time to live land together
    this.db.transaction(() => {
      const row = this.s.entry.get(requestId) as { touched: number; n: number } | undefined;
      let n = row?.n ?? 0;
      if (row && now - row.touched >= this.ttlMs) {
        this.s.delPins.run(requestId);
        this.s.del.run(requestId);
        n = 0;
      }
      // the row keeps the count, so no count(*) per page
      for (const p of list) n += this.s.addPin.run(requestId, p).changes;
      if (n > this.maxPins) throw new RangeError(`request ${requestId}: more than ${this.maxPins} pins served`);
      this.s.touch.run(requestId, now, n);
    }).immediate();
    if (++this.writes % this.sweepEvery === 0) this.sweep();
  }

  async delete(requestId: string): Promise<void> {
    this.remove(requestId);
  }

  /** Deletes every entry past its time to live; returns how many request ids went. */
  sweep(): number {
    const cut = this.now() - this.ttlMs;
    return this.db.transaction(() => {
      this.s.sweepPins.run(cut);
      return this.s.sweep.run(cut).changes;
    })();
  }

  close(): void {
    this.db.close();
  }

  private remove(requestId: string): void {
    this.db.transaction(() => {
      this.s.delPins.run(requestId);
      this.s.del.run(requestId);
    })();
  }
}
