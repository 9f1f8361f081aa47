import { join } from 'node:path';
import { PostgresStorage } from './postgres.js';
import { SqliteStorage } from './sqlite.js';
import type { Storage } from './types.js';

export interface StorageConfig {
  /** 'sqlite' (embedded default) or 'postgres' (PostgreSQL + Redis) */
  kind: 'sqlite' | 'postgres';
  /** directory for the SQLite file */
  dataDir: string;
  sqliteFile: string;
  sqliteSynchronous: 'NORMAL' | 'FULL';
  postgresUrl: string;
  postgresSchema: string;
  redisUrl: string;
  redisPrefix: string;
}

export const DEFAULT_STORAGE: StorageConfig = {
  kind: 'sqlite',
  dataDir: './data',
  sqliteFile: 'boardwalk.sqlite',
  sqliteSynchronous: 'NORMAL',
  postgresUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  postgresSchema: 'boardwalk',
  redisUrl: 'redis://127.0.0.1:6379',
  redisPrefix: 'boardwalk',
};

/** Opens (and initialises) the storage the config selects. */
export async function openStorage(cfg: StorageConfig): Promise<Storage> {
  const s: Storage =
    cfg.kind === 'postgres'
      ? new PostgresStorage({ url: cfg.postgresUrl, schema: cfg.postgresSchema, redisUrl: cfg.redisUrl, redisPrefix: cfg.redisPrefix })
      : new SqliteStorage({ path: join(cfg.dataDir, cfg.sqliteFile), synchronous: cfg.sqliteSynchronous });
  try {
    await s.init();
  } catch (err) {
    await s.close().catch(() => undefined);
    throw err;
  }
  return s;
}
