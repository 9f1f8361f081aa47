import { InvalidArgumentError, type Command } from 'commander';
import { runReplay } from '../eval/replay/replay.js';
import { loadSnapshot } from '../graph/snapshot.js';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { runMemboostJob, storageEvents } from '../jobs/memboost-job.js';
import { DEFAULT_RANKER_REFIT, refitMemboostForRanker, type RankerRefitResult } from '../jobs/memboost-refit.js';
import { DEFAULT_MEMBOOST, type MemboostParams } from '../memboost/score.js';
import { ModelRegistry, writeFileAtomic } from '../ranking/registry.js';
import { loadPipelineConfig } from '../serving/full-surfaces.js';
import { loadConfig } from '../server/config.js';
import { openStorage } from '../storage/open.js';
import type { Storage } from '../storage/types.js';
import { pinDocuments, type PinCatalogueRow } from '../surfaces/related-pins.js';
import { Bm25Index } from '../text/bm25.js';
import type { IdMap } from '../graph/id-map.js';

const int = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be an integer >= 0, got ${JSON.stringify(v)}`);
  return n;
};
const frac = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`${name} must be a number in (0, 1), got ${JSON.stringify(v)}`);
  return n;
};
const num = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
};

/** BM25 over the stored pins' text, as serving builds it (undefined when no pin has text). */
async function catalogueText(storage: Storage, pins: IdMap): Promise<Bm25Index | undefined> {
  const rows: PinCatalogueRow[] = [];
  for await (const batch of storage.listPins(5000)) for (const r of batch) if (r.text || (r.annotations && r.annotations.length > 0)) rows.push(r);
  if (rows.length === 0) return undefined;
  return Bm25Index.build(pinDocuments(rows, pins));
}

function refitLine(r: RankerRefitResult, where: string): string {
  const p = r.params;
  const f = r.fit;
  const fitText = f ? `held-out NDCG@10 ${f.baseline.toFixed(4)} -> ${f.ndcg.toFixed(4)} on ${f.queries} queries` : 'no held-out engagement';
  return `memboost refit for ranker ${r.ranker}: gamma=${p.gamma} alpha=${p.alpha} beta=${p.beta.join('/')} (${fitText}); wrote ${where}\n`;
}

/** `boardwalk memboost` (batch Memboost table from stored events) and `boardwalk replay` (offline replay evaluation). */
export function register(program: Command): void {
  program
    .command('memboost')
    .description('compute the Memboost table (COEC per query/result pin) from stored events for a graph snapshot')
    .requiredOption('-g, --graph <snapshot>', 'graph snapshot whose pin ids key the table')
    .requiredOption('-o, --out <file>', 'table snapshot to write (parameters go to <file>.params.json)')
    .option('-c, --config <file>', 'JSON config file (storage section), as for serve')
    .option('--from <ms>', 'first event time (epoch ms)', int('--from'))
    .option('--to <ms>', 'end event time, exclusive (epoch ms)', int('--to'))
    .option('--surface <name>', 'surface whose events count', 'related')
    .option('--max-position <n>', 'positions beyond this share one bias bucket', int('--max-position'), 50)
    .option('--alpha <a>', 'MB smoothing α', num('--alpha'), DEFAULT_MEMBOOST.alpha)
    .option('--gamma <g>', 'MB weight γ', num('--gamma'), DEFAULT_MEMBOOST.gamma)
    .option('--beta <list>', 'β for click,longclick,closeup,save', DEFAULT_MEMBOOST.beta.join(','))
    .option('--refit', "refit beta, alpha, gamma on the latest share of the log against the served ranker's scores (run when the ranker changes)")
    .option('--registry <dir>', 'with --refit: model registry (default <dataDir>/registry when it exists; none = the default blend ranker)')
    .option('--client <name>', 'with --refit: registry client of the Related Pins ranker', DEFAULT_RANKER_REFIT.client)
    .option('--ranker-version <n>', "with --refit: the model version to fit for (default the client's current one)", int('--ranker-version'))
    .option('--held-out <f>', 'with --refit: latest share of the log time span held out for fitting', frac('--held-out'), DEFAULT_RANKER_REFIT.heldOutFraction)
    .option('--fit-queries <n>', 'with --refit: held-out query pins scored (seeded sample)', int('--fit-queries'), DEFAULT_RANKER_REFIT.maxQueries)
    .option('--steps <n>', 'with --refit: Pixie steps of the scoring surface', int('--steps'), DEFAULT_RANKER_REFIT.setup.pixie!.steps!)
    .option('--seed <n>', 'with --refit: seed of the query sample and the walks', int('--seed'), 1)
    .action(
      async (o: {
        graph: string;
        out: string;
        config?: string;
        from?: number;
        to?: number;
        surface: string;
        maxPosition: number;
        alpha: number;
        gamma: number;
        beta: string;
        refit?: boolean;
        registry?: string;
        client: string;
        rankerVersion?: number;
        heldOut: number;
        fitQueries: number;
        steps: number;
        seed: number;
      }) => {
        if (!o.refit && (o.registry !== undefined || o.rankerVersion !== undefined)) throw new Error('memboost: --registry and --ranker-version need --refit');
        const beta = o.beta.split(',').map(Number);
        if (beta.length !== 4 || beta.some((b) => !Number.isFinite(b))) throw new Error(`--beta must be 4 comma-separated numbers, got ${JSON.stringify(o.beta)}`);
        const params: MemboostParams = { beta: beta as MemboostParams['beta'], alpha: o.alpha, gamma: o.gamma };
        const graph = loadSnapshot(o.graph);
        const cfg = loadConfig(o.config ? { file: o.config } : {});
        const storage = await openStorage(cfg.storage);
        try {
          const r = await runMemboostJob(
            storage,
            graph.pins,
            { out: o.out },
            { params, coec: { surface: o.surface, maxPosition: o.maxPosition }, range: { from: o.from, to: o.to } },
          );
          process.stdout.write(
            `memboost: ${r.stats.events} events (${r.stats.skipped} skipped, ${r.dropped} with pins not in the graph) -> ` +
              `${r.stats.pairs} pairs over ${r.stats.queries} query pins in ${(r.stats.ms / 1000).toFixed(2)} s; wrote ${o.out}\n`,
          );
          if (!o.refit) return;
          const inData = (p: string): string => (isAbsolute(p) ? p : join(cfg.storage.dataDir, p));
          const regDir = o.registry ?? inData(loadPipelineConfig(cfg.storage.dataDir).files.registry);
          if (o.registry !== undefined && !existsSync(regDir)) throw new Error(`memboost: registry ${regDir} does not exist`);
          const reg = existsSync(regDir) ? new ModelRegistry(regDir) : null;
          const entry = reg?.get(o.client) ?? null;
          const version = o.rankerVersion ?? (entry?.modelPath ? entry.version : null);
          const fit = await refitMemboostForRanker(reg, version, {
            graph,
            events: storageEvents(storage, graph.pins, { from: o.from, to: o.to }),
            client: o.client,
            text: await catalogueText(storage, graph.pins),
            setup: { pixie: { steps: o.steps } },
            coec: { surface: o.surface, maxPosition: o.maxPosition },
            heldOutFraction: o.heldOut,
            maxQueries: o.fitQueries,
            seed: o.seed,
          });
          // the default blend ranker has no model file: its fitted parameters go with the table
          const where = fit.path ?? `${o.out}.params.json`;
          if (!fit.path) writeFileAtomic(where, JSON.stringify({ params: fit.params, ranker: fit.ranker, fit: fit.fit, stats: fit.stats }, null, 2) + '\n');
          process.stdout.write(refitLine(fit, where));
        } finally {
          await storage.close();
        }
      },
    );

  program
    .command('replay')
    .description('offline Related Pins replay on a leave-one-out data set: simulated engagement, Memboost, HR@10/NDCG@10 vs Pixie')
    .argument('<dataset>', 'citeulike-a | lastfm')
    .option('--data <dir>', 'data directory (default $BOARDWALK_DATA or ../shared/data)')
    .option('--users <n>', 'evaluate a seeded sample of n users (0 = all)', int('--users'), 0)
    .option('--steps <n>', 'Pixie steps per user, for Pixie alone and the pipeline', int('--steps'), 50_000)
    .option('--views <n>', 'simulated Related Pins views per user', int('--views'), 12)
    .option('--seed <n>', 'seed', int('--seed'), 1)
    .option('--validation-users <n>', "users giving one item to the validation split that fits the pipeline's source weights (0 = hand weights)", int('--validation-users'), 500)
    .option('--no-ablations', 'skip the per-source ablation rows')
    .option('--json <file>', 'also write the full report as JSON')
    .action(async (dataset: string, o: { data?: string; users: number; steps: number; views: number; seed: number; validationUsers: number; ablations: boolean; json?: string }) => {
      const r = await runReplay(dataset, {
        dataDir: o.data,
        users: o.users,
        steps: o.steps,
        viewsPerUser: o.views,
        seed: o.seed,
        validationUsers: o.validationUsers,
        ablations: o.ablations,
        log: (l) => process.stderr.write(`${l}\n`),
      });
      const lines = ['| dataset | method | HR@10 | NDCG@10 | notes |', '|---|---|---|---|---|'];
      for (const row of r.rows) lines.push(`| ${row.dataset} | ${row.method} | ${row.hr10.toFixed(4)} | ${row.ndcg10.toFixed(4)} | ${row.notes} |`);
      const b = r.bias;
      const w = r.weights;
      lines.push('');
      if (w) {
        const ws = Object.entries(w.weights).map(([k, v]) => `${k} ${v}`).join(', ');
        const drop = Object.entries(w.without).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');
        lines.push(`source weights fitted on ${w.examples} validation users: ${ws} (validation NDCG@10 ${w.equalNdcg.toFixed(4)} with all 1 -> ${w.ndcg.toFixed(4)}; with each source's weight 0: ${drop})`);
      }
      lines.push(
        `position bias (controlled): result at slot ${b.demo.goodSlot + 1} ranks #${b.demo.rawClickRank} by raw clicks, #${b.demo.memboostRank} by Memboost`,
        `position bias (replay): ${b.lowShownBoosted} pairs shown at mean slot >= 11 beat their expected clicks; the strongest 100 move from mean rank ` +
          `${b.meanRankWithout.toFixed(1)} to ${b.meanRankWith.toFixed(1)} (top 10: ${(b.topTenWithout * 100).toFixed(0)}% -> ${(b.topTenWith * 100).toFixed(0)}%)`,
        `expected clicks per view (${r.engagement.views} fresh views): Pixie ${r.engagement.pixie.toFixed(3)}, pipeline ${r.engagement.pipelineNoMemboost.toFixed(3)}, with Memboost ${r.engagement.pipeline.toFixed(3)}`,
      );
      process.stdout.write(lines.join('\n') + '\n');
      if (o.json) {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(o.json, JSON.stringify(r, null, 2));
      }
    });
}
