import { Rng } from '../../util/rng.js';

/**
 * Feature binning for histogram training. Bin 0 holds missing values (NaN); a present value v
 * falls in bin 1 + #{cuts <= v}. So "bin <= b" is exactly "v < cuts[b-1]", the split rule the
 * trees use, and a split found on bins becomes a float threshold with no rounding.
 */
export class BinMapper {
  /** bins per feature including the missing bin: cuts[f].length + 2 */
  readonly nBins: Int32Array;

  constructor(readonly cuts: Float32Array[]) {
    this.nBins = Int32Array.from(cuts, (c) => c.length + 2);
    for (const c of cuts) if (c.length > 254) throw new Error(`binning: ${c.length} cuts, at most 254`);
  }

  get nFeatures(): number {
    return this.cuts.length;
  }

  binOf(f: number, v: number): number {
    if (v !== v) return 0;
    const c = this.cuts[f]!;
    let lo = 0;
    let hi = c.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }

  /** Threshold for a split that sends bins 1..b left. */
  threshold(f: number, b: number): number {
    return this.cuts[f]![b - 1]!;
  }

  /**
   * Quantile cuts per feature from (a sample of) the rows of a row-major matrix. With few distinct
   * values every distinct value above the minimum becomes a cut, so no split is lost.
   */
  static fit(x: Float32Array, rows: number, nf: number, maxBins = 256, sampleRows = 200_000, seed = 1): BinMapper {
    if (maxBins < 3 || maxBins > 256) throw new Error(`binning: maxBins ${maxBins} must be in [3, 256]`);
    if (x.length !== rows * nf) throw new Error(`binning: matrix has ${x.length} values, expected ${rows}x${nf}`);
    const maxCuts = maxBins - 2;
    let sample: Uint32Array | null = null;
    if (rows > sampleRows) {
      const rng = new Rng(seed);
      sample = new Uint32Array(sampleRows);
      for (let i = 0; i < sampleRows; i++) sample[i] = rng.int(rows);
    }
    const m = sample ? sample.length : rows;
    const vals = new Float32Array(m);
    const cuts: Float32Array[] = [];
    for (let f = 0; f < nf; f++) {
      let k = 0;
      for (let i = 0; i < m; i++) {
        const v = x[(sample ? sample[i]! : i) * nf + f]!;
        if (v === v) vals[k++] = v;
      }
      const sorted = vals.subarray(0, k).sort();
      const distinct: number[] = [];
      for (let i = 0; i < k; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
      let c: number[];
      if (distinct.length - 1 <= maxCuts) c = distinct.slice(1);
      else {
        c = [];
        for (let q = 1; q <= maxCuts; q++) {
          const v = sorted[Math.floor((q * k) / (maxCuts + 1))]!;
          if (v > sorted[0]! && (c.length === 0 || v > c[c.length - 1]!)) c.push(v);
        }
      }
      cuts.push(Float32Array.from(c));
    }
    return new BinMapper(cuts);
  }

  /** Row-major Uint8 bin matrix for the given rows. */
  transform(x: Float32Array, rows: number): Uint8Array {
    const nf = this.nFeatures;
    if (x.length !== rows * nf) throw new Error(`binning: matrix has ${x.length} values, expected ${rows}x${nf}`);
    const out = new Uint8Array(rows * nf);
    for (let r = 0; r < rows; r++) for (let f = 0; f < nf; f++) out[r * nf + f] = this.binOf(f, x[r * nf + f]!);
    return out;
  }
}
