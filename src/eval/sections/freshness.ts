import { evaluateFreshness, type FreshnessEvalOptions, type FreshnessReport } from '../../users/freshness-eval.js';
import { f4, round3, sectionUsers, textTable, type SectionContext } from './types.js';

export const FRESHNESS_USERS = 1000;

export interface FreshnessSection {
  seconds: number;
  sets: FreshnessReport[];
}

/** Fresh share of the top 10 and HR@10 before/after ratio and floor blending (simulated creation times). */
export function runFreshnessSection(ctx: SectionContext, options: Partial<FreshnessEvalOptions> = {}): FreshnessSection {
  const t0 = performance.now();
  const sets: FreshnessReport[] = [];
  for (const ds of ctx.datasets) {
    ctx.progress?.(`freshness ${ds.name}: running`, false);
    const r = evaluateFreshness(ds, { users: sectionUsers(ctx, FRESHNESS_USERS), seed: ctx.seed, ...options });
    r.seconds = round3(r.seconds);
    sets.push(r);
    ctx.progress?.(`freshness ${ds.name}: done (${r.seconds.toFixed(1)}s)`, true);
  }
  return { seconds: round3((performance.now() - t0) / 1000), sets };
}

export function formatFreshnessSection(s: FreshnessSection): string {
  const rows: string[][] = [];
  for (const r of s.sets) {
    const o = r.options;
    const label: Record<string, string> = { base: 'before (Pixie)', ratio: `ratio (every ${o.ratioEvery}th)`, floor: `floor (${Math.round(o.floorShare * 100)}% of top ${o.k})` };
    for (const key of ['base', 'ratio', 'floor'] as const) {
      const v = r[key];
      rows.push([key === 'base' ? r.dataset : '', label[key]!, f4(v.hr), f4(v.ndcg), f4(v.freshShare), f4(v.hrFreshHeldOut), f4(v.catalogueFreshShare), key === 'base' ? String(r.users) : '', key === 'base' ? `${r.seconds.toFixed(1)}s` : '']);
    }
  }
  const first = s.sets[0]?.options;
  const sim = first ? `${Math.round(first.freshFraction * 100)}% of items simulated fresh, ${first.keepEdges} graph edges each` : 'simulated creation times';
  return (
    `Freshness: fresh share of the top 10 and HR@10 before/after blending (${sim}; ${s.seconds.toFixed(1)}s)\n` +
    textTable(['dataset', 'variant', 'HR@10', 'NDCG@10', 'fresh@10', 'HR@10 fresh held-out', 'catalogue fresh@10', 'users', 'time'], rows, 2)
  );
}
