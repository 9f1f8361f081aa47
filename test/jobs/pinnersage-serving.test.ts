import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildGraphFromStorage } from '../../src/jobs/graph-rebuild.js';
import { pinnerSageEmbeddings } from '../../src/serving/pinnersage-embeddings.js';
import { loadConfig } from '../../src/server/config.js';
import { Engine, type PageRequest } from '../../src/serving/engine.js';
import { installFullSurfaces, type FullSurfaces } from '../../src/serving/full-surfaces.js';
import { DEFAULT_PINNERSAGE_SERVING, ServedProfiles } from '../../src/serving/pinnersage-profiles.js';
import { PostgresStorage } from '../../src/storage/postgres.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/types.js';
import { PG_URL, REDIS_URL, pgRedisReachable, uniqueName } from '../storage/pg-env.js';
import { A, B, DAY, DAY0, event, seedTwoGroups } from './pinnersage-fixture.js';

interface T {
  storage: Storage;
  drop: () => Promise<void>;
  engine: Engine;
  full: FullSurfaces;
  dir: string;
}
let t: T | null = null;

afterEach(async () => {
  if (!t) return;
  await t.full.close();
  await t.engine.close();
  await t.drop();
  rmSync(t.dir, { recursive: true, force: true });
  t = null;
});

async function open(kind: 'sqlite' | 'postgres' = 'sqlite'): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-ps-serving-'));
  let storage: Storage;
  let drop: () => Promise<void>;
  if (kind === 'postgres') {
    const name = uniqueName();
    const pgs = new PostgresStorage({ url: PG_URL, schema: name, redisUrl: REDIS_URL, redisPrefix: name });
    storage = pgs;
    drop = async () => {
      await pgs.dropAll();
      await pgs.close();
    };
  } else {
    const sq = new SqliteStorage({ path: join(dir, 'boardwalk.sqlite') });
    storage = sq;
    drop = () => sq.close();
  }
  await storage.init();
  await seedTwoGroups(storage);
  // two query pins: the on-demand fallback sees little; the stored profile sees everything
  const engine = await Engine.open(storage, { rebuildIntervalMs: 0, pollIntervalMs: 0, homefeedQueryPins: 2 });
  const full = await installFullSurfaces(engine, {
    dataDir: dir,
    config: { homefeed: { quotas: { pixie: 0, two_tower: 0, pinnersage: 40, fresh_boards: 0, fresh_neighbours: 0 }, blend: { mode: 'none' } } },
    pinnersage: { ...DEFAULT_PINNERSAGE_SERVING, pollSeconds: 0, threshold: 0.5 },
  });
  t = { storage, engine, full, dir, drop };
  return t;
}

const page: PageRequest = { limit: 20, offset: 0, excludeSeen: false, explain: true };

/** External ids of the medoids the served list came from, and whether it used a stored profile. */
async function feed(x: T, user: string): Promise<{ ids: string[]; medoids: Set<string>; stored: boolean }> {
  const p = await x.engine.homefeed(user, page);
  const g = x.engine.snapshot.graph;
  const medoids = new Set(p.items.map((i) => g.pins.external(i.parts!['clusterMedoid']!)));
  return { ids: p.items.map((i) => i.id), medoids, stored: p.items.length > 0 && p.items.every((i) => i.parts!['pinnersageStored'] === 1) };
}

const pgSkip = await pgRedisReachable();

describe('home feed PinnerSage from stored daily profiles', () => {
  it.each<'sqlite' | 'postgres'>(['sqlite', ...(pgSkip === null ? (['postgres'] as const) : [])])('%s: serves the stored profile, changes with an online event, and the next run reconciles', async (kind) => {
    const x = await open(kind);
    // before any run: on-demand only
    expect((await feed(x, 'uab')).stored).toBe(false);

    const r = (await x.full.runPinnerSageDaily(DAY0))!;
    expect(r).toMatchObject({ users: 2, clusters: 3 });
    const ps = x.full.pinnerSageProfiles!;
    expect(ps.currentRun).toMatchObject({ id: r.run.id, cutoff: DAY0, users: 2 });

    const before = await feed(x, 'uab');
    expect(before.stored).toBe(true);
    expect([...before.medoids].every((m) => A.includes(m) || B.includes(m))).toBe(true);
    expect([...before.medoids].some((m) => A.includes(m)) && [...before.medoids].some((m) => B.includes(m))).toBe(true);
    const ua = await feed(x, 'ua');
    expect(ua.stored).toBe(true);
    expect([...ua.medoids].every((m) => A.includes(m))).toBe(true);
    // the six group-A pins ua has not engaged with come first (group B is far away)
    expect(ua.ids.slice(0, 6).every((id) => A.includes(id))).toBe(true);

    // an event after the cut-off: ua now also likes group B, without a batch run
    const tag = ps.tag('ua');
    await x.engine.ingest([event('ua', B[7]!, DAY0 + DAY)]);
    expect(ps.tag('ua')).not.toBe(tag); // a new cache key: the cached list is not reused
    const after = await feed(x, 'ua');
    expect(after.stored).toBe(true);
    expect(after.medoids.has(B[7]!)).toBe(true);
    // two clusters now, interleaved: group B reaches the top
    expect(after.ids.slice(0, 4).some((id) => B.includes(id))).toBe(true);
    expect(ps.onlineUsers).toBe(1);
    // the same event again (same id) is not counted twice
    const v = ps.tag('ua');
    await x.engine.ingest([{ ...event('ua', B[7]!, DAY0 + DAY), eventId: 'dup' }]);
    await x.engine.ingest([{ ...event('ua', B[7]!, DAY0 + DAY), eventId: 'dup' }]);
    expect(ps.tag('ua')).not.toBe(v);
    const v2 = ps.tag('ua');
    await x.engine.ingest([{ ...event('ua', B[7]!, DAY0 + DAY), eventId: 'dup' }]);
    expect(ps.tag('ua')).toBe(v2);

    // next daily run covers the event: online state is cleared, the stored profile has group B
    const r2 = (await x.full.runPinnerSageDaily(DAY0 + 2 * DAY))!;
    expect(r2.run.id).toBeGreaterThan(r.run.id);
    expect(ps.onlineUsers).toBe(0);
    const stored = await x.storage.getProfile('ua');
    expect(stored!.clusters.some((c) => c.pins.includes(B[7]!))).toBe(true);
    expect((await feed(x, 'ua')).medoids.has(B[7]!)).toBe(true);
  });

  it('falls back to on-demand clusters for a user without a stored profile', async () => {
    const x = await open();
    await x.full.runPinnerSageDaily(DAY0);
    await x.engine.ingest([event('newbie', B[1]!, DAY0 + DAY), event('newbie', B[2]!, DAY0 + DAY)]);
    const f = await feed(x, 'newbie');
    expect(f.ids.length).toBeGreaterThan(0);
    expect(f.stored).toBe(false);
    expect(x.full.pinnerSageProfiles!.tag('newbie')).toBe('');
  });

  it('a server that starts after a run replays the events since its cut-off', async () => {
    const x = await open();
    await x.full.runPinnerSageDaily(DAY0);
    await x.engine.ingest([event('ua', B[4]!, DAY0 + DAY)]);
    // a second serving process on the same storage
    const engine2 = await Engine.open(x.storage, { rebuildIntervalMs: 0, pollIntervalMs: 0, homefeedQueryPins: 2 });
    const full2 = await installFullSurfaces(engine2, {
      dataDir: x.dir,
      config: { homefeed: { quotas: { pixie: 0, two_tower: 0, pinnersage: 40, fresh_boards: 0, fresh_neighbours: 0 }, blend: { mode: 'none' } } },
      pinnersage: { ...DEFAULT_PINNERSAGE_SERVING, pollSeconds: 0, threshold: 0.5 },
    });
    try {
      expect(full2.pinnerSageProfiles!.onlineUsers).toBe(1);
      const p = await engine2.homefeed('ua', page);
      const g = engine2.snapshot.graph;
      expect(p.items.some((i) => g.pins.external(i.parts!['clusterMedoid']!) === B[4])).toBe(true);
    } finally {
      await full2.close();
      await engine2.close();
    }
  });
});

describe('several serving processes on one store', () => {
  it.each<'sqlite' | 'postgres'>(['sqlite', ...(pgSkip === null ? (['postgres'] as const) : [])])('%s: each reads the events the others ingested into its online state', async (kind) => {
    const x = await open(kind);
    await x.full.runPinnerSageDaily(DAY0);
    // a second serving process (another cluster worker) on the same storage
    const engine2 = await Engine.open(x.storage, { rebuildIntervalMs: 0, pollIntervalMs: 0, homefeedQueryPins: 2 });
    const full2 = await installFullSurfaces(engine2, {
      dataDir: x.dir,
      config: { homefeed: { quotas: { pixie: 0, two_tower: 0, pinnersage: 40, fresh_boards: 0, fresh_neighbours: 0 }, blend: { mode: 'none' } } },
      pinnersage: { ...DEFAULT_PINNERSAGE_SERVING, pollSeconds: 0, tailSeconds: 0, threshold: 0.5 },
    });
    try {
      const ps2 = full2.pinnerSageProfiles!;
      expect(ps2.onlineUsers).toBe(0);
      const tag = ps2.tag('ua');
      // ingested through the first process only; one event before the cut-off (the run has it)
      await x.engine.ingest([event('ua', B[6]!, DAY0 + DAY), event('uab', A[8]!, DAY0 - DAY)]);
      expect(ps2.tag('ua')).toBe(tag);
      expect(await ps2.tail()).toBe(1);
      expect(ps2.tag('ua')).not.toBe(tag); // its cached feed is not reused
      expect(ps2.onlineUsers).toBe(1);
      const p = await engine2.homefeed('ua', page);
      const g = engine2.snapshot.graph;
      expect(p.items.some((i) => g.pins.external(i.parts!['clusterMedoid']!) === B[6])).toBe(true);
      // nothing new: the overlap re-read is deduplicated; its own events count once too
      expect(await ps2.tail()).toBe(0);
      const v = ps2.tag('ua');
      await engine2.ingest([event('ua', B[8]!, DAY0 + DAY)]);
      expect(ps2.tag('ua')).not.toBe(v);
      expect(await ps2.tail()).toBe(0);
      // and the first process reads the second's event
      expect(await x.full.pinnerSageProfiles!.tail()).toBe(1);
    } finally {
      await full2.close();
      await engine2.close();
    }
  });
});

describe('server config pinnersage section', () => {
  it('reads the schedule from env and file, and names bad settings', () => {
    const c = loadConfig({ env: { BOARDWALK_PINNERSAGE_DAILY_MINUTES: '1440', BOARDWALK_PINNERSAGE_POLL_SECONDS: '30', BOARDWALK_PINNERSAGE_TAIL_SECONDS: '2' } });
    expect(c.pinnersage).toMatchObject({ dailyEveryMinutes: 1440, pollSeconds: 30, tailSeconds: 2, lookbackDays: 90, threshold: 2 });
    expect(() => loadConfig({ env: {}, overrides: { pinnersage: { tailSeconds: -1 } } })).toThrow(/pinnersage\.tailSeconds/);
    expect(() => loadConfig({ env: {}, overrides: { pinnersage: { threshold: -1 } } })).toThrow(/pinnersage\.threshold/);
    expect(() => loadConfig({ env: {}, overrides: { pinnersage: { actions: ['like'] } } })).toThrow(/pinnersage\.actions/);
    expect(() => loadConfig({ env: { BOARDWALK_PINNERSAGE_DAILY_MINUTES: 'daily' } })).toThrow(/BOARDWALK_PINNERSAGE_DAILY_MINUTES="daily" must be an integer/);
  });
});

describe('scheduled daily runs', () => {
  it('runs the job every dailyEveryMinutes and serves each run', async () => {
    const x = await open();
    const { graph } = await buildGraphFromStorage(x.storage);
    const emb = pinnerSageEmbeddings(graph, null, { kind: 'svd', dim: 8, seed: 1 })!;
    const logs: string[] = [];
    const ps = new ServedProfiles(x.storage, { ...DEFAULT_PINNERSAGE_SERVING, pollSeconds: 0, dailyEveryMinutes: 5 }, (m) => logs.push(m));
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'], now: DAY0 - 5 * 60_000 });
    try {
      ps.start(() => ({ graph, table: emb.table, version: emb.version }));
      vi.advanceTimersByTime(4 * 60_000);
      expect(ps.currentRun).toBeNull();
      vi.advanceTimersByTime(60_000);
      await ps.stop(); // waits for the run the timer started
    } finally {
      vi.useRealTimers();
    }
    expect(ps.currentRun).toMatchObject({ users: 2, status: 'current', cutoff: DAY0 });
    expect(await x.storage.currentProfileRun()).toEqual(ps.currentRun);
    expect(logs.some((l) => /^pinnersage: daily run \d+: 2 users/.test(l))).toBe(true);
  });
});
