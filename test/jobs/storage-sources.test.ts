import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRetrainConfig, runRetrain } from '../../src/jobs/retrain.js';
import { readRankingEvents, storageEngagementSource, storageUserEvents } from '../../src/jobs/storage-sources.js';
import { register as registerRetrain } from '../../src/cli/retrain.js';
import { register as registerFitBlend } from '../../src/cli/fit-blend.js';
import { register as registerTrainRanker } from '../../src/cli/train-ranker.js';
import { readBlendWeights } from '../../src/jobs/blend-fit.js';
import { JsonlCandidateLogSink } from '../../src/ranking/logging.js';
import { ModelRegistry } from '../../src/ranking/registry.js';
import { simulateEngagement } from '../../src/ranking/simulator.js';
import { ModelStore } from '../../src/retrieval/model-store.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { Action, EngagementEvent } from '../../src/storage/types.js';
import { Rng } from '../../src/util/rng.js';
import { runCli } from '../cli-run.js';

const T0 = 1_700_000_000_000;
const ACTS: Action[] = ['impression', 'click', 'save', 'closeup'];

/** 300 events: 30 users in 3 taste clusters of 10 pins each; every 10th event has no request id. */
function seededEvents(): EngagementEvent[] {
  const rng = new Rng(7);
  const out: EngagementEvent[] = [];
  for (let i = 0; i < 300; i++) {
    const u = rng.int(30);
    const pin = (u % 3) * 10 + rng.int(10);
    const e: EngagementEvent = {
      eventId: `e${i}`,
      user: `u${u}`,
      pin: `p${pin}`,
      action: ACTS[i % 4]!,
      surface: 'homefeed',
      platform: 'web',
      position: i % 5,
      // shuffled arrival order, with some equal timestamps
      timestamp: T0 + ((i * 37) % 300) * 1000 - (i % 7 === 0 ? 1000 : 0),
    };
    if (i % 10 !== 0) e.requestId = `r${i % 50}`;
    out.push(e);
  }
  return out;
}

let dir: string;
let storage: SqliteStorage;
const events = seededEvents();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-storage-src-'));
  storage = new SqliteStorage({ path: join(dir, 'boardwalk.sqlite'), synchronous: 'NORMAL' });
  await storage.init();
  const r = await storage.appendEvents(events);
  expect(r.inserted).toBe(300);
});

afterAll(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('storageEngagementSource', () => {
  it('streams every event with its fields, in (timestamp, arrival) order, across batches', async () => {
    const src = storageEngagementSource(storage, { batchSize: 17 });
    expect(src.description).toBe('storage:sqlite');
    const got = await collect(src.events());
    expect(got.length).toBe(300);
    const want = events
      .map((e, i) => ({ e, i }))
      .sort((a, b) => a.e.timestamp - b.e.timestamp || a.i - b.i)
      .map(({ e }) => ({ user: e.user, pin: e.pin, action: e.action, timestamp: e.timestamp }));
    expect(got).toEqual(want);
    // also iterable directly (PinnerSage-style consumers)
    expect((await collect(src)).length).toBe(300);
  });

  it('filters by action and by since', async () => {
    const saves = await collect(storageEngagementSource(storage, { actions: ['save'] }).events());
    expect(saves.length).toBe(75);
    expect(saves.every((e) => e.action === 'save')).toBe(true);
    const since = T0 + 150_000;
    const late = await collect(storageEngagementSource(storage, { since, actions: ['save', 'click'] }).events());
    expect(late.length).toBe(events.filter((e) => e.timestamp >= since && (e.action === 'save' || e.action === 'click')).length);
    expect(late.every((e) => e.timestamp >= since)).toBe(true);
  });

  it('rejects bad options with a clear error', () => {
    expect(() => storageEngagementSource(storage, { since: Number.NaN })).toThrow(/since must be a finite/);
    expect(() => storageEngagementSource(storage, { actions: [] })).toThrow(/actions must not be empty/);
    expect(() => storageEngagementSource(storage, { batchSize: 0 })).toThrow(/batchSize/);
  });
});

describe('dense-id adapters', () => {
  const pin = (id: string): number => (id === 'p29' ? -1 : Number(id.slice(1)));

  it('storageUserEvents numbers users by first sight and skips unknown pins', async () => {
    const users: string[] = [];
    const got = await collect(storageUserEvents(storage, { pin, users, actions: ['save'] }));
    const saves = events.filter((e) => e.action === 'save' && e.pin !== 'p29');
    expect(got.length).toBe(saves.length);
    for (const e of got) {
      expect(Number.isInteger(e.user) && e.user < users.length).toBe(true);
      expect(e.pin).not.toBe(29);
    }
    expect(users[got[0]!.user]).toBe(users[0]);
  });

  it('readRankingEvents keeps only joinable events and counts the rest', async () => {
    const { events: got, stats } = await readRankingEvents(storage, { pin });
    expect(stats.read).toBe(300);
    expect(stats.noRequest).toBe(30);
    const unknown = events.filter((e) => e.requestId && e.pin === 'p29').length;
    expect(stats.unknownPin).toBe(unknown);
    expect(got.length).toBe(270 - unknown);
    expect(got[0]).toMatchObject({ requestId: expect.stringMatching(/^r\d+$/), action: expect.any(String) });
    expect(typeof got[0]!.ts).toBe('number');
  });
});

describe('retrain from storage', () => {
  it('trains on stored events and publishes a version', async () => {
    const store = join(dir, 'models', 'two-tower');
    const config = resolveRetrainConfig(undefined, {
      store,
      model: { dim: 8 },
      train: { epochs: 1, batchSize: 32, seed: 1 },
      gate: { k: 5, maxUsers: 50, holdoutMinEvents: 3, maxRegression: 1, minRecall: 0 },
    });
    const r = await runRetrain(storageEngagementSource(storage), config);
    expect(r.source).toBe('storage:sqlite');
    expect(r.published).toBe(true);
    expect(r.version).toBe('v000001');
    expect(r.users).toBe(30);
    expect(new ModelStore(store).current()).toBe('v000001');
  });

  it('`retrain --from-storage` opens storage from the serve config and publishes where serving looks', async () => {
    const cfgFile = join(dir, 'serve.json');
    writeFileSync(cfgFile, JSON.stringify({ storage: { kind: 'sqlite', dataDir: dir } }));
    const printed = await runCli(registerRetrain, ['retrain', '--from-storage', '--server-config', cfgFile, '--epochs', '1', '--dim', '8', '--force', '--json']);
    const rep = JSON.parse(printed) as { published: boolean; version: string; events: number };
    expect(rep.published).toBe(true);
    expect(rep.events).toBeGreaterThan(0);
    // data dir default store = <dataDir>/models/two-tower (after the first test's v000001)
    expect(new ModelStore(join(dir, 'models', 'two-tower')).current()).toBe(rep.version);
    expect(rep.version).toBe('v000002');
  });

  it('refuses --from-storage together with --events', async () => {
    const program = new Command().exitOverride();
    registerRetrain(program);
    await expect(program.parseAsync(['retrain', '--from-storage', '--events', 'x.jsonl'], { from: 'user' })).rejects.toThrow(/cannot be combined/);
  });
});

describe('train-ranker from storage', () => {
  it('joins <dataDir>/candidates.jsonl with stored events and promotes into <dataDir>/registry', async () => {
    const d = mkdtempSync(join(tmpdir(), 'bw-ranker-src-'));
    try {
      const sim = simulateEngagement({ clients: ['homefeed'], requests: 300, users: 40, pins: 200, seed: 5 });
      // dense pin i of the serving graph is the i-th pin in id order: zero-padded ids keep that order
      const ext = (i: number): string => `p${String(i).padStart(4, '0')}`;
      const st = new SqliteStorage({ path: join(d, 'boardwalk.sqlite'), synchronous: 'NORMAL' });
      await st.init();
      await st.upsertPins(Array.from({ length: 200 }, (_, i) => ({ id: ext(i) })));
      await st.appendEvents(
        sim.events.map((e, i) => ({
          eventId: `s${i}`,
          user: `u${e.user ?? 0}`,
          pin: ext(e.pin),
          action: e.action as Action,
          surface: 'homefeed',
          platform: 'web' as const,
          position: 0,
          timestamp: e.ts,
          requestId: e.requestId,
        })),
      );
      await st.close();
      const sink = new JsonlCandidateLogSink(join(d, 'candidates.jsonl'));
      sink.log(sim.candidates);
      sink.close();
      const cfgFile = join(d, 'serve.json');
      writeFileSync(cfgFile, JSON.stringify({ storage: { kind: 'sqlite', dataDir: d } }));
      const text = await runCli(registerTrainRanker, ['train-ranker', '--client', 'homefeed', '--from-storage', '--config', cfgFile, '--rounds', '5', '--seed', '1']);
      expect(text).toContain(`storage: ${sim.events.length} events, 0 without request id, 0 with pins not in the graph`);
      expect(text).toMatch(/promoted: homefeed v1/);
      expect(new ModelRegistry(join(d, 'registry')).get('homefeed')?.version).toBe(1);

      // fit-blend on the same data: two sources' normalised scores, as serving logs them
      for (const c of sim.candidates) {
        c.features['src_pixie'] = c.features['visits']! / 100;
        c.features['src_taste'] = c.features['user_affinity']!;
      }
      rmSync(join(d, 'candidates.jsonl'));
      const sink2 = new JsonlCandidateLogSink(join(d, 'candidates.jsonl'));
      sink2.log(sim.candidates);
      sink2.close();
      const blend = await runCli(registerFitBlend, ['fit-blend', '--client', 'homefeed', '--from-storage', '--config', cfgFile, '--force']);
      expect(blend).toContain(`storage: ${sim.events.length} events, 0 without request id, 0 with pins not in the graph`);
      expect(blend).toMatch(/homefeed: \d+ logged candidates, \d+ events; \d+ engaged requests -> \d+ fit \/ \d+ held-out examples/);
      expect(blend).toMatch(/wrote .*blend-weights\/homefeed\.json/);
      expect(Object.keys(readBlendWeights(join(d, 'blend-weights', 'homefeed.json'))!).sort()).toEqual(['pixie', 'taste']);
      await expect(runCli(registerFitBlend, ['fit-blend', '--client', 'homefeed', '--from-storage', '--events', 'x.jsonl'])).rejects.toThrow(/cannot be combined/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
