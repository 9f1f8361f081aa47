import { writeFileSync } from 'node:fs';
import type { BeyondAccuracy } from './beyond-accuracy.js';
import type { PublishedFigure } from './published.js';
import { formatSections, type EvalSections } from './sections/index.js';

/** How a listed negative that is one of the user's training items is treated. */
export type SeenRule = 'excluded' | 'scored';

/** One (data set, method) result. */
export interface EvalRow {
  dataset: string;
  method: string;
  /** name in the table: the method, or e.g. "pixie (seen excluded)" for a protocol row */
  label: string;
  /** the rule for already-seen negatives used for this row */
  seenNegatives: SeenRule;
  hr: number;
  ndcg: number;
  /** users evaluated */
  users: number;
  /** the comparable published figure (same method, or the best published one for ours); null when the protocols differ */
  published: PublishedFigure | null;
  settings: string;
  params: Record<string, number>;
  prepareSeconds: number;
  scoreSeconds: number;
  /** coverage, novelty, diversity, popularity bias of the top 10 over unseen items (null: not measured) */
  beyond: BeyondAccuracy | null;
  beyondSeconds: number;
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
  /** the default rule for seen negatives on this set, following the published figures' protocol */
  seenRule: SeenRule;
  seenRuleSource: string;
}

export interface EvalReport {
  version: 2;
  k: number;
  seed: number;
  /** --users N (null: every user) */
  userSample: number | null;
  /** users per set whose top 10 feed the beyond-accuracy columns (0: off) */
  beyondUsers: number;
  datasets: EvalDatasetInfo[];
  rows: EvalRow[];
  /** opt-in sections (--replay, --ranker, --pinnersage, --freshness) */
  sections: EvalSections;
  /** footnotes printed under the table */
  notes: string[];
  totalSeconds: number;
}

const f4 = (x: number): string => x.toFixed(4).replace(/^0\./, '.');

/** The results as a fixed-width text table (published figure beside ours), then the sections. */
export function formatTable(report: EvalReport): string {
  const sections = formatSections(report.sections);
  // sections only (--methods ''): no empty method table
  if (report.rows.length === 0) return sections || `no methods and no sections; total ${report.totalSeconds.toFixed(1)}s\n`;
  const k = report.k;
  const beyond = report.rows.some((r) => r.beyond !== null);
  const head = ['dataset', 'method', 'seen negs', `HR@${k}`, `NDCG@${k}`, 'published (HR / NDCG)'];
  if (beyond) head.push('cover', 'novelty', 'ILD', 'ARP', 'tail');
  head.push('users', 'time', 'settings');
  const rows = report.rows.map((r) => {
    const cells = [
      r.dataset,
      r.label,
      r.seenNegatives,
      f4(r.hr),
      f4(r.ndcg),
      r.published ? `${r.published.method} ${f4(r.published.hr)} / ${f4(r.published.ndcg)}` : '-',
    ];
    if (beyond) {
      const b = r.beyond;
      cells.push(...(b ? [f4(b.coverage), b.novelty.toFixed(2), f4(b.diversity), b.arp.toFixed(1), f4(b.longTailShare)] : ['-', '-', '-', '-', '-']));
    }
    cells.push(String(r.users), `${(r.prepareSeconds + r.scoreSeconds + r.beyondSeconds).toFixed(1)}s`, r.settings || '-');
    return cells;
  });
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const left = new Set([0, 1, 2, 5]);
  const line = (cells: string[]): string =>
    cells
      .map((s, c) => (c === cells.length - 1 ? s : left.has(c) ? s.padEnd(widths[c]!) : s.padStart(widths[c]!)))
      .join('  ');
  const out = [line(head), line(widths.map((w, c) => (c === widths.length - 1 ? '-'.repeat(Math.max(8, head[c]!.length)) : '-'.repeat(w))))];
  for (const r of rows) out.push(line(r));
  const sample = report.userSample === null ? 'all users' : `a seeded sample of up to ${report.userSample} users per set (seed ${report.seed})`;
  out.push('');
  out.push(
    `Leave-one-out: the held-out item ranked among the listed negatives, ties pessimistic; ${sample}; ` +
      `total ${report.totalSeconds.toFixed(1)}s.`,
  );
  for (const n of report.notes) out.push(n);
  let text = out.join('\n') + '\n';
  if (sections) text += '\n' + sections;
  return text;
}

/** Writes the report as JSON (pretty-printed). */
export function writeReportJson(report: EvalReport, file: string): void {
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
}
