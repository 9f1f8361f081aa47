/**
 * Count-min sketch over non-negative integer keys (dense pin ids): a streaming frequency
 * estimate in fixed memory. Used for the sampling-bias correction of in-batch negatives
 * (Yi et al., RecSys 2019): an item's probability of appearing in a batch is estimated
 * from how often it has been streamed so far.
 *
 * Estimates never under-count; over-count is at most e*total/width with probability 1-e^-depth.
 */
export class CountMinSketch {
  readonly width: number;
  readonly depth: number;
  private readonly table: Float64Array;
  private readonly seeds: Uint32Array;
  private totalCount = 0;

  constructor(width = 1 << 16, depth = 4, seed = 1) {
    if (!Number.isInteger(width) || width < 1) throw new Error(`count-min: width must be a positive integer, got ${width}`);
    if (!Number.isInteger(depth) || depth < 1) throw new Error(`count-min: depth must be a positive integer, got ${depth}`);
    this.width = width;
    this.depth = depth;
    this.table = new Float64Array(width * depth);
    this.seeds = new Uint32Array(depth);
    let s = seed >>> 0;
    for (let d = 0; d < depth; d++) {
      s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9 + d) >>> 0;
      this.seeds[d] = s | 1;
    }
  }

  private slot(key: number, row: number): number {
    // murmur3 finaliser on key ^ per-row seed
    let h = (key ^ this.seeds[row]!) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h = (h ^ (h >>> 16)) >>> 0;
    return row * this.width + (h % this.width);
  }

  add(key: number, count = 1): void {
    for (let d = 0; d < this.depth; d++) this.table[this.slot(key, d)]! += count;
    this.totalCount += count;
  }

  /** Estimated count of key (an upper bound of the true count). */
  estimate(key: number): number {
    let m = Infinity;
    for (let d = 0; d < this.depth; d++) {
      const v = this.table[this.slot(key, d)]!;
      if (v < m) m = v;
    }
    return m;
  }

  /** Estimated probability that a streamed item is `key`; 0 before anything was added. */
  probability(key: number): number {
    return this.totalCount === 0 ? 0 : this.estimate(key) / this.totalCount;
  }

  get total(): number {
    return this.totalCount;
  }
}
