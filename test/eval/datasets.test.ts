import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { datasetGraph, evalUsers, itemDegrees, loadDataset, resolveDataDir, userItemsOf } from '../../src/eval/datasets.js';
import { validationSplit } from '../../src/eval/validation.js';

function writeSet(files: { train: string; test: string; neg: string }, gzip = true, name = 'tiny'): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-eval-'));
  mkdirSync(join(dir, name));
  const put = (suffix: string, text: string): void => {
    const p = join(dir, name, `${name}.${suffix}`);
    if (gzip) writeFileSync(p + '.gz', gzipSync(Buffer.from(text)));
    else writeFileSync(p, text);
  };
  put('train.rating', files.train);
  put('test.rating', files.test);
  put('test.negative', files.neg);
  return dir;
}

const GOOD = {
  // user 0: items 0,1 (1 listed twice: values summed); user 1: items 1,2; CRLF line endings
  train: '0\t1\t2\r\n0\t0\t1\r\n1\t2\t1\r\n1\t1\t1\r\n0\t1\t3\r\n',
  test: '0\t2\t1\t0\n1\t3\t1\t0\n',
  neg: '(0,2)\t3\t4\t0\t\n(1,3)\t0\t4\t1\n',
};

describe('data set loader', () => {
  const saved = process.env['BOARDWALK_DATA'];
  afterEach(() => {
    if (saved === undefined) delete process.env['BOARDWALK_DATA'];
    else process.env['BOARDWALK_DATA'] = saved;
  });

  it('parses train, held-out items and negatives into typed arrays', () => {
    const ds = loadDataset('tiny', writeSet(GOOD));
    expect(ds.numUsers).toBe(2);
    expect(ds.numItems).toBe(5);
    expect(Array.from(ds.train.users)).toEqual([0, 0, 1, 1, 0]);
    expect(Array.from(ds.train.items)).toEqual([1, 0, 2, 1, 1]);
    expect(Array.from(ds.train.values)).toEqual([2, 1, 1, 1, 3]);
    expect(Array.from(userItemsOf(ds, 0))).toEqual([0, 1]);
    expect(Array.from(ds.userValues.subarray(0, 2))).toEqual([1, 5]);
    expect(Array.from(userItemsOf(ds, 1))).toEqual([1, 2]);
    expect(Array.from(ds.heldOut)).toEqual([2, 3]);
    // negatives exactly as listed, including user 0's training item 0 and user 1's item 1
    expect(Array.from(ds.negatives.subarray(ds.negOffsets[0]!, ds.negOffsets[1]!))).toEqual([3, 4, 0]);
    expect(Array.from(ds.negatives.subarray(ds.negOffsets[1]!, ds.negOffsets[2]!))).toEqual([0, 4, 1]);
    expect(Array.from(evalUsers(ds))).toEqual([0, 1]);
    expect(Array.from(itemDegrees(ds))).toEqual([1, 2, 1, 0, 0]);
  });

  it('reads plain (not gzipped) files and honours BOARDWALK_DATA', () => {
    const dir = writeSet(GOOD, false);
    process.env['BOARDWALK_DATA'] = dir;
    expect(resolveDataDir()).toBe(dir);
    expect(loadDataset('tiny').numUsers).toBe(2);
  });

  it('builds the pin-board graph: items are pins, users are boards', () => {
    const g = datasetGraph(loadDataset('tiny', writeSet(GOOD)));
    expect(g.numPins).toBe(5);
    expect(g.numBoards).toBe(2);
    expect(Array.from(g.pinsOf(0))).toEqual([0, 1]);
    expect(Array.from(g.boardsOf(1))).toEqual([0, 1]);
    expect(g.pins.isIdentity && g.boards.isIdentity).toBe(true);
  });

  it('names file and line of malformed input', () => {
    const bad = (over: Partial<typeof GOOD>): string => writeSet({ ...GOOD, ...over });
    expect(() => loadDataset('tiny', bad({ train: '0\t1\t1\n0\tx\t1\n' }))).toThrow(/tiny\.train\.rating\.gz:2: item "x"/);
    expect(() => loadDataset('tiny', bad({ train: '0\t1\n' }))).toThrow(/train\.rating\.gz:1: expected user<TAB>item<TAB>value/);
    expect(() => loadDataset('tiny', bad({ train: '0\t1\t-3\n' }))).toThrow(/train\.rating\.gz:1: value "-3"/);
    expect(() => loadDataset('tiny', bad({ neg: '(0,2)\t3\n1,3\t0\n' }))).toThrow(/test\.negative\.gz:2: first field "1,3" is not \(user,heldOutItem\)/);
    expect(() => loadDataset('tiny', bad({ neg: '(0,2)\t3\n(1,4)\t0\n' }))).toThrow(/test\.negative\.gz:2: held-out item 4 differs from test\.rating's 3/);
    expect(() => loadDataset('tiny', bad({ neg: '(0,2)\t3\t-1\n(1,3)\t0\n' }))).toThrow(/test\.negative\.gz:1: negative item "-1"/);
    expect(() => loadDataset('tiny', bad({ neg: '(0,2)\t3\n' }))).toThrow(/user 1 has a held-out item but no negatives/);
    expect(() => loadDataset('tiny', bad({ test: '0\t2\t1\n0\t3\t1\n' }))).toThrow(/user 0 has more than one held-out item/);
    expect(() => loadDataset('nope', writeSet(GOOD))).toThrow(/data set nope: no nope\.train\.rating\[\.gz\] found/);
  });

  it('carves a seeded validation split from training only', () => {
    const ds = loadDataset('tiny', writeSet(GOOD));
    const v = validationSplit(ds, 7);
    const again = validationSplit(ds, 7);
    expect(Array.from(v.heldOut)).toEqual(Array.from(again.heldOut));
    for (const u of [0, 1]) {
      const h = v.heldOut[u]!;
      expect(Array.from(userItemsOf(ds, u))).toContain(h);
      expect(Array.from(userItemsOf(v, u))).not.toContain(h);
      const negs = Array.from(v.negatives.subarray(v.negOffsets[u]!, v.negOffsets[u + 1]!));
      // never a training item or the test item of the user
      for (const n of negs) expect([...userItemsOf(ds, u), ds.heldOut[u]!]).not.toContain(n);
    }
  });
});
