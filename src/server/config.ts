import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_ENGINE, type EngineConfig } from '../serving/engine.js';
import { DEFAULT_STORAGE, type StorageConfig } from '../storage/open.js';

/**
 * Service configuration: defaults, then a JSON file, then BOARDWALK_* environment variables,
 * then explicit overrides (CLI flags). Unknown keys are errors, so typos do not pass silently.
 */
export interface ServerConfig {
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** log one line per request (pino) */
  requestLogging: boolean;
  /** processes serving the API (node cluster); each holds its own graph and cache */
  workers: number;
  /** most events in one POST /v1/events */
  maxEventBatch: number;
  bodyLimitBytes: number;
  storage: StorageConfig;
  engine: EngineConfig;
}

export const DEFAULT_CONFIG: ServerConfig = {
  host: '127.0.0.1',
  port: 8080,
  logLevel: 'info',
  requestLogging: false,
  workers: 1,
  maxEventBatch: 10_000,
  bodyLimitBytes: 32 * 1024 * 1024,
  storage: DEFAULT_STORAGE,
  engine: DEFAULT_ENGINE,
};

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);

const FileSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: int(0, 65535).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  requestLogging: z.boolean().optional(),
  workers: int(1, 256).optional(),
  maxEventBatch: int(1, 1_000_000).optional(),
  bodyLimitBytes: int(1024).optional(),
  storage: z
    .strictObject({
      kind: z.enum(['sqlite', 'postgres']).optional(),
      dataDir: z.string().min(1).optional(),
      sqliteFile: z.string().min(1).optional(),
      sqliteSynchronous: z.enum(['NORMAL', 'FULL']).optional(),
      postgresUrl: z.string().min(1).optional(),
      postgresSchema: z.string().regex(/^[a-z_][a-z0-9_]*$/).optional(),
      redisUrl: z.string().min(1).optional(),
      redisPrefix: z.string().min(1).optional(),
    })
    .optional(),
  engine: z
    .strictObject({
      cacheSize: int(0).optional(),
      maxResults: int(1, 10_000).optional(),
      seed: int(0, 2 ** 32 - 1).optional(),
      recentActions: int(1, 200).optional(),
      homefeedQueryPins: int(1, 1000).optional(),
      homefeedHalfLifeMs: z.number().positive().optional(),
      boardQueryPins: int(1, 10_000).optional(),
      mergeDelayMs: int(0).optional(),
      rebuildIntervalMs: int(0).optional(),
      pollIntervalMs: int(0).optional(),
      localeBias: z.number().min(1).optional(),
      pixie: z
        .strictObject({
          steps: int(1, 100_000_000).optional(),
          alpha: z.number().gt(0).max(1).optional(),
          np: int(0).optional(),
          nv: int(1).optional(),
          boost: z.boolean().optional(),
          degreePenalty: z.number().min(0).optional(),
        })
        .optional(),
    })
    .optional(),
});

type FileConfig = z.infer<typeof FileSchema>;

/** Environment variables and the config path each sets. */
export const ENV_VARS: Record<string, { path: string; type: 'string' | 'int' | 'number' | 'bool' }> = {
  BOARDWALK_HOST: { path: 'host', type: 'string' },
  BOARDWALK_PORT: { path: 'port', type: 'int' },
  BOARDWALK_LOG_LEVEL: { path: 'logLevel', type: 'string' },
  BOARDWALK_REQUEST_LOGGING: { path: 'requestLogging', type: 'bool' },
  BOARDWALK_WORKERS: { path: 'workers', type: 'int' },
  BOARDWALK_MAX_EVENT_BATCH: { path: 'maxEventBatch', type: 'int' },
  BOARDWALK_STORAGE: { path: 'storage.kind', type: 'string' },
  BOARDWALK_DATA_DIR: { path: 'storage.dataDir', type: 'string' },
  BOARDWALK_SQLITE_SYNCHRONOUS: { path: 'storage.sqliteSynchronous', type: 'string' },
  BOARDWALK_POSTGRES_URL: { path: 'storage.postgresUrl', type: 'string' },
  BOARDWALK_POSTGRES_SCHEMA: { path: 'storage.postgresSchema', type: 'string' },
  BOARDWALK_REDIS_URL: { path: 'storage.redisUrl', type: 'string' },
  BOARDWALK_REDIS_PREFIX: { path: 'storage.redisPrefix', type: 'string' },
  BOARDWALK_CACHE_SIZE: { path: 'engine.cacheSize', type: 'int' },
  BOARDWALK_MAX_RESULTS: { path: 'engine.maxResults', type: 'int' },
  BOARDWALK_SEED: { path: 'engine.seed', type: 'int' },
  BOARDWALK_MERGE_DELAY_MS: { path: 'engine.mergeDelayMs', type: 'int' },
  BOARDWALK_REBUILD_INTERVAL_MS: { path: 'engine.rebuildIntervalMs', type: 'int' },
  BOARDWALK_POLL_INTERVAL_MS: { path: 'engine.pollIntervalMs', type: 'int' },
  BOARDWALK_PIXIE_STEPS: { path: 'engine.pixie.steps', type: 'int' },
};

function envValue(name: string, raw: string, type: string): unknown {
  if (type === 'string') return raw;
  if (type === 'bool') {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new Error(`environment variable ${name}=${JSON.stringify(raw)} must be true/false/1/0`);
  }
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || (type === 'int' && !Number.isInteger(n)))
    throw new Error(`environment variable ${name}=${JSON.stringify(raw)} must be ${type === 'int' ? 'an integer' : 'a number'}`);
  return n;
}

function setPath(o: Record<string, unknown>, path: string, v: unknown): void {
  const parts = path.split('.');
  let cur = o;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i]!;
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = v;
}

function validate(raw: unknown, where: string): FileConfig {
  const r = FileSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`${where}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

function merge(base: ServerConfig, f: FileConfig): ServerConfig {
  const { storage, engine, ...top } = f;
  const out: ServerConfig = { ...base, ...(top as Partial<ServerConfig>) };
  out.storage = { ...base.storage, ...(storage as Partial<StorageConfig>) };
  const { pixie, ...eng } = engine ?? {};
  out.engine = { ...base.engine, ...(eng as Partial<EngineConfig>), pixie: { ...base.engine.pixie, ...pixie } };
  return out;
}

/** Loads the config: defaults < file < env < overrides. */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv; overrides?: unknown } = {}): ServerConfig {
  let cfg = DEFAULT_CONFIG;
  if (opts.file) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(opts.file, 'utf8'));
    } catch (err) {
      throw new Error(`config file ${opts.file}: ${(err as Error).message}`);
    }
    cfg = merge(cfg, validate(raw, `config file ${opts.file}`));
  }
  const env = opts.env ?? process.env;
  const fromEnv: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw !== undefined) setPath(fromEnv, spec.path, envValue(name, raw, spec.type));
  }
  cfg = merge(cfg, validate(fromEnv, 'environment'));
  if (opts.overrides !== undefined) cfg = merge(cfg, validate(opts.overrides, 'options'));
  return cfg;
}
