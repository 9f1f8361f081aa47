import { describe, expect, it } from 'vitest';
import { PostgresStorage } from '../../src/storage/postgres.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage, StoredProfile } from '../../src/storage/types.js';
import { PG_URL, REDIS_URL, pgRedisReachable, uniqueName } from '../storage/pg-env.js';

const prof = (user: string, medoid: string, importance: number): StoredProfile => ({
  user,
  computedAt: 1000,
  clusters: [{ medoid, importance, pins: [medoid, `${medoid}x`], actions: 3, lastActive: 900 }],
});

async function collect(s: Storage): Promise<StoredProfile[]> {
  const out: StoredProfile[] = [];
  for await (const b of s.listProfiles({ batchSize: 1 })) out.push(...b);
  return out;
}

function profileContract(name: string, make: () => Promise<Storage>, drop: (s: Storage) => Promise<void>): void {
  describe(`${name}: PinnerSage profile runs`, () => {
    it('serves only the committed run; an aborted or abandoned run leaves it served', async () => {
      const s = await make();
      try {
        expect(await s.currentProfileRun()).toBeNull();
        expect(await s.getProfile('u1')).toBeNull();
        const r1 = await s.beginProfileRun({ cutoff: 1000, modelVersion: 'svd:test' });
        await s.writeProfiles(r1, [prof('u1', 'a', 2), prof('u2', 'b', 1)]);
        expect(await s.getProfile('u1')).toBeNull(); // not committed yet
        const run = await s.commitProfileRun(r1);
        expect(run).toMatchObject({ id: r1, cutoff: 1000, modelVersion: 'svd:test', status: 'current', users: 2, clusters: 2 });
        expect(await s.getProfile('u1')).toEqual(prof('u1', 'a', 2));
        expect((await collect(s)).map((p) => p.user)).toEqual(['u1', 'u2']);

        // a failing run: rows written, then aborted
        const r2 = await s.beginProfileRun({ cutoff: 2000, modelVersion: 'svd:test' });
        await s.writeProfiles(r2, [prof('u1', 'z', 9)]);
        await s.abortProfileRun(r2);
        expect(await s.getProfile('u1')).toEqual(prof('u1', 'a', 2));
        await expect(s.commitProfileRun(r2)).rejects.toThrow(/abandoned, not writing/);

        // a run that died without aborting is abandoned by the next one
        const r3 = await s.beginProfileRun({ cutoff: 3000, modelVersion: 'svd:test' });
        await s.writeProfiles(r3, [prof('u3', 'c', 1)]);
        const r4 = await s.beginProfileRun({ cutoff: 4000, modelVersion: 'two_tower:v2' });
        await expect(s.writeProfiles(r3, [prof('u4', 'd', 1)])).rejects.toThrow(/not writing/);
        expect((await s.currentProfileRun())!.id).toBe(r1);
        await s.writeProfiles(r4, [prof('u2', 'e', 3)]);
        await s.commitProfileRun(r4);
        expect(await s.getProfile('u1')).toBeNull();
        expect(await s.getProfile('u2')).toEqual(prof('u2', 'e', 3));
        expect(await s.currentProfileRun()).toMatchObject({ id: r4, cutoff: 4000, modelVersion: 'two_tower:v2', users: 1 });
      } finally {
        await drop(s);
      }
    });

    it('rejects bad runs and profiles with errors naming the problem', async () => {
      const s = await make();
      try {
        await expect(s.beginProfileRun({ cutoff: NaN, modelVersion: 'x' })).rejects.toThrow(/cutoff must be a finite/);
        await expect(s.beginProfileRun({ cutoff: 1, modelVersion: '' })).rejects.toThrow(/modelVersion/);
        const r = await s.beginProfileRun({ cutoff: 1, modelVersion: 'x' });
        await expect(s.writeProfiles(r, [{ user: 'u', computedAt: 1, clusters: [{ medoid: 'q', importance: 1, pins: ['a'], actions: 1, lastActive: 1 }] }])).rejects.toThrow(
          /medoid "q" must be one of the cluster's pins/,
        );
        await expect(s.writeProfiles(999_999, [])).rejects.toThrow(/run 999999 does not exist/);
      } finally {
        await drop(s);
      }
    });
  });
}

profileContract(
  'sqlite',
  async () => {
    const s = new SqliteStorage({ path: ':memory:' });
    await s.init();
    return s;
  },
  (s) => s.close(),
);

const pgReason = await pgRedisReachable();
if (pgReason === null) {
  profileContract(
    'postgres',
    async () => {
      const schema = uniqueName();
      const s = new PostgresStorage({ url: PG_URL, schema, redisUrl: REDIS_URL, redisPrefix: schema });
      await s.init();
      return s;
    },
    async (s) => {
      await (s as PostgresStorage).dropAll();
      await s.close();
    },
  );
} else describe.skip(`postgres profile runs (${pgReason})`, () => undefined);
