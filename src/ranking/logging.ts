import { appendFileSync, readFileSync } from 'node:fs';
import type { Candidate, CandidateRequest } from '../candidates/types.js';

/**
 * Serving-stage logging: every candidate a surface generated for a request, served or not, with
 * its features. Engagement events are joined to these records later by (requestId, pin).
 */
export interface CandidateLogRecord {
  requestId: string;
  /** epoch ms */
  ts: number;
  /** client surface: homefeed, related, notifications, ... */
  client: string;
  user?: number;
  /** viewer's locale */
  locale?: string;
  queryPins: number[];
  pin: number;
  /** position the pin was served at, -1 when generated but not served */
  position: number;
  /** request served in randomised order (exploration traffic, unbiased for training) */
  randomized: boolean;
  sources: string[];
  features: Record<string, number>;
  score?: number;
  /** the viewer's experiment assignments when the list was computed */
  experiments?: { experimentId: string; variant: string }[];
}

/** 'impression' means the pin was seen; anything else is an action on it. */
export interface EngagementEvent {
  requestId: string;
  pin: number;
  action: string;
  ts: number;
  user?: number;
}

export interface CandidateLogSink {
  log(records: readonly CandidateLogRecord[]): void;
  /** write out anything buffered */
  flush?(): void;
  close?(): void;
}

export class MemoryCandidateLogSink implements CandidateLogSink {
  readonly records: CandidateLogRecord[] = [];
  log(records: readonly CandidateLogRecord[]): void {
    for (const r of records) this.records.push(r);
  }
}

/**
 * Appends one JSON object per line. Lines are buffered and written in one append once
 * `bufferRecords` are pending (default 1000; 0 = write on every call) and on flush/close, so a
 * serving process does not pay a file write per request.
 */
export class JsonlCandidateLogSink implements CandidateLogSink {
  private pending: string[] = [];

  constructor(
    readonly path: string,
    readonly bufferRecords = 1000,
  ) {}

  log(records: readonly CandidateLogRecord[]): void {
    for (const r of records) this.pending.push(JSON.stringify(r));
    if (this.pending.length >= this.bufferRecords) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    appendFileSync(this.path, this.pending.join('\n') + '\n');
    this.pending = [];
  }

  close(): void {
    this.flush();
  }
}

/** Appends engagement events to a JSONL file. */
export function appendEventsJsonl(path: string, events: readonly EngagementEvent[]): void {
  if (events.length === 0) return;
  appendFileSync(path, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
}

function checkRecord(r: CandidateLogRecord, where: string): void {
  if (typeof r.requestId !== 'string' || r.requestId === '') throw new Error(`${where}: missing requestId`);
  if (typeof r.client !== 'string' || r.client === '') throw new Error(`${where}: missing client`);
  if (!Number.isInteger(r.pin) || r.pin < 0) throw new Error(`${where}: pin must be a non-negative integer`);
  if (!Number.isInteger(r.position)) throw new Error(`${where}: position must be an integer (-1 = not served)`);
  if (!Array.isArray(r.sources)) throw new Error(`${where}: sources must be an array`);
  if (!r.features || typeof r.features !== 'object') throw new Error(`${where}: features must be an object`);
}

function checkEvent(e: EngagementEvent, where: string): void {
  if (typeof e.requestId !== 'string' || e.requestId === '') throw new Error(`${where}: missing requestId`);
  if (!Number.isInteger(e.pin) || e.pin < 0) throw new Error(`${where}: pin must be a non-negative integer`);
  if (typeof e.action !== 'string' || e.action === '') throw new Error(`${where}: missing action`);
}

function readJsonl<T>(path: string, check: (v: T, where: string) => void): T[] {
  const out: T[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let v: T;
    try {
      v = JSON.parse(line) as T;
    } catch {
      throw new Error(`${path}:${i + 1}: not valid JSON`);
    }
    check(v, `${path}:${i + 1}`);
    out.push(v);
  }
  return out;
}

export function readCandidateLog(path: string): CandidateLogRecord[] {
  return readJsonl<CandidateLogRecord>(path, (r, w) => {
    checkRecord(r, w);
    r.randomized = r.randomized === true;
  });
}

export function readEvents(path: string): EngagementEvent[] {
  return readJsonl<EngagementEvent>(path, checkEvent);
}

/** Log records for one served request: `served[i]` is the index into candidates shown at position i. */
export function candidateRecords(
  requestId: string,
  client: string,
  req: CandidateRequest,
  candidates: readonly Candidate[],
  served: ArrayLike<number>,
  randomized: boolean,
): CandidateLogRecord[] {
  const position = new Int32Array(candidates.length).fill(-1);
  for (let i = 0; i < served.length; i++) {
    const c = served[i]!;
    if (c < 0 || c >= candidates.length) throw new Error(`candidate log: served index ${c} out of range`);
    position[c] = i;
  }
  const ts = req.now ?? Date.now();
  return candidates.map((c, i) => ({
    requestId,
    ts,
    client,
    user: req.user,
    locale: req.locale,
    queryPins: req.queryPins.slice(),
    pin: c.pin,
    position: position[i]!,
    randomized,
    sources: c.sources.slice(),
    features: { ...c.features },
    score: c.score,
  }));
}
