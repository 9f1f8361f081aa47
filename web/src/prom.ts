/**
 * Prometheus text format, just enough for the console's live plots: parse a scrape, then turn
 * two scrapes into request rate and latency quantiles (as PromQL's rate() and
 * histogram_quantile() would). No DOM: unit-tested in test/web.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/g;

function unescape(v: string): string {
  return v.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(v: string): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

/** Parses a scrape; comments and blank lines are skipped, a malformed line is an error naming it. */
export function parseProm(text: string): Sample[] {
  const out: Sample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`metrics line ${i + 1}: cannot parse ${JSON.stringify(line.slice(0, 80))}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      LABEL.lastIndex = 0;
      let lm: RegExpExecArray | null;
      let consumed = 0;
      while ((lm = LABEL.exec(m[3])) !== null) {
        labels[lm[1]!] = unescape(lm[2]!);
        consumed = LABEL.lastIndex;
      }
      if (consumed !== m[3].length) throw new Error(`metrics line ${i + 1}: bad labels ${JSON.stringify(m[3].slice(0, 80))}`);
    }
    out.push({ name: m[1]!, labels, value: parseValue(m[4]!) });
  }
  return out;
}

export type LabelFilter = (labels: Record<string, string>) => boolean;

/** Sum of a metric's samples that pass the filter. */
export function sum(samples: Sample[], name: string, filter: LabelFilter = () => true): number {
  let s = 0;
  for (const x of samples) if (x.name === name && filter(x.labels)) s += x.value;
  return s;
}

/** Sums a metric by one label: { labelValue: total }. */
export function sumBy(samples: Sample[], name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of samples) if (x.name === name) out[x.labels[label] ?? ''] = (out[x.labels[label] ?? ''] ?? 0) + x.value;
  return out;
}

/** A histogram's cumulative buckets summed over the series passing the filter, by upper bound. */
export interface Buckets {
  le: number[];
  counts: number[];
  count: number;
  sum: number;
}

export function histogram(samples: Sample[], name: string, filter: LabelFilter = () => true): Buckets {
  const byLe = new Map<number, number>();
  let count = 0;
  let total = 0;
  for (const x of samples) {
    if (!x.name.startsWith(name) || !filter(x.labels)) continue;
    if (x.name === `${name}_bucket`) {
      const le = parseValue(x.labels['le'] ?? 'NaN');
      byLe.set(le, (byLe.get(le) ?? 0) + x.value);
    } else if (x.name === `${name}_count`) count += x.value;
    else if (x.name === `${name}_sum`) total += x.value;
  }
  const le = [...byLe.keys()].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return { le, counts: le.map((v) => byLe.get(v)!), count, sum: total };
}

/** b − a bucket by bucket (a counter reset, i.e. b below a, counts b whole). */
export function delta(a: Buckets | null, b: Buckets): Buckets {
  if (!a || b.count < a.count) return b;
  const at = new Map(a.le.map((v, i) => [v, a.counts[i]!] as const));
  return { le: b.le, counts: b.le.map((v, i) => Math.max(0, b.counts[i]! - (at.get(v) ?? 0))), count: b.count - a.count, sum: b.sum - a.sum };
}

/**
 * The q-quantile of a histogram, interpolating linearly inside the bucket it falls in (as
 * histogram_quantile). Null when the histogram is empty; the highest finite bound when it falls
 * in the +Inf bucket.
 */
export function quantile(q: number, h: Buckets): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  const n = h.counts.length;
  if (n === 0) return null;
  const total = h.counts[n - 1]!;
  if (total <= 0) return null;
  const rank = q * total;
  let i = 0;
  while (i < n - 1 && h.counts[i]! < rank) i++;
  const upper = h.le[i]!;
  if (upper === Infinity) return n >= 2 ? h.le[n - 2]! : null;
  const lower = i === 0 ? 0 : h.le[i - 1]!;
  const below = i === 0 ? 0 : h.counts[i - 1]!;
  const inBucket = h.counts[i]! - below;
  if (inBucket <= 0) return upper;
  return lower + ((upper - lower) * (rank - below)) / inBucket;
}
