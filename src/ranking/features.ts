/**
 * Feature extraction: candidates (or logged candidate records) to a row-major Float32Array with
 * a fixed, named column list that is stored with the model. A name resolves to
 *   - `src:<generator>`  1 when that generator proposed the pin, else 0
 *   - `n_sources`        number of generators that proposed it
 *   - `score`            the candidate's own score
 *   - anything else      candidate.features[name], NaN (missing) when absent
 */
export interface FeatureSource {
  score?: number;
  sources: string[];
  features: Record<string, number>;
}

/** The features boardwalk's surfaces and the engagement simulator produce. */
export const DEFAULT_FEATURES: readonly string[] = [
  'visits',
  'visit_rank',
  'n_sources',
  'src:pixie',
  'src:board',
  'src:fresh',
  'src:locale',
  'query_sim',
  'user_affinity',
  'locale_match',
  'age_hours',
  'popularity',
];

const KIND_FEATURE = 0;
const KIND_SOURCE = 1;
const KIND_NSOURCES = 2;
const KIND_SCORE = 3;

export class FeatureExtractor {
  private readonly kinds: Uint8Array;
  private readonly keys: string[];
  private buf: Float32Array = new Float32Array(0);

  constructor(readonly names: readonly string[]) {
    if (names.length === 0) throw new Error('features: empty feature list');
    if (new Set(names).size !== names.length) throw new Error('features: duplicate feature names');
    this.kinds = new Uint8Array(names.length);
    this.keys = names.map((n, i) => {
      if (n.startsWith('src:')) {
        if (n.length === 4) throw new Error(`features: '${n}' names no source`);
        this.kinds[i] = KIND_SOURCE;
        return n.slice(4);
      }
      this.kinds[i] = n === 'n_sources' ? KIND_NSOURCES : n === 'score' ? KIND_SCORE : KIND_FEATURE;
      return n;
    });
  }

  /** Writes one row at out[off..off+names.length). */
  row(c: FeatureSource, out: Float32Array, off: number): void {
    const { kinds, keys } = this;
    for (let f = 0; f < kinds.length; f++) {
      const k = kinds[f]!;
      let v: number;
      if (k === KIND_FEATURE) {
        const x = c.features[keys[f]!];
        v = typeof x === 'number' ? x : NaN;
      } else if (k === KIND_SOURCE) v = c.sources.includes(keys[f]!) ? 1 : 0;
      else if (k === KIND_NSOURCES) v = c.sources.length;
      else v = typeof c.score === 'number' ? c.score : NaN;
      out[off + f] = v;
    }
  }

  /** A fresh matrix for the given rows. */
  matrix(rows: readonly FeatureSource[]): Float32Array {
    const nf = this.names.length;
    const out = new Float32Array(rows.length * nf);
    for (let i = 0; i < rows.length; i++) this.row(rows[i]!, out, i * nf);
    return out;
  }

  /**
   * The matrix in a buffer owned by the extractor (grown when needed, reused otherwise): valid
   * until the next call. For serving, where one request's candidates are scored at a time.
   */
  scratch(rows: readonly FeatureSource[]): Float32Array {
    const nf = this.names.length;
    const need = rows.length * nf;
    if (this.buf.length < need) this.buf = new Float32Array(Math.max(need, this.buf.length * 2));
    for (let i = 0; i < rows.length; i++) this.row(rows[i]!, this.buf, i * nf);
    return this.buf;
  }
}
