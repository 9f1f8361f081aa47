import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMemboostTable } from '../../src/memboost/coec.js';
import { InMemoryCounterStore, type CounterStore } from '../../src/memboost/counters.js';
import type { EngagementEvent } from '../../src/memboost/events.js';
import { RealtimeMemboost } from '../../src/memboost/realtime.js';
import { openCounterStore, RedisCounterStore } from '../../src/memboost/redis-counters.js';
import { ROW_WIDTH } from '../../src/memboost/row.js';
import { smallLog } from './fixtures.js';

const d = (...kv: [number, number][]): Float64Array => {
  const v = new Float64Array(ROW_WIDTH);
  for (const [k, x] of kv) v[k] = x;
  return v;
};

async function exercise(store: CounterStore): Promise<void> {
  await store.add([
    { query: 1, result: 2, deltas: d([0, 1], [8, 1]) },
    { query: 1, result: 2, deltas: d([0, 1], [4, 0.25]) },
    { query: 1, result: 3, deltas: d([3, 2]) },
    { query: 9, result: 2, deltas: d([8, 5]) },
  ]);
  const row = await store.row(1);
  expect([...row.keys()].sort()).toEqual([2, 3]);
  expect(Array.from(row.get(2)!)).toEqual([2, 0, 0, 0, 0.25, 0, 0, 0, 1]);
  expect(row.get(3)![3]).toBe(2);
  expect((await store.row(9)).get(2)![8]).toBe(5);
  expect((await store.row(4)).size).toBe(0);
  await expect(store.add([{ query: 1, result: 2, deltas: [1] }])).rejects.toThrow(/deltas must have 9 values/);
  await expect(store.add([{ query: -1, result: 2, deltas: d() }])).rejects.toThrow(/query -1/);
  await store.clear();
  expect((await store.row(1)).size).toBe(0);
}

describe('InMemoryCounterStore', () => {
  it('adds, reads and clears counters', async () => {
    await exercise(new InMemoryCounterStore());
    expect(openCounterStore()).toBeInstanceOf(InMemoryCounterStore);
  });
});

describe('RedisCounterStore (127.0.0.1:6379)', () => {
  let redis: Redis | null = null;
  const prefix = `boardwalk-test:${process.pid}:${Date.now()}:`;
  beforeAll(async () => {
    const r = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
    try {
      await r.connect();
      await r.ping();
      redis = r;
    } catch {
      r.disconnect();
      console.warn('RedisCounterStore tests skipped: no Redis reachable at 127.0.0.1:6379');
    }
  });
  afterAll(async () => {
    if (redis) await redis.quit();
  });

  it('adds, reads and clears counters', async (ctx) => {
    if (!redis) return ctx.skip();
    const store = new RedisCounterStore(redis, { prefix, ttlSeconds: 60 });
    await exercise(store);
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
    // the configured store connects by URL
    const viaUrl = openCounterStore({ redisUrl: 'redis://127.0.0.1:6379', prefix: `${prefix}url:` });
    expect(viaUrl).toBeInstanceOf(RedisCounterStore);
    await exercise(viaUrl);
    await viaUrl.close();
  });
});

describe('RealtimeMemboost', () => {
  it('adds live events on top of the batch table with the batch rates', async () => {
    const table = await buildMemboostTable(smallLog());
    const rt = new RealtimeMemboost(table, new InMemoryCounterStore());
    const live: EngagementEvent[] = [
      { pin: 2, action: 'impression', position: 0, platform: 'web', queryPin: 10, surface: 'related', timestamp: 1 },
      { pin: 2, action: 'click', position: 0, platform: 'web', queryPin: 10, surface: 'related', timestamp: 2 },
      { pin: 5, action: 'impression', position: 1, platform: 'web', queryPin: 10, surface: 'related', timestamp: 3 },
      { pin: 5, action: 'click', position: 1, platform: 'web', queryPin: 10, surface: 'homefeed', timestamp: 3 },
      { pin: 5, action: 'impression', position: 0, platform: 'tv', queryPin: 10, surface: 'related', timestamp: 3 },
    ];
    expect(await rt.record(live)).toBe(4);
    const row = await rt.row(10);
    // pin 2: batch actions [1,0,0,1] expected [1.25,0,0,0.75] + live click, expected + slot-0 rates (0.5 clicks)
    expect(Array.from(row.get(2)!)).toEqual([2, 0, 0, 1, 1.75, 0, 0, 0.75, 5]);
    // pin 5: new; a slot-1 impression on web expects 0.25 clicks and 0.25 saves; the unknown platform expects nothing
    expect(Array.from(row.get(5)!)).toEqual([0, 0, 0, 0, 0.25, 0, 0, 0.25, 2]);
    await rt.replaceTable(table);
    expect((await rt.row(10)).get(5)).toBeUndefined();
  });
});
