import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PinBoardGraph } from '../graph/graph.js';
import { IdMap } from '../graph/id-map.js';

/**
 * A leave-one-out evaluation set (see /work/shared/data/README.md): training interactions,
 * one held-out item per user and, for that user, a fixed list of negatives. Ids are dense.
 */
export interface EvalDataset {
  name: string;
  numUsers: number;
  numItems: number;
  /** training interactions as parallel arrays, in file order */
  train: { users: Uint32Array; items: Uint32Array; values: Float64Array };
  /** training items per user (CSR, rows sorted by item, duplicates merged by summing values) */
  userOffsets: Uint32Array;
  userItems: Uint32Array;
  userValues: Float64Array;
  /** held-out item per user, -1 for a user without one */
  heldOut: Int32Array;
  /** negatives per user (CSR), exactly as listed in the file */
  negOffsets: Uint32Array;
  negatives: Uint32Array;
}

export const DATASET_NAMES = ['citeulike-a', 'lastfm'] as const;

/** --data DIR, else $BOARDWALK_DATA, else ../shared/data relative to the working directory. */
export function resolveDataDir(dir?: string): string {
  if (dir) return resolve(dir);
  const env = process.env['BOARDWALK_DATA'];
  if (env) return resolve(env);
  return resolve(process.cwd(), '../shared/data');
}

/** Finds `<name>.<suffix>` (gzip or plain) in DIR/<name>/ or DIR/. */
function findFile(dir: string, name: string, suffix: string): string {
  const base = `${name}.${suffix}`;
  const tried: string[] = [];
  for (const d of [join(dir, name), dir]) {
    for (const f of [base + '.gz', base]) {
      const p = join(d, f);
      if (existsSync(p)) return p;
      tried.push(p);
    }
  }
  throw new Error(`data set ${name}: no ${base}[.gz] found (looked for ${tried.join(', ')})`);
}

function readLines(path: string): string[] {
  let buf = readFileSync(path);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new Error(`${path}: cannot gunzip: ${(e as Error).message}`);
    }
  }
  const lines = buf.toString('utf8').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function parseId(s: string | undefined, path: string, line: number, what: string): number {
  if (s === undefined || !/^\d+$/.test(s)) throw new Error(`${path}:${line}: ${what} ${JSON.stringify(s ?? '')} is not a non-negative integer`);
  const v = Number(s);
  if (v > 0xfffffffe) throw new Error(`${path}:${line}: ${what} ${s} is too large`);
  return v;
}

/** Splits a line into tab-separated fields, dropping a trailing CR and trailing empty fields. */
function fields(raw: string): string[] {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const f = line.split('\t');
  while (f.length > 0 && f[f.length - 1] === '') f.pop();
  return f;
}

interface Ratings {
  users: Uint32Array;
  items: Uint32Array;
  values: Float64Array;
}

function parseRatings(path: string): Ratings {
  const lines = readLines(path);
  const users = new Uint32Array(lines.length);
  const items = new Uint32Array(lines.length);
  const values = new Float64Array(lines.length);
  let n = 0;
  for (let i = 0; i < lines.length; i++) {
    const f = fields(lines[i]!);
    if (f.length === 0) continue; // blank line
    if (f.length < 3 || f.length > 4)
      throw new Error(`${path}:${i + 1}: expected user<TAB>item<TAB>value[<TAB>timestamp], got ${f.length} field(s)`);
    users[n] = parseId(f[0], path, i + 1, 'user');
    items[n] = parseId(f[1], path, i + 1, 'item');
    const v = Number(f[2]);
    if (f[2] === '' || !Number.isFinite(v) || v < 0)
      throw new Error(`${path}:${i + 1}: value ${JSON.stringify(f[2])} is not a finite number >= 0`);
    values[n] = v;
    n++;
  }
  return { users: users.slice(0, n), items: items.slice(0, n), values: values.slice(0, n) };
}

interface NegativeRows {
  users: number[];
  heldOut: number[];
  lines: number[];
  offsets: number[];
  items: Uint32Array;
}

function parseNegatives(path: string): NegativeRows {
  const lines = readLines(path);
  const out: NegativeRows = { users: [], heldOut: [], lines: [], offsets: [0], items: new Uint32Array(0) };
  const items: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const f = fields(lines[i]!);
    if (f.length === 0) continue;
    const m = /^\((\d+),(\d+)\)$/.exec(f[0]!);
    if (!m) throw new Error(`${path}:${i + 1}: first field ${JSON.stringify(f[0])} is not (user,heldOutItem)`);
    out.users.push(parseId(m[1], path, i + 1, 'user'));
    out.heldOut.push(parseId(m[2], path, i + 1, 'held-out item'));
    out.lines.push(i + 1);
    if (f.length < 2) throw new Error(`${path}:${i + 1}: no negatives listed`);
    for (let k = 1; k < f.length; k++) items.push(parseId(f[k], path, i + 1, 'negative item'));
    out.offsets.push(items.length);
  }
  out.items = Uint32Array.from(items);
  return out;
}

/** Loads one named set from a data directory (see resolveDataDir). */
export function loadDataset(name: string, dataDir?: string): EvalDataset {
  const dir = resolveDataDir(dataDir);
  const trainPath = findFile(dir, name, 'train.rating');
  const testPath = findFile(dir, name, 'test.rating');
  const negPath = findFile(dir, name, 'test.negative');
  return buildDataset(name, parseRatings(trainPath), parseRatings(testPath), parseNegatives(negPath), { testPath, negPath });
}

function buildDataset(
  name: string,
  train: Ratings,
  test: Ratings,
  neg: NegativeRows,
  paths: { testPath: string; negPath: string },
): EvalDataset {
  let numUsers = 0;
  let numItems = 0;
  const see = (u: number, i: number): void => {
    if (u + 1 > numUsers) numUsers = u + 1;
    if (i + 1 > numItems) numItems = i + 1;
  };
  for (let k = 0; k < train.users.length; k++) see(train.users[k]!, train.items[k]!);
  for (let k = 0; k < test.users.length; k++) see(test.users[k]!, test.items[k]!);
  for (let k = 0; k < neg.users.length; k++) see(neg.users[k]!, neg.heldOut[k]!);
  for (let k = 0; k < neg.items.length; k++) if (neg.items[k]! + 1 > numItems) numItems = neg.items[k]! + 1;
  if (train.users.length === 0) throw new Error(`data set ${name}: no training interactions`);

  const heldOut = new Int32Array(numUsers).fill(-1);
  for (let k = 0; k < test.users.length; k++) {
    const u = test.users[k]!;
    if (heldOut[u] !== -1) throw new Error(`${paths.testPath}: user ${u} has more than one held-out item`);
    heldOut[u] = test.items[k]!;
  }

  // negatives: one row per user, agreeing with test.rating
  const negRow = new Int32Array(numUsers).fill(-1);
  for (let r = 0; r < neg.users.length; r++) {
    const u = neg.users[r]!;
    const where = `${paths.negPath}:${neg.lines[r]!}`;
    if (negRow[u] !== -1) throw new Error(`${where}: user ${u} is listed twice`);
    if (heldOut[u] === -1) throw new Error(`${where}: user ${u} has negatives but no held-out item in test.rating`);
    if (heldOut[u] !== neg.heldOut[r]) throw new Error(`${where}: held-out item ${neg.heldOut[r]} differs from test.rating's ${heldOut[u]} for user ${u}`);
    negRow[u] = r;
  }
  const negOffsets = new Uint32Array(numUsers + 1);
  for (let u = 0; u < numUsers; u++) {
    if (heldOut[u] !== -1 && negRow[u] === -1) throw new Error(`${paths.negPath}: user ${u} has a held-out item but no negatives`);
    const r = negRow[u]!;
    negOffsets[u + 1] = negOffsets[u]! + (r < 0 ? 0 : neg.offsets[r + 1]! - neg.offsets[r]!);
  }
  const negatives = new Uint32Array(negOffsets[numUsers]!);
  for (let u = 0; u < numUsers; u++) {
    const r = negRow[u]!;
    if (r >= 0) negatives.set(neg.items.subarray(neg.offsets[r]!, neg.offsets[r + 1]!), negOffsets[u]!);
  }

  const csr = userRows(train, numUsers);
  return { name, numUsers, numItems, train, heldOut, negOffsets, negatives, ...csr };
}

/** Training items per user, sorted, duplicates merged by summing their values. */
function userRows(train: Ratings, numUsers: number): { userOffsets: Uint32Array; userItems: Uint32Array; userValues: Float64Array } {
  const m = train.users.length;
  const count = new Uint32Array(numUsers + 1);
  for (let k = 0; k < m; k++) count[train.users[k]! + 1]!++;
  for (let u = 0; u < numUsers; u++) count[u + 1]! += count[u]!;
  const cursor = count.slice(0, numUsers);
  const order = new Uint32Array(m);
  for (let k = 0; k < m; k++) order[cursor[train.users[k]!]!++] = k;
  const userOffsets = new Uint32Array(numUsers + 1);
  const userItems = new Uint32Array(m);
  const userValues = new Float64Array(m);
  let w = 0;
  for (let u = 0; u < numUsers; u++) {
    userOffsets[u] = w;
    const row = Array.from(order.subarray(count[u]!, count[u + 1]!));
    row.sort((a, b) => train.items[a]! - train.items[b]!);
    for (const k of row) {
      const it = train.items[k]!;
      if (w > userOffsets[u]! && userItems[w - 1] === it) userValues[w - 1]! += train.values[k]!;
      else {
        userItems[w] = it;
        userValues[w] = train.values[k]!;
        w++;
      }
    }
  }
  userOffsets[numUsers] = w;
  return { userOffsets, userItems: userItems.slice(0, w), userValues: userValues.slice(0, w) };
}

/** Users that have a held-out item, ascending. */
export function evalUsers(ds: EvalDataset): Uint32Array {
  let n = 0;
  for (let u = 0; u < ds.numUsers; u++) if (ds.heldOut[u]! >= 0) n++;
  const out = new Uint32Array(n);
  n = 0;
  for (let u = 0; u < ds.numUsers; u++) if (ds.heldOut[u]! >= 0) out[n++] = u;
  return out;
}

/** Training items of user u (a view). */
export function userItemsOf(ds: EvalDataset, u: number): Uint32Array {
  return ds.userItems.subarray(ds.userOffsets[u]!, ds.userOffsets[u + 1]!);
}

/** Training degree (distinct users) per item. */
export function itemDegrees(ds: EvalDataset): Uint32Array {
  const deg = new Uint32Array(ds.numItems);
  for (let k = 0; k < ds.userItems.length; k++) deg[ds.userItems[k]!]!++;
  return deg;
}

/**
 * The training data as a pin–board graph: items are pins, users are boards (a user's training
 * items form one board), identity id maps.
 */
export function datasetGraph(ds: EvalDataset): PinBoardGraph {
  const m = ds.userItems.length;
  const boards = new Uint32Array(m);
  for (let u = 0; u < ds.numUsers; u++) boards.fill(u, ds.userOffsets[u]!, ds.userOffsets[u + 1]!);
  return PinBoardGraph.fromEdges(ds.userItems, boards, ds.numItems, ds.numUsers, IdMap.identity(ds.numItems), IdMap.identity(ds.numUsers));
}

/** Builds a data set from in-memory arrays (tests, synthetic sets); validates like the loader. */
export function datasetFromArrays(
  name: string,
  trainRows: ReadonlyArray<readonly [number, number, number?]>,
  heldOut: ReadonlyArray<readonly [user: number, item: number, negatives: readonly number[]]>,
): EvalDataset {
  const train: Ratings = {
    users: Uint32Array.from(trainRows, (r) => r[0]),
    items: Uint32Array.from(trainRows, (r) => r[1]),
    values: Float64Array.from(trainRows, (r) => r[2] ?? 1),
  };
  const test: Ratings = {
    users: Uint32Array.from(heldOut, (r) => r[0]),
    items: Uint32Array.from(heldOut, (r) => r[1]),
    values: new Float64Array(heldOut.length).fill(1),
  };
  const offsets = [0];
  const items: number[] = [];
  for (const r of heldOut) {
    items.push(...r[2]);
    offsets.push(items.length);
  }
  const neg: NegativeRows = {
    users: heldOut.map((r) => r[0]),
    heldOut: heldOut.map((r) => r[1]),
    lines: heldOut.map((_, i) => i + 1),
    offsets,
    items: Uint32Array.from(items),
  };
  return buildDataset(name, train, test, neg, { testPath: `${name}.test.rating`, negPath: `${name}.test.negative` });
}
