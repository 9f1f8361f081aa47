import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { categoricalValue } from '../../src/graph/metadata.js';
import { isGzipFile, parseCsvRecord, readEdgeFiles } from '../../src/graph/edge-file.js';
import { readMetadataFile } from '../../src/graph/metadata-file.js';
import type { PinBoardGraph } from '../../src/graph/graph.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-edges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string, gzip = false): string {
  const p = join(dir, name);
  writeFileSync(p, gzip ? gzipSync(Buffer.from(text)) : text);
  return p;
}

/** Edges as sorted "pin>board" strings of external ids. */
function edges(g: PinBoardGraph): string[] {
  const out: string[] = [];
  for (let p = 0; p < g.numPins; p++) for (const b of g.boardsOf(p)) out.push(`${g.pins.external(p)}>${g.boards.external(b)}`);
  return out.sort();
}

const TSV = 'p1\tb1\np2\tb1\n\np1\tb2\r\np1\tb1\n';

describe('readEdgeFiles', () => {
  it('reads TSV, maps ids in first-seen order and merges duplicate edges', async () => {
    const b = await readEdgeFiles([file('e.tsv', TSV)]);
    expect(b.numEdges).toBe(4); // rows read, the duplicate included
    const g = b.build();
    expect(g.pins.toArray()).toEqual(['p1', 'p2']);
    expect(g.boards.toArray()).toEqual(['b1', 'b2']);
    expect(g.numEdges).toBe(3);
    expect(edges(g)).toEqual(['p1>b1', 'p1>b2', 'p2>b1']);
    expect(Array.from(g.pinsOf(g.boards.get('b1')))).toEqual([0, 1]);
  });

  it('detects gzip by magic bytes, not by name', async () => {
    const gzNoExt = file('edges-gz.txt', TSV, true);
    const plainGzName = file('plain.tsv.gz', TSV, false);
    expect(isGzipFile(gzNoExt)).toBe(true);
    expect(isGzipFile(plainGzName)).toBe(false);
    const a = (await readEdgeFiles([gzNoExt])).build();
    const b = (await readEdgeFiles([plainGzName])).build();
    expect(edges(a)).toEqual(['p1>b1', 'p1>b2', 'p2>b1']);
    expect(edges(b)).toEqual(edges(a));
  });

  it('reads every format gzipped or plain', async () => {
    const texts = { tsv: 'p1\tb1\np2\tb1\n', csv: 'p1,b1\n"p2",b1\n', jsonl: '{"pin":"p1","board":"b1"}\n{"pin":"p2","board":"b1"}\n' };
    for (const [fmt, text] of Object.entries(texts)) {
      for (const gz of [false, true]) {
        const g = (await readEdgeFiles([file(`all-${fmt}-${gz}.data`, text, gz)], { format: fmt as 'tsv' | 'csv' | 'jsonl' })).build();
        expect(edges(g)).toEqual(['p1>b1', 'p2>b1']);
      }
    }
  });

  it('reads several files into one builder, with column indices (user/item data)', async () => {
    const a = file('train.rating', '0\t2\t5\n1\t0\t1\n', true);
    const b = file('more.rating', '1\t1\t3\n', false);
    const g = (await readEdgeFiles([a, b], { pinCol: 1, boardCol: 0 })).build();
    // numeric ids 0..n-1 give identity maps, dense id = the number
    expect(g.pins.isIdentity).toBe(true);
    expect(g.boards.isIdentity).toBe(true);
    expect(g.numPins).toBe(3);
    expect(Array.from(g.boardsOf(2))).toEqual([0]);
    expect(Array.from(g.pinsOf(1))).toEqual([0, 1]);
  });

  it('reads CSV with quoted fields and a header naming the columns', async () => {
    const csv = 'note,"board id",pin\n"a, b",B1,P1\n"say ""hi""",B2,"P,2"\n"two\nlines",B1,P3\n';
    const g = (await readEdgeFiles([file('e.csv', csv)], { header: true, pinCol: 'pin', boardCol: 'board id' })).build();
    expect(edges(g)).toEqual(['P,2>B2', 'P1>B1', 'P3>B1']);
  });

  it('parses CSV records per RFC 4180', () => {
    expect(parseCsvRecord('a,"b,c","d""e",')).toEqual(['a', 'b,c', 'd"e', '']);
    expect(parseCsvRecord('"open')).toBeNull();
    expect(() => parseCsvRecord('"a"x,b')).toThrow(/after closing quote/);
    expect(() => parseCsvRecord('a"b,c')).toThrow(/stray quote/);
  });

  it('reads JSONL objects (numbers or strings) and arrays', async () => {
    const objs = file('e.jsonl', '{"pin": 7, "board": "x"}\n\n{"pin": "8", "board": "x", "extra": true}\n');
    expect(edges((await readEdgeFiles([objs])).build())).toEqual(['7>x', '8>x']);
    const named = file('n.ndjson', '{"item": "a", "user": "u"}\n');
    expect(edges((await readEdgeFiles([named], { pinCol: 'item', boardCol: 'user' })).build())).toEqual(['a>u']);
    const arrays = file('arr.jsonl', '["u1", "a"]\n["u2", "a"]\n');
    expect(edges((await readEdgeFiles([arrays], { pinCol: 1, boardCol: 0 })).build())).toEqual(['a>u1', 'a>u2']);
  });

  it('names file:line and the reason for malformed rows', async () => {
    const missing = file('missing.tsv', 'p1\tb1\np2\n');
    await expect(readEdgeFiles([missing])).rejects.toThrow(`${missing}:2: missing board column 1`);
    const emptyId = file('empty.tsv', 'p1\tb1\n\t\nx\tb\n');
    // line 2 is not blank (it holds a tab): both ids are empty
    await expect(readEdgeFiles([emptyId])).rejects.toThrow(`${emptyId}:2: empty pin id`);
    const badJson = file('bad.jsonl', '{"pin":1,"board":2}\n{"pin":1,\n');
    await expect(readEdgeFiles([badJson])).rejects.toThrow(new RegExp(`${badJson}:2: bad JSON`));
    const noBoard = file('nob.jsonl', '{"pin":1}\n');
    await expect(readEdgeFiles([noBoard])).rejects.toThrow(`${noBoard}:1: missing board column "board"`);
    const objId = file('obj.jsonl', '{"pin":{"a":1},"board":2}\n');
    await expect(readEdgeFiles([objId])).rejects.toThrow(/obj.jsonl:1: field "pin" must be a string or a number/);
    const csv = file('open.csv', 'a,b\n"unclosed,b\n');
    await expect(readEdgeFiles([csv])).rejects.toThrow(`${csv}:2: bad CSV: quoted field not closed before end of file`);
    const stray = file('stray.csv', 'p,"b\n' + 'x,y\n'.repeat(300_000));
    await expect(readEdgeFiles([stray])).rejects.toThrow(`${stray}:1: bad CSV: quoted field still open after 1048576 characters`);
    const hdr = file('hdr.tsv', 'pin\tboard\n1\t2\n');
    await expect(readEdgeFiles([hdr], { header: true, pinCol: 'pin', boardCol: 'user' })).rejects.toThrow(`${hdr}:1: header has no column "user"`);
    await expect(readEdgeFiles([hdr], { pinCol: 'pin', boardCol: 'board' })).rejects.toThrow(/needs a header line/);
    await expect(readEdgeFiles([hdr], { pinCol: 0, boardCol: 0 })).rejects.toThrow(/both 0/);
    await expect(readEdgeFiles([join(dir, 'nope.tsv')])).rejects.toThrow(/ENOENT/);
    await expect(readEdgeFiles([])).rejects.toThrow(/no input files/);
  });

  it('reports a corrupt gzip stream', async () => {
    const good = gzipSync(Buffer.from(TSV.repeat(50)));
    const bad = file('corrupt.gz', '');
    writeFileSync(bad, Buffer.concat([good.subarray(0, 20), Buffer.alloc(20, 0xff)]));
    await expect(readEdgeFiles([bad])).rejects.toThrow(/read failed/);
  });
});

describe('readMetadataFile', () => {
  it('sets pin and board metadata from files with headers', async () => {
    const b = await readEdgeFiles([file('m.tsv', 'p1\tb1\np2\tb1\np3\tb2\n')]);
    const pins = file('pins.tsv', 'id\ttopic\tlocale\tcreated_at\np2\tfood\ten-US\t2024-01-02T00:00:00Z\np1\t\tfr\t1000\n', true);
    expect(await readMetadataFile(pins, { kind: 'pin' }, b)).toBe(2);
    const boards = file('boards.csv', 'id,locale\nb2,de\n');
    await readMetadataFile(boards, { kind: 'board' }, b);
    const g = b.build();
    const p1 = g.pins.get('p1');
    const p2 = g.pins.get('p2');
    const p3 = g.pins.get('p3');
    expect(categoricalValue(g.meta.pins.topic, p2)).toBe('food');
    expect(categoricalValue(g.meta.pins.topic, p1)).toBeUndefined();
    expect(categoricalValue(g.meta.pins.locale, p1)).toBe('fr');
    expect(g.meta.pins.createdAt![p2]).toBe(Date.UTC(2024, 0, 2));
    expect(g.meta.pins.createdAt![p1]).toBe(1000);
    expect(g.meta.pins.createdAt![p3]).toBeNaN();
    expect(categoricalValue(g.meta.boards.locale, g.boards.get('b2'))).toBe('de');
    expect(categoricalValue(g.meta.boards.locale, g.boards.get('b1'))).toBeUndefined();
    expect(g.meta.boards.topic).toBeUndefined();
  });

  it('reads positional columns without a header, and JSONL', async () => {
    const b = new GraphBuilder();
    b.addEdge('a', 'x');
    await readMetadataFile(file('pos.tsv', 'a\ten\tart\t5\n'), { header: false }, b);
    await readMetadataFile(file('b.jsonl', '{"id":"x","topic":"cars","created_at":7}\n'), { kind: 'board' }, b);
    const g = b.build();
    expect(categoricalValue(g.meta.pins.topic, 0)).toBe('art');
    expect(g.meta.pins.createdAt![0]).toBe(5);
    expect(categoricalValue(g.meta.boards.topic, 0)).toBe('cars');
    expect(g.meta.boards.createdAt![0]).toBe(7);
  });

  it('rejects bad dates, missing ids and unknown kinds', async () => {
    const b = new GraphBuilder();
    const badDate = file('bd.tsv', 'id\tcreated_at\np\tyesterday\n');
    await expect(readMetadataFile(badDate, {}, b)).rejects.toThrow(`${badDate}:2: created_at "yesterday" is neither epoch milliseconds nor a date`);
    const noId = file('noid.tsv', 'pin\ttopic\np\tx\n');
    await expect(readMetadataFile(noId, {}, b)).rejects.toThrow(`${noId}:1: header has no column "id"`);
    const emptyId = file('eid.tsv', 'id\ttopic\n\tx\n');
    await expect(readMetadataFile(emptyId, {}, b)).rejects.toThrow(`${emptyId}:2: empty pin id`);
    // @ts-expect-error checking the runtime guard
    await expect(readMetadataFile(emptyId, { kind: 'user' }, b)).rejects.toThrow(/kind must be/);
  });
});
