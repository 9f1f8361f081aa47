import { comparePinnerSage, type PinnerSageComparison } from '../../users/eval-method.js';
import { HnswNeighbourIndex } from '../../users/neighbour-index.js';
import type { Params } from '../methods/types.js';
import { sampleUsers } from '../runner.js';
import { f4, round3, sectionUsers, textTable, type SectionContext } from './types.js';

export const PINNERSAGE_USERS = 1000;

export interface PinnerSageSection {
  seconds: number;
  sets: PinnerSageComparison[];
}

/** Single embedding vs PinnerSage (SVD item embeddings), HR/NDCG@10 and recall@100 via HNSW. */
export function runPinnerSageSection(ctx: SectionContext, options: { params?: Params; recall?: boolean } = {}): PinnerSageSection {
  const t0 = performance.now();
  const sets: PinnerSageComparison[] = [];
  for (const ds of ctx.datasets) {
    ctx.progress?.(`pinnersage ${ds.name}: clustering`, false);
    const n = sectionUsers(ctx, PINNERSAGE_USERS);
    const r = comparePinnerSage(ds, {
      params: options.params,
      users: n > 0 ? sampleUsers(ds, n, ctx.seed) : undefined,
      recall: options.recall ?? true,
      seed: ctx.seed,
      index: (e) => new HnswNeighbourIndex(e),
    });
    r.seconds = round3(r.seconds);
    sets.push(r);
    ctx.progress?.(`pinnersage ${ds.name}: done (${r.seconds.toFixed(1)}s)`, true);
  }
  return { seconds: round3((performance.now() - t0) / 1000), sets };
}

export function formatPinnerSageSection(s: PinnerSageSection): string {
  const rows: string[][] = [];
  for (const r of s.sets) {
    rows.push([r.dataset, 'single-embedding', f4(r.single.hr), f4(r.single.ndcg), f4(r.single.recall100), '1.00', String(r.users), `${r.seconds.toFixed(1)}s`]);
    rows.push([r.dataset, 'pinnersage', f4(r.pinnersage.hr), f4(r.pinnersage.ndcg), f4(r.pinnersage.recall100), r.pinnersage.clustersPerUser.toFixed(2), String(r.users), '']);
  }
  return (
    `PinnerSage vs one embedding per user (SVD item embeddings, 3 sampled medoids; ${s.seconds.toFixed(1)}s)\n` +
    textTable(['dataset', 'method', 'HR@10', 'NDCG@10', 'recall@100', 'clusters/user', 'users', 'time'], rows, 2)
  );
}
