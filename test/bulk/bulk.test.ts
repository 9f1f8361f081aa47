import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync, createGzip } from 'node:zlib';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { exportFile, exportTo } from '../../src/bulk/export.js';
import { linesOf } from '../../src/bulk/lines.js';
import { PassThrough, Readable } from 'node:stream';
import { BulkInputError, importFile, importLines } from '../../src/bulk/import.js';
import { readCheckpoint } from '../../src/bulk/checkpoint.js';
import type { Progress } from '../../src/bulk/progress.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { EngagementEvent } from '../../src/storage/types.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-bulk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
async function freshStorage(): Promise<SqliteStorage> {
  const s = new SqliteStorage({ path: join(dir, `db${n++}.sqlite`) });
  await s.init();
  return s;
}
const jsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

function event(i: number, extra: Partial<EngagementEvent> = {}): EngagementEvent {
  return { eventId: `e${i}`, user: `u${i % 3}`, pin: `p${i % 5}`, action: 'impression', surface: 'related', platform: 'web', position: i % 10, timestamp: 1000 + i, ...extra };
}

describe('bulk import', () => {
  let s: SqliteStorage;
  beforeEach(async () => {
    s = await freshStorage();
  });

  it('imports pins, boards, saves and events (plain and gzip) and is idempotent', async () => {
    const pins = join(dir, 'pins.jsonl');
    writeFileSync(pins, jsonl([{ id: 'p1', text: 'red shoes', locale: 'fr', createdAt: 5 }, { id: 'p2', annotations: ['a'] }]) + '\n');
    const boards = join(dir, 'boards.jsonl.gz');
    writeFileSync(boards, gzipSync(jsonl([{ id: 'b1', name: 'Shoes' }])));
    const saves = join(dir, 'saves.jsonl');
    writeFileSync(saves, jsonl([{ pin: 'p1', board: 'b1', user: 'u1', createdAt: 10 }, { pin: 'p2', board: 'b1', createdAt: 11 }]));
    const events = join(dir, 'events.jsonl');
    writeFileSync(events, jsonl([event(1), event(2, { action: 'save', board: 'b2', experimentId: 'x', variant: 'a' }), event(1)]));

    const rp = await importFile(s, 'pins', pins, { checkpoint: false });
    expect(rp).toMatchObject({ rows: 2, blank: 1, lines: 3 });
    expect(await s.getPin('p1')).toEqual({ id: 'p1', text: 'red shoes', locale: 'fr', createdAt: 5 });
    expect((await importFile(s, 'boards', boards, { checkpoint: false })).rows).toBe(1);
    expect((await s.getBoard('b1'))!.name).toBe('Shoes');
    await importFile(s, 'saves', saves, { checkpoint: false });
    expect(await s.maxSaveSeq()).toBe(2);
    const re = await importFile(s, 'events', events, { checkpoint: false });
    expect(re).toMatchObject({ rows: 3, inserted: 2, duplicates: 1 });
    expect(await s.countEvents()).toBe(2);
    expect(await s.maxSaveSeq()).toBe(3); // the save event recorded a save

    // a second run changes nothing
    await importFile(s, 'saves', saves, { checkpoint: false });
    expect(await s.maxSaveSeq()).toBe(3);
    expect((await importFile(s, 'events', events, { checkpoint: false })).inserted).toBe(0);
    expect(await s.countEvents()).toBe(2);
  });

  it('stops at a bad row naming file:line, keeps the good rows, and resumes from the checkpoint', async () => {
    const f = join(dir, 'ev-bad.jsonl');
    const rows = [event(1), event(2), event(3), { ...event(4), action: 'like' }, event(5), event(6)];
    writeFileSync(f, jsonl(rows));
    const cp = join(dir, 'ev-bad.cp.json');
    const err = await importFile(s, 'events', f, { batchSize: 2, checkpoint: cp }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BulkInputError);
    expect((err as Error).message).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: action: Invalid option`));
    expect((err as BulkInputError).line).toBe(4);
    expect(await s.countEvents()).toBe(3); // lines 1-3 committed, line 3 from a part batch
    expect(readCheckpoint(cp)).toMatchObject({ line: 3, rows: 3, done: false });

    // fix line 4; the re-run starts there
    rows[3] = event(4);
    writeFileSync(f, jsonl(rows));
    const r = await importFile(s, 'events', f, { batchSize: 2, checkpoint: cp });
    expect(r).toMatchObject({ resumedFrom: 3, rows: 3, inserted: 3, duplicates: 0 });
    expect(await s.countEvents()).toBe(6);
    expect(readCheckpoint(cp)).toMatchObject({ line: 6, rows: 6, done: true });
    // a different file under the same checkpoint is refused
    writeFileSync(f, jsonl([event(9), ...rows.slice(1)]));
    await expect(importFile(s, 'events', f, { checkpoint: cp })).rejects.toThrow(/different file \(lines 1-6 differ\)/);
    writeFileSync(f, jsonl(rows.slice(0, 2)));
    await expect(importFile(s, 'events', f, { checkpoint: cp })).rejects.toThrow(/says 6 lines were committed but .* has only 2/);
  });

  it('resumes after an interruption without re-reading committed lines', async () => {
    const f = join(dir, 'pins-resume.jsonl');
    writeFileSync(f, jsonl([{ id: 'a' }, { id: 'b' }, { id: 'c' }, 'oops', { id: 'e' }]));
    const err = await importFile(s, 'pins', f, { batchSize: 2 }).catch((e: Error) => e.message);
    expect(err).toMatch(/pins-resume\.jsonl:4: expected object, received string|pins-resume\.jsonl:4: Invalid input/);
    const cpPath = `${f}.pins.checkpoint.json`;
    expect(readCheckpoint(cpPath)).toMatchObject({ line: 3, done: false });
    writeFileSync(f, jsonl([{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }, { id: 'e' }]));
    const r = await importFile(s, 'pins', f, { batchSize: 2 });
    expect(r).toMatchObject({ resumedFrom: 3, rows: 2, lines: 5 });
    expect(readCheckpoint(cpPath)).toMatchObject({ line: 5, rows: 5, done: true });
    expect(await s.getPin('d')).toEqual({ id: 'd' });
    // done: a re-run writes nothing
    expect((await importFile(s, 'pins', f)).rows).toBe(0);
    // --restart re-imports (idempotently)
    expect((await importFile(s, 'pins', f, { restart: true })).rows).toBe(5);
    // appended lines are picked up by the next run
    writeFileSync(f, jsonl([{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }, { id: 'e' }, { id: 'f' }]));
    expect(await importFile(s, 'pins', f)).toMatchObject({ resumedFrom: 5, rows: 1 });
  });

  it('names bad JSON, unknown fields, wrong kinds and missing files', async () => {
    const f = join(dir, 'bad.jsonl');
    writeFileSync(f, '{"id":"a"}\n{"id": \n');
    await expect(importFile(s, 'pins', f, { checkpoint: false })).rejects.toThrow(/bad\.jsonl:2: not valid JSON/);
    writeFileSync(f, '{"id":"a","colour":"red"}\n');
    await expect(importFile(s, 'pins', f, { checkpoint: false })).rejects.toThrow(/bad\.jsonl:1: .*colour/);
    writeFileSync(f, '{"pin":"a","board":"b"}\n');
    await expect(importFile(s, 'saves', f, { checkpoint: false })).rejects.toThrow(/bad\.jsonl:1: createdAt: /);
    await expect(importFile(s, 'users', f)).rejects.toThrow(/unknown kind "users"/);
    await expect(importFile(s, 'pins', join(dir, 'nope.jsonl'))).rejects.toThrow(/nope\.jsonl: no such file/);
    const gz = join(dir, 'broken.jsonl.gz');
    writeFileSync(gz, gzipSync(jsonl([{ id: 'a' }])).subarray(0, 15));
    await expect(importFile(s, 'pins', gz, { checkpoint: false })).rejects.toThrow(/broken\.jsonl\.gz:\d+: cannot read/);
  });

  it('streams 100,000 rows from gzip in batches with progress', async () => {
    const f = join(dir, 'many.jsonl.gz');
    const gz = createGzip();
    const out = createWriteStream(f);
    gz.pipe(out);
    for (let i = 0; i < 100_000; i++) if (!gz.write(`{"id":"pin-${i}","locale":"${i % 2 ? 'en' : 'fr'}"}\n`)) await once(gz, 'drain');
    gz.end();
    await once(out, 'close');
    const updates: number[] = [];
    const progress: Progress = { start() {}, update: (_d, rows) => updates.push(rows), stop() {} };
    const heap0 = process.memoryUsage().heapUsed;
    const r = await importFile(s, 'pins', f, { batchSize: 10_000, progress });
    const heapGrowth = process.memoryUsage().heapUsed - heap0;
    expect(r.rows).toBe(100_000);
    expect(updates.slice(0, 3)).toEqual([10_000, 20_000, 30_000]);
    let count = 0;
    for await (const b of s.listPins(50_000)) count += b.length;
    expect(count).toBe(100_000);
    expect(heapGrowth).toBeLessThan(64 * 1024 * 1024);

    // and back out: export then re-import into another store gives the same rows
    const back = join(dir, 'many-out.jsonl.gz');
    const ex = await exportFile(s, 'pins', back);
    expect(ex.rows).toBe(100_000);
    const lines = gunzipSync(readFileSync(back)).toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(100_000);
    expect(JSON.parse(lines[0]!)).toEqual({ id: 'pin-0', locale: 'fr' });
  });
});

describe('bulk export', () => {
  it('round-trips events and saves through JSONL', async () => {
    const a = await freshStorage();
    await a.appendEvents([event(1), event(2, { experimentId: 'x', variant: 'b', requestId: 'r' })]);
    await a.addSaves([{ pin: 'p', board: 'b', user: 'u', createdAt: 3 }]);
    const ev = join(dir, 'ev-out.jsonl');
    const sv = join(dir, 'sv-out.jsonl');
    expect((await exportFile(a, 'events', ev)).rows).toBe(2);
    expect((await exportFile(a, 'saves', sv)).rows).toBe(1);
    expect(existsSync(`${ev}.partial`)).toBe(false);
    const b = await freshStorage();
    await importFile(b, 'events', ev, { checkpoint: false });
    await importFile(b, 'saves', sv, { checkpoint: false });
    const got: EngagementEvent[] = [];
    for await (const batch of b.iterateEvents()) got.push(...batch);
    expect(got).toEqual([event(1), event(2, { experimentId: 'x', variant: 'b', requestId: 'r' })]);
    const saves = [];
    for await (const batch of b.listSaves()) saves.push(...batch);
    expect(saves).toEqual([{ pin: 'p', board: 'b', user: 'u', createdAt: 3 }]);
    // time range
    expect((await exportFile(a, 'events', ev, { from: 1002 })).rows).toBe(1);
  });
});

describe('bulk over streams (for the HTTP API)', () => {
  it('imports a gzip request body and exports to a response stream', async () => {
    const s = await freshStorage();
    const body = Readable.from([gzipSync(jsonl([{ id: 'b1', name: 'one' }, { id: 'b2' }]))]);
    const r = await importLines(s, 'boards', linesOf(body, true), { name: 'request body', checkpoint: false });
    expect(r.rows).toBe(2);
    const bad = Readable.from([Buffer.from('{"id":"b3"}\n{"id":""}\n')]);
    await expect(importLines(s, 'boards', linesOf(bad, false), { name: 'request body' })).rejects.toThrow(
      /^request body:2: id: must be a non-empty string/,
    );
    expect((await s.getBoard('b3'))!.id).toBe('b3');
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    expect(await exportTo(s, 'boards', out)).toBe(3);
    out.end();
    expect(text).toBe(jsonl([{ id: 'b1', name: 'one' }, { id: 'b2' }, { id: 'b3' }]));
  });
});
