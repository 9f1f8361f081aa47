import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { PinBoardGraph } from '../../src/graph/graph.js';
import { deserializeGraph, inspectSnapshot, loadSnapshot, saveSnapshot, serializeGraph } from '../../src/graph/snapshot.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-snap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sample(): PinBoardGraph {
  const b = new GraphBuilder();
  const rows: [string, string][] = [
    ['pin-a', 'food'],
    ['pin-b', 'food'],
    ['pin-a', 'cars'],
    ['pïn-ç', 'cars'], // non-ASCII ids go through the UTF-8 path
    ['pin-d', 'art'],
    ['pin-a', 'food'],
  ];
  for (const [p, q] of rows) b.addEdge(p, q);
  b.setPinMeta('pin-a', { locale: 'en', topic: 'cooking', createdAt: 1_700_000_000_000 });
  b.setPinMeta('pin-d', { topic: 'painting' });
  b.setBoardMeta('cars', { locale: 'de', createdAt: '2020-05-01T00:00:00Z' });
  return b.build();
}

function expectSameGraph(a: PinBoardGraph, b: PinBoardGraph): void {
  expect(Array.from(b.pinOffsets)).toEqual(Array.from(a.pinOffsets));
  expect(Array.from(b.pinAdj)).toEqual(Array.from(a.pinAdj));
  expect(Array.from(b.boardOffsets)).toEqual(Array.from(a.boardOffsets));
  expect(Array.from(b.boardAdj)).toEqual(Array.from(a.boardAdj));
  expect(b.pins.toArray()).toEqual(a.pins.toArray());
  expect(b.boards.toArray()).toEqual(a.boards.toArray());
  expect(b.pins.isIdentity).toBe(a.pins.isIdentity);
  for (const side of ['pins', 'boards'] as const) {
    const x = a.meta[side];
    const y = b.meta[side];
    for (const col of ['locale', 'topic'] as const) {
      expect(y[col] === undefined).toBe(x[col] === undefined);
      if (x[col]) {
        expect(Array.from(y[col]!.codes)).toEqual(Array.from(x[col]!.codes));
        expect(y[col]!.values).toEqual(x[col]!.values);
      }
    }
    expect(y.createdAt === undefined).toBe(x.createdAt === undefined);
    if (x.createdAt) expect(Array.from(y.createdAt!)).toEqual(Array.from(x.createdAt)); // NaN equals NaN here
  }
}

describe('snapshot', () => {
  it('round-trips adjacency, string id maps and metadata', () => {
    const g = sample();
    const buf = serializeGraph(g);
    const h = deserializeGraph(buf);
    expectSameGraph(g, h);
    expect(h.pins.get('pïn-ç')).toBe(g.pins.get('pïn-ç'));
    expect(h.meta.boards.createdAt![h.boards.get('cars')]).toBe(Date.UTC(2020, 4, 1));
    // zero copy: the arrays are views over the input buffer
    expect(h.pinAdj.buffer).toBe(buf.buffer);
    expect(h.meta.pins.topic!.codes.buffer).toBe(buf.buffer);
  });

  it('stores identity id maps as a size only', () => {
    const ident = PinBoardGraph.fromEdges(new Uint32Array([0, 1, 2, 2]), new Uint32Array([1, 0, 1, 0]), 3, 2);
    const h = deserializeGraph(serializeGraph(ident));
    expectSameGraph(ident, h);
    expect(h.pins.isIdentity && h.boards.isIdentity).toBe(true);
    const names = inspectSnapshotBuf(serializeGraph(ident));
    expect(names).not.toContain('pin.ids');
    expect(names).toEqual(['info', 'pin.offsets', 'pin.adj', 'board.offsets', 'board.adj']);
    expect(inspectSnapshotBuf(serializeGraph(sample()))).toContain('pin.ids');
  });

  it('round-trips an empty graph', () => {
    const e = PinBoardGraph.fromEdges(new Uint32Array(0), new Uint32Array(0), 0, 0);
    const h = deserializeGraph(serializeGraph(e));
    expect([h.numPins, h.numBoards, h.numEdges]).toEqual([0, 0, 0]);
  });

  it('loads into SharedArrayBuffer-backed arrays with shared: true', () => {
    const g = sample();
    const h = deserializeGraph(serializeGraph(g), { shared: true });
    expectSameGraph(g, h);
    expect(h.pinAdj.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(h.boardOffsets.buffer).toBe(h.pinAdj.buffer);
    expect(h.meta.pins.createdAt!.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('copies a buffer that is not 8-byte aligned', () => {
    const buf = serializeGraph(sample());
    const big = new Uint8Array(buf.length + 3);
    big.set(buf, 3);
    expectSameGraph(sample(), deserializeGraph(big.subarray(3)));
  });

  it('saves atomically to disk and loads back, overwriting an old file', () => {
    const path = join(dir, 'g.bwg');
    writeFileSync(path, 'old contents');
    const g = sample();
    saveSnapshot(g, path);
    expectSameGraph(g, loadSnapshot(path));
    const shared = loadSnapshot(path, { shared: true });
    expectSameGraph(g, shared);
    expect(shared.pinAdj.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const head = inspectSnapshot(path);
    expect(head.version).toBe(1);
    expect(head.info).toEqual({ numPins: 4, numBoards: 3, numEdges: 5, pinIds: 'table', boardIds: 'table' });
    for (const s of head.sections) expect(s.offset % 8).toBe(0);
    expect(head.fileBytes).toBe(readFileSync(path).length);
    expect(() => saveSnapshot(g, join(dir, 'no-such-dir', 'g.bwg'))).toThrow(/ENOENT/);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
  });

  it('rejects truncated, wrong-magic, wrong-version and corrupted files, saying which', () => {
    const buf = serializeGraph(sample());
    expect(() => deserializeGraph(buf.subarray(0, buf.length - 9))).toThrow(/snapshot: truncated: file has \d+ bytes, header says \d+/);
    expect(() => deserializeGraph(buf.subarray(0, 20))).toThrow(/snapshot: truncated/);
    expect(() => deserializeGraph(buf.subarray(0, 5))).toThrow('snapshot: truncated: 5 bytes, shorter than the magic');
    expect(() => deserializeGraph(Buffer.from('PK\x03\x04 not a graph at all, nope'))).toThrow('snapshot: wrong magic bytes');
    expect(() => deserializeGraph(Buffer.alloc(0))).toThrow('snapshot: wrong magic bytes');

    const v3 = Buffer.from(buf);
    v3.writeUInt32LE(3, 8);
    expect(() => deserializeGraph(v3)).toThrow('snapshot: unsupported format version 3 (this build reads versions 1 to 2)');

    const flipped = Buffer.from(buf);
    flipped[flipped.length - 3]! ^= 0x40;
    expect(() => deserializeGraph(flipped)).toThrow(/snapshot: bad checksum: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}/);
    // the section table is covered too
    const table = Buffer.from(buf);
    table[40]! ^= 1;
    expect(() => deserializeGraph(table)).toThrow(/bad checksum/);

    const longer = Buffer.concat([buf, Buffer.alloc(8)]);
    expect(() => deserializeGraph(longer)).toThrow(/corrupt: file has/);

    const path = join(dir, 'trunc.bwg');
    writeFileSync(path, buf.subarray(0, 100));
    expect(() => loadSnapshot(path)).toThrow(/truncated.*trunc\.bwg/);
    expect(() => loadSnapshot(path, { shared: true })).toThrow(/truncated.*trunc\.bwg/);
    expect(() => loadSnapshot(join(dir, 'missing.bwg'))).toThrow(/cannot read .*missing\.bwg/);
  });
});

function inspectSnapshotBuf(buf: Buffer): string[] {
  const p = join(dir, `i${Math.random().toString(36).slice(2)}.bwg`);
  writeFileSync(p, buf);
  return inspectSnapshot(p).sections.map((s) => s.name);
}
