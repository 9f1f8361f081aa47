import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { Storage } from '../storage/types.js';
import { checkKind, readBatches } from './kinds.js';
import { silentProgress, type Progress } from './progress.js';

export interface ExportOptions {
  batchSize?: number;
  /** events only: inclusive / exclusive epoch ms */
  from?: number;
  to?: number;
  /** gzip the output (default: when the file name ends in .gz) */
  gzip?: boolean;
  progress?: Progress;
}

export interface ExportResult {
  kind: string;
  file: string;
  rows: number;
  seconds: number;
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/**
 * Streams every row of `kind` from storage to a JSONL file (gzip'd for *.gz), in the same
 * format import reads. Writes `<file>.partial` and renames it at the end, so a crash never
 * leaves a truncated file under the real name.
 */
export async function exportFile(storage: Storage, kindName: string, file: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const kind = checkKind(kindName);
  const t0 = performance.now();
  const gzip = opts.gzip ?? file.endsWith('.gz');
  const tmp = `${file}.partial`;
  const fileOut = createWriteStream(tmp);
  const out: Writable = gzip ? createGzip() : fileOut;
  if (gzip) (out as ReturnType<typeof createGzip>).pipe(fileOut);
  let rows = 0;
  try {
    rows = await exportTo(storage, kind, out, opts);
    out.end();
    await once(fileOut, 'close');
    renameSync(tmp, file);
  } catch (e) {
    out.destroy();
    fileOut.destroy();
    rmSync(tmp, { force: true });
    throw e;
  }
  return { kind, file, rows, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Writes every row of `kind` as JSONL to a stream (a file, a gzip stream, an HTTP response),
 * honouring backpressure; returns the row count. The caller ends the stream.
 */
export async function exportTo(storage: Storage, kindName: string, out: Writable, opts: ExportOptions = {}): Promise<number> {
  const kind = checkKind(kindName);
  const progress = opts.progress ?? silentProgress;
  let rows = 0;
  try {
    progress.start(kind === 'events' && opts.from === undefined && opts.to === undefined ? await storage.countEvents() : undefined);
    for await (const batch of readBatches(storage, kind, opts)) {
      let chunk = '';
      for (const r of batch) chunk += JSON.stringify(r) + '\n';
      await write(out, chunk);
      rows += batch.length;
      progress.update(rows, rows);
    }
  } finally {
    progress.stop();
  }
  return rows;
}
