import { Rng } from '../util/rng.js';
import { ExplorationPolicy } from './exploration.js';
import type { CandidateLogRecord, EngagementEvent } from './logging.js';

/**
 * A seeded engagement simulator standing in for production logs: users and pins with latent
 * preference vectors and locales, requests per client surface with ~30 generated candidates,
 * served in visit-count order (or randomised for the exploration share), position-biased
 * impressions and per-surface actions. Visit counts follow query similarity and popularity but
 * not the viewer's own taste, locale or freshness, so a learned ranker has something to learn.
 */
export interface SimulatorOptions {
  /** client surfaces to simulate (requests are spread round-robin) */
  clients: string[];
  requests: number;
  seed: number;
  users?: number;
  pins?: number;
  dim?: number;
  candidatesPerRequest?: number;
  /** positions that can be seen; later ones are generated but not served */
  viewDepth?: number;
  /** share of requests served in random order */
  explorationShare?: number;
  /** epoch ms of the first request */
  startTs?: number;
}

export interface SimulatedLog {
  candidates: CandidateLogRecord[];
  events: EngagementEvent[];
  /** true engagement probability of each candidate record (for oracle evaluation) */
  truth: Float32Array;
}

const LOCALES = ['en-US', 'de-DE', 'fr-FR', 'ja-JP', 'pt-BR'];

/** Per-surface action rates given engagement intent p. */
const ACTIONS: Record<string, Record<string, number>> = {
  homefeed: { closeup: 0.7, click: 0.45, save: 0.5 },
  related: { closeup: 0.8, click: 0.6, save: 0.3 },
  notifications: { click: 0.9, save: 0.1 },
};
const DEFAULT_ACTIONS: Record<string, number> = { click: 0.6, save: 0.3 };

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function simulateEngagement(o: SimulatorOptions): SimulatedLog {
  const nUsers = o.users ?? 400;
  const nPins = o.pins ?? 4000;
  const dim = o.dim ?? 8;
  const perReq = o.candidatesPerRequest ?? 30;
  const viewDepth = o.viewDepth ?? 12;
  if (!Number.isInteger(o.requests) || o.requests < 1) throw new Error(`simulator: requests ${o.requests} must be a positive integer`);
  if (o.clients.length === 0) throw new Error('simulator: no clients');
  if (perReq < 2 || perReq > nPins) throw new Error(`simulator: candidatesPerRequest ${perReq} must be in [2, pins]`);
  const policy = new ExplorationPolicy(o.explorationShare ?? 0.1, o.seed);
  const rng = new Rng(o.seed);
  const unit = (): Float32Array => {
    const v = new Float32Array(dim);
    let s = 0;
    for (let i = 0; i < dim; i++) {
      v[i] = rng.normal();
      s += v[i]! * v[i]!;
    }
    s = Math.sqrt(s) || 1;
    for (let i = 0; i < dim; i++) v[i] = v[i]! / s;
    return v;
  };
  const U = Array.from({ length: nUsers }, unit);
  const P = Array.from({ length: nPins }, unit);
  const userLocale = Int32Array.from({ length: nUsers }, () => (rng.next() < 0.5 ? 0 : rng.int(LOCALES.length)));
  const pinLocale = Int32Array.from({ length: nPins }, () => (rng.next() < 0.5 ? 0 : rng.int(LOCALES.length)));
  // popularity: log-normal, standardised
  const popZ = Float32Array.from({ length: nPins }, () => rng.normal());
  const ageHours = Float32Array.from({ length: nPins }, () => (rng.next() < 0.15 ? rng.next() * 48 : 48 + rng.next() * 24 * 365));
  const dot = (a: Float32Array, b: Float32Array): number => {
    let s = 0;
    for (let i = 0; i < dim; i++) s += a[i]! * b[i]!;
    return s;
  };
  const candidates: CandidateLogRecord[] = [];
  const events: EngagementEvent[] = [];
  const truth: number[] = [];
  const t0 = o.startTs ?? Date.UTC(2026, 0, 1);
  const picked = new Int32Array(nPins).fill(-1);
  for (let q = 0; q < o.requests; q++) {
    const client = o.clients[q % o.clients.length]!;
    const requestId = `${client}-${o.seed}-${q}`;
    const user = rng.int(nUsers);
    // the query pin: one of a few random pins the user likes best (home feed, notifications) or any pin
    let query = rng.int(nPins);
    if (client !== 'related') {
      for (let k = 0; k < 4; k++) {
        const c = rng.int(nPins);
        if (dot(U[user]!, P[c]!) > dot(U[user]!, P[query]!)) query = c;
      }
    }
    // candidates: graph neighbours of the query (high similarity), popular pins, fresh pins
    const cand: number[] = [];
    const src: string[][] = [];
    const add = (pin: number, s: string): void => {
      if (picked[pin] === q) {
        const i = cand.indexOf(pin);
        if (!src[i]!.includes(s)) src[i]!.push(s);
        return;
      }
      picked[pin] = q;
      cand.push(pin);
      src.push([s]);
    };
    const pool: number[] = [];
    for (let k = 0; k < perReq * 4; k++) pool.push(rng.int(nPins));
    pool.sort((a, b) => dot(P[query]!, P[b]!) - dot(P[query]!, P[a]!));
    for (let k = 0; cand.length < Math.ceil(perReq * 0.6) && k < pool.length; k++) {
      add(pool[k]!, 'pixie');
      if (rng.next() < 0.35) add(pool[k]!, 'board');
    }
    while (cand.length < Math.ceil(perReq * 0.8)) {
      const p = rng.int(nPins);
      add(p, popZ[p]! > 0.5 ? 'board' : 'pixie');
    }
    while (cand.length < perReq) {
      const p = rng.int(nPins);
      if (rng.next() < 0.5 && pinLocale[p] === userLocale[user]) add(p, 'locale');
      else if (ageHours[p]! < 48 || rng.next() < 0.3) add(p, 'fresh');
    }
    const m = cand.length;
    const visits = new Float64Array(m);
    const recs: CandidateLogRecord[] = [];
    const probs = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const pin = cand[i]!;
      const qsim = dot(P[query]!, P[pin]!);
      const aff = dot(U[user]!, P[pin]!);
      const localeMatch = pinLocale[pin] === userLocale[user] ? 1 : 0;
      const fresh = ageHours[pin]! < 48 ? 1 : 0;
      visits[i] = src[i]!.includes('pixie') ? Math.round(Math.exp(1.6 * qsim + 0.7 * popZ[pin]! + 0.4 * rng.normal()) * 20) : 0;
      probs[i] = sigmoid(-2.2 + 2.2 * aff + 0.8 * qsim + 0.8 * localeMatch + 0.7 * fresh + 0.25 * popZ[pin]!);
      recs.push({
        requestId,
        ts: t0 + q * 1000,
        client,
        user,
        locale: LOCALES[userLocale[user]!],
        queryPins: [query],
        pin,
        position: -1,
        randomized: false,
        sources: src[i]!,
        features: {
          visits: visits[i]!,
          visit_rank: 0,
          query_sim: qsim + 0.05 * rng.normal(),
          user_affinity: aff + 0.35 * rng.normal(),
          locale_match: localeMatch,
          age_hours: ageHours[pin]!,
          popularity: Math.log1p(Math.exp(2 + popZ[pin]!)),
        },
      });
    }
    // visit rank (0 = most visited); production serving order is visit count
    const byVisits = Array.from({ length: m }, (_, i) => i).sort((a, b) => visits[b]! - visits[a]! || a - b);
    byVisits.forEach((i, r) => (recs[i]!.features.visit_rank = r));
    const { order, randomized } = policy.order(requestId, visits);
    const rates = ACTIONS[client] ?? DEFAULT_ACTIONS;
    for (let pos = 0; pos < m; pos++) {
      const i = order[pos]!;
      const rec = recs[i]!;
      rec.randomized = randomized;
      if (pos >= viewDepth) continue;
      rec.position = pos;
      // position bias: the chance of being seen decays down the list
      if (rng.next() >= Math.pow(0.88, pos)) continue;
      const ts = rec.ts + 100 + pos;
      events.push({ requestId, pin: rec.pin, action: 'impression', ts, user });
      const intent = rng.next() < probs[i]!;
      if (intent) {
        for (const [action, rate] of Object.entries(rates)) {
          if (rng.next() < rate) events.push({ requestId, pin: rec.pin, action, ts: ts + 1, user });
        }
      } else if (rng.next() < 0.02) events.push({ requestId, pin: rec.pin, action: 'hide', ts: ts + 1, user });
    }
    for (let i = 0; i < m; i++) {
      candidates.push(recs[i]!);
      truth.push(probs[i]!);
    }
  }
  return { candidates, events, truth: Float32Array.from(truth) };
}
