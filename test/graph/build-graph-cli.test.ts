import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { register, runBuildGraph, runGraphInfo } from '../../src/cli/build-graph.js';
import { loadSnapshot } from '../../src/graph/snapshot.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, data: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

// pin 0 is on boards A B C D (degree 4 -> kept 2 at δ = 0.5); board D mixes two topics
const EDGES = 'pin,board\n0,A\n0,B\n0,C\n0,D\n1,A\n1,B\n2,A\n2,C\n3,C\n3,E\n5,D\n';
const META = 'id\ttopic\tlocale\n0\tx\ten\n1\tx\ten\n2\tx\t\n3\tx\t\n5\ty\tfr\n';

describe('build-graph CLI', () => {
  it('builds, prunes and reports edges kept', async () => {
    const lines: string[] = [];
    const out = join(dir, 'g.bwg');
    const g = await runBuildGraph(
      [file('e.csv.gz', gzipSync(EDGES))],
      { out, header: true, pinCol: 'pin', boardCol: 'board', meta: file('m.tsv', META), pruneDelta: 0.5, maxBoardEntropy: 0.5, order: 'degree' },
      (l) => lines.push(l),
    );
    expect(lines[0]).toMatch(/^read 11 edge rows from 1 file in/);
    expect(lines[1]).toBe(`pin metadata: 5 rows from ${join(dir, 'm.tsv')}`);
    expect(lines[2]).toMatch(/^graph: 5 pins, 5 boards, 11 edges \(0 duplicate rows merged\)/);
    expect(lines[3]).toMatch(/^pruned: kept 8 of 11 edges \(72\.7%\), 1 pins capped, 1 boards dropped in/);
    expect(lines[4]).toMatch(/^renumbered by degree \(hot nodes together in memory\) in/);
    expect(lines[5]).toMatch(/^wrote .*g\.bwg: \d+ B in/);
    const h = loadSnapshot(out);
    // degree order: dense ids by descending degree on both sides
    for (const [off, n] of [[h.pinOffsets, h.numPins], [h.boardOffsets, h.numBoards]] as const)
      for (let v = 1; v < n; v++) expect(off[v + 1]! - off[v]!).toBeLessThanOrEqual(off[v]! - off[v - 1]!);
    expect(h.numEdges).toBe(8);
    expect(Array.from(h.boardsOf(h.pins.get('0'))).map((b) => h.boards.external(b))).toEqual(['A', 'B']);
    expect(h.meta.pins.topic!.values).toEqual(['', 'x', 'y']);
    expect(g.numEdges).toBe(8);

    const info: string[] = [];
    runGraphInfo(out, {}, (l) => info.push(l));
    expect(info[0]).toMatch(/g\.bwg: boardwalk graph snapshot v1, .*checksum ok/);
    expect(info[1]).toBe('pins 5 (ids: table), boards 5 (ids: table), edges 8');
    expect(info).toContain('pin topic: 2 values, known for 5 of 5');
    expect(info).toContain('pin locale: 2 values, known for 3 of 5');
    expect(info.some((l) => l.startsWith('  pin.ids'))).toBe(true);
  });

  it('parses options through commander and rejects bad values', async () => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    register(program);
    const src = file('plain.tsv', '1\tx\n2\tx\n');
    const out = join(dir, 'p.bwg');
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write; // keep test output quiet
    try {
      await program.parseAsync(['node', 'boardwalk', 'build-graph', src, '--out', out, '--pin-col', '1', '--board-col', '0']);
    } finally {
      process.stdout.write = write;
    }
    const g = loadSnapshot(out);
    expect(g.pins.toArray()).toEqual(['x']);
    expect(g.boards.toArray()).toEqual(['1', '2']);
    await expect(program.parseAsync(['node', 'boardwalk', 'build-graph', src, '--out', out, '--prune-delta', '1.5'])).rejects.toThrow(
      /delta must be a number in \(0, 1\]/,
    );
    await expect(program.parseAsync(['node', 'boardwalk', 'build-graph', src, '--out', out, '--format', 'xml'])).rejects.toThrow(/tsv, csv or jsonl/);
    await expect(program.parseAsync(['node', 'boardwalk', 'build-graph', src, '--out', out, '--order', 'random'])).rejects.toThrow(
      /must be one of degree, hub, dbg, none/,
    );
    await expect(program.parseAsync(['node', 'boardwalk', 'build-graph', src])).rejects.toThrow(/--out/);
    await expect(runBuildGraph([src], { out, maxBoardEntropy: 1 })).rejects.toThrow('--max-board-entropy needs pin topics');
    expect(() => runGraphInfo(join(dir, 'none.bwg'))).toThrow(/snapshot: cannot read/);
  });
});

describe('build-graph --order', () => {
  it('none (the default) keeps first-seen dense ids; degree puts the busiest pin first, same edges by external id', async () => {
    const src = file('order.tsv', 'p1\tb1\np2\tb1\np2\tb2\np3\tb2\np2\tb3\np3\tb3\n');
    const edgesOf = (g: ReturnType<typeof loadSnapshot>): string[] => {
      const out: string[] = [];
      for (let p = 0; p < g.numPins; p++) for (const b of g.boardsOf(p)) out.push(`${g.pins.external(p)}-${g.boards.external(b)}`);
      return out.sort();
    };
    const quiet = (): void => {};
    await runBuildGraph([src], { out: join(dir, 'none.bwg') }, quiet);
    await runBuildGraph([src], { out: join(dir, 'deg.bwg'), order: 'degree' }, quiet);
    const none = loadSnapshot(join(dir, 'none.bwg'));
    const deg = loadSnapshot(join(dir, 'deg.bwg'));
    expect(none.pins.toArray()).toEqual(['p1', 'p2', 'p3']);
    expect(deg.pins.external(0)).toBe('p2');
    expect(edgesOf(deg)).toEqual(edgesOf(none));
  });
});
