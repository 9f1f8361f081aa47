import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startService } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

const CHILD = join(import.meta.dirname, 'serve-child.ts');
const dir = mkdtempSync(join(tmpdir(), 'bw-restart-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(CHILD, [dir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve({ child, url: m.url }));
    child.once('exit', (code) => reject(new Error(`server exited early (${code})`)));
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const events = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    event_id: `${prefix}-${i}`,
    user: `u${i % 50}`,
    pin: i % 2 ? 'a' : 'b',
    action: 'click',
    surface: 'homefeed',
    position: i % 30,
    timestamp: 1_700_000_000_000 + i,
  }));

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('kill -9 and restart', () => {
  it('recovers the graph and every committed write; a batch cut by the kill is whole or absent', async () => {
    const N = 10_000;
    const started = await start();
    const child = started.child;
    let url = started.url;
    expect((await post(`${url}/v1/saves`, { saves: [{ pin: 'a', board: 'B1' }, { pin: 'b', board: 'B1' }, { pin: 'c', board: 'B2' }, { pin: 'b', board: 'B2' }] })).status).toBe(200);
    expect((await (await post(`${url}/v1/events`, { events: events('first', 1000) })).json())).toEqual({ inserted: 1000, duplicates: 0 });
    // fire a big batch and kill the server while it is being handled
    const pending = post(`${url}/v1/events`, { events: events('cut', N) }).catch(() => null);
    await new Promise((r) => setTimeout(r, 40));
    await kill(child);
    await pending;

    // restart (in this process: the same startService that `boardwalk serve` runs)
    const svc = await startService(
      loadConfig({ env: {}, overrides: { port: 0, logLevel: 'silent', storage: { dataDir: dir }, engine: { rebuildIntervalMs: 0, pixie: { steps: 2000 } } } }),
    );
    url = svc.url;
    try {
      const ready = (await (await fetch(`${url}/readyz`)).json()) as { edges: number; pins: number };
      expect(ready).toMatchObject({ edges: 4, pins: 3 });
      const rel = (await (await fetch(`${url}/v1/pins/a/related`)).json()) as { items: { id: string }[] };
      expect(rel.items.map((x) => x.id).sort()).toEqual(['b', 'c']);
    } finally {
      await svc.close();
    }

    const s = new SqliteStorage({ path: join(dir, 'boardwalk.sqlite') });
    await s.init();
    try {
      const total = await s.countEvents();
      expect([1000, 1000 + N]).toContain(total);
      expect(await s.hasEvent('cut-0')).toBe(await s.hasEvent(`cut-${N - 1}`));
    } finally {
      await s.close();
    }
  });
});
