import { Redis } from 'ioredis';
import { RECENT_ACTIONS_KEPT, type Action, type PinCounters, type RecentAction } from './types.js';

/**
 * Online state in Redis: each user's recent actions (a capped list) and real-time engagement
 * counters per pin (a hash). Derived from the event log, so it can be rebuilt from it.
 */
export class RedisOnlineState {
  readonly redis: Redis;

  constructor(
    url: string,
    readonly prefix: string,
  ) {
    // Fail fast instead of queueing commands forever when Redis is down.
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  }

  async connect(): Promise<void> {
    if (this.redis.status === 'wait') await this.redis.connect();
  }

  async close(): Promise<void> {
    if (this.redis.status !== 'end') await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private userKey(user: string): string {
    return `${this.prefix}:recent:${user}`;
  }

  private pinKey(pin: string): string {
    return `${this.prefix}:counters:${pin}`;
  }

  /** Records actions (user, pin, action, ts); `count` false skips the pin counters (saves). */
  async record(items: { user: string; pin: string; action: Action; timestamp: number; count: boolean }[]): Promise<void> {
    if (items.length === 0) return;
    const m = this.redis.pipeline();
    const touched = new Set<string>();
    for (const it of items) {
      const k = this.userKey(it.user);
      m.lpush(k, `${it.pin}\t${it.action}\t${it.timestamp}`);
      touched.add(k);
      if (it.count) m.hincrby(this.pinKey(it.pin), it.action, 1);
    }
    for (const k of touched) m.ltrim(k, 0, RECENT_ACTIONS_KEPT - 1);
    const res = await m.exec();
    for (const r of res ?? []) if (r[0]) throw r[0];
  }

  async recentActions(user: string, limit: number): Promise<RecentAction[]> {
    const rows = await this.redis.lrange(this.userKey(user), 0, Math.max(0, Math.min(limit, RECENT_ACTIONS_KEPT) - 1));
    const out: RecentAction[] = [];
    for (const r of rows) {
      const [pin, action, ts] = r.split('\t');
      out.push({ pin: pin!, action: action as Action, timestamp: Number(ts) });
    }
    out.sort((a, b) => b.timestamp - a.timestamp);
    return out;
  }

  async pinCounters(pin: string): Promise<PinCounters> {
    const h = await this.redis.hgetall(this.pinKey(pin));
    const out: PinCounters = {};
    for (const [k, v] of Object.entries(h)) out[k as Action] = Number(v);
    return out;
  }

  async isBuilt(): Promise<boolean> {
    return (await this.redis.exists(`${this.prefix}:built`)) === 1;
  }

  async markStale(): Promise<void> {
    await this.redis.del(`${this.prefix}:built`);
  }

  async markBuilt(): Promise<void> {
    await this.redis.set(`${this.prefix}:built`, '1');
  }

  /** Deletes every key under the prefix (tests). */
  async dropAll(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await this.redis.del(...keys);
    } while (cursor !== '0');
  }
}
