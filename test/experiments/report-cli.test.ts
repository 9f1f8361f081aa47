import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { eventsFromJsonl } from '../../src/cli/report.js';
import { readExperimentsFile } from '../../src/experiments/file.js';
import { experimentReport } from '../../src/experiments/report.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('report inputs', () => {
  it('reads events from gzip JSONL and reports them', async () => {
    const f = join(dir, 'ev.jsonl.gz');
    const rows = [
      { user: 'a', pin: 'p', action: 'impression', timestamp: 1, experimentId: 'x', variant: 'control' },
      { user: 'a', pin: 'p', action: 'click', timestamp: 2, experimentId: 'x', variant: 'control' },
      { user: 'b', pin: 'p', action: 'impression', timestamp: 3, experimentId: 'x', variant: 'b' },
    ];
    writeFileSync(f, gzipSync(rows.map((r) => JSON.stringify(r)).join('\n') + '\n'));
    const r = await experimentReport(eventsFromJsonl(f), { experiment: 'x' });
    expect(r.variants.map((v) => [v.variant, v.impressions, v.clicks])).toEqual([
      ['control', 1, 1],
      ['b', 1, 0],
    ]);
    expect(r.control).toBe('control');
  });

  it('names file and line of a bad event', async () => {
    const f = join(dir, 'bad.jsonl');
    writeFileSync(f, '{"user":"a","pin":"p","action":"click","timestamp":1}\n{"user":"a","pin":"p","action":"click"}\n');
    await expect(experimentReport(eventsFromJsonl(f), { experiment: 'x' })).rejects.toThrow(/bad\.jsonl:2: timestamp must be a number/);
    writeFileSync(f, 'nope\n');
    await expect(experimentReport(eventsFromJsonl(f), { experiment: 'x' })).rejects.toThrow(/bad\.jsonl:1: not valid JSON/);
  });

  it('reads experiment definitions with clear errors', () => {
    const f = join(dir, 'exp.json');
    writeFileSync(f, JSON.stringify({ experiments: [{ name: 'x', variants: [{ name: 'a' }, { name: 'b', weight: 2 }] }] }));
    expect(readExperimentsFile(f)[0]!.variants[1]!.weight).toBe(2);
    writeFileSync(f, JSON.stringify([{ name: 'x', variants: [{ name: 'a' }, { name: 'b', weight: -1 }] }]));
    expect(() => readExperimentsFile(f)).toThrow(/exp\.json: experiments\[0\]: experiment x: variants\.1\.weight: must be > 0/);
  });
});
