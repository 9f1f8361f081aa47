import type { EvalDataset } from '../datasets.js';

/** What every opt-in section of `boardwalk eval` receives. */
export interface SectionContext {
  /** the data sets of the run, already loaded */
  datasets: EvalDataset[];
  /** --users N when given (a seeded sample per set); undefined = the section's own default */
  users: number | undefined;
  seed: number;
  progress?: (line: string, final: boolean) => void;
}

/** The sample a section evaluates: --users when given, else its default (0 = every user). */
export function sectionUsers(ctx: SectionContext, fallback: number): number {
  return ctx.users ?? fallback;
}

export const f4 = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(4).replace(/^(-?)0\./, '$1.'));

export const pct = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%` : '-');

/** A fixed-width text table: first column left-aligned, the rest right-aligned. */
export function textTable(head: string[], rows: string[][], leftCols = 1): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((s, c) => (c < leftCols ? s.padEnd(widths[c]!) : s.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
