import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_AUTH, type AuthConfig } from './config.js';

/** What a route needs: nothing, a read key (or admin) or an admin key. */
export type Access = 'open' | 'read' | 'admin';

/** Header paths pino censors, so keys never reach the logs. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'request.headers.authorization',
  'request.headers["x-api-key"]',
];

const OPEN_PATHS = new Set(['/healthz', '/readyz', '/docs/openapi.json']);

/** The access a request needs, from its method and path (query string stripped). */
export function routeAccess(method: string, url: string, cfg: AuthConfig): Access {
  const path = url.split('?')[0]!;
  if (OPEN_PATHS.has(path)) return 'open';
  if (path === '/metrics') return cfg.metrics;
  if (path === '/' || path === '/console' || path.startsWith('/console/')) return cfg.console;
  if (path.startsWith('/v1/bulk/')) return 'admin'; // export dumps the whole store
  if (path.startsWith('/v1/admin/')) return 'admin';
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (method === 'POST' && path === '/v1/session/recommend') return 'read';
  return 'admin';
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-Api-Key: <key>`. */
export function presentedKey(headers: FastifyRequest['headers']): string | null | 'malformed' {
  const auth = headers['authorization'];
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1]! : 'malformed';
  }
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x !== '') return x;
  return null;
}

// hash first so every comparison is over 32 bytes: no length leak, constant time
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Key checking in constant time per key (every configured key is compared). */
export class KeyRing {
  private readonly admin: Buffer[];
  private readonly read: Buffer[];
  readonly enabled: boolean;

  constructor(readonly cfg: AuthConfig = DEFAULT_AUTH) {
    this.admin = cfg.adminKeys.map(digest);
    this.read = cfg.readKeys.map(digest);
    this.enabled = this.admin.length + this.read.length > 0;
  }

  /** The role a key grants, or null. */
  role(key: string): 'admin' | 'read' | null {
    const d = digest(key);
    let admin = false;
    let read = false;
    for (const k of this.admin) admin = timingSafeEqual(k, d) || admin;
    for (const k of this.read) read = timingSafeEqual(k, d) || read;
    return admin ? 'admin' : read ? 'read' : null;
  }
}

/**
 * onRequest hook: 401 when a needed key is missing or unknown, 403 when a read key asks for a
 * write. With no keys configured everything is open.
 */
export function authHook(ring: KeyRing) {
  return (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    if (!ring.enabled) return done();
    const need = routeAccess(req.method, req.url, ring.cfg);
    if (need === 'open') return done();
    const key = presentedKey(req.headers);
    const deny = (status: number, error: string, message: string): void => {
      req.log.info({ status, route: req.url.split('?')[0] }, 'auth: request refused');
      void reply.code(status).header('www-authenticate', 'Bearer').send({ error, message });
    };
    if (key === null) return deny(401, 'unauthorized', 'missing API key: send "Authorization: Bearer <key>" or "X-Api-Key: <key>"');
    if (key === 'malformed') return deny(401, 'unauthorized', 'malformed Authorization header: expected "Bearer <key>"');
    const role = ring.role(key);
    if (role === null) return deny(401, 'unauthorized', 'invalid API key');
    if (need === 'admin' && role !== 'admin') return deny(403, 'forbidden', `${req.method} ${req.url.split('?')[0]} needs an admin key; this is a read key`);
    done();
  };
}
