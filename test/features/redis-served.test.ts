import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { DEFAULT_CONFIG, DEFAULT_FEATURES } from '../../src/server/config.js';
import { ServerMetrics } from '../../src/server/metrics.js';
import { RedisServedSetStore } from '../../src/server/redis-served-set.js';
import { Engine } from '../../src/serving/engine.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { ids, seedChain } from './helpers.js';

let redis: Redis | null = null;
const prefix = `bwtest:served:${process.pid}:`;

beforeAll(async () => {
  const r = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  try {
    await r.connect();
    redis = r;
  } catch {
    r.disconnect();
  }
});
afterAll(async () => {
  if (redis) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
});

describe('served sets in Redis', () => {
  it('a cursor from one worker is followed on another without repeats (skipped without Redis)', async (ctx) => {
    if (!redis) return ctx.skip();
    const store = new RedisServedSetStore(redis, { prefix, ttlSeconds: 60 });
    await store.add('r1', ['a', 'b']);
    expect([...(await store.get('r1'))].sort()).toEqual(['a', 'b']);
    expect(await redis.ttl(`${prefix}r1`)).toBeGreaterThan(50);
    await store.delete('r1');
    expect((await store.get('r1')).size).toBe(0);

    // two "workers": separate engines and apps on one SQLite store, one Redis served set
    const storage = new SqliteStorage({ path: ':memory:' });
    await storage.init();
    await seedChain(storage);
    const config = { ...DEFAULT_CONFIG, logLevel: 'silent' as const, features: { ...DEFAULT_FEATURES, cursorSecret: 'shared-secret-0123456789' } };
    const engines = [await Engine.open(storage, { rebuildIntervalMs: 0, pixie: { steps: 2000 } }), await Engine.open(storage, { rebuildIntervalMs: 0, pixie: { steps: 2000 } })];
    const apps = engines.map((engine) => buildApp({ engine, config, metrics: new ServerMetrics({ defaultMetrics: false }), served: store }));
    try {
      const all: string[] = [];
      let cursor: string | null = null;
      let i = 0;
      do {
        const url: string = `/v1/pins/p0/related?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const body = (await apps[i++ % 2]!.inject({ method: 'GET', url })).json();
        all.push(...ids(body));
        cursor = body.next_cursor;
      } while (cursor);
      expect(i).toBeGreaterThan(3);
      expect(new Set(all).size).toBe(all.length);
    } finally {
      for (const a of apps) await a.close();
      for (const e of engines) await e.close();
      await storage.close();
    }
  });
});
