import { loadavg } from 'node:os';
import type { PinBoardGraph } from '../src/graph/graph.js';

/** What every benchmark section gets: flags and the shared generated graph (built once). */
export interface BenchContext {
  quick: boolean;
  /** the seeded power-law graph of the run (1M pins, 200k boards, 20M edges; smaller with --quick) */
  graph(): PinBoardGraph;
  /** seconds it took to build graph(), once built */
  graphBuildSeconds(): number | null;
  /** a figure for the summary: name, value, unit */
  record(name: string, value: number, unit: string): void;
  log(line: string): void;
}

/** One part of `npm run bench`; add a file exporting one of these and list it in bench/run.ts. */
export interface BenchSection {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<void> | void;
}

/** Process CPU time in milliseconds (user + system): less sensitive than wall time on a shared box. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function loadAverage(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

/** q-quantile of ascending-sorted values (nearest rank). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}
