import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** True when the file starts with the gzip magic bytes (the extension is not trusted). */
export function isGzipFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

export interface LineSource {
  /** lines without their newline, in order (line numbers start at 1) */
  lines: AsyncIterable<string>;
  /** bytes of the (possibly compressed) file read so far */
  bytesRead(): number;
}

/** Streams a text or gzip file line by line; memory stays flat whatever the file size. */
export function readLines(path: string): LineSource {
  return linesOf(createReadStream(path, { highWaterMark: 1 << 20 }), isGzipFile(path));
}

/** Lines of any byte stream (a request body, a pipe); `gzip` says whether to gunzip it first. */
export function linesOf(raw: Readable, gzip: boolean): LineSource {
  let bytes = 0;
  raw.on('data', (c) => {
    bytes += c.length;
  });
  const input = gzip ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (e) => input.destroy(e));
  const rl = createInterface({ input, crlfDelay: Infinity });
  return { lines: rl, bytesRead: () => bytes };
}
