import type { Command } from 'commander';
import { DATASET_NAMES } from '../eval/datasets.js';
import { DEFAULT_METHODS, methodEntry, methodNames, SLOW_METHODS } from '../eval/methods/registry.js';
import type { Params } from '../eval/methods/types.js';
import { writeReportJson } from '../eval/report.js';
import { DEFAULT_BEYOND_USERS, printEvalTable } from '../eval/run.js';
import { SECTION_NAMES } from '../eval/sections/index.js';

interface EvalCliOptions {
  data?: string;
  datasets: string;
  methods: string;
  users?: string;
  seed: string;
  k: string;
  json?: string;
  set: string[];
  list?: boolean;
  beyondUsers: string;
  replay?: boolean;
  ranker?: boolean;
  pinnersage?: boolean;
  freshness?: boolean;
  all?: boolean;
}

/** The sections asked for by --replay, --ranker, --pinnersage, --freshness or --all. */
export function sectionsFrom(o: Partial<Record<(typeof SECTION_NAMES)[number] | 'all', boolean | undefined>>): string[] {
  return SECTION_NAMES.filter((n) => o.all === true || o[n] === true);
}

function list(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function int(v: string, what: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${what} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

/** --set pixie.steps=50000 (repeatable) -> { pixie: { steps: 50000 } } */
export function parseSets(sets: string[]): Record<string, Params> {
  const out: Record<string, Params> = {};
  for (const s of sets) {
    const m = /^([a-z0-9-]+)\.([A-Za-z0-9_]+)=(.+)$/.exec(s);
    if (!m) throw new Error(`--set ${JSON.stringify(s)}: expected METHOD.PARAM=NUMBER, e.g. pixie.steps=50000`);
    const v = Number(m[3]);
    if (!Number.isFinite(v)) throw new Error(`--set ${s}: ${JSON.stringify(m[3])} is not a number`);
    methodEntry(m[1]!);
    (out[m[1]!] ??= {})[m[2]!] = v;
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('quality benchmark: HR@10 / NDCG@10 on leave-one-out data sets, beside published figures')
    .option('--data <dir>', 'data directory (default: $BOARDWALK_DATA or ../shared/data)')
    .option('--datasets <list>', 'comma-separated data sets', DATASET_NAMES.join(','))
    .option('--methods <list>', `comma-separated methods (${methodNames().join(', ')})`, DEFAULT_METHODS.join(','))
    .option('--users <n>', 'evaluate a seeded sample of N users per data set (default: all)')
    .option('--seed <s>', 'seed for user sampling and random walks', '1')
    .option('--k <k>', 'cut-off K of HR@K and NDCG@K', '10')
    .option('--set <method.param=value>', 'override a method parameter (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--json <file>', 'also write the report as JSON to FILE')
    .option('--beyond-users <n>', 'users per set whose top 10 give coverage/novelty/diversity/popularity columns (0 = off)', String(DEFAULT_BEYOND_USERS))
    .option('--replay', 'section: Related Pins pipeline vs Pixie alone, Memboost position bias (replay; lastfm ~2.5 min, citeulike-a ~6.5 min: its simulated log covers every user)')
    .option('--ranker', 'section: learned GBDT ranker lift over visit-count order per client (simulated log, a few seconds)')
    .option('--pinnersage', 'section: single embedding vs PinnerSage, HR/NDCG@10 and recall@100 (1,000 users: ~6-30 s per set)')
    .option('--freshness', 'section: fresh share of the top 10 and HR@10 before/after blending (1,000 users: ~7-35 s per set)')
    .option('--all', 'every section (methods still from --methods)')
    .option('--list', 'list the methods and sections and exit')
    .action(async (o: EvalCliOptions) => {
      if (o.list) {
        for (const name of methodNames())
          process.stdout.write(`${name.padEnd(17)} ${methodEntry(name).description}${DEFAULT_METHODS.includes(name) ? ' [default]' : SLOW_METHODS.includes(name) ? ' [opt-in]' : ''}\n`);
        process.stdout.write(`sections: ${SECTION_NAMES.map((n) => `--${n}`).join(' ')} --all\n`);
        return;
      }
      const report = await printEvalTable({
        dataDir: o.data,
        datasets: list(o.datasets),
        methods: list(o.methods),
        users: o.users !== undefined ? int(o.users, '--users', 1) : undefined,
        seed: int(o.seed, '--seed', 0),
        k: int(o.k, '--k', 1),
        params: parseSets(o.set),
        beyondUsers: int(o.beyondUsers, '--beyond-users', 0),
        sections: sectionsFrom(o),
      });
      if (o.json) {
        writeReportJson(report, o.json);
        process.stderr.write(`wrote ${o.json}\n`);
      }
    });
}
