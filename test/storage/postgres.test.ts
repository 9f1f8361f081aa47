import { describe, it } from 'vitest';
import { PostgresStorage } from '../../src/storage/postgres.js';
import type { Storage } from '../../src/storage/types.js';
import { storageContract } from './contract.js';
import { PG_URL, REDIS_URL, pgRedisReachable, uniqueName } from './pg-env.js';

const why = await pgRedisReachable();
if (why) {
  console.warn(`SKIPPING PostgreSQL/Redis storage tests: ${why}`);
  describe.skip(`postgres storage (${why})`, () => it('skipped', () => undefined));
} else {
  storageContract(
    'postgres+redis',
    async () => {
      const name = uniqueName();
      const s = new PostgresStorage({ url: PG_URL, schema: name, redisUrl: REDIS_URL, redisPrefix: name });
      await s.init();
      return s;
    },
    async (s: Storage) => {
      await (s as PostgresStorage).dropAll();
      await s.close();
    },
  );
}
