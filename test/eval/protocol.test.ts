import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTable } from '../../src/eval/report.js';
import { runEval } from '../../src/eval/run.js';

/**
 * A set named lastfm (so its rule is DeepCF's: seen negatives scored). Item degrees:
 * 0 -> 4, 1 -> 2, 2, 3, 4 -> 1. User 0 ({0,1}) holds out 2 among [0 (seen), 3]; user 1 ({0,2})
 * holds out 4 among [3, 1].
 */
function lastfmDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-eval-proto-'));
  mkdirSync(join(dir, 'lastfm'));
  const train = [[0, 0], [0, 1], [1, 0], [1, 2], [2, 0], [2, 3], [3, 0], [3, 1], [3, 4]];
  writeFileSync(join(dir, 'lastfm', 'lastfm.train.rating'), train.map((r) => `${r[0]}\t${r[1]}\t3`).join('\n') + '\n');
  writeFileSync(join(dir, 'lastfm', 'lastfm.test.rating'), '0\t2\t1\n1\t4\t1\n');
  writeFileSync(join(dir, 'lastfm', 'lastfm.test.negative'), '(0,2)\t0\t3\n(1,4)\t3\t1\n');
  return dir;
}

const g = (rank: number): number => 1 / Math.log2(rank + 2);

describe('eval protocol rows', () => {
  it('adds a "(seen excluded)" row from the same scores, with no published figure', async () => {
    const report = await runEval({ dataDir: lastfmDir(), datasets: ['lastfm'], methods: ['pop'], protocolRows: ['pop'], beyondUsers: 0 });
    expect(report.datasets[0]).toMatchObject({ name: 'lastfm', seenRule: 'scored', negativesInTraining: 1, testUsers: 2 });
    const [a, b] = report.rows;
    // scored: user 0 rank 2 (item 0 deg 4, item 3 ties at 1), user 1 rank 2 (3 ties, 1 above)
    expect(a).toMatchObject({ label: 'pop', seenNegatives: 'scored', hr: 1 });
    expect(a!.ndcg).toBeCloseTo(g(2), 12);
    expect(a!.published?.method).toBe('ItemPop');
    // seen excluded: user 0's own item 0 goes last -> rank 1; user 1 unchanged
    expect(b).toMatchObject({ method: 'pop', label: 'pop (seen excluded)', seenNegatives: 'excluded', published: null, hr: 1 });
    expect(b!.ndcg).toBeCloseTo((g(1) + g(2)) / 2, 12);
    expect(b!.params['exclude']).toBe(1);
    expect(b!.settings).toContain('exclude=1');
    const text = formatTable(report);
    expect(text).toMatch(/pop \(seen excluded\)\s+excluded/);
    expect(text).toContain('lastfm: scored like any other item (DeepCF');
    expect(text).toMatch(/\* pop \(seen excluded\) on lastfm: .*NOT comparable/);
    // the default protocol row is Pixie's
    const def = await runEval({ dataDir: lastfmDir(), datasets: ['lastfm'], methods: ['pop', 'pixie'], params: { pixie: { steps: 200 } }, beyondUsers: 0 });
    expect(def.rows.map((r) => r.label)).toEqual(['pop', 'pixie', 'pixie (seen excluded)']);
  });

  it('an explicit exclude override gets no protocol row and no published figure', async () => {
    const report = await runEval({ dataDir: lastfmDir(), datasets: ['lastfm'], methods: ['pop'], protocolRows: ['pop'], params: { pop: { exclude: 1 } }, beyondUsers: 0 });
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({ seenNegatives: 'excluded', published: null });
    expect(report.rows[0]!.ndcg).toBeCloseTo((g(1) + g(2)) / 2, 12);
    expect(report.notes.join('\n')).toMatch(/pop on lastfm uses seen negatives excluded/);
  });

  it('beyond-accuracy columns come from the top 10 over unseen items of the sampled users', async () => {
    const report = await runEval({ dataDir: lastfmDir(), datasets: ['lastfm'], methods: ['pop'], protocolRows: [], beyondUsers: 2 });
    const b = report.rows[0]!.beyond!;
    // user 0 gets {2,3,4}, user 1 gets {1,3,4}: 4 of 5 items, 6 slots
    expect(b.lists).toBe(2);
    expect(b.slots).toBe(6);
    expect(b.coverage).toBeCloseTo(0.8, 12);
    // ARP: (1+1+1)/3 and (2+1+1)/3
    expect(b.arp).toBeCloseTo((1 + 4 / 3) / 2, 12);
    expect(report.beyondUsers).toBe(2);
    expect(formatTable(report)).toMatch(/cover\s+novelty\s+ILD\s+ARP\s+tail/);
    const off = await runEval({ dataDir: lastfmDir(), datasets: ['lastfm'], methods: ['pop'], beyondUsers: 0 });
    expect(off.rows[0]!.beyond).toBeNull();
    expect(formatTable(off)).not.toContain('novelty');
    await expect(runEval({ dataDir: lastfmDir(), datasets: ['lastfm'], methods: ['pop'], beyondUsers: -1 })).rejects.toThrow(/beyond-accuracy users/);
  });
});
