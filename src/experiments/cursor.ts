import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Pagination cursors: an opaque token `<payload>.<hmac>` (both base64url). The payload binds the
 * cursor to a request id (whose served pins a ServedSetStore remembers), a fingerprint of the
 * request (so a cursor cannot be replayed against another user or query), the page number and an
 * expiry. The HMAC-SHA256 signature stops clients from forging or editing it.
 */
export interface CursorPayload {
  /** request id of the first page; keys the served set */
  requestId: string;
  /** page this cursor fetches (2 for the cursor returned with page 1) */
  page: number;
  /** epoch ms after which the cursor is refused */
  expiresAt: number;
  /** caller's fingerprint of the request (user, surface, query pin, namespace ...) */
  bind: string;
}

export class CursorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CursorError';
  }
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

function sign(secret: string | Buffer, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

function checkSecret(secret: string | Buffer): void {
  if (secret.length < 16) throw new Error('cursor secret must be at least 16 bytes');
}

/** Makes a signed cursor token. */
export function encodeCursor(p: CursorPayload, secret: string | Buffer): string {
  checkSecret(secret);
  if (!p.requestId) throw new Error('cursor: requestId must be non-empty');
  if (!Number.isInteger(p.page) || p.page < 1) throw new Error(`cursor: page must be an integer >= 1, got ${p.page}`);
  const body = b64(JSON.stringify({ r: p.requestId, p: p.page, e: p.expiresAt, b: p.bind }));
  return `${body}.${sign(secret, body).toString('base64url')}`;
}

/**
 * Verifies and opens a cursor. Throws CursorError (the HTTP layer maps it to 400) when it is
 * malformed, forged, expired or bound to a different request.
 */
export function decodeCursor(token: string, secret: string | Buffer, opts: { now?: number; bind?: string } = {}): CursorPayload {
  checkSecret(secret);
  if (typeof token !== 'string' || token.length > 4096) throw new CursorError('cursor is not a string of at most 4096 characters');
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) throw new CursorError('cursor is malformed');
  const body = token.slice(0, dot);
  const sig = Buffer.from(token.slice(dot + 1), 'base64url');
  const want = sign(secret, body);
  if (sig.length !== want.length || !timingSafeEqual(sig, want)) throw new CursorError('cursor signature is invalid');
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('cursor is malformed');
  }
  const o = raw as { r?: unknown; p?: unknown; e?: unknown; b?: unknown };
  if (typeof o.r !== 'string' || typeof o.p !== 'number' || typeof o.e !== 'number' || typeof o.b !== 'string')
    throw new CursorError('cursor is malformed');
  const now = opts.now ?? Date.now();
  if (now >= o.e) throw new CursorError('cursor has expired; start again without a cursor');
  if (opts.bind !== undefined && opts.bind !== o.b) throw new CursorError('cursor belongs to a different request');
  return { requestId: o.r, page: o.p, expiresAt: o.e, bind: o.b };
}

/**
 * A stable fingerprint of what a request asks for (keys sorted, undefined dropped), to bind a
 * cursor to it: e.g. { ns, surface, user, pin }.
 */
export function requestFingerprint(parts: Record<string, string | number | boolean | undefined>): string {
  const keys = Object.keys(parts)
    .filter((k) => parts[k] !== undefined)
    .sort();
  return createHmac('sha256', 'boardwalk-cursor-bind')
    .update(JSON.stringify(keys.map((k) => [k, parts[k]])))
    .digest('base64url')
    .slice(0, 22);
}
