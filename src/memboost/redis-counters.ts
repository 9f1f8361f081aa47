import { Redis } from 'ioredis';
import { checkUpdate, InMemoryCounterStore, type CounterStore, type CounterUpdate } from './counters.js';
import { ROW_WIDTH, type MemoryRow } from './row.js';

export interface RedisCounterOptions {
  /** key prefix, so several deployments or tests share one Redis (default 'boardwalk:mb:') */
  prefix: string;
  /** expire a query's counters this many seconds after its last update (0 = never; default 7 days) */
  ttlSeconds: number;
}

/**
 * Memboost counters in Redis: one hash per query pin (`<prefix>q:<query>`), one field per
 * (result, counter) (`<result>:<k>`), HINCRBYFLOAT in one pipeline per batch of updates. A set
 * `<prefix>keys` remembers the hashes so clear() needs no KEYS scan.
 */
export class RedisCounterStore implements CounterStore {
  private readonly o: RedisCounterOptions;

  constructor(
    readonly redis: Redis,
    options: Partial<RedisCounterOptions> = {},
  ) {
    this.o = { prefix: 'boardwalk:mb:', ttlSeconds: 7 * 86400, ...options };
  }

  /** Connects to a Redis URL (e.g. redis://127.0.0.1:6379). */
  static connect(url: string, options: Partial<RedisCounterOptions> = {}): RedisCounterStore {
    return new RedisCounterStore(new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 }), options);
  }

  private key(q: number): string {
    return `${this.o.prefix}q:${q}`;
  }

  async add(updates: CounterUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const pipe = this.redis.pipeline();
    const touched = new Set<number>();
    for (const u of updates) {
      checkUpdate(u);
      const key = this.key(u.query);
      for (let k = 0; k < ROW_WIDTH; k++) {
        const d = u.deltas[k]!;
        if (d !== 0) pipe.hincrbyfloat(key, `${u.result}:${k}`, d);
      }
      touched.add(u.query);
    }
    for (const q of touched) {
      pipe.sadd(`${this.o.prefix}keys`, this.key(q));
      if (this.o.ttlSeconds > 0) pipe.expire(this.key(q), this.o.ttlSeconds);
    }
    const res = await pipe.exec();
    for (const r of res ?? []) if (r[0]) throw r[0];
  }

  async row(query: number): Promise<MemoryRow> {
    const h = await this.redis.hgetall(this.key(query));
    const out: MemoryRow = new Map();
    for (const field in h) {
      const colon = field.indexOf(':');
      const r = Number(field.slice(0, colon));
      const k = Number(field.slice(colon + 1));
      if (!Number.isInteger(r) || !(k >= 0 && k < ROW_WIDTH)) continue;
      let v = out.get(r);
      if (!v) out.set(r, (v = new Float64Array(ROW_WIDTH)));
      v[k] = Number(h[field]);
    }
    return out;
  }

  async clear(): Promise<void> {
    const setKey = `${this.o.prefix}keys`;
    const keys = await this.redis.smembers(setKey);
    const pipe = this.redis.pipeline();
    for (const k of keys) pipe.del(k);
    pipe.del(setKey);
    await pipe.exec();
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}

/**
 * The counter store a deployment configures: Redis when a URL is given (shared by all server
 * processes), else in-process memory.
 */
export function openCounterStore(opts: { redisUrl?: string; prefix?: string; ttlSeconds?: number } = {}): CounterStore {
  if (!opts.redisUrl) return new InMemoryCounterStore();
  const o: Partial<RedisCounterOptions> = {};
  if (opts.prefix !== undefined) o.prefix = opts.prefix;
  if (opts.ttlSeconds !== undefined) o.ttlSeconds = opts.ttlSeconds;
  return RedisCounterStore.connect(opts.redisUrl, o);
}
