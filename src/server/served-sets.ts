import { join } from 'node:path';
import type { ServedSetStore } from '../experiments/served-set.js';
import { SqliteServedSetStore } from '../storage/sqlite-served-set.js';
import { DEFAULT_FEATURES, type ServerConfig } from './config.js';
import { RedisServedSetStore, servedSetRedis } from './redis-served-set.js';

export type ServedSetKind = 'memory' | 'sqlite' | 'redis';

/**
 * Where cursors' served sets live. `auto`: Redis with PostgreSQL storage; the SQLite file's
 * tables when more than one worker serves (each worker is a process, and a cursor's next page
 * may land on any of them); else memory, the fastest, in this process only.
 */
export function servedSetKind(cfg: ServerConfig): ServedSetKind {
  const want = cfg.features?.servedSets ?? 'auto';
  if (want !== 'auto') return want;
  if (cfg.storage.kind === 'postgres') return 'redis';
  return cfg.workers > 1 ? 'sqlite' : 'memory';
}

/** Opens the configured shared store; null for memory (RequestFeatures keeps its own). */
export function openServedSets(cfg: ServerConfig): { kind: ServedSetKind; store: ServedSetStore<string>; close(): Promise<void> } | null {
  const kind = servedSetKind(cfg);
  const ttlMs = (cfg.features ?? DEFAULT_FEATURES).cursorTtlMs;
  if (kind === 'redis') {
    const redis = servedSetRedis(cfg.storage.redisUrl);
    const store = new RedisServedSetStore(redis, { prefix: `${cfg.storage.redisPrefix}:served:`, ttlSeconds: Math.ceil(ttlMs / 1000) });
    return { kind, store, close: async () => void (await redis.quit().catch(() => undefined)) };
  }
  if (kind === 'sqlite') {
    if (cfg.storage.kind !== 'sqlite') throw new Error(`served sets: "sqlite" needs SQLite storage (storage.kind is ${cfg.storage.kind}); use "redis"`);
    const store = new SqliteServedSetStore(join(cfg.storage.dataDir, cfg.storage.sqliteFile), { ttlMs });
    return { kind, store, close: async () => store.close() };
  }
  return null;
}
