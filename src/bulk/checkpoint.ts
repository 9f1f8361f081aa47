import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * A resumable load's progress: the last input line whose row (and every row before it) is
 * committed. Written atomically (temp file + rename) after each committed batch.
 */
export interface Checkpoint {
  version: 1;
  kind: string;
  /**
   * sha256 of the committed lines (each with its newline): a resume re-reads them and checks this,
   * so a checkpoint only resumes the file it was made for, while lines after it may be fixed
   */
  prefix: string;
  /** last committed line (1-based); 0 = nothing yet */
  line: number;
  /** rows written by all runs together */
  rows: number;
  done: boolean;
  updatedAt: number;
}

export function readCheckpoint(path: string): Checkpoint | null {
  if (!existsSync(path)) return null;
  let c: Partial<Checkpoint>;
  try {
    c = JSON.parse(readFileSync(path, 'utf8')) as Partial<Checkpoint>;
  } catch (e) {
    throw new Error(`checkpoint ${path} is not valid JSON (${(e as Error).message}); delete it or pass --restart`);
  }
  if (c.version !== 1 || typeof c.line !== 'number' || typeof c.prefix !== 'string' || typeof c.kind !== 'string')
    throw new Error(`checkpoint ${path} is not a boardwalk bulk checkpoint; delete it or pass --restart`);
  return c as Checkpoint;
}

export function writeCheckpoint(path: string, c: Checkpoint): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(c) + '\n');
  renameSync(tmp, path);
}

export function removeCheckpoint(path: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}.tmp`, { force: true });
}
