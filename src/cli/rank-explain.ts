import { InvalidArgumentError, type Command } from 'commander';
import type { Candidate } from '../candidates/types.js';
import { readCandidateLog } from '../ranking/logging.js';
import { ModelRegistry } from '../ranking/registry.js';

/** `boardwalk rank-explain`: a client's ranker on one logged request, with feature contributions. */

export interface RankExplainOptions {
  client: string;
  registry: string;
  log: string;
  request?: string;
  top?: number;
}

type Log = (line: string) => void;

export function runRankExplain(o: RankExplainOptions, log: Log = (l) => process.stdout.write(`${l}\n`)): void {
  const reg = new ModelRegistry(o.registry);
  const ranker = reg.ranker(o.client);
  if (!ranker) throw new Error(`client '${o.client}' has no promoted model in ${o.registry} (run train-ranker first)`);
  const records = readCandidateLog(o.log).filter((r) => r.client === o.client);
  const requestId = o.request ?? records[0]?.requestId;
  if (!requestId) throw new Error(`${o.log} has no records for client '${o.client}'`);
  const recs = records.filter((r) => r.requestId === requestId);
  if (recs.length === 0) throw new Error(`request '${requestId}' not found for client '${o.client}' in ${o.log}`);
  const cands: Candidate[] = recs.map((r) => ({ pin: r.pin, score: r.score ?? 0, sources: r.sources, features: r.features }));
  const req = { queryPins: recs[0]!.queryPins, limit: cands.length, seed: 0, user: recs[0]!.user, locale: recs[0]!.locale };
  const scores = ranker.score(req, cands);
  const parts = ranker.explain(req, cands);
  const order = cands.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const entry = reg.get(o.client)!;
  log(`${o.client} v${entry.version}, request ${requestId}: ${cands.length} candidates`);
  for (const i of order.slice(0, o.top ?? 10)) {
    const c = parts[i]!;
    const top = Object.entries(c)
      .filter(([k]) => k !== 'bias')
      .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
      .slice(0, 4)
      .map(([k, v]) => `${k} ${v >= 0 ? '+' : ''}${v.toFixed(3)}`);
    const served = recs[i]!.position >= 0 ? `served at ${recs[i]!.position}` : 'not served';
    log(`pin ${cands[i]!.pin}  score ${scores[i]!.toFixed(3)}  (${served}; bias ${c.bias!.toFixed(3)}; ${top.join(', ')})`);
  }
}

export function register(program: Command): void {
  program
    .command('rank-explain')
    .description("score one logged request with a client's ranker and show each candidate's feature contributions")
    .requiredOption('--client <name>', 'client surface')
    .option('--registry <dir>', 'model registry directory', 'registry')
    .requiredOption('--log <file>', 'candidate log (JSONL)')
    .option('--request <id>', 'request id (default: the first one of the client in the log)')
    .option('--top <n>', 'candidates to show', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--top must be a positive integer');
      return n;
    })
    .action((opts: RankExplainOptions) => runRankExplain(opts));
}
