import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import type { Storage } from '../storage/types.js';
import { readCheckpoint, removeCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import { checkKind, validateRow, writeBatch, type BulkRecord } from './kinds.js';
import { readLines, type LineSource } from './lines.js';
import { silentProgress, type Progress } from './progress.js';

export interface ImportOptions {
  /** rows per storage write (one transaction each); default 5000 */
  batchSize?: number;
  /** checkpoint file (importFile default `<file>.<kind>.checkpoint.json`); false = no resume */
  checkpoint?: string | false;
  /** ignore and replace an existing checkpoint */
  restart?: boolean;
  progress?: Progress;
}

export interface ImportResult {
  kind: string;
  file: string;
  /** lines read in this run (including skipped ones) */
  lines: number;
  /** lines skipped because an earlier run committed them */
  resumedFrom: number;
  /** rows sent to storage in this run */
  rows: number;
  /** events newly stored (events only) */
  inserted: number;
  /** events already stored, ignored by id */
  duplicates: number;
  blank: number;
  seconds: number;
  checkpoint: string | null;
}

/** A bad row; the rows before it are committed and the checkpoint names the line to fix. */
export class BulkInputError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'BulkInputError';
  }
}

class StorageWriteError extends Error {}
class ResumeError extends Error {}

export function defaultCheckpointPath(file: string, kind: string): string {
  return `${file}.${kind}.checkpoint.json`;
}

/**
 * Streams a JSONL (or gzip'd JSONL) file of `kind` into storage in batches. Idempotent (upserts;
 * events keyed by event id) and resumable: after each committed batch the checkpoint records the
 * last committed line, and a re-run skips up to it. A bad row stops the load with
 * "<file>:<line>: <problem>" after committing the good rows before it.
 */
export async function importFile(storage: Storage, kindName: string, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const kind = checkKind(kindName);
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new Error(`${file}: no such file`);
  }
  const checkpoint = opts.checkpoint === false ? false : (opts.checkpoint ?? defaultCheckpointPath(file, kind));
  return importLines(storage, kind, readLines(file), { ...opts, checkpoint, name: file, size });
}

/**
 * importFile over any line source, e.g. an HTTP request body (`linesOf(req.raw)`): `name`
 * labels errors ("<name>:<line>: ..."). Resuming needs a checkpoint path, so streams usually
 * pass `checkpoint: false` and rely on idempotency instead.
 */
export async function importLines(
  storage: Storage,
  kindName: string,
  src: LineSource,
  opts: ImportOptions & { name: string; size?: number },
): Promise<ImportResult> {
  const kind = checkKind(kindName);
  const file = opts.name;
  const size = opts.size;
  const batchSize = opts.batchSize ?? 5000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be an integer >= 1, got ${batchSize}`);
  const t0 = performance.now();
  const cpPath = typeof opts.checkpoint === 'string' ? opts.checkpoint : null;
  let cp: Checkpoint = { version: 1, kind, prefix: '', line: 0, rows: 0, done: false, updatedAt: Date.now() };
  if (cpPath) {
    if (opts.restart) removeCheckpoint(cpPath);
    const old = readCheckpoint(cpPath);
    if (old) {
      if (old.kind !== kind) throw new Error(`checkpoint ${cpPath} is for kind "${old.kind}", not "${kind}"; delete it or pass --restart`);
      cp = { ...old, done: false };
    }
  }
  const resumeAfter = cp.line;
  const progress = opts.progress ?? silentProgress;
  const res: ImportResult = {
    kind,
    file,
    lines: 0,
    resumedFrom: resumeAfter,
    rows: 0,
    inserted: 0,
    duplicates: 0,
    blank: 0,
    seconds: 0,
    checkpoint: cpPath,
  };
  let batch: BulkRecord[] = [];
  /** raw lines read since the last commit, for the prefix hash */
  let pending: string[] = [];
  const hash = createHash('sha256');
  let lineNo = 0;
  /** commits the batch: every line up to `upTo` is then done */
  const flush = async (upTo: number): Promise<void> => {
    if (batch.length > 0) {
      let w;
      try {
        w = await writeBatch(storage, kind, batch);
      } catch (e) {
        throw new StorageWriteError(`${file}: writing the rows of lines ${cp.line + 1}-${upTo} failed (committed up to line ${cp.line}): ${(e as Error).message}`);
      }
      res.rows += batch.length;
      cp.rows += batch.length;
      if (kind === 'events') {
        res.inserted += w.written;
        res.duplicates += w.duplicates;
      }
      batch = [];
    }
    if (upTo > cp.line) {
      for (const t of pending) hash.update(t + '\n');
      pending = [];
      cp.prefix = hash.copy().digest('hex');
      cp.line = upTo;
      cp.updatedAt = Date.now();
      if (cpPath) writeCheckpoint(cpPath, cp);
    }
  };
  const checkPrefix = (): void => {
    if (hash.copy().digest('hex') !== cp.prefix)
      throw new ResumeError(`checkpoint ${cpPath} was written for a different file (lines 1-${resumeAfter} differ); delete it or pass --restart`);
  };
  progress.start(size);
  try {
    for await (const text of src.lines) {
      lineNo++;
      if (lineNo <= resumeAfter) {
        hash.update(text + '\n');
        if (lineNo === resumeAfter) checkPrefix();
        continue;
      }
      pending.push(text);
      if (text.trim() === '') {
        res.blank++;
        continue;
      }
      let row: BulkRecord;
      try {
        let raw: unknown;
        try {
          raw = JSON.parse(text);
        } catch (e) {
          throw new Error(`not valid JSON (${(e as Error).message})`);
        }
        row = validateRow(kind, raw);
      } catch (e) {
        pending.pop();
        await flush(lineNo - 1);
        throw new BulkInputError(
          `${file}:${lineNo}: ${(e as Error).message} (rows before line ${lineNo} are committed${cpPath ? `; fix the line and re-run to resume from it` : ''})`,
          lineNo,
        );
      }
      batch.push(row);
      if (batch.length >= batchSize) {
        await flush(lineNo);
        progress.update(src.bytesRead(), cp.rows);
      }
    }
    if (lineNo < resumeAfter)
      throw new ResumeError(`checkpoint ${cpPath} says ${resumeAfter} lines were committed but ${file} has only ${lineNo}; delete it or pass --restart`);
    await flush(lineNo);
    res.lines = lineNo;
    cp.done = true;
    cp.updatedAt = Date.now();
    if (cpPath) writeCheckpoint(cpPath, cp);
    progress.update(src.bytesRead(), cp.rows);
  } catch (e) {
    if (e instanceof BulkInputError || e instanceof StorageWriteError || e instanceof ResumeError) throw e;
    throw new Error(`${file}:${lineNo + 1}: cannot read: ${(e as Error).message}`);
  } finally {
    progress.stop();
  }
  res.seconds = (performance.now() - t0) / 1000;
  return res;
}
