import { isAscii } from 'node:buffer';
import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { PinBoardGraph } from './graph.js';
import { IdMap } from './id-map.js';
import type { CategoricalColumn, GraphMetadata, NodeMetadata } from './metadata.js';

/**
 * Binary graph snapshot (.bwg).
 *
 * Layout (little-endian):
 *   0   magic "BWGRAPH\0" (8 bytes)
 *   8   u32 format version
 *   12  u32 section count
 *   16  u64 file length in bytes
 *   24  u32 CRC32 of every byte of the file except these four
 *   28  u32 reserved (0)
 *   32  section table, 48 bytes per section:
 *         name (24 bytes UTF-8, zero padded), u32 element type, u32 reserved, u64 offset, u64 byte length
 *   then the sections, each starting at a multiple of 8, zero padding between.
 *
 * Numeric sections are raw typed-array bytes, so loading makes views over the file buffer (no
 * copy). A string table is: u32 count, count × u32 UTF-8 byte lengths, then the bytes.
 *
 * Version 2 (written only when needed) adds `pin.perm` / `board.perm`: a renumbered numeric id
 * map (graph/reorder.ts) as u32 external id per dense id, instead of a string table. Files
 * without those sections are still written as version 1; both versions are read.
 */

export const SNAPSHOT_MAGIC = Buffer.from('BWGRAPH\0', 'latin1');
export const SNAPSHOT_VERSION = 2;
/** Oldest version this build reads. */
const MIN_VERSION = 1;
const HEADER_BYTES = 32;
const ENTRY_BYTES = 48;
const NAME_BYTES = 24;
const CRC_AT = 24;

export enum ElemType {
  U8 = 1,
  U16 = 2,
  U32 = 3,
  F32 = 4,
  F64 = 5,
  /** UTF-8 JSON text */
  Json = 6,
  /** string table (see above) */
  StrTab = 7,
}

const ELEM_SIZE: Record<ElemType, number> = { 1: 1, 2: 2, 3: 4, 4: 4, 5: 8, 6: 1, 7: 1 };

export interface SectionInfo {
  name: string;
  type: ElemType;
  offset: number;
  byteLength: number;
}

/** Graph-level facts kept in the "info" JSON section. */
export interface SnapshotInfo {
  numPins: number;
  numBoards: number;
  numEdges: number;
  pinIds: 'identity' | 'table' | 'perm';
  boardIds: 'identity' | 'table' | 'perm';
}

export interface SnapshotHeader {
  version: number;
  fileBytes: number;
  checksum: number;
  sections: SectionInfo[];
  info: SnapshotInfo;
}

export interface LoadOptions {
  /** copy into SharedArrayBuffer-backed arrays (for worker threads) instead of viewing the buffer */
  shared?: boolean;
  /** check the CRC32 (default true) */
  verify?: boolean;
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('snapshot: big-endian hosts are not supported');
}

// ---------- writing ----------

interface PlannedSection {
  name: string;
  type: ElemType;
  chunks: Uint8Array[];
  byteLength: number;
  offset: number;
}

interface Plan {
  head: Buffer;
  sections: PlannedSection[];
  fileBytes: number;
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function stringTable(strings: readonly string[]): Uint8Array[] {
  const lengths = new Uint32Array(strings.length + 1);
  lengths[0] = strings.length;
  for (let i = 0; i < strings.length; i++) lengths[i + 1] = Buffer.byteLength(strings[i]!, 'utf8');
  return [bytesOf(lengths), Buffer.from(strings.join(''), 'utf8')];
}

function planSnapshot(graph: PinBoardGraph): Plan {
  assertLittleEndian();
  const list: { name: string; type: ElemType; chunks: Uint8Array[] }[] = [];
  const add = (name: string, type: ElemType, chunks: Uint8Array[]): void => {
    if (Buffer.byteLength(name) > NAME_BYTES) throw new Error(`snapshot: section name ${name} too long`);
    list.push({ name, type, chunks });
  };
  const info: SnapshotInfo = {
    numPins: graph.numPins,
    numBoards: graph.numBoards,
    numEdges: graph.numEdges,
    pinIds: idKind(graph.pins),
    boardIds: idKind(graph.boards),
  };
  const version = info.pinIds === 'perm' || info.boardIds === 'perm' ? 2 : 1;
  add('info', ElemType.Json, [Buffer.from(JSON.stringify(info), 'utf8')]);
  add('pin.offsets', ElemType.U32, [bytesOf(graph.pinOffsets)]);
  add('pin.adj', ElemType.U32, [bytesOf(graph.pinAdj)]);
  add('board.offsets', ElemType.U32, [bytesOf(graph.boardOffsets)]);
  add('board.adj', ElemType.U32, [bytesOf(graph.boardAdj)]);
  for (const [side, map] of [['pin', graph.pins], ['board', graph.boards]] as const) {
    const perm = map.permutation;
    if (perm) add(`${side}.perm`, ElemType.U32, [bytesOf(perm)]);
    else if (!map.isIdentity) add(`${side}.ids`, ElemType.StrTab, stringTable(map.toArray()));
  }
  const sides: [string, NodeMetadata, number][] = [
    ['pin', graph.meta.pins, graph.numPins],
    ['board', graph.meta.boards, graph.numBoards],
  ];
  for (const [side, m, rows] of sides) {
    for (const col of ['locale', 'topic'] as const) {
      const c = m[col];
      if (!c) continue;
      if (c.codes.length !== rows) throw new Error(`snapshot: ${side} ${col} column has ${c.codes.length} rows, graph has ${rows}`);
      add(`${side}.${col}.codes`, ElemType.U16, [bytesOf(c.codes)]);
      add(`${side}.${col}.values`, ElemType.StrTab, stringTable(c.values));
    }
    if (m.createdAt) {
      if (m.createdAt.length !== rows) throw new Error(`snapshot: ${side} createdAt has ${m.createdAt.length} rows, graph has ${rows}`);
      add(`${side}.createdAt`, ElemType.F64, [bytesOf(m.createdAt)]);
    }
  }

  let off = align8(HEADER_BYTES + ENTRY_BYTES * list.length);
  const sections: PlannedSection[] = list.map((s) => {
    const byteLength = s.chunks.reduce((n, c) => n + c.byteLength, 0);
    const p = { ...s, byteLength, offset: off };
    off = align8(off + byteLength);
    return p;
  });
  const fileBytes = sections.length ? sections[sections.length - 1]!.offset + sections[sections.length - 1]!.byteLength : off;

  const head = Buffer.alloc(align8(HEADER_BYTES + ENTRY_BYTES * list.length));
  SNAPSHOT_MAGIC.copy(head, 0);
  head.writeUInt32LE(version, 8);
  head.writeUInt32LE(sections.length, 12);
  head.writeBigUInt64LE(BigInt(fileBytes), 16);
  sections.forEach((s, i) => {
    const e = HEADER_BYTES + i * ENTRY_BYTES;
    head.write(s.name, e, NAME_BYTES, 'utf8');
    head.writeUInt32LE(s.type, e + 24);
    head.writeBigUInt64LE(BigInt(s.offset), e + 32);
    head.writeBigUInt64LE(BigInt(s.byteLength), e + 40);
  });
  return { head, sections, fileBytes };
}

function idKind(m: IdMap): SnapshotInfo['pinIds'] {
  return m.permutation ? 'perm' : m.isIdentity ? 'identity' : 'table';
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Calls `emit` with every byte range of the file in order (header, then padding and sections). */
function emitFile(plan: Plan, emit: (bytes: Uint8Array) => void): void {
  emit(plan.head);
  let at = plan.head.byteLength;
  for (const s of plan.sections) {
    if (s.offset > at) emit(ZEROS.subarray(0, s.offset - at));
    for (const c of s.chunks) emit(c);
    at = s.offset + s.byteLength;
  }
}
const ZEROS = new Uint8Array(8);

/** CRC32 over the file except its checksum field (the crc is computed with that field zero-skipped). */
function planChecksum(plan: Plan): number {
  let crc = crc32(plan.head.subarray(0, CRC_AT));
  let first = true;
  emitFile(plan, (b) => {
    if (first) {
      first = false;
      crc = crc32(b.subarray(CRC_AT + 4), crc);
    } else if (b.byteLength > 0) crc = crc32(b, crc); // Node's crc32 returns 0 for an empty view over an empty ArrayBuffer
  });
  return crc >>> 0;
}

/** The snapshot as one buffer. */
export function serializeGraph(graph: PinBoardGraph): Buffer {
  const plan = planSnapshot(graph);
  plan.head.writeUInt32LE(planChecksum(plan), CRC_AT);
  const out = Buffer.alloc(plan.fileBytes);
  let at = 0;
  emitFile(plan, (b) => {
    out.set(b, at);
    at += b.byteLength;
  });
  return out;
}

/**
 * Writes the snapshot atomically: a temporary file in the same folder, fsync, rename over
 * `path`, fsync of the folder. Readers see the old file or the new one, never a partial one.
 */
export function saveSnapshot(graph: PinBoardGraph, path: string): void {
  const plan = planSnapshot(graph);
  plan.head.writeUInt32LE(planChecksum(plan), CRC_AT);
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    emitFile(plan, (b) => {
      let done = 0;
      while (done < b.byteLength) done += writeSync(fd, b, done, b.byteLength - done);
    });
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    throw e;
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // some file systems cannot fsync a directory; the rename itself has happened
  }
}

// ---------- reading ----------

function fail(what: string): never {
  throw new Error(`snapshot: ${what}`);
}

/** Parses and checks the header, section table and (unless verify is false) the checksum. */
export function readSnapshotHeader(buf: Uint8Array, verify = true): SnapshotHeader {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 8 && b.length > 0 && SNAPSHOT_MAGIC.subarray(0, b.length).equals(b)) fail(`truncated: ${b.length} bytes, shorter than the magic`);
  if (b.length < 8 || !b.subarray(0, 8).equals(SNAPSHOT_MAGIC)) fail('wrong magic bytes: not a boardwalk graph snapshot');
  if (b.length < HEADER_BYTES) fail(`truncated: ${b.length} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  const version = b.readUInt32LE(8);
  if (version < MIN_VERSION || version > SNAPSHOT_VERSION) fail(`unsupported format version ${version} (this build reads versions ${MIN_VERSION} to ${SNAPSHOT_VERSION})`);
  const count = b.readUInt32LE(12);
  const fileBytes = Number(b.readBigUInt64LE(16));
  if (b.length < fileBytes) fail(`truncated: file has ${b.length} bytes, header says ${fileBytes}`);
  if (b.length > fileBytes) fail(`corrupt: file has ${b.length} bytes, header says ${fileBytes}`);
  if (HEADER_BYTES + count * ENTRY_BYTES > fileBytes) fail(`corrupt: section table (${count} entries) runs past the end of the file`);
  const checksum = b.readUInt32LE(CRC_AT);
  if (verify) {
    const crc = crc32(b.subarray(CRC_AT + 4), crc32(b.subarray(0, CRC_AT))) >>> 0;
    if (crc !== checksum) fail(`bad checksum: stored ${hex(checksum)}, computed ${hex(crc)} (file corrupted)`);
  }
  const sections: SectionInfo[] = [];
  for (let i = 0; i < count; i++) {
    const e = HEADER_BYTES + i * ENTRY_BYTES;
    const raw = b.subarray(e, e + NAME_BYTES);
    const z = raw.indexOf(0);
    const name = raw.subarray(0, z < 0 ? NAME_BYTES : z).toString('utf8');
    const type = b.readUInt32LE(e + 24) as ElemType;
    const offset = Number(b.readBigUInt64LE(e + 32));
    const byteLength = Number(b.readBigUInt64LE(e + 40));
    if (!(type in ELEM_SIZE)) fail(`section ${name} has unknown element type ${type}`);
    if (offset % 8 !== 0) fail(`section ${name} is not 8-byte aligned`);
    if (offset + byteLength > fileBytes) fail(`truncated: section ${name} runs past the end of the file`);
    if (byteLength % ELEM_SIZE[type] !== 0) fail(`section ${name}: ${byteLength} bytes is not a whole number of elements`);
    sections.push({ name, type, offset, byteLength });
  }
  const infoSec = sections.find((s) => s.name === 'info');
  if (!infoSec) fail('missing section info');
  let info: SnapshotInfo;
  try {
    info = JSON.parse(b.toString('utf8', infoSec.offset, infoSec.offset + infoSec.byteLength)) as SnapshotInfo;
  } catch {
    fail('info section is not valid JSON');
  }
  for (const k of ['numPins', 'numBoards', 'numEdges'] as const) {
    const v = info[k];
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) fail(`info.${k} is not a valid count: ${JSON.stringify(v)}`);
  }
  return { version, fileBytes, checksum, sections, info };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/**
 * Rebuilds a graph from snapshot bytes. Adjacency and metadata arrays are views over `buf`
 * (zero copy; `buf` must stay unmodified), or copies in one SharedArrayBuffer with shared: true.
 */
export function deserializeGraph(buf: Buffer | Uint8Array, opts: LoadOptions = {}): PinBoardGraph {
  assertLittleEndian();
  const header = readSnapshotHeader(buf, opts.verify ?? true);
  let bytes: Uint8Array = buf;
  if (opts.shared && !(buf.buffer instanceof SharedArrayBuffer && buf.byteOffset % 8 === 0)) {
    const sab = new SharedArrayBuffer(buf.byteLength);
    bytes = new Uint8Array(sab);
    bytes.set(buf);
  } else if (buf.byteOffset % 8 !== 0) {
    bytes = new Uint8Array(buf); // views need aligned offsets
  }
  const byName = new Map(header.sections.map((s) => [s.name, s]));
  const { info } = header;
  const section = (name: string, type: ElemType): SectionInfo => {
    const s = byName.get(name);
    if (!s) fail(`missing section ${name}`);
    if (s.type !== type) fail(`section ${name} has element type ${s.type}, expected ${type}`);
    return s;
  };
  const optional = (name: string, type: ElemType): SectionInfo | undefined => (byName.has(name) ? section(name, type) : undefined);
  const u32 = (name: string, expect: number): Uint32Array => {
    const s = section(name, ElemType.U32);
    const a = new Uint32Array(bytes.buffer, bytes.byteOffset + s.offset, s.byteLength / 4);
    if (a.length !== expect) fail(`section ${name} has ${a.length} elements, expected ${expect}`);
    return a;
  };
  const pinOffsets = u32('pin.offsets', info.numPins + 1);
  const pinAdj = u32('pin.adj', info.numEdges);
  const boardOffsets = u32('board.offsets', info.numBoards + 1);
  const boardAdj = u32('board.adj', info.numEdges);
  if (pinOffsets[info.numPins] !== info.numEdges || boardOffsets[info.numBoards] !== info.numEdges) fail('corrupt: offsets do not end at the edge count');

  const strings = (s: SectionInfo): string[] => decodeStringTable(bytes, s);
  const idMap = (side: 'pin' | 'board', n: number): IdMap => {
    const ps = optional(`${side}.perm`, ElemType.U32);
    if (ps) {
      const perm = new Uint32Array(bytes.buffer, bytes.byteOffset + ps.offset, ps.byteLength / 4);
      if (perm.length !== n) fail(`section ${side}.perm has ${perm.length} ids, expected ${n}`);
      try {
        return IdMap.permuted(perm);
      } catch (e) {
        fail(`section ${side}.perm: ${(e as Error).message}`);
      }
    }
    const s = optional(`${side}.ids`, ElemType.StrTab);
    if (!s) return IdMap.identity(n);
    const ids = strings(s);
    if (ids.length !== n) fail(`section ${side}.ids has ${ids.length} ids, expected ${n}`);
    return IdMap.fromIds(ids);
  };
  const pins = idMap('pin', info.numPins);
  const boards = idMap('board', info.numBoards);

  const nodeMeta = (side: 'pin' | 'board', rows: number): NodeMetadata => {
    const m: NodeMetadata = {};
    for (const col of ['locale', 'topic'] as const) {
      const cs = optional(`${side}.${col}.codes`, ElemType.U16);
      if (!cs) continue;
      const vs = optional(`${side}.${col}.values`, ElemType.StrTab);
      if (!vs) fail(`missing section ${side}.${col}.values`);
      const codes = new Uint16Array(bytes.buffer, bytes.byteOffset + cs.offset, cs.byteLength / 2);
      if (codes.length !== rows) fail(`section ${side}.${col}.codes has ${codes.length} rows, expected ${rows}`);
      const c: CategoricalColumn = { codes, values: strings(vs) };
      m[col] = c;
    }
    const ts = optional(`${side}.createdAt`, ElemType.F64);
    if (ts) {
      const a = new Float64Array(bytes.buffer, bytes.byteOffset + ts.offset, ts.byteLength / 8);
      if (a.length !== rows) fail(`section ${side}.createdAt has ${a.length} rows, expected ${rows}`);
      m.createdAt = a;
    }
    return m;
  };
  const meta: GraphMetadata = { pins: nodeMeta('pin', info.numPins), boards: nodeMeta('board', info.numBoards) };
  return new PinBoardGraph(pinOffsets, pinAdj, boardOffsets, boardAdj, pins, boards, meta);
}

function decodeStringTable(bytes: Uint8Array, s: SectionInfo): string[] {
  if (s.byteLength < 4) fail(`string table ${s.name} is empty`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + s.offset, s.byteLength);
  const n = dv.getUint32(0, true);
  const blobAt = 4 + 4 * n;
  if (blobAt > s.byteLength) fail(`string table ${s.name} is truncated`);
  const lengths = new Uint32Array(bytes.buffer, bytes.byteOffset + s.offset + 4, n);
  let total = 0;
  for (let i = 0; i < n; i++) total += lengths[i]!;
  if (blobAt + total !== s.byteLength) fail(`string table ${s.name}: lengths do not match its size`);
  const blob = Buffer.from(bytes.buffer, bytes.byteOffset + s.offset + blobAt, total);
  const out = new Array<string>(n);
  if (isAscii(blob)) {
    // byte offsets are character offsets: decode once, then slice
    const all = blob.toString('latin1');
    let at = 0;
    for (let i = 0; i < n; i++) {
      const len = lengths[i]!;
      out[i] = all.slice(at, at + len);
      at += len;
    }
  } else {
    let at = 0;
    for (let i = 0; i < n; i++) {
      const len = lengths[i]!;
      out[i] = blob.toString('utf8', at, at + len);
      at += len;
    }
  }
  return out;
}

/** The whole file; with shared, read straight into a SharedArrayBuffer (one copy fewer). */
function readSnapshotFile(path: string, shared = false): Uint8Array {
  try {
    if (!shared) return readFileSync(path);
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const bytes = new Uint8Array(new SharedArrayBuffer(size));
      let done = 0;
      while (done < size) {
        const n = readSync(fd, bytes, done, size - done, done);
        if (n === 0) break; // file shrank while reading: the size check reports it as truncated
        done += n;
      }
      return done === size ? bytes : bytes.subarray(0, done);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new Error(`snapshot: cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Reads a snapshot file. Throws an Error saying what is wrong (truncated, magic, version, checksum). */
export function loadSnapshot(path: string, opts: LoadOptions = {}): PinBoardGraph {
  const buf = readSnapshotFile(path, opts.shared);
  try {
    return deserializeGraph(buf, opts);
  } catch (e) {
    throw new Error(`${(e as Error).message} [${path}]`);
  }
}

/** Header and section table of a snapshot file (for graph-info). */
export function inspectSnapshot(path: string, verify = true): SnapshotHeader {
  const buf = readSnapshotFile(path);
  try {
    return readSnapshotHeader(buf, verify);
  } catch (e) {
    throw new Error(`${(e as Error).message} [${path}]`);
  }
}
