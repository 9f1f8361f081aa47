import { InvalidArgumentError, type Command } from 'commander';
import { readLines } from '../bulk/lines.js';
import type { ExperimentConfig } from '../experiments/config.js';
import { readExperimentsFile } from '../experiments/file.js';
import { experimentReport, formatExperimentReport, type ReportEvent } from '../experiments/report.js';
import { loadConfig } from '../server/config.js';
import { openStorage } from '../storage/open.js';
import type { Storage } from '../storage/types.js';

const ms = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be epoch milliseconds >= 0, got ${JSON.stringify(v)}`);
  return n;
};

/** Events from a JSONL(.gz) file; each line needs user, pin, action and a numeric timestamp. */
export async function* eventsFromJsonl(file: string): AsyncIterable<ReportEvent> {
  let line = 0;
  for await (const text of readLines(file).lines) {
    line++;
    if (text.trim() === '') continue;
    let e: Partial<ReportEvent>;
    try {
      e = JSON.parse(text) as Partial<ReportEvent>;
    } catch (err) {
      throw new Error(`${file}:${line}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof e !== 'object' || e === null) throw new Error(`${file}:${line}: expected a JSON object`);
    for (const k of ['user', 'pin', 'action'] as const)
      if (typeof e[k] !== 'string' || e[k] === '') throw new Error(`${file}:${line}: ${k} must be a non-empty string`);
    if (typeof e.timestamp !== 'number' || !Number.isFinite(e.timestamp)) throw new Error(`${file}:${line}: timestamp must be a number (epoch ms)`);
    yield e as ReportEvent;
  }
}

async function* eventsFromStorage(s: Storage, from?: number, to?: number): AsyncIterable<ReportEvent> {
  for await (const batch of s.iterateEvents({ from, to })) yield* batch;
}

function loadExperiment(file: string, name: string): ExperimentConfig {
  const all = readExperimentsFile(file);
  const e = all.find((x) => x.name === name);
  if (!e) throw new Error(`${file}: no experiment "${name}" (defined: ${all.map((x) => x.name).join(', ')})`);
  return e;
}

/** `boardwalk report --experiment X`: per-variant CTR, save rate and funnel with 95% intervals. */
export function register(program: Command): void {
  program
    .command('report')
    .description('A/B experiment report from the event log: per-variant impressions, CTR, save rate, funnel, 95% CIs, z-tests vs control')
    .requiredOption('-e, --experiment <name>', 'experiment id as logged on events')
    .option('--events <file>', 'read events from a JSONL(.gz) file instead of storage')
    .option('-c, --config <file>', 'JSON config file (storage section), as for serve')
    .option('--experiments <file>', 'experiment definitions (JSON): fixes variant order and control, buckets events logged without a variant')
    .option('--control <variant>', 'variant to compare against')
    .option('--from <ms>', 'first event time (epoch ms)', ms('--from'))
    .option('--to <ms>', 'end event time, exclusive (epoch ms)', ms('--to'))
    .option('--json', 'print the report as JSON')
    .action(
      async (o: { experiment: string; events?: string; config?: string; experiments?: string; control?: string; from?: number; to?: number; json?: boolean }) => {
        const def = o.experiments ? loadExperiment(o.experiments, o.experiment) : undefined;
        const opts = { experiment: o.experiment, config: def, control: o.control, from: o.from, to: o.to };
        let report;
        if (o.events) report = await experimentReport(eventsFromJsonl(o.events), opts);
        else {
          const storage = await openStorage(loadConfig(o.config ? { file: o.config } : {}).storage);
          try {
            report = await experimentReport(eventsFromStorage(storage, o.from, o.to), opts);
          } finally {
            await storage.close();
          }
        }
        if (report.events === 0) process.stderr.write(`report: no events of experiment "${o.experiment}" found\n`);
        process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : formatExperimentReport(report));
      },
    );
}
