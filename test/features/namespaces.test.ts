import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type Service } from '../../src/server/app.js';
import { DEFAULT_CONFIG, DEFAULT_FEATURES, type ServerConfig } from '../../src/server/config.js';
import { namespaceStorage } from '../../src/server/namespaces.js';
import { DEFAULT_STORAGE } from '../../src/storage/open.js';

const ADMIN = 'admin-key-0123456789';
let svc: Service;
let dir: string;

beforeAll(async () => {
  process.env['BOARDWALK_PIPELINES'] = 'off';
  dir = mkdtempSync(join(tmpdir(), 'bw-ns-'));
  const config: ServerConfig = {
    ...DEFAULT_CONFIG,
    port: 0,
    logLevel: 'silent',
    storage: { ...DEFAULT_STORAGE, dataDir: dir },
    engine: { ...DEFAULT_CONFIG.engine, rebuildIntervalMs: 0, pixie: { ...DEFAULT_CONFIG.engine.pixie, steps: 2000 } },
    namespaces: { allowed: ['acme'], autoCreate: false },
    auth: { adminKeys: [ADMIN], readKeys: [], metrics: 'read', console: 'read' },
    features: DEFAULT_FEATURES,
  };
  svc = await startService(config);
});
afterAll(async () => {
  await svc?.close();
  rmSync(dir, { recursive: true, force: true });
});

// any: response bodies are checked field by field
async function call(ns: string | null, method: string, path: string, body?: object): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
  if (ns !== null) headers['x-boardwalk-namespace'] = ns;
  if (body) headers['content-type'] = 'application/json';
  const r = await fetch(svc.url + path, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: r.status, body: await r.json() };
}

const ids = (b: { items: { id: string }[] }): string[] => b.items.map((x) => x.id);

describe('namespaces', () => {
  it('two namespaces with the same pin ids never see each other', async () => {
    // same ids, different boards: in default x sits with a1,a2; in acme with b1,b2
    for (const [ns, mates] of [
      [null, ['a1', 'a2']],
      ['acme', ['b1', 'b2']],
    ] as const) {
      const pins = ['x', ...mates].map((id) => ({ id }));
      expect((await call(ns, 'POST', '/v1/pins', { pins })).status).toBe(200);
      expect((await call(ns, 'POST', '/v1/saves', { saves: pins.map((p) => ({ pin: p.id, board: 'B' })) })).status).toBe(200);
      const events = [{ event_id: 'e1', user: 'u', pin: mates[0], action: 'save', surface: 'related', position: 0, timestamp: 5 }];
      expect((await call(ns, 'POST', '/v1/events', { events })).body).toEqual({ inserted: 1, duplicates: 0 });
    }
    expect(ids((await call(null, 'GET', '/v1/pins/x/related')).body).sort()).toEqual(['a1', 'a2']);
    expect(ids((await call('default', 'GET', '/v1/pins/x/related')).body).sort()).toEqual(['a1', 'a2']);
    expect(ids((await call('acme', 'GET', '/v1/pins/x/related')).body).sort()).toEqual(['b1', 'b2']);
    expect((await call('acme', 'GET', '/v1/pins/a1/related')).status).toBe(404);
    // home feeds walk from each namespace's own events
    const hf = ids((await call('acme', 'GET', '/v1/users/u/homefeed?exclude_seen=false')).body);
    expect(hf.length).toBeGreaterThan(0);
    for (const id of hf) expect(['x', 'b1', 'b2']).toContain(id);
    // guests, events and exports stay per namespace
    expect(ids((await call('acme', 'POST', '/v1/session/recommend', { pins: ['x'] })).body).sort()).toEqual(['b1', 'b2']);
    const exp = await fetch(svc.url + '/v1/bulk/pins', { headers: { authorization: `Bearer ${ADMIN}`, 'x-boardwalk-namespace': 'acme' } });
    expect((await exp.text()).trim().split('\n').map((l) => JSON.parse(l).id).sort()).toEqual(['b1', 'b2', 'x']);
    expect((await call('acme', 'GET', '/v1/pins/b1')).body.counters.save).toBe(1);
    expect((await call(null, 'GET', '/v1/pins/b1')).status).toBe(404);
    // its own SQLite file
    expect(existsSync(join(dir, 'namespaces', 'acme', 'boardwalk.sqlite'))).toBe(true);
    // request metrics carry the namespace
    const m = await fetch(svc.url + '/metrics', { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(await m.text()).toMatch(/boardwalk_namespace_requests_total\{namespace="acme",route="\/v1\/pins\/:id\/related",status="200"\} \d/);
  });

  it('unknown, bad and unauthenticated namespace requests', async () => {
    expect(await call('other', 'GET', '/v1/pins/x/related')).toMatchObject({ status: 404, body: { message: 'unknown namespace: "other"' } });
    expect(await call('Bad-Name', 'GET', '/v1/pins/x/related')).toMatchObject({ status: 400, body: { field: 'x-boardwalk-namespace' } });
    const anon = await fetch(svc.url + '/v1/pins/x/related', { headers: { 'x-boardwalk-namespace': 'other' } });
    expect(anon.status).toBe(401);
    expect((await fetch(svc.url + '/healthz')).status).toBe(200);
  });

  it('storage settings per namespace', () => {
    const s = namespaceStorage({ ...DEFAULT_STORAGE, dataDir: '/d' }, 'acme');
    expect([s.dataDir, s.postgresSchema, s.redisPrefix]).toEqual(['/d/namespaces/acme', 'boardwalk_acme', 'boardwalk:acme']);
    expect(namespaceStorage(DEFAULT_STORAGE, 'default')).toBe(DEFAULT_STORAGE);
  });
});
