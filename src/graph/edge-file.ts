import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GraphBuilder } from './builder.js';

/**
 * Streaming readers for text edge lists (pin, board) in TSV, CSV or JSONL, plain or gzip.
 * Gzip is detected by the magic bytes 1f 8b, never by the file name.
 */

export type TextFormat = 'tsv' | 'csv' | 'jsonl';

/** A column: a 0-based index, or a header name (TSV/CSV) / field name (JSONL). */
export type ColumnRef = number | string;

export interface EdgeFileOptions {
  /** default: from the file name (.csv, .jsonl/.ndjson/.json, else tsv), ignoring a .gz suffix */
  format?: TextFormat;
  /** pin column; default 0 for TSV/CSV, "pin" for JSONL */
  pinCol?: ColumnRef;
  /** board column; default 1 for TSV/CSV, "board" for JSONL */
  boardCol?: ColumnRef;
  /** the first line of each TSV/CSV file holds column names */
  header?: boolean;
  /** field separator; default tab (tsv) or comma (csv) */
  delimiter?: string;
}

/** Thrown by a record callback to reject a record; forEachRecord adds file:line. */
export class RecordError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RecordError';
  }
}

/** Raised for malformed input; the message starts with file:line. */
export class TextFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
    this.name = 'TextFileError';
  }
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** True when the file starts with the gzip magic bytes. */
export function isGzipFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const n = readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
  } finally {
    closeSync(fd);
  }
}

/** Lines of a text file (gunzipped when it is gzip), without line terminators. */
export async function* readLines(path: string): AsyncGenerator<string> {
  const gz = isGzipFile(path);
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const source: Readable = gz ? file.pipe(createGunzip()) : file;
  const rl = createInterface({ input: source, crlfDelay: Infinity });
  let failure: Error | null = null;
  // Errors may surface on the file, the gunzip stream or readline: record the first, stop reading.
  const onError = (e: Error): void => {
    failure ??= e;
    rl.close();
  };
  rl.on('error', onError);
  file.on('error', onError);
  if (gz) source.on('error', onError);
  try {
    for await (const line of rl) yield line;
  } catch (e) {
    failure ??= e as Error;
  } finally {
    rl.close();
    file.destroy();
    if (gz) source.destroy();
  }
  if (failure) throw new TextFileError(path, 0, `read failed: ${(failure as Error).message}`);
}

/**
 * Calls `onLine` for each line of a text file (gunzipped when it is gzip). Synchronous per-line
 * callbacks on readline's 'line' event avoid a promise per line. If `onLine` throws, reading
 * stops and the promise rejects with that error.
 */
export function forEachLine(path: string, onLine: (line: string) => void): Promise<void> {
  let gz: boolean;
  try {
    gz = isGzipFile(path);
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise<void>((resolve, reject) => {
    const file = createReadStream(path, { highWaterMark: 1 << 20 });
    const source: Readable = gz ? file.pipe(createGunzip()) : file;
    const rl = createInterface({ input: source, crlfDelay: Infinity });
    let failure: unknown = null;
    let readError = false;
    const stop = (): void => {
      rl.close();
      file.destroy();
      if (gz) source.destroy();
    };
    const onError = (e: Error): void => {
      if (failure === null) {
        failure = e;
        readError = true;
      }
      stop();
    };
    rl.on('error', onError);
    file.on('error', onError);
    if (gz) source.on('error', onError);
    rl.on('line', (line) => {
      if (failure !== null) return; // lines already buffered after a stop
      try {
        onLine(line);
      } catch (e) {
        failure = e;
        stop();
      }
    });
    rl.on('close', () => {
      if (failure === null) resolve();
      else if (readError) reject(new TextFileError(path, 0, `read failed: ${(failure as Error).message}`));
      else reject(failure);
    });
  });
}

/** Format from the file name, ignoring a trailing .gz. */
export function formatFromName(path: string): TextFormat {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json')) return 'jsonl';
  return 'tsv';
}

/**
 * Splits one CSV record (RFC 4180: fields may be quoted, "" inside quotes is a quote).
 * Returns null when a quoted field is still open at the end of the text (it spans lines).
 * Throws a plain Error with the reason for other malformations.
 */
export function parseCsvRecord(text: string, delimiter = ','): string[] | null {
  if (text.indexOf('"') < 0) return text.split(delimiter);
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let field = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return null; // quote open at end of line
        field += text.slice(j, q);
        if (text[q + 1] === '"') {
          field += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(field);
      if (i === n) return out;
      if (!text.startsWith(delimiter, i)) throw new Error(`unexpected character after closing quote at column ${i + 1}`);
      i += delimiter.length;
    } else {
      const d = text.indexOf(delimiter, i);
      const end = d < 0 ? n : d;
      const field = text.slice(i, end);
      if (field.indexOf('"') >= 0) throw new Error(`stray quote inside unquoted field at column ${i + field.indexOf('"') + 1}`);
      out.push(field);
      if (d < 0) return out;
      i = d + delimiter.length;
    }
  }
}

/** Longest CSV record (quoted fields spanning lines included) before it is called malformed. */
const MAX_CSV_RECORD = 1 << 20;

export interface RecordReadOptions {
  format: TextFormat;
  header: boolean;
  delimiter?: string;
  /** the columns to extract, in order */
  columns: ColumnRef[];
}

/**
 * Reads every record of a text file and calls `fn` with the requested columns' values
 * (undefined where a record lacks the column). `fn` may throw a RecordError, which becomes a
 * TextFileError naming file:line. The `values` array is reused between calls.
 */
export async function forEachRecord(
  path: string,
  opts: RecordReadOptions,
  fn: (values: (string | undefined)[], line: number) => void,
): Promise<number> {
  const { format, columns } = opts;
  const delimiter = opts.delimiter ?? (format === 'csv' ? ',' : '\t');
  if (delimiter === '') throw new Error('delimiter must not be empty');
  const values: (string | undefined)[] = new Array<string | undefined>(columns.length);
  let indices: number[] | null = null; // resolved TSV/CSV column indices
  if (format !== 'jsonl') {
    if (!opts.header) {
      for (const c of columns) {
        if (typeof c === 'string') throw new TextFileError(path, 0, `column ${JSON.stringify(c)} is a name, which needs a header line`);
      }
      indices = columns.map(Number);
    }
    for (const c of columns) {
      if (typeof c === 'number' && (!Number.isInteger(c) || c < 0)) throw new TextFileError(path, 0, `column index ${c} must be an integer >= 0`);
    }
  }
  const call = (lineNo: number): void => {
    try {
      fn(values, lineNo);
    } catch (e) {
      if (e instanceof RecordError) throw new TextFileError(path, lineNo, e.message);
      throw e;
    }
  };

  let lineNo = 0;
  let records = 0;
  const pendingParts: string[] = []; // lines of a CSV record not yet complete
  let pendingChars = 0;
  let quoteOpen = false;
  let pendingStart = 0;
  let headerDone = format === 'jsonl' || !opts.header;
  await forEachLine(path, (raw) => {
    lineNo++;
    if (format === 'jsonl') {
      const line = raw.trim();
      if (line === '') return;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        throw new TextFileError(path, lineNo, `bad JSON: ${(e as Error).message}`);
      }
      extractJson(obj, columns, values, path, lineNo);
      records++;
      call(lineNo);
      return;
    }

    let fields: string[];
    let recordLine = lineNo;
    if (format === 'csv') {
      // Quote parity tells whether a quoted field is still open (quotes inside are doubled), so
      // a record spanning lines is joined once, not re-parsed on every line.
      if (pendingParts.length === 0) pendingStart = lineNo;
      pendingParts.push(raw);
      pendingChars += raw.length + 1;
      if (countQuotes(raw) % 2 === 1) quoteOpen = !quoteOpen;
      if (quoteOpen) {
        if (pendingChars > MAX_CSV_RECORD) throw new TextFileError(path, pendingStart, `bad CSV: quoted field still open after ${MAX_CSV_RECORD} characters`);
        return;
      }
      const text = pendingParts.length === 1 ? raw : pendingParts.join('\n');
      pendingParts.length = 0;
      pendingChars = 0;
      recordLine = pendingStart;
      if (text === '') return;
      let parsed: string[] | null;
      try {
        parsed = parseCsvRecord(text, delimiter);
      } catch (e) {
        throw new TextFileError(path, pendingStart, `bad CSV: ${(e as Error).message}`);
      }
      if (parsed === null) throw new TextFileError(path, pendingStart, 'bad CSV: unbalanced quotes');
      fields = parsed;
    } else {
      if (raw === '') return;
      fields = raw.split(delimiter);
    }

    if (!headerDone) {
      headerDone = true;
      indices = resolveHeader(fields, columns, path, recordLine);
      return;
    }
    const idx = indices!;
    for (let k = 0; k < idx.length; k++) {
      const v = fields[idx[k]!];
      values[k] = v === undefined ? undefined : v.trim();
    }
    records++;
    call(recordLine);
  });
  if (pendingParts.length > 0) throw new TextFileError(path, pendingStart, 'bad CSV: quoted field not closed before end of file');
  return records;
}

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}

function resolveHeader(fields: string[], columns: ColumnRef[], path: string, line: number): number[] {
  const names = fields.map((f) => f.trim());
  return columns.map((c) => {
    if (typeof c === 'number') return c;
    const i = names.indexOf(c);
    if (i < 0) throw new TextFileError(path, line, `header has no column ${JSON.stringify(c)} (columns: ${names.join(', ')})`);
    return i;
  });
}

function extractJson(obj: unknown, columns: ColumnRef[], values: (string | undefined)[], path: string, line: number): void {
  const isArr = Array.isArray(obj);
  if (obj === null || typeof obj !== 'object') throw new TextFileError(path, line, 'bad JSON: a record must be an object or an array');
  for (let k = 0; k < columns.length; k++) {
    const c = columns[k]!;
    let v: unknown;
    if (isArr) {
      if (typeof c !== 'number') throw new TextFileError(path, line, `record is an array but column ${JSON.stringify(c)} is a field name`);
      v = (obj as unknown[])[c];
    } else {
      v = (obj as Record<string, unknown>)[String(c)];
    }
    if (v === undefined || v === null) values[k] = undefined;
    else if (typeof v === 'string') values[k] = v.trim();
    else if (typeof v === 'number' && Number.isFinite(v)) values[k] = String(v);
    else throw new TextFileError(path, line, `field ${JSON.stringify(c)} must be a string or a number, got ${JSON.stringify(v)}`);
  }
}

/** Resolved options for one edge file. */
function edgeColumns(path: string, opts: EdgeFileOptions): RecordReadOptions & { format: TextFormat } {
  const format = opts.format ?? formatFromName(path);
  if (format !== 'tsv' && format !== 'csv' && format !== 'jsonl') throw new Error(`unknown edge file format ${JSON.stringify(format)} (tsv, csv or jsonl)`);
  const pinCol = opts.pinCol ?? (format === 'jsonl' ? 'pin' : 0);
  const boardCol = opts.boardCol ?? (format === 'jsonl' ? 'board' : 1);
  if (pinCol === boardCol) throw new Error(`pin and board columns are both ${JSON.stringify(pinCol)}`);
  return { format, header: opts.header ?? false, delimiter: opts.delimiter, columns: [pinCol, boardCol] };
}

/**
 * Streams edge files into a GraphBuilder (one edge per record; duplicates are merged at build
 * time). Files are read one after another, so dense ids follow first appearance across files.
 */
export async function readEdgeFiles(
  paths: string[],
  opts: EdgeFileOptions = {},
  builder: GraphBuilder = new GraphBuilder(),
): Promise<GraphBuilder> {
  if (paths.length === 0) throw new Error('readEdgeFiles: no input files');
  for (const path of paths) {
    const ro = edgeColumns(path, opts);
    await forEachRecord(path, ro, (v) => {
      const pin = v[0];
      const board = v[1];
      if (pin === undefined) throw new RecordError(`missing pin column ${JSON.stringify(ro.columns[0])}`);
      if (board === undefined) throw new RecordError(`missing board column ${JSON.stringify(ro.columns[1])}`);
      if (pin === '') throw new RecordError('empty pin id');
      if (board === '') throw new RecordError('empty board id');
      builder.addEdge(pin, board);
    });
  }
  return builder;
}
