import { InvalidArgumentError, type Command } from 'commander';
import { loadDataset, DATASET_NAMES } from '../eval/datasets.js';
import { sampleUsers } from '../eval/runner.js';
import { comparePinnerSage } from '../users/eval-method.js';
import { evaluateFreshness, type FreshnessEvalOptions } from '../users/freshness-eval.js';
import { HnswNeighbourIndex } from '../users/neighbour-index.js';

/** `boardwalk pinnersage-eval` and `boardwalk fresh-eval`: the issue-7 quality figures. */

function num(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got ${JSON.stringify(v)}`);
    return n;
  };
}

function datasets(v: string | undefined): string[] {
  const names = v ? v.split(',').map((s) => s.trim()) : [...DATASET_NAMES];
  for (const n of names) if (!(DATASET_NAMES as readonly string[]).includes(n)) throw new Error(`unknown data set "${n}" (known: ${DATASET_NAMES.join(', ')})`);
  return names;
}

const f4 = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(4));

export function register(program: Command): void {
  program
    .command('pinnersage-eval')
    .description('PinnerSage (Ward clusters, sampled medoids) vs one embedding per user: HR@10, NDCG@10, recall@100')
    .option('--dataset <names>', `comma-separated (${DATASET_NAMES.join(', ')})`)
    .option('--data <dir>', 'data directory (default $BOARDWALK_DATA or ../shared/data)')
    .option('--emb <kind>', 'item embeddings: svd, pin2vec or two-tower', 'svd')
    .option('--dim <n>', 'embedding dimension', num('--dim'), 64)
    .option('--max-cost <x>', 'Ward: stop merging above this within-cluster SSE increase', num('--max-cost'), 2)
    .option('--lambda <x>', 'importance decay per day', num('--lambda'), 0.01)
    .option('--medoids <n>', 'medoids sampled per user (0 = all clusters)', num('--medoids'), 3)
    .option('--users <n>', 'evaluate a seeded sample of users', num('--users'))
    .option('--no-recall', 'skip recall@100 (full-catalogue HNSW retrieval)')
    .option('--seed <n>', 'seed', num('--seed'), 1)
    .option('--json', 'print JSON')
    .action((o: { dataset?: string; data?: string; emb: string; dim: number; maxCost: number; lambda: number; medoids: number; users?: number; recall: boolean; seed: number; json?: boolean }) => {
      const kinds: Record<string, number> = { svd: 0, pin2vec: 1, 'two-tower': 2 };
      const kind = kinds[o.emb];
      if (kind === undefined) throw new Error(`--emb must be svd, pin2vec or two-tower, got ${o.emb}`);
      const out = [];
      for (const name of datasets(o.dataset)) {
        const ds = loadDataset(name, o.data);
        const users = o.users ? sampleUsers(ds, o.users, o.seed) : undefined;
        const r = comparePinnerSage(ds, {
          params: { emb: kind, dim: o.dim, maxCost: o.maxCost, lambda: o.lambda, medoids: o.medoids },
          users,
          recall: o.recall,
          seed: o.seed,
          index: (e) => new HnswNeighbourIndex(e),
        });
        out.push(r);
        if (!o.json) {
          process.stdout.write(`${name} (${r.users} users, ${o.emb} dim ${o.dim}, ${r.pinnersage.clustersPerUser.toFixed(2)} clusters/user, ${r.seconds.toFixed(1)} s)\n`);
          process.stdout.write(`  single-embedding  HR@10 ${f4(r.single.hr)}  NDCG@10 ${f4(r.single.ndcg)}  recall@100 ${f4(r.single.recall100)}\n`);
          process.stdout.write(`  pinnersage        HR@10 ${f4(r.pinnersage.hr)}  NDCG@10 ${f4(r.pinnersage.ndcg)}  recall@100 ${f4(r.pinnersage.recall100)}\n`);
        }
      }
      if (o.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    });

  program
    .command('fresh-eval')
    .description('freshness share and HR@10 before/after ratio and floor blending (simulated creation times)')
    .option('--dataset <names>', `comma-separated (${DATASET_NAMES.join(', ')})`)
    .option('--data <dir>', 'data directory')
    .option('--fresh-fraction <x>', 'share of items simulated as fresh', num('--fresh-fraction'), 0.1)
    .option('--keep-edges <n>', 'graph edges a fresh item keeps', num('--keep-edges'), 2)
    .option('--ratio-every <n>', 'ratio blending: a fresh pin every N slots', num('--ratio-every'), 5)
    .option('--floor-share <x>', 'floor blending: minimum fresh share of the top 10', num('--floor-share'), 0.2)
    .option('--steps <n>', 'Pixie steps per user', num('--steps'), 20000)
    .option('--users <n>', 'evaluate a seeded sample of users', num('--users'), 0)
    .option('--seed <n>', 'seed', num('--seed'), 1)
    .option('--json', 'print JSON')
    .action((o: { dataset?: string; data?: string; freshFraction: number; keepEdges: number; ratioEvery: number; floorShare: number; steps: number; users: number; seed: number; json?: boolean }) => {
      const out = [];
      for (const name of datasets(o.dataset)) {
        const ds = loadDataset(name, o.data);
        const opts: Partial<FreshnessEvalOptions> = {
          freshFraction: o.freshFraction,
          keepEdges: o.keepEdges,
          ratioEvery: o.ratioEvery,
          floorShare: o.floorShare,
          steps: o.steps,
          users: o.users,
          seed: o.seed,
        };
        const r = evaluateFreshness(ds, opts);
        out.push(r);
        if (!o.json) {
          process.stdout.write(`${name} (${r.users} users, ${r.freshItems} fresh items, ${r.freshHeldOutUsers} fresh held-out, ${r.seconds.toFixed(1)} s)\n`);
          process.stdout.write('  variant  HR@10   NDCG@10 fresh@10 HR@10(fresh held-out) catalogue fresh@10\n');
          for (const [label, v] of [['base', r.base], ['ratio', r.ratio], ['floor', r.floor]] as const)
            process.stdout.write(`  ${label.padEnd(7)}  ${f4(v.hr)}  ${f4(v.ndcg)}  ${f4(v.freshShare)}  ${f4(v.hrFreshHeldOut)}               ${f4(v.catalogueFreshShare)}\n`);
          process.stdout.write(`  fresh sources proposed ${r.meanFreshProposed.toFixed(1)} items/user, recall of fresh held-out ${f4(r.freshSourceRecall)}\n`);
        }
      }
      if (o.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    });
}
