/**
 * Where retraining gets its data: any async stream of engagement events. Implementations here
 * read a JSONL event file, an eval data set, or an in-memory list; storage plugs in by
 * implementing EngagementSource. buildTrainingData turns a stream into a TrainingSet plus a
 * held-out last engagement per user for validation.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { TrainingSet } from './training-set.js';

export interface EngagementEvent {
  user: string;
  pin: string;
  /** epoch ms (or any increasing number) */
  timestamp: number;
  /** save, click, closeup, ... */
  action: string;
}

export interface EngagementSource {
  /** what the data is, for logs and manifests */
  readonly description: string;
  events(): AsyncIterable<EngagementEvent>;
}

/** Actions that are not positive engagement and never become training examples. */
export const NON_ENGAGEMENT_ACTIONS: ReadonlySet<string> = new Set(['impression', 'hide', 'skip', 'report', 'unsave']);

/** Events from a list (tests, small jobs). */
export class ArrayEngagementSource implements EngagementSource {
  readonly description: string;
  constructor(
    private readonly list: readonly EngagementEvent[],
    description = 'in-memory events',
  ) {
    this.description = description;
  }

  async *events(): AsyncIterable<EngagementEvent> {
    for (const e of this.list) yield e;
  }
}

/**
 * One JSON object per line: {"user": "u1", "pin": "p9", "timestamp": 1700000000000, "action": "save"}
 * (user and pin may be numbers; ts is accepted for timestamp; action defaults to "save").
 * Blank lines are skipped; a malformed line is an error naming file and line. Gzip is detected.
 */
export class JsonlEngagementSource implements EngagementSource {
  readonly description: string;
  constructor(readonly path: string) {
    this.description = `jsonl:${path}`;
  }

  async *events(): AsyncIterable<EngagementEvent> {
    if (!existsSync(this.path)) throw new Error(`engagement file ${this.path} does not exist`);
    let stream: Readable = createReadStream(this.path);
    if (this.path.endsWith('.gz')) stream = stream.pipe(createGunzip());
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    let n = 0;
    for await (const line of rl) {
      n++;
      if (line.trim() === '') continue;
      let o: unknown;
      try {
        o = JSON.parse(line);
      } catch {
        throw new Error(`${this.path}:${n}: not valid JSON`);
      }
      yield parseEvent(o, `${this.path}:${n}`);
    }
  }
}

export function parseEvent(o: unknown, where: string): EngagementEvent {
  if (!o || typeof o !== 'object') throw new Error(`${where}: event must be a JSON object`);
  const r = o as Record<string, unknown>;
  const id = (k: string): string => {
    const v = r[k];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    throw new Error(`${where}: field "${k}" must be a non-empty string or number`);
  };
  const ts = r['timestamp'] ?? r['ts'];
  if (typeof ts !== 'number' || !Number.isFinite(ts)) throw new Error(`${where}: field "timestamp" must be a finite number`);
  const action = r['action'] ?? 'save';
  if (typeof action !== 'string') throw new Error(`${where}: field "action" must be a string`);
  return { user: id('user'), pin: id('pin'), timestamp: ts, action };
}

/** Training rows of an eval data set (src/eval) as events; timestamp = row order. */
export class EvalDatasetSource implements EngagementSource {
  readonly description: string;
  constructor(
    private readonly ds: { name: string; train: { users: ArrayLike<number>; items: ArrayLike<number> } },
  ) {
    this.description = `eval:${ds.name}`;
  }

  async *events(): AsyncIterable<EngagementEvent> {
    const { users, items } = this.ds.train;
    for (let i = 0; i < users.length; i++) yield { user: String(users[i]!), pin: String(items[i]!), timestamp: i, action: 'save' };
  }
}

export interface BuildOptions {
  /** actions that count as engagement (default: all but NON_ENGAGEMENT_ACTIONS) */
  actions?: ReadonlySet<string>;
  /** hold out each user's last engagement when the user has at least this many (0 = no hold-out) */
  holdoutMinEvents?: number;
  /** use this pin id space (e.g. the graph's); unknown pins are appended after it */
  pinIds?: readonly string[];
}

export interface BuiltData {
  train: TrainingSet;
  /** dense pin id held out per user, -1 for none */
  heldOut: Int32Array;
  /** external id per dense pin id / user id */
  pinIds: string[];
  userIds: string[];
  events: number;
  /** newest engagement timestamp (feature ages are measured from it) */
  lastTimestamp: number;
}

/** Reads a source into a TrainingSet (users' pins in time order, duplicates kept once). */
export async function buildTrainingData(source: EngagementSource, opts: BuildOptions = {}): Promise<BuiltData> {
  const pinIds: string[] = opts.pinIds ? [...opts.pinIds] : [];
  const pinIndex = new Map<string, number>();
  for (let i = 0; i < pinIds.length; i++) pinIndex.set(pinIds[i]!, i);
  const userIds: string[] = [];
  const userIndex = new Map<string, number>();
  const rows: { u: number; p: number; t: number; seq: number }[] = [];
  let events = 0;
  let lastTimestamp = -Infinity;
  for await (const e of source.events()) {
    events++;
    if (opts.actions ? !opts.actions.has(e.action) : NON_ENGAGEMENT_ACTIONS.has(e.action)) continue;
    let u = userIndex.get(e.user);
    if (u === undefined) {
      u = userIds.length;
      userIds.push(e.user);
      userIndex.set(e.user, u);
    }
    let p = pinIndex.get(e.pin);
    if (p === undefined) {
      p = pinIds.length;
      pinIds.push(e.pin);
      pinIndex.set(e.pin, p);
    }
    rows.push({ u, p, t: e.timestamp, seq: rows.length });
    if (e.timestamp > lastTimestamp) lastTimestamp = e.timestamp;
  }
  if (rows.length === 0) throw new Error(`${source.description}: no engagement events`);
  rows.sort((a, b) => a.u - b.u || a.t - b.t || a.seq - b.seq);
  // keep each (user, pin) once, at its latest time
  const last = new Map<number, number>();
  const keep: boolean[] = new Array<boolean>(rows.length).fill(true);
  let start = 0;
  for (let i = 0; i <= rows.length; i++) {
    if (i === rows.length || (i > start && rows[i]!.u !== rows[start]!.u)) {
      last.clear();
      for (let k = start; k < i; k++) {
        const prev = last.get(rows[k]!.p);
        if (prev !== undefined) keep[prev] = false;
        last.set(rows[k]!.p, k);
      }
      start = i;
    }
  }
  const numUsers = userIds.length;
  const heldOut = new Int32Array(numUsers).fill(-1);
  const counts = new Uint32Array(numUsers);
  for (let i = 0; i < rows.length; i++) if (keep[i]) counts[rows[i]!.u]!++;
  const hmin = opts.holdoutMinEvents ?? 0;
  const us: number[] = [];
  const ps: number[] = [];
  const seen = new Uint32Array(numUsers);
  for (let i = 0; i < rows.length; i++) {
    if (!keep[i]) continue;
    const { u, p } = rows[i]!;
    seen[u]!++;
    if (hmin > 0 && counts[u]! >= hmin && seen[u] === counts[u]) {
      heldOut[u] = p;
      continue;
    }
    us.push(u);
    ps.push(p);
  }
  const train = trainingSetFromPairsTyped(us, ps, numUsers, pinIds.length);
  return { train, heldOut, pinIds, userIds, events, lastTimestamp };
}

function trainingSetFromPairsTyped(us: number[], ps: number[], numUsers: number, numPins: number): TrainingSet {
  const offsets = new Uint32Array(numUsers + 1);
  for (const u of us) offsets[u + 1]!++;
  for (let u = 0; u < numUsers; u++) offsets[u + 1]! += offsets[u]!;
  // rows arrive grouped by user in time order, so they are already in CSR order
  return { numUsers, numPins, offsets, pins: Int32Array.from(ps) };
}
