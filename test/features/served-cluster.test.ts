import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { ids, seedChain } from './helpers.js';

const CHILD = join(import.meta.dirname, 'cluster-child.ts');
let child: ChildProcess | null = null;
let dir: string | null = null;
afterEach(async () => {
  if (child && child.exitCode === null) {
    const gone = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  }
  child = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

/**
 * Three processes under tsx take about 20 s on the shared 2-core box, so this runs only with
 * BOARDWALK_CLUSTER_TEST=1; served-sqlite.test.ts covers the same path in one process.
 * BW_TEST_SERVED_SETS=memory shows the failure it guards against (page 2 repeats page 1).
 */
describe.skipIf(process.env['BOARDWALK_CLUSTER_TEST'] !== '1')('boardwalk serve --workers 2 on SQLite', () => {
  it('cursors verify on every worker and pages never repeat (served sets in the SQLite file)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'bw-cluster-'));
    const s = new SqliteStorage({ path: join(dir, 'boardwalk.sqlite') });
    await s.init();
    await seedChain(s);
    await s.close();
    // no cursor secret and no served-set setting: the defaults must work across workers
    const env: NodeJS.ProcessEnv = { ...process.env, BOARDWALK_PIPELINES: 'off', BOARDWALK_PIXIE_STEPS: '2000', BOARDWALK_REBUILD_INTERVAL_MS: '0' };
    delete env['BOARDWALK_CURSOR_SECRET'];
    if (process.env['BW_TEST_SERVED_SETS']) env['BOARDWALK_SERVED_SETS'] = process.env['BW_TEST_SERVED_SETS'];
    else delete env['BOARDWALK_SERVED_SETS'];
    child = fork(CHILD, [dir], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const url = await new Promise<string>((resolve, reject) => {
      child!.on('message', (m: { type?: string; url?: string }) => m.type === 'listening' && resolve(m.url!));
      child!.once('exit', (c) => reject(new Error(`serve exited with ${c}`)));
    });
    // several walks through the pages: the primary hands connections to the workers in turn
    for (let run = 0; run < 3; run++) {
      const all: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r = await fetch(`${url}/v1/pins/p${run}/related?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: { connection: 'close' } });
        expect(r.status, await r.clone().text()).toBe(200);
        const body = (await r.json()) as { items: { id: string }[]; next_cursor: string | null };
        all.push(...ids(body));
        cursor = body.next_cursor;
        pages++;
      } while (cursor && pages < 40);
      expect(pages).toBeGreaterThan(3);
      expect(new Set(all).size).toBe(all.length);
    }
  }, 30_000);
});
