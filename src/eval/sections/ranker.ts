import { simulatedLift, type RankerEvalRow } from '../../ranking/eval.js';
import { f4, pct, round3, textTable, type SectionContext } from './types.js';

export const RANKER_CLIENTS = ['homefeed', 'related', 'notifications'];
/** simulated requests (spread over the clients) */
export const RANKER_REQUESTS = 9000;

export interface RankerSection {
  seconds: number;
  requests: number;
  clients: string[];
  rows: RankerEvalRow[];
}

/**
 * Learned GBDT ranker vs visit-count order, per client, on the seeded engagement simulator
 * (src/ranking simulatedLift; the eval data sets carry no served-candidate logs).
 */
export function runRankerSection(ctx: SectionContext, options: { requests?: number; clients?: string[] } = {}): RankerSection {
  const t0 = performance.now();
  const requests = options.requests ?? RANKER_REQUESTS;
  const clients = options.clients ?? RANKER_CLIENTS;
  ctx.progress?.(`ranker: ${requests} simulated requests`, false);
  const rows = simulatedLift({ clients, requests, seed: ctx.seed });
  const seconds = round3((performance.now() - t0) / 1000);
  ctx.progress?.(`ranker: done (${seconds.toFixed(1)}s)`, true);
  return { seconds, requests, clients, rows };
}

export function formatRankerSection(s: RankerSection): string {
  const rows = s.rows.map((r) => [r.client, r.metric, f4(r.learned), f4(r.visitOrder), pct(r.lift)]);
  return (
    `Learned ranker vs visit-count order (GBDT, simulated log: ${s.requests} requests over ${s.clients.length} clients; ${s.seconds.toFixed(1)}s)\n` +
    textTable(['client', 'metric', 'learned', 'visit order', 'lift'], rows, 2)
  );
}
