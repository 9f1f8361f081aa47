import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_ENGINE, type EngineConfig } from '../serving/engine.js';
import { DEFAULT_PINNERSAGE_SERVING, type PinnerSageServingConfig } from '../serving/pinnersage-profiles.js';
import { DEFAULT_STORAGE, type StorageConfig } from '../storage/open.js';
import { parseOrThrow } from '../util/zod-parse.js';

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
  /** PinnerSage daily profiles: poll for new runs, optional in-process schedule, job settings */
  pinnersage: PinnerSageServingConfig;
  /** product features (docs/product-features.md, HTTP section); left out = defaults */
  auth?: AuthConfig;
  namespaces?: NamespacesConfig;
  features?: FeaturesConfig;
}

/** API keys; no keys = open. `metrics`/`console` say which key those routes need. */
export interface AuthConfig {
  adminKeys: string[];
  readKeys: string[];
  metrics: 'open' | 'read' | 'admin';
  console: 'open' | 'read' | 'admin';
}

/** Multi-tenant namespaces (X-Boardwalk-Namespace); `default` always exists. */
export interface NamespacesConfig {
  allowed: string[];
  autoCreate: boolean;
}

/** Request-time rules, experiments, cursors and filters. */
export interface FeaturesConfig {
  rulesFile?: string;
  experimentsFile?: string;
  /** HMAC secret of pagination cursors (>= 16 chars); random per process when left out */
  cursorSecret?: string;
  cursorTtlMs: number;
  /** pins older than this (created_at) are left out (0 = no time to live) */
  pinTtlMs: number;
  /** where cursors' served sets live; auto: redis with postgres, sqlite with workers > 1, else memory */
  servedSets?: 'auto' | 'memory' | 'sqlite' | 'redis';
}

export const DEFAULT_AUTH: AuthConfig = { adminKeys: [], readKeys: [], metrics: 'read', console: 'read' };
export const DEFAULT_NAMESPACES: NamespacesConfig = { allowed: [], autoCreate: false };
export const DEFAULT_FEATURES: FeaturesConfig = { cursorTtlMs: 30 * 60_000, pinTtlMs: 0 };

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
  pinnersage: DEFAULT_PINNERSAGE_SERVING,
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
  pinnersage: z
    .strictObject({
      pollSeconds: int(0).optional(),
      tailSeconds: int(0).optional(),
      dailyEveryMinutes: int(0).optional(),
      lookbackDays: z.number().positive().optional(),
      lambda: z.number().min(0).optional(),
      threshold: z.number().min(0).optional(),
      maxActions: int(1, 10_000).optional(),
      actions: z.array(z.enum(['impression', 'click', 'long_click', 'closeup', 'save', 'hide'])).min(1).optional(),
    })
    .optional(),
  auth: z
    .strictObject({
      adminKeys: z.array(z.string().min(8, 'keys must be at least 8 characters')).optional(),
      readKeys: z.array(z.string().min(8, 'keys must be at least 8 characters')).optional(),
      metrics: z.enum(['open', 'read', 'admin']).optional(),
      console: z.enum(['open', 'read', 'admin']).optional(),
    })
    .optional(),
  namespaces: z
    .strictObject({
      allowed: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'namespace names are 1-40 of a-z 0-9 _, starting with a letter')).optional(),
      autoCreate: z.boolean().optional(),
    })
    .optional(),
  rules: z.strictObject({ file: z.string().min(1).optional() }).optional(),
  experiments: z.strictObject({ file: z.string().min(1).optional() }).optional(),
  cursor: z
    .strictObject({ secret: z.string().min(16).optional(), ttlMs: int(1000).optional(), servedSets: z.enum(['auto', 'memory', 'sqlite', 'redis']).optional() })
    .optional(),
  filters: z.strictObject({ pinTtlMs: int(0).optional() }).optional(),
});

type FileConfig = z.infer<typeof FileSchema>;

/** Environment variables and the config path each sets. */
export const ENV_VARS: Record<string, { path: string; type: 'string' | 'int' | 'number' | 'bool' | 'list' }> = {
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
  BOARDWALK_PINNERSAGE_DAILY_MINUTES: { path: 'pinnersage.dailyEveryMinutes', type: 'int' },
  BOARDWALK_PINNERSAGE_POLL_SECONDS: { path: 'pinnersage.pollSeconds', type: 'int' },
  BOARDWALK_PINNERSAGE_TAIL_SECONDS: { path: 'pinnersage.tailSeconds', type: 'int' },
  BOARDWALK_ADMIN_KEY: { path: 'auth.adminKeys', type: 'list' },
  BOARDWALK_ADMIN_KEYS: { path: 'auth.adminKeys', type: 'list' },
  BOARDWALK_READ_KEY: { path: 'auth.readKeys', type: 'list' },
  BOARDWALK_READ_KEYS: { path: 'auth.readKeys', type: 'list' },
  BOARDWALK_NAMESPACES: { path: 'namespaces.allowed', type: 'list' },
  BOARDWALK_NAMESPACES_AUTO_CREATE: { path: 'namespaces.autoCreate', type: 'bool' },
  BOARDWALK_RULES_FILE: { path: 'rules.file', type: 'string' },
  BOARDWALK_EXPERIMENTS_FILE: { path: 'experiments.file', type: 'string' },
  BOARDWALK_CURSOR_SECRET: { path: 'cursor.secret', type: 'string' },
  BOARDWALK_SERVED_SETS: { path: 'cursor.servedSets', type: 'string' },
};

function envValue(name: string, raw: string, type: string): unknown {
  if (type === 'string') return raw;
  // comma-separated; the value is never echoed (it may hold keys)
  if (type === 'list') return raw.split(',').map((x) => x.trim()).filter((x) => x !== '');
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
  return parseOrThrow(FileSchema, raw, where);
}

function merge(base: ServerConfig, f: FileConfig): ServerConfig {
  const { storage, engine, pinnersage, auth, namespaces, rules, experiments, cursor, filters, ...top } = f;
  const out: ServerConfig = { ...base, ...(top as Partial<ServerConfig>) };
  if (auth) out.auth = { ...(base.auth ?? DEFAULT_AUTH), ...auth };
  if (namespaces) out.namespaces = { ...(base.namespaces ?? DEFAULT_NAMESPACES), ...namespaces };
  if (rules || experiments || cursor || filters) {
    const fe: FeaturesConfig = { ...(base.features ?? DEFAULT_FEATURES) };
    if (rules?.file !== undefined) fe.rulesFile = rules.file;
    if (experiments?.file !== undefined) fe.experimentsFile = experiments.file;
    if (cursor?.secret !== undefined) fe.cursorSecret = cursor.secret;
    if (cursor?.ttlMs !== undefined) fe.cursorTtlMs = cursor.ttlMs;
    if (cursor?.servedSets !== undefined) fe.servedSets = cursor.servedSets;
    if (filters?.pinTtlMs !== undefined) fe.pinTtlMs = filters.pinTtlMs;
    out.features = fe;
  }
  out.storage = { ...base.storage, ...(storage as Partial<StorageConfig>) };
  out.pinnersage = { ...base.pinnersage, ...(pinnersage as Partial<PinnerSageServingConfig>) };
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
