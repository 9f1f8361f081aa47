import { itemDegrees, userItemsOf, type EvalDataset } from '../datasets.js';
import { buildTopK, itemUsers, ItemMatrix } from './item-matrix.js';
import { ParamMethod, requireRange, type MethodOptions, type Params } from './types.js';

/**
 * RP3beta (Paudel et al., "Updatable, accurate, diverse, and scalable recommendations for
 * interactive applications", TiiS 2016): a 3-step item→user→item walk probability with
 * popularity damping,
 *   W[i][j] = Σ_u (1/|U(i)|)^α · (1/|I(u)|)^α / |U(j)|^β
 * each source item keeps its `k` largest entries (rows optionally L1-normalised first);
 * score(u, j) = Σ_{i ∈ I(u)} W[i][j]. Binary interactions.
 */
export class Rp3betaMethod extends ParamMethod {
  private matrix: ItemMatrix | null = null;
  private ds: EvalDataset | null = null;

  constructor(options: MethodOptions = {}) {
    super('rp3beta', { k: 1000, alpha: 1, beta: 0.5, normalize: 0 }, { 'citeulike-a': { alpha: 0.5, beta: 0.3 }, lastfm: {} }, options);
  }

  protected check(p: Params): void {
    requireRange(this.name, 'k', p['k']!, 1, 1e7, true);
    requireRange(this.name, 'alpha', p['alpha']!, 0, 10);
    requireRange(this.name, 'beta', p['beta']!, 0, 10);
    requireRange(this.name, 'normalize', p['normalize']!, 0, 1, true);
  }

  protected fit(ds: EvalDataset): void {
    this.ds = ds;
    const deg = itemDegrees(ds);
    const iu = itemUsers(ds);
    const alpha = this.p['alpha']!;
    const beta = this.p['beta']!;
    const normalize = this.p['normalize'] === 1;
    const userW = new Float64Array(ds.numUsers);
    for (let u = 0; u < ds.numUsers; u++) {
      const d = ds.userOffsets[u + 1]! - ds.userOffsets[u]!;
      userW[u] = d > 0 ? Math.pow(1 / d, alpha) : 0;
    }
    const popDamp = Float64Array.from(deg, (d) => (d > 0 ? Math.pow(d, -beta) : 0));
    this.matrix = buildTopK(ds.numItems, this.p['k']!, false, (i, acc, touched) => {
      let nt = 0;
      const di = deg[i]!;
      if (di === 0) return 0;
      const wi = Math.pow(1 / di, alpha);
      for (let e = iu.offsets[i]!; e < iu.offsets[i + 1]!; e++) {
        const u = iu.users[e]!;
        const w = wi * userW[u]!;
        const row = userItemsOf(ds, u);
        for (let r = 0; r < row.length; r++) {
          const j = row[r]!;
          if (acc[j] === 0) touched[nt++] = j;
          acc[j]! += w;
        }
      }
      let sum = 0;
      for (let t = 0; t < nt; t++) {
        const j = touched[t]!;
        acc[j] = acc[j]! * popDamp[j]!;
        if (j !== i) sum += acc[j]!;
      }
      if (normalize && sum > 0) for (let t = 0; t < nt; t++) acc[touched[t]!] = acc[touched[t]!]! / sum;
      return nt;
    });
  }

  protected scoreItems(user: number, items: Uint32Array, out: Float64Array): void {
    if (!this.matrix || !this.ds) throw new Error('rp3beta: prepare() first');
    this.matrix.score(userItemsOf(this.ds, user), items, out);
  }
}
