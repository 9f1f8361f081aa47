import { DATASET_NAMES, evalUsers, loadDataset, userItemsOf, type EvalDataset } from './datasets.js';
import { createMethod, DEFAULT_METHODS } from './methods/registry.js';
import type { Params } from './methods/types.js';
import { publishedFor } from './published.js';
import { formatTable, type EvalDatasetInfo, type EvalReport, type EvalRow } from './report.js';
import { evaluateMethod, sampleUsers } from './runner.js';

export interface RunEvalOptions {
  /** data directory (default: $BOARDWALK_DATA or ../shared/data) */
  dataDir?: string;
  datasets?: string[];
  methods?: string[];
  /** evaluate a seeded sample of this many users per set (default: all) */
  users?: number;
  seed?: number;
  k?: number;
  /** parameter overrides per method, e.g. { pixie: { steps: 50000 } } */
  params?: Record<string, Params>;
  /** progress lines (e.g. to stderr); omitted = silent */
  progress?: (line: string, final: boolean) => void;
}

/** Runs every requested method on every requested data set. */
export async function runEval(options: RunEvalOptions = {}): Promise<EvalReport> {
  const t0 = performance.now();
  const datasets = options.datasets ?? [...DATASET_NAMES];
  const methods = options.methods ?? DEFAULT_METHODS;
  const seed = options.seed ?? 1;
  const k = options.k ?? 10;
  if (datasets.length === 0) throw new Error('no data sets given');
  if (methods.length === 0) throw new Error('no methods given');
  // unknown methods and parameters fail before any work
  for (const m of new Set([...methods, ...Object.keys(options.params ?? {})])) createMethod(m, { params: options.params?.[m], seed });
  const progress = options.progress;
  const infos: EvalDatasetInfo[] = [];
  const rows: EvalRow[] = [];
  for (const name of datasets) {
    progress?.(`${name}: loading`, false);
    const ds = loadDataset(name, options.dataDir);
    infos.push(datasetInfo(ds));
    const users = options.users !== undefined ? sampleUsers(ds, options.users, seed) : evalUsers(ds);
    for (const mname of methods) {
      const method = createMethod(mname, { params: options.params?.[mname], seed });
      progress?.(`${name} ${mname}: preparing`, false);
      const r = await evaluateMethod(ds, method, {
        k,
        users,
        onProgress: progress ? (done, total) => progress(`${name} ${mname}: ${done}/${total} users`, false) : undefined,
      });
      const row: EvalRow = {
        dataset: name,
        method: mname,
        hr: r.hr,
        ndcg: r.ndcg,
        users: r.users,
        published: publishedFor(name, mname),
        settings: method.settings(),
        params: method.params(),
        prepareSeconds: round(r.prepareSeconds),
        scoreSeconds: round(r.scoreSeconds),
      };
      rows.push(row);
      progress?.(`${name} ${mname}: HR@${k} ${r.hr.toFixed(4)} NDCG@${k} ${r.ndcg.toFixed(4)} (${(r.prepareSeconds + r.scoreSeconds).toFixed(1)}s)`, true);
    }
  }
  return {
    version: 1,
    k,
    seed,
    userSample: options.users ?? null,
    datasets: infos,
    rows,
    totalSeconds: round((performance.now() - t0) / 1000),
  };
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
  return { name: ds.name, users: ds.numUsers, items: ds.numItems, trainInteractions: ds.train.users.length, testUsers, negativesInTraining: inTrain };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
