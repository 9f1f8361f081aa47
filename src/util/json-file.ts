import { existsSync, readFileSync } from 'node:fs';

/**
 * The parsed contents of an optional JSON file: undefined when the file does not exist; an
 * error naming `what` and the path when it is not valid JSON (a corrupt artefact must not be
 * mistaken for a missing one).
 */
export function readJsonIfExists(path: string, what: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (e) {
    throw new Error(`${what} ${path}: not valid JSON (${(e as Error).message})`);
  }
}
