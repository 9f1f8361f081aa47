import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from '../../src/cli/pinnersage-daily.js';
import { buildGraphFromStorage } from '../../src/jobs/graph-rebuild.js';
import { runPinnerSageDaily } from '../../src/jobs/pinnersage-daily.js';
import { runPinnerSageDailyFromStorage } from '../../src/jobs/pinnersage-run.js';
import { StorageProfileSink } from '../../src/jobs/pinnersage-store.js';
import { pinnerSageEmbeddings } from '../../src/serving/pinnersage-embeddings.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage, StoredProfile } from '../../src/storage/types.js';
import type { EngagementEvent } from '../../src/users/events.js';
import { runCli } from '../cli-run.js';
import { A, B, DAY0, seedTwoGroups } from './pinnersage-fixture.js';

let dir: string;
let cfgFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-ps-daily-'));
  const s = new SqliteStorage({ path: join(dir, 'boardwalk.sqlite') });
  await s.init();
  await seedTwoGroups(s);
  await s.close();
  cfgFile = join(dir, 'serve.json');
  writeFileSync(cfgFile, JSON.stringify({ storage: { kind: 'sqlite', dataDir: dir } }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]): Promise<string> => runCli(register, ['pinnersage-daily', ...args]);

async function withStorage<R>(fn: (s: SqliteStorage) => Promise<R>): Promise<R> {
  const s = new SqliteStorage({ path: join(dir, 'boardwalk.sqlite') });
  await s.init();
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

describe('boardwalk pinnersage-daily', () => {
  it('clusters every user from the stored log and stores one run', async () => {
    const text = await cli(['--config', cfgFile, '--now', new Date(DAY0).toISOString(), '--threshold', '0.5', '--no-progress']);
    expect(text).toMatch(/^pinnersage-daily: run 1 \(cut-off 2026-01-10T00:00:00.000Z\): 2 users processed, 3 clusters \(1.50 per user\) from 12 of 12 events read; embeddings svd:dim=6:seed=1:graph=20x6x60; /);
    await withStorage(async (s) => {
      expect(await s.currentProfileRun()).toMatchObject({ id: 1, cutoff: DAY0, users: 2, clusters: 3 });
      const ua = (await s.getProfile('ua'))!;
      expect(ua.clusters).toHaveLength(1);
      expect([...ua.clusters[0]!.pins].sort()).toEqual(A.slice(0, 4)); // no impression, nothing past the window
      const uab = (await s.getProfile('uab'))!;
      expect(uab.clusters.map((c) => (A.includes(c.medoid) ? 'A' : B.includes(c.medoid) ? 'B' : '?')).sort()).toEqual(['A', 'B']);
    });
    // --lookback-days and --actions change what counts; --json reports it
    const j = JSON.parse(await cli(['--config', cfgFile, '--now', String(DAY0), '--lookback-days', '2.5', '--actions', 'save', '--json'])) as Record<string, number>;
    expect(j).toMatchObject({ run: 2, users: 1, clusters: 1, usedEvents: 2, events: 2 });
    await withStorage(async (s) => expect(await s.getProfile('uab')).toBeNull());
  });

  it('rejects bad flags with errors naming them', async () => {
    await expect(cli(['--lookback-days', '0'])).rejects.toThrow(/--lookback-days must be a number > 0, got "0"/);
    await expect(cli(['--lambda', 'fast'])).rejects.toThrow(/--lambda must be a number >= 0, got "fast"/);
    await expect(cli(['--threshold', '-1'])).rejects.toThrow(/--threshold must be a number >= 0/);
    await expect(cli(['--max-actions', '2.5'])).rejects.toThrow(/--max-actions must be an integer >= 1/);
    await expect(cli(['--actions', 'click,like'])).rejects.toThrow(/--actions: unknown action "like"/);
    await expect(cli(['--now', 'yesterday'])).rejects.toThrow(/--now must be epoch ms or an ISO date-time, got "yesterday"/);
    await expect(cli(['--embeddings', 'pca'])).rejects.toThrow(/--embeddings must be auto, svd or two_tower/);
  });
});

describe('a failing daily run keeps the previous profiles served', () => {
  it('when writing fails midway', async () => {
    await withStorage(async (s) => {
      const before = await s.currentProfileRun();
      const beforeUa = await s.getProfile('ua');
      const { graph } = await buildGraphFromStorage(s);
      const emb = pinnerSageEmbeddings(graph, null, { kind: 'svd', dim: 8, seed: 1 })!;
      // storage whose second profile batch fails
      let writes = 0;
      const failing = Object.create(s) as Storage;
      failing.writeProfiles = async (run: number, p: StoredProfile[]) => {
        if (++writes === 2) throw new Error('disk full');
        return s.writeProfiles(run, p);
      };
      const sink = new StorageProfileSink(failing, { userName: (u) => ['ua', 'uab'][u]!, pinName: (p) => graph.pins.external(p), modelVersion: emb.version, batchSize: 1 });
      const events: EngagementEvent[] = [
        { user: 0, pin: graph.pins.get('b5'), action: 'save', timestamp: DAY0 - 1000 },
        { user: 1, pin: graph.pins.get('a9'), action: 'save', timestamp: DAY0 - 1000 },
      ];
      await expect(runPinnerSageDaily({ events: (async function* () { yield* events; })(), embeddings: emb.table, store: sink, now: DAY0 })).rejects.toThrow(/disk full/);
      expect(await s.currentProfileRun()).toEqual(before);
      expect(await s.getProfile('ua')).toEqual(beforeUa);
      expect(writes).toBe(2);
    });
  });

  it('when reading the log fails', async () => {
    await withStorage(async (s) => {
      const before = await s.currentProfileRun();
      const { graph } = await buildGraphFromStorage(s);
      const emb = pinnerSageEmbeddings(graph, null, { kind: 'svd', dim: 8, seed: 1 })!;
      const broken = Object.create(s) as Storage;
      broken.iterateEvents = async function* () {
        yield [];
        throw new Error('connection lost');
      };
      await expect(runPinnerSageDailyFromStorage(broken, graph, emb, { now: DAY0 })).rejects.toThrow(/connection lost/);
      expect(await s.currentProfileRun()).toEqual(before);
    });
  });
});
