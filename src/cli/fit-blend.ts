import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_BLEND_FIT, fitBlendWeights, writeBlendWeights, type BlendFitReport } from '../jobs/blend-fit.js';
import { readCandidateLog, readEvents, type EngagementEvent } from '../ranking/logging.js';
import { withStoredRankingData } from './stored-ranking-data.js';

/** `boardwalk fit-blend --client X`: the BlendRanker's source weights from logged candidates and engagement. */

export interface FitBlendCliOptions {
  client: string;
  log?: string;
  events?: string;
  out?: string;
  holdout?: number;
  minExamples?: number;
  seed?: number;
  force?: boolean;
  json?: boolean;
  fromStorage?: boolean;
  config?: string;
  /** events already read from storage (instead of --events) */
  storedEvents?: EngagementEvent[];
}

type Log = (line: string) => void;
const stdoutLog: Log = (line) => process.stdout.write(`${line}\n`);
const f4 = (v: number): string => (Number.isNaN(v) ? '-' : v.toFixed(4));

/** Fits, prints a table, and writes the weights when they hold up on held-out requests (or --force). */
export function runFitBlend(o: FitBlendCliOptions, log: Log = stdoutLog): BlendFitReport & { written: string | null } {
  if (!o.log) throw new Error('fit-blend: no candidate log (--log <candidates.jsonl>)');
  if (!o.out) throw new Error('fit-blend: no output file (--out <file>)');
  const records = readCandidateLog(o.log);
  let events: EngagementEvent[];
  if (o.storedEvents) events = o.storedEvents;
  else if (o.events) events = readEvents(o.events);
  else throw new Error('fit-blend: no engagement events (--events <events.jsonl> or --from-storage)');
  const r = fitBlendWeights(records, events, {
    client: o.client,
    holdoutShare: o.holdout ?? DEFAULT_BLEND_FIT.holdoutShare,
    minExamples: o.minExamples ?? DEFAULT_BLEND_FIT.minExamples,
    seed: o.seed ?? DEFAULT_BLEND_FIT.seed,
  });
  const write = r.fit !== null && (r.accepted || o.force === true);
  if (write) writeBlendWeights(o.out, r);
  const written = write ? o.out : null;
  if (o.json) {
    log(JSON.stringify({ ...r, fit: r.fit && { ndcg: r.fit.ndcg, hr: r.fit.hr, equalNdcg: r.fit.equalNdcg, without: r.fit.without }, written }, null, 2));
    return { ...r, written };
  }
  log(`${o.client}: ${records.length} logged candidates, ${events.length} events; ${r.requests} engaged requests -> ${r.examples.fit} fit / ${r.examples.holdout} held-out examples`);
  if (r.fit) {
    log(`source       weight   NDCG@10 without it (fit examples)`);
    for (const s of r.sources) log(`${s.padEnd(12)} ${r.weights[s]!.toString().padStart(6)}   ${f4(r.fit.without[s]!)}`);
    log(`                 NDCG@10   HR@10   (held-out requests)`);
    log(`  fitted         ${f4(r.holdout.ndcg)}    ${f4(r.holdout.hr)}`);
    log(`  default        ${f4(r.holdout.defaultNdcg)}    ${f4(r.holdout.defaultHr)}`);
  }
  log(written ? `wrote ${written} (${r.accepted ? r.reason : `--force: ${r.reason}`})` : `not written: ${r.reason}`);
  return { ...r, written };
}

function share(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('must be a number in (0, 1)');
  return n;
}

function int(min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer >= ${min}`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('fit-blend')
    .description("fit the default BlendRanker's per-source weights for one client from logged candidates and engagement (served until a GBDT model is promoted)")
    .requiredOption('--client <name>', 'client surface: related or homefeed')
    .option('--log <file>', 'candidate log (JSONL); with --from-storage default <dataDir>/candidates.jsonl')
    .option('--events <file>', 'engagement events (JSONL, with request ids)')
    .option('--out <file>', 'weights file; with --from-storage default <dataDir>/blend-weights/<client>.json, where serving reads it')
    .option('--holdout <share>', 'share of requests held out to check the fit', share)
    .option('--min-examples <n>', 'fewer engaged examples than this: nothing is written', int(1))
    .option('--seed <n>', 'salt of the request split', int(0))
    .option('--force', 'write the weights even when they do not beat the defaults on held-out requests')
    .option('--json', 'print the report as JSON')
    .option('--from-storage', 'engagement events from storage (serve config); paths default to the data dir')
    .option('--config <file>', 'with --from-storage: the serve config file')
    .addHelpText('after', '\nExample:\n  boardwalk fit-blend --client related --from-storage     # then restart or reload serving')
    .action(async (opts: FitBlendCliOptions) => {
      if (!opts.fromStorage) {
        if (opts.config) throw new Error('fit-blend: --config needs --from-storage');
        opts.out ??= join('blend-weights', `${opts.client}.json`);
        runFitBlend(opts);
        return;
      }
      if (opts.events) throw new Error('fit-blend: --from-storage cannot be combined with --events');
      await withStoredRankingData(opts.config, opts.json === true, ({ pipelines, inData, events }) => {
        opts.log ??= inData(pipelines.candidateLog.file);
        opts.out ??= join(inData(pipelines.files.blendWeights), `${opts.client}.json`);
        opts.storedEvents = events;
        runFitBlend(opts);
      });
    });
}
