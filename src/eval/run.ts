import { beyondAccuracy, topKUnseen } from './beyond-accuracy.js';
import { DATASET_NAMES, evalUsers, loadDataset, userItemsOf, type EvalDataset } from './datasets.js';
import { createMethod, DEFAULT_METHODS } from './methods/registry.js';
import type { Params } from './methods/types.js';
import { excludeSeenDefault, publishedFor } from './published.js';
import { formatTable, type EvalDatasetInfo, type EvalReport, type EvalRow, type SeenRule } from './report.js';
import { evaluateMethod, sampleUsers } from './runner.js';
import { checkSectionNames, runSections, type SectionOptions } from './sections/index.js';

export interface RunEvalOptions {
  /** data directory (default: $BOARDWALK_DATA or ../shared/data) */
  dataDir?: string;
  datasets?: string[];
  methods?: string[];
  /** evaluate a seeded sample of this many users per set (default: all); also the sample of every section */
  users?: number;
  seed?: number;
  k?: number;
  /** parameter overrides per method, e.g. { pixie: { steps: 50000 } } */
  params?: Record<string, Params>;
  /** users per set whose full-catalogue top K feed the beyond-accuracy columns (default 500, 0 = off) */
  beyondUsers?: number;
  /**
   * Methods that get a second row under the seen-excluded rule on sets whose published protocol
   * scores seen negatives (lastfm), from the same scores (default ['pixie']).
   */
  protocolRows?: string[];
  /** opt-in sections: replay, ranker, pinnersage, freshness */
  sections?: string[];
  sectionOptions?: SectionOptions;
  /** progress lines (e.g. to stderr); omitted = silent */
  progress?: (line: string, final: boolean) => void;
}

export const DEFAULT_BEYOND_USERS = 500;

const RULE_SOURCE: Record<SeenRule, string> = {
  excluded: "Ferrari Dacrema et al.'s framework removes seen items (our RP3beta reproduces their figure only so)",
  scored: "DeepCF's evaluation code scores every listed item",
};

const ruleOf = (exclude: number | undefined): SeenRule => (exclude === 1 ? 'excluded' : 'scored');

/** Runs every requested method on every requested data set, then the requested sections. */
export async function runEval(options: RunEvalOptions = {}): Promise<EvalReport> {
  const t0 = performance.now();
  const datasets = options.datasets ?? [...DATASET_NAMES];
  const methods = options.methods ?? DEFAULT_METHODS;
  const seed = options.seed ?? 1;
  const k = options.k ?? 10;
  const beyondUsers = options.beyondUsers ?? DEFAULT_BEYOND_USERS;
  const protocolRows = new Set(options.protocolRows ?? ['pixie']);
  if (datasets.length === 0) throw new Error('no data sets given');
  if (methods.length === 0 && (options.sections ?? []).length === 0) throw new Error('no methods given');
  if (!Number.isInteger(beyondUsers) || beyondUsers < 0) throw new RangeError(`beyond-accuracy users must be an integer >= 0, got ${beyondUsers}`);
  if (options.users !== undefined && (!Number.isInteger(options.users) || options.users < 1))
    throw new RangeError(`--users must be an integer >= 1, got ${options.users}`);
  // unknown methods, parameters and sections fail before any work
  for (const m of new Set([...methods, ...Object.keys(options.params ?? {})])) createMethod(m, { params: options.params?.[m], seed });
  const sections = checkSectionNames(options.sections ?? []);
  const progress = options.progress;
  const infos: EvalDatasetInfo[] = [];
  const rows: EvalRow[] = [];
  const loaded: EvalDataset[] = [];
  for (const name of datasets) {
    progress?.(`${name}: loading`, false);
    const ds = loadDataset(name, options.dataDir);
    loaded.push(ds);
    infos.push(datasetInfo(ds));
    const setRule = ruleOf(excludeSeenDefault(name));
    const users = options.users !== undefined ? sampleUsers(ds, options.users, seed) : evalUsers(ds);
    const bUsers = beyondUsers > 0 ? sampleUsers(ds, beyondUsers, seed) : null;
    for (const mname of methods) {
      const method = createMethod(mname, { params: options.params?.[mname], seed });
      progress?.(`${name} ${mname}: preparing`, false);
      // a protocol row only when the method follows the set's own rule, which scores seen items
      const wantsProtocolRow = protocolRows.has(mname) && setRule === 'scored' && options.params?.[mname]?.['exclude'] === undefined;
      const r = await evaluateMethod(ds, method, {
        k,
        users,
        seenExcludedToo: wantsProtocolRow,
        onProgress: progress ? (done, total) => progress(`${name} ${mname}: ${done}/${total} users`, false) : undefined,
      });
      const params = method.params();
      const rule = ruleOf(params['exclude'] ?? excludeSeenDefault(name));
      let beyond = null;
      let beyondSeconds = 0;
      if (bUsers) {
        progress?.(`${name} ${mname}: top ${k} of ${bUsers.length} users for beyond-accuracy`, false);
        const tb = performance.now();
        beyond = beyondAccuracy(ds, topKUnseen(ds, method, bUsers, k));
        beyondSeconds = round((performance.now() - tb) / 1000);
      }
      const row: EvalRow = {
        dataset: name,
        method: mname,
        label: mname,
        seenNegatives: rule,
        hr: r.hr,
        ndcg: r.ndcg,
        users: r.users,
        // a figure measured under another rule is not comparable: show none
        published: rule === setRule ? publishedFor(name, mname) : null,
        settings: method.settings(),
        params,
        prepareSeconds: round(r.prepareSeconds),
        scoreSeconds: round(r.scoreSeconds),
        beyond,
        beyondSeconds,
      };
      rows.push(row);
      progress?.(`${name} ${mname}: HR@${k} ${r.hr.toFixed(4)} NDCG@${k} ${r.ndcg.toFixed(4)} (${(r.prepareSeconds + r.scoreSeconds + beyondSeconds).toFixed(1)}s)`, true);
      if (r.seenExcluded) {
        rows.push({
          ...row,
          label: `${mname} (seen excluded)`,
          seenNegatives: 'excluded',
          hr: r.seenExcluded.hr,
          ndcg: r.seenExcluded.ndcg,
          published: null,
          settings: `${row.settings.replace(/\bexclude=0\b/, 'exclude=1')} (same scores as the row above)`,
          params: { ...params, exclude: 1 },
          prepareSeconds: 0,
          scoreSeconds: 0,
          beyondSeconds: 0,
        });
      }
    }
  }
  const sectionResults = await runSections(sections, { datasets: loaded, users: options.users, seed, progress }, options.sectionOptions);
  return {
    version: 2,
    k,
    seed,
    userSample: options.users ?? null,
    beyondUsers,
    datasets: infos,
    rows,
    sections: sectionResults,
    notes: notesFor(infos, rows, beyondUsers, k),
    totalSeconds: round((performance.now() - t0) / 1000),
  };
}

/** Footnotes: the seen-negatives rule per set, what a protocol row means, the beyond-accuracy columns. */
function notesFor(infos: EvalDatasetInfo[], rows: EvalRow[], beyondUsers: number, k: number): string[] {
  const notes: string[] = [];
  if (rows.length === 0) return notes;
  const rules = infos.map((d) => `${d.name}: ${d.seenRule === 'excluded' ? 'ranked last (score -inf)' : 'scored like any other item'} (${d.seenRuleSource})`);
  notes.push(`Seen negatives (listed negatives that are the user's own training items) - ${rules.join('; ')}.`);
  for (const r of rows) {
    const info = infos.find((d) => d.name === r.dataset)!;
    if (r.seenNegatives === info.seenRule) continue;
    const own = `${info.negativesInTraining} of the listed negatives (for ${info.testUsers} test users) are the user's own items`;
    notes.push(
      r.label.endsWith('(seen excluded)')
        ? `* ${r.label} on ${r.dataset}: the same ${r.method} scores with those items ranked last. ${own}; ranking them last is friendlier than the ` +
            `published protocol for ${r.dataset}, so this row is NOT comparable to the published figures (none is shown); the ${r.method} row above is.`
        : `* ${r.label} on ${r.dataset} uses seen negatives ${r.seenNegatives}, unlike the published protocol for the set: no published figure is shown.`,
    );
  }
  if (beyondUsers > 0 && rows.some((r) => r.beyond))
    notes.push(
      `Beyond accuracy, from each method's top ${k} over all items the user has not trained on, for a seeded sample of ${beyondUsers} users per set: ` +
        `cover = share of the catalogue recommended to anyone in the sample; novelty = mean -log2(item users / all users); ` +
        `ILD = 1 - mean pairwise cosine (item co-occurrence vectors); ARP = mean training popularity (users) of recommended items; ` +
        `tail = share outside the short head (most popular items holding 20% of interactions).`,
    );
  return notes;
}

/**
 * For `boardwalk start` and other demos: runs the benchmark and writes the table to `out`
 * (default stdout), progress to stderr. Returns the report.
 */
export async function printEvalTable(
  options: RunEvalOptions & { out?: NodeJS.WritableStream; quiet?: boolean } = {},
): Promise<EvalReport> {
  const report = await runEval({ ...options, progress: options.progress ?? (options.quiet ? undefined : stderrProgress()) });
  (options.out ?? process.stdout).write(formatTable(report));
  return report;
}

/** Progress to stderr: one line per finished step; on a terminal, a live status line too. */
export function stderrProgress(): (line: string, final: boolean) => void {
  const tty = process.stderr.isTTY === true;
  return (line, final) => {
    if (tty) process.stderr.write(`\r\x1b[K${line}${final ? '\n' : ''}`);
    else if (final) process.stderr.write(line + '\n');
  };
}

function datasetInfo(ds: EvalDataset): EvalDatasetInfo {
  let testUsers = 0;
  let inTrain = 0;
  for (let u = 0; u < ds.numUsers; u++) {
    if (ds.heldOut[u]! < 0) continue;
    testUsers++;
    const row = userItemsOf(ds, u);
    const negs = ds.negatives.subarray(ds.negOffsets[u]!, ds.negOffsets[u + 1]!);
    for (let k = 0; k < negs.length; k++) if (row.includes(negs[k]!)) inTrain++;
  }
  const seenRule = ruleOf(excludeSeenDefault(ds.name));
  return {
    name: ds.name,
    users: ds.numUsers,
    items: ds.numItems,
    trainInteractions: ds.train.users.length,
    testUsers,
    negativesInTraining: inTrain,
    seenRule,
    seenRuleSource: RULE_SOURCE[seenRule],
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
