import pg from 'pg';
import { Redis } from 'ioredis';

export const PG_URL = process.env.BOARDWALK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.BOARDWALK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether PostgreSQL and Redis answer; the reason when not. */
export async function pgRedisReachable(): Promise<string | null> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
  try {
    await c.connect();
    await c.query('SELECT 1');
  } catch (err) {
    return `PostgreSQL at ${PG_URL} not reachable (${(err as Error).message})`;
  } finally {
    await c.end().catch(() => undefined);
  }
  const r = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await r.connect();
    await r.ping();
  } catch (err) {
    return `Redis at ${REDIS_URL} not reachable (${(err as Error).message})`;
  } finally {
    r.disconnect();
  }
  return null;
}

let n = 0;
export function uniqueName(): string {
  return `bw_test_${process.pid}_${Date.now().toString(36)}_${n++}`;
}
