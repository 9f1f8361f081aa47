import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ServerConfig } from '../../src/server/config.js';
import { listNamespaces } from '../../src/server/namespace-list.js';
import { namespaceConfig } from '../../src/server/namespaces.js';
import { makeApp, type TestApp } from '../server/helpers.js';

let dir: string | null = null;
let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe('GET /v1/namespaces (the console namespace selector)', () => {
  it('lists default, the allowed namespaces and, with SQLite, the auto-created ones on disk', async () => {
    dir = mkdtempSync(join(tmpdir(), 'bw-nslist-'));
    const base: ServerConfig = { ...DEFAULT_CONFIG, storage: { ...DEFAULT_CONFIG.storage, dataDir: dir }, namespaces: { allowed: ['zoo', 'acme'], autoCreate: true } };
    expect(listNamespaces(base, 'default')).toEqual({ namespaces: ['default', 'acme', 'zoo'], current: 'default', auto_create: true });
    // an auto-created namespace has its own directory; names the router would refuse are left out
    mkdirSync(join(dir, 'namespaces', 'beta'), { recursive: true });
    mkdirSync(join(dir, 'namespaces', 'Not-A-Name'), { recursive: true });
    expect(listNamespaces(base, 'default').namespaces).toEqual(['default', 'acme', 'beta', 'zoo']);
    // a namespace's own app (its dataDir is <base>/namespaces/<ns>) lists the same names
    expect(listNamespaces(namespaceConfig(base, 'acme'), 'acme')).toEqual({ namespaces: ['default', 'acme', 'beta', 'zoo'], current: 'acme', auto_create: true });
    // PostgreSQL: the configured names only
    expect(listNamespaces({ ...base, storage: { ...base.storage, kind: 'postgres' } }, 'default').namespaces).toEqual(['default', 'acme', 'zoo']);
  });

  it('is a read route: default only without namespaces, 401 without a key when keys are set', async () => {
    t = await makeApp();
    const r = await t.app.inject({ method: 'GET', url: '/v1/namespaces' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ namespaces: ['default'], current: 'default', auto_create: false });
    await t.close();
    t = await makeApp({ config: { auth: { adminKeys: ['admin-key-123'], readKeys: ['read-key-1234'], metrics: 'read', console: 'read' } } });
    expect((await t.app.inject({ method: 'GET', url: '/v1/namespaces' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/v1/namespaces', headers: { 'x-api-key': 'read-key-1234' } })).json().namespaces).toEqual(['default']);
  });
});
