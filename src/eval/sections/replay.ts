import { runReplay, type ReplayOptions, type ReplayRow } from '../replay/replay.js';
import type { BiasDemoResult } from '../replay/bias-demo.js';
import type { MemboostParams } from '../../memboost/score.js';
import { f4, round3, sectionUsers, textTable, type SectionContext } from './types.js';

/** Default evaluation sample of the replay section (the simulated log always covers every user). */
export const REPLAY_USERS = 300;

export interface ReplaySetResult {
  dataset: string;
  /** evaluated users (sample) */
  users: number;
  rows: ReplayRow[];
  memboost: MemboostParams;
  /** the pipeline's source weights, fitted on the validation users (null: hand weights) */
  sourceWeights: Record<string, number> | null;
  /** controlled position-bias experiment: the attractive result shown low */
  positionBias: BiasDemoResult;
  /** replay-log pairs shown low that beat their expected clicks: rank in their query's list without / with Memboost */
  lowShown: { pairs: number; meanRankWithout: number; meanRankWith: number; topTenWithout: number; topTenWith: number };
  /** expected clicks per fresh view under the click model */
  expectedClicks: { pixie: number; pipelineNoMemboost: number; pipeline: number };
  views: number;
  seconds: number;
}

export interface ReplaySection {
  seconds: number;
  sets: ReplaySetResult[];
}

/** Related Pins pipeline vs Pixie alone on each set (src/eval/replay, runReplay). */
export async function runReplaySection(ctx: SectionContext, options: Partial<ReplayOptions> = {}): Promise<ReplaySection> {
  const t0 = performance.now();
  const sets: ReplaySetResult[] = [];
  for (const ds of ctx.datasets) {
    ctx.progress?.(`replay ${ds.name}: simulating engagement`, false);
    const r = await runReplay(ds, { users: sectionUsers(ctx, REPLAY_USERS), seed: ctx.seed, ...options, log: (l) => ctx.progress?.(`replay ${l}`, false) });
    sets.push({
      dataset: ds.name,
      users: r.stats.users,
      rows: r.rows,
      memboost: r.params,
      sourceWeights: r.weights ? r.weights.weights : null,
      positionBias: r.bias.demo,
      lowShown: {
        pairs: r.bias.lowShownBoosted,
        meanRankWithout: r.bias.meanRankWithout,
        meanRankWith: r.bias.meanRankWith,
        topTenWithout: r.bias.topTenWithout,
        topTenWith: r.bias.topTenWith,
      },
      expectedClicks: { pixie: r.engagement.pixie, pipelineNoMemboost: r.engagement.pipelineNoMemboost, pipeline: r.engagement.pipeline },
      views: r.stats.views,
      seconds: round3(r.stats.seconds),
    });
    ctx.progress?.(`replay ${ds.name}: done (${r.stats.seconds.toFixed(1)}s)`, true);
  }
  return { seconds: round3((performance.now() - t0) / 1000), sets };
}

export function formatReplaySection(s: ReplaySection): string {
  const out: string[] = [`Related Pins replay: pipeline vs Pixie alone (simulated engagement, seeded; ${s.seconds.toFixed(1)}s)`];
  const rows: string[][] = [];
  for (const set of s.sets) for (const r of set.rows) rows.push([set.dataset, r.method, f4(r.hr10), f4(r.ndcg10), String(set.users)]);
  out.push(textTable(['dataset', 'method', 'HR@10', 'NDCG@10', 'users'], rows, 2).trimEnd());
  for (const set of s.sets) {
    const b = set.positionBias;
    const l = set.lowShown;
    const w = set.sourceWeights;
    if (w) out.push(`${set.dataset}: pipeline source weights fitted on validation users: ${Object.entries(w).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
    out.push(
      `${set.dataset}: position bias, controlled: the 5x-attractive result at slot ${b.goodSlot + 1} ranks #${b.rawClickRank} by raw clicks, ` +
        `#${b.memboostRank} by Memboost (MB ${b.goodMemboost.toFixed(2)}). Replay log: ${l.pairs} low-shown pairs beat their expected clicks; ` +
        `the strongest move from mean rank ${l.meanRankWithout.toFixed(1)} to ${l.meanRankWith.toFixed(1)} (top 10: ${pctShare(l.topTenWithout)} -> ${pctShare(l.topTenWith)}). ` +
        `Expected clicks/view: Pixie ${set.expectedClicks.pixie.toFixed(3)}, pipeline w/o Memboost ${set.expectedClicks.pipelineNoMemboost.toFixed(3)}, ` +
        `pipeline ${set.expectedClicks.pipeline.toFixed(3)}. ${set.views} views, ${set.seconds.toFixed(1)}s.`,
    );
  }
  return out.join('\n') + '\n';
}

function pctShare(x: number): string {
  return `${Math.round(x * 100)}%`;
}
