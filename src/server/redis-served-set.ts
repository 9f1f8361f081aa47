import { Redis } from 'ioredis';
import type { ServedSetStore } from '../experiments/served-set.js';

export interface RedisServedSetOptions {
  /** key prefix, e.g. `boardwalk:acme:served:` */
  prefix: string;
  /** time to live since the last write, seconds */
  ttlSeconds: number;
  /** most pins kept per request id (larger adds are ignored past it) */
  maxPins?: number;
}

/**
 * Served sets in Redis (one SET per request id, with a TTL), so every worker and instance
 * sharing the Redis sees the same pages: a cursor can be followed on any of them.
 */
export class RedisServedSetStore implements ServedSetStore<string> {
  private readonly maxPins: number;

  constructor(
    private readonly redis: Redis,
    private readonly o: RedisServedSetOptions,
  ) {
    this.maxPins = o.maxPins ?? 10_000;
  }

  async get(requestId: string): Promise<ReadonlySet<string>> {
    return new Set(await this.redis.smembers(this.o.prefix + requestId));
  }

  async add(requestId: string, pins: Iterable<string>): Promise<void> {
    const arr = [...pins];
    const key = this.o.prefix + requestId;
    if (arr.length > 0 && (await this.redis.scard(key)) < this.maxPins) {
      await this.redis.multi().sadd(key, ...arr).expire(key, this.o.ttlSeconds).exec();
    } else await this.redis.expire(key, this.o.ttlSeconds);
  }

  async delete(requestId: string): Promise<void> {
    await this.redis.del(this.o.prefix + requestId);
  }
}

/** A Redis client for served sets (closed by the caller). */
export function servedSetRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false });
}
