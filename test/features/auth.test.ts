import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { KeyRing, routeAccess } from '../../src/server/auth.js';
import { DEFAULT_AUTH, DEFAULT_CONFIG, loadConfig } from '../../src/server/config.js';
import { ServerMetrics } from '../../src/server/metrics.js';
import { Engine } from '../../src/serving/engine.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { makeApp, seedToy, type TestApp } from '../server/helpers.js';
import { capture } from './helpers.js';

const ADMIN = 'admin-key-0123456789';
const READ = 'read-key-0123456789';
const auth = { ...DEFAULT_AUTH, adminKeys: [ADMIN], readKeys: [READ] };

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

describe('API keys', () => {
  it('reads take read or admin keys, writes only admin; 401 and 403 name the problem', async () => {
    t = await makeApp({ config: { auth } });
    const call = async (method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}, payload?: object) => {
      const r = await t!.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      return { status: r.statusCode, body: r.json() };
    };
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect((await call('GET', '/readyz')).status).toBe(200);
    const none = await call('GET', '/v1/pins/a/related');
    expect(none.status).toBe(401);
    expect(none.body.message).toMatch(/missing API key/);
    const bad = await call('GET', '/v1/pins/a/related', { authorization: 'Bearer wrong-key-xxxxxxxx' });
    expect(bad).toMatchObject({ status: 401, body: { error: 'unauthorized', message: 'invalid API key' } });
    expect((await call('GET', '/v1/pins/a/related', { authorization: 'Basic abc' })).body.message).toMatch(/malformed Authorization/);
    expect((await call('GET', '/v1/pins/a/related', { authorization: `Bearer ${READ}` })).status).toBe(200);
    expect((await call('GET', '/v1/pins/a/related', { 'x-api-key': ADMIN })).status).toBe(200);
    const pin = { pins: [{ id: 'z' }] };
    const w = await call('POST', '/v1/pins', { 'x-api-key': READ }, pin);
    expect(w.status).toBe(403);
    expect(w.body.message).toBe('POST /v1/pins needs an admin key; this is a read key');
    expect((await call('POST', '/v1/pins', { 'x-api-key': ADMIN }, pin)).status).toBe(200);
    // guests are a read; bulk and metrics follow their rules
    expect((await call('POST', '/v1/session/recommend', { 'x-api-key': READ }, { pins: ['a'] })).status).toBe(200);
    expect((await call('GET', '/v1/bulk/pins', { 'x-api-key': READ })).status).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-api-key': READ } })).statusCode).toBe(200);
  });

  it('no keys configured: everything open', async () => {
    t = await makeApp();
    expect((await t.app.inject({ method: 'POST', url: '/v1/pins', payload: { pins: [{ id: 'z' }] } })).statusCode).toBe(200);
  });

  it('route classes and config knobs', () => {
    expect(routeAccess('GET', '/metrics', { ...auth, metrics: 'open' })).toBe('open');
    expect(routeAccess('GET', '/console/api/overview', { ...auth, console: 'admin' })).toBe('admin');
    expect(routeAccess('DELETE', '/v1/saves', auth)).toBe('admin');
    expect(routeAccess('GET', '/v1/users/u/homefeed?limit=3', auth)).toBe('read');
    const ring = new KeyRing(auth);
    expect([ring.role(ADMIN), ring.role(READ), ring.role('x'), ring.role(ADMIN + 'x')]).toEqual(['admin', 'read', null, null]);
    const cfg = loadConfig({ env: { BOARDWALK_ADMIN_KEYS: `${ADMIN}, second-admin-key`, BOARDWALK_READ_KEY: READ } });
    expect(cfg.auth).toEqual({ ...DEFAULT_AUTH, adminKeys: [ADMIN, 'second-admin-key'], readKeys: [READ] });
    // a short key is refused without echoing it
    expect(() => loadConfig({ env: { BOARDWALK_ADMIN_KEY: 'short' } })).toThrow(/auth.adminKeys.0: keys must be at least 8 characters/);
    try {
      loadConfig({ env: { BOARDWALK_ADMIN_KEY: 'short' } });
    } catch (e) {
      expect((e as Error).message).not.toContain('short"');
    }
  });

  it('keys never reach the logs', async () => {
    const log = capture();
    const storage = new SqliteStorage({ path: ':memory:' });
    await storage.init();
    await seedToy(storage);
    const engine = await Engine.open(storage, { rebuildIntervalMs: 0, pixie: { steps: 500 } });
    const app = buildApp({
      engine,
      config: { ...DEFAULT_CONFIG, logLevel: 'trace', requestLogging: true, auth },
      metrics: new ServerMetrics({ defaultMetrics: false }),
      logStream: log.stream,
    });
    app.get('/echo-headers', async (req) => {
      req.log.info({ headers: req.headers, req: { headers: req.headers } }, 'headers');
      return { ok: true };
    });
    try {
      await app.inject({ method: 'GET', url: '/v1/pins/a/related', headers: { authorization: `Bearer ${READ}` } });
      await app.inject({ method: 'GET', url: '/v1/pins/a/related', headers: { 'x-api-key': 'not-a-key-123456' } });
      await app.inject({ method: 'POST', url: '/v1/pins', headers: { 'x-api-key': READ }, payload: { pins: [{ id: 'q' }] } });
      await app.inject({ method: 'GET', url: '/echo-headers', headers: { authorization: `Bearer ${ADMIN}`, 'x-api-key': READ } });
      const text = log.text();
      expect(text).toContain('"msg":"headers"');
      expect(text).toContain('[redacted]');
      expect(text).toContain('auth: request refused');
      expect(text).not.toContain(READ);
      expect(text).not.toContain(ADMIN);
      expect(text).not.toContain('not-a-key-123456');
    } finally {
      await app.close();
      await engine.close();
      await storage.close();
    }
  });
});
