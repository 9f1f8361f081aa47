import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSets } from '../../src/cli/eval.js';
import { publishedFor } from '../../src/eval/published.js';
import { formatTable, writeReportJson } from '../../src/eval/report.js';
import { runEval } from '../../src/eval/run.js';

function tinyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-eval-report-'));
  mkdirSync(join(dir, 'tiny'));
  const train = [[0, 0], [0, 1], [1, 0], [1, 1], [1, 2], [2, 2], [2, 3], [3, 3], [3, 4]].map((r) => `${r[0]}\t${r[1]}\t1`).join('\n');
  writeFileSync(join(dir, 'tiny', 'tiny.train.rating'), train + '\n');
  writeFileSync(join(dir, 'tiny', 'tiny.test.rating'), '0\t2\t1\n3\t2\t1\n');
  writeFileSync(join(dir, 'tiny', 'tiny.test.negative'), '(0,2)\t4\t3\n(3,2)\t0\t1\n');
  return dir;
}

describe('eval report', () => {
  it('runs methods over a set and writes the table and JSON', async () => {
    const lines: string[] = [];
    const report = await runEval({
      dataDir: tinyDir(),
      datasets: ['tiny'],
      methods: ['pop', 'pixie'],
      params: { pixie: { steps: 500 } },
      progress: (l, final) => {
        if (final) lines.push(l);
      },
    });
    expect(report.version).toBe(2);
    expect(report.sections).toEqual({});
    expect(report.beyondUsers).toBe(500);
    expect(report.k).toBe(10);
    expect(report.userSample).toBeNull();
    expect(report.datasets).toEqual([
      { name: 'tiny', users: 4, items: 5, trainInteractions: 9, testUsers: 2, negativesInTraining: 0, seenRule: 'excluded', seenRuleSource: expect.stringContaining('Ferrari Dacrema') },
    ]);
    expect(report.rows.map((r) => [r.dataset, r.method, r.users])).toEqual([
      ['tiny', 'pop', 2],
      ['tiny', 'pixie', 2],
    ]);
    const row = report.rows[1]!;
    expect(Object.keys(row).sort()).toEqual(
      ['beyond', 'beyondSeconds', 'dataset', 'hr', 'label', 'method', 'ndcg', 'params', 'prepareSeconds', 'published', 'scoreSeconds', 'seenNegatives', 'settings', 'users'].sort(),
    );
    expect(row.params['steps']).toBe(500);
    expect(row.settings).toContain('steps=500');
    expect(row.published).toBeNull();
    expect(lines).toHaveLength(2);

    const table = formatTable(report);
    expect(table.split('\n')[0]).toMatch(/^dataset\s+method\s+seen negs\s+HR@10\s+NDCG@10\s+published/);
    expect(row.seenNegatives).toBe('excluded');
    expect(row.beyond?.lists).toBe(2);
    expect(table).toContain('tiny     pixie');

    const file = join(mkdtempSync(join(tmpdir(), 'bw-eval-json-')), 'r.json');
    writeReportJson(report, file);
    const back = JSON.parse(readFileSync(file, 'utf8')) as typeof report;
    expect(back.rows[0]!.hr).toBe(report.rows[0]!.hr);
    expect(back.datasets[0]!.name).toBe('tiny');
  });

  it('puts the published figure beside ours', () => {
    expect(publishedFor('citeulike-a', 'rp3beta')).toMatchObject({ method: 'RP3beta', hr: 0.9002, ndcg: 0.7447 });
    expect(publishedFor('lastfm', 'pixie')).toMatchObject({ method: 'CFNet', hr: 0.8995, ndcg: 0.6186 });
    expect(publishedFor('lastfm', 'pop')).toMatchObject({ method: 'ItemPop' });
    expect(publishedFor('lastfm', 'itemknn')).toBeNull();
  });

  it('fails clearly on unknown data sets, methods and --set syntax', async () => {
    await expect(runEval({ dataDir: tinyDir(), datasets: ['tiny'], methods: ['nope'] })).rejects.toThrow(/unknown eval method "nope"/);
    await expect(runEval({ dataDir: tinyDir(), datasets: ['other'], methods: ['pop'] })).rejects.toThrow(/data set other: no other\.train\.rating/);
    const seen: string[] = [];
    await expect(
      runEval({ dataDir: tinyDir(), datasets: ['tiny'], methods: ['pop', 'pixie'], params: { pixie: { zz: 1 } }, progress: (l) => seen.push(l) }),
    ).rejects.toThrow(/unknown parameter "zz"/);
    expect(seen).toEqual([]); // failed before loading anything
    expect(parseSets(['pixie.steps=5', 'pixie.beta=0.5'])).toEqual({ pixie: { steps: 5, beta: 0.5 } });
    expect(() => parseSets(['pixie.steps'])).toThrow(/expected METHOD\.PARAM=NUMBER/);
    expect(() => parseSets(['pixie.steps=abc'])).toThrow(/is not a number/);
  });
});
