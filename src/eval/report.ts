import { writeFileSync } from 'node:fs';
import type { PublishedFigure } from './published.js';

/** One (data set, method) result. */
export interface EvalRow {
  dataset: string;
  method: string;
  hr: number;
  ndcg: number;
  /** users evaluated */
  users: number;
  /** the comparable published figure (same method, or the best published one for ours) */
  published: PublishedFigure | null;
  settings: string;
  params: Record<string, number>;
  prepareSeconds: number;
  scoreSeconds: number;
}

export interface EvalDatasetInfo {
  name: string;
  users: number;
  items: number;
  trainInteractions: number;
  /** users with a held-out item */
  testUsers: number;
  /** listed negatives that are one of the user's training items */
  negativesInTraining: number;
}

export interface EvalReport {
  version: 1;
  k: number;
  seed: number;
  /** --users N (null: every user) */
  userSample: number | null;
  datasets: EvalDatasetInfo[];
  rows: EvalRow[];
  totalSeconds: number;
}

const f4 = (x: number): string => x.toFixed(4).replace(/^0\./, '.');

/** The results as a fixed-width text table (published figure beside ours). */
export function formatTable(report: EvalReport): string {
  const k = report.k;
  const head = ['dataset', 'method', `HR@${k}`, `NDCG@${k}`, 'published (HR / NDCG)', 'users', 'time', 'settings'];
  const rows = report.rows.map((r) => [
    r.dataset,
    r.method,
    f4(r.hr),
    f4(r.ndcg),
    r.published ? `${r.published.method} ${f4(r.published.hr)} / ${f4(r.published.ndcg)}` : '-',
    String(r.users),
    `${(r.prepareSeconds + r.scoreSeconds).toFixed(1)}s`,
    r.settings || '-',
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const right = new Set([2, 3, 5, 6]);
  const line = (cells: string[]): string =>
    cells
      .map((s, c) => (c === cells.length - 1 ? s : right.has(c) ? s.padStart(widths[c]!) : s.padEnd(widths[c]!)))
      .join('  ');
  const out = [line(head), line(widths.map((w, c) => (c === widths.length - 1 ? '-'.repeat(Math.max(8, head[c]!.length)) : '-'.repeat(w))))];
  for (const r of rows) out.push(line(r));
  const sample = report.userSample === null ? 'all users' : `a seeded sample of up to ${report.userSample} users per set (seed ${report.seed})`;
  out.push('');
  out.push(
    `Leave-one-out: the held-out item ranked among the listed negatives, ties pessimistic; ${sample}; ` +
      `total ${report.totalSeconds.toFixed(1)}s.`,
  );
  return out.join('\n') + '\n';
}

/** Writes the report as JSON (pretty-printed). */
export function writeReportJson(report: EvalReport, file: string): void {
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
}
