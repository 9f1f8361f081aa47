import { FeatureExtractor } from './features.js';
import { unitHash } from './hash.js';
import type { GbdtDataset } from './gbdt/train.js';
import { labelOf, type LabelConfig } from './labels.js';
import type { CandidateLogRecord, EngagementEvent } from './logging.js';

/** A labelled data set with one group per request, ready for trainGbdt. */
export interface RankingDataset extends GbdtDataset {
  groups: Uint32Array;
  weights: Float32Array;
  /** graded relevance per row (labels are the binary targets) */
  grades: Float32Array;
  /** per group */
  requestIds: string[];
  /** per group: 1 when the request was served in randomised order */
  randomized: Uint8Array;
  /** per row: served position, -1 = not served */
  positions: Int32Array;
}

export interface DatasetOptions {
  client: string;
  labels: LabelConfig;
  features: readonly string[];
  /** keep only randomised (exploration) requests */
  randomizedOnly?: boolean;
  /** multiply weights of rows from randomised requests (default 1) */
  randomizedWeight?: number;
}

function eventKey(requestId: string, pin: number): string {
  return `${requestId}\u0000${pin}`;
}

/**
 * Joins logged candidates with engagement events and labels them. Rows keep log order within a
 * request; requests appear in order of their first record. Candidates never served are kept
 * (funnel and blended strategies use them as negatives).
 */
export function buildDataset(
  records: readonly CandidateLogRecord[],
  events: readonly EngagementEvent[],
  opts: DatasetOptions,
): RankingDataset {
  const actions = new Map<string, string[]>();
  for (const e of events) {
    const k = eventKey(e.requestId, e.pin);
    const list = actions.get(k);
    if (list) list.push(e.action);
    else actions.set(k, [e.action]);
  }
  const byRequest = new Map<string, CandidateLogRecord[]>();
  for (const r of records) {
    if (r.client !== opts.client) continue;
    if (opts.randomizedOnly && !r.randomized) continue;
    const list = byRequest.get(r.requestId);
    if (list) list.push(r);
    else byRequest.set(r.requestId, [r]);
  }
  const extractor = new FeatureExtractor(opts.features);
  const nf = opts.features.length;
  const rowsList: CandidateLogRecord[] = [];
  const lab: number[] = [];
  const wt: number[] = [];
  const grd: number[] = [];
  const groups: number[] = [0];
  const requestIds: string[] = [];
  const randomized: number[] = [];
  const rw = opts.randomizedWeight ?? 1;
  for (const [rid, recs] of byRequest) {
    const start = rowsList.length;
    for (const r of recs) {
      const acts = actions.get(eventKey(rid, r.pin)) ?? [];
      const impressed = acts.includes('impression');
      const localMatch = r.features.locale_match === 1;
      const l = labelOf(impressed, acts, localMatch, opts.labels);
      if (!l) continue;
      rowsList.push(r);
      lab.push(l.label);
      wt.push(l.weight * (r.randomized ? rw : 1));
      grd.push(l.grade);
    }
    if (rowsList.length > start) {
      groups.push(rowsList.length);
      requestIds.push(rid);
      randomized.push(recs[0]!.randomized ? 1 : 0);
    }
  }
  const n = rowsList.length;
  if (n === 0) throw new Error(`data set: no labelled rows for client '${opts.client}'`);
  const x = new Float32Array(n * nf);
  for (let i = 0; i < n; i++) extractor.row(rowsList[i]!, x, i * nf);
  return {
    x,
    rows: n,
    featureNames: opts.features.slice(),
    labels: Float32Array.from(lab),
    weights: Float32Array.from(wt),
    grades: Float32Array.from(grd),
    groups: Uint32Array.from(groups),
    requestIds,
    randomized: Uint8Array.from(randomized),
    positions: Int32Array.from(rowsList, (r) => r.position),
  };
}

/** The groups (requests) for which keep(g) is true, as a new data set. */
export function selectGroups(d: RankingDataset, keep: (g: number) => boolean): RankingDataset {
  const nf = d.featureNames.length;
  const gs: number[] = [];
  let rows = 0;
  for (let g = 0; g < d.requestIds.length; g++) {
    if (keep(g)) {
      gs.push(g);
      rows += d.groups[g + 1]! - d.groups[g]!;
    }
  }
  const out: RankingDataset = {
    x: new Float32Array(rows * nf),
    rows,
    featureNames: d.featureNames,
    labels: new Float32Array(rows),
    weights: new Float32Array(rows),
    grades: new Float32Array(rows),
    groups: new Uint32Array(gs.length + 1),
    requestIds: gs.map((g) => d.requestIds[g]!),
    randomized: Uint8Array.from(gs, (g) => d.randomized[g]!),
    positions: new Int32Array(rows),
  };
  let at = 0;
  gs.forEach((g, i) => {
    const a = d.groups[g]!;
    const b = d.groups[g + 1]!;
    out.x.set(d.x.subarray(a * nf, b * nf), at * nf);
    out.labels.set(d.labels.subarray(a, b), at);
    out.weights.set(d.weights.subarray(a, b), at);
    out.grades.set(d.grades.subarray(a, b), at);
    out.positions.set(d.positions.subarray(a, b), at);
    at += b - a;
    out.groups[i + 1] = at;
  });
  return out;
}

/**
 * Deterministic train/validation/test split by request id hash, so a request never straddles
 * two parts and the same log always splits the same way.
 */
export function splitByRequest(
  d: RankingDataset,
  fractions: { valid: number; test: number },
  seed = 0,
): { train: RankingDataset; valid: RankingDataset; test: RankingDataset } {
  const { valid, test } = fractions;
  if (!(valid >= 0 && test >= 0 && valid + test < 1)) throw new Error('split: valid + test must be in [0, 1)');
  const u = d.requestIds.map((id) => unitHash(id, seed));
  return {
    test: selectGroups(d, (g) => u[g]! < test),
    valid: selectGroups(d, (g) => u[g]! >= test && u[g]! < test + valid),
    train: selectGroups(d, (g) => u[g]! >= test + valid),
  };
}

/** Only the rows of a data set that were served (position >= 0), regrouped. For replay evaluation. */
export function servedRows(d: RankingDataset): RankingDataset {
  const nf = d.featureNames.length;
  const keepRows: number[] = [];
  const groups: number[] = [0];
  const gIdx: number[] = [];
  for (let g = 0; g < d.requestIds.length; g++) {
    const start = keepRows.length;
    for (let i = d.groups[g]!; i < d.groups[g + 1]!; i++) if (d.positions[i]! >= 0) keepRows.push(i);
    if (keepRows.length > start) {
      groups.push(keepRows.length);
      gIdx.push(g);
    }
  }
  const x = new Float32Array(keepRows.length * nf);
  keepRows.forEach((r, i) => x.set(d.x.subarray(r * nf, r * nf + nf), i * nf));
  const pick = <T extends Float32Array | Int32Array>(a: T, make: (n: number) => T): T => {
    const o = make(keepRows.length);
    keepRows.forEach((r, i) => (o[i] = a[r]!));
    return o;
  };
  return {
    x,
    rows: keepRows.length,
    featureNames: d.featureNames,
    labels: pick(d.labels, (n) => new Float32Array(n)),
    weights: pick(d.weights, (n) => new Float32Array(n)),
    grades: pick(d.grades, (n) => new Float32Array(n)),
    positions: pick(d.positions, (n) => new Int32Array(n)),
    groups: Uint32Array.from(groups),
    requestIds: gIdx.map((g) => d.requestIds[g]!),
    randomized: Uint8Array.from(gIdx, (g) => d.randomized[g]!),
  };
}
