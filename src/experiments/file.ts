import { readFileSync } from 'node:fs';
import { parseExperiments, type ExperimentConfig } from './config.js';

/** Reads and validates an experiments JSON file (an array, or { "experiments": [...] }). */
export function readExperimentsFile(path: string): ExperimentConfig[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  try {
    return parseExperiments(raw);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}
