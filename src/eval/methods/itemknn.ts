import { itemDegrees, userItemsOf, type EvalDataset } from '../datasets.js';
import { buildTopK, itemUsers, ItemMatrix } from './item-matrix.js';
import { ParamMethod, requireRange, type MethodOptions, type Params } from './types.js';

/**
 * Item-based kNN with shrunk cosine similarity on binary interactions:
 *   sim(i, j) = |U(i) ∩ U(j)| / (√|U(i)|·√|U(j)| + shrink)
 * Each target item keeps its `k` most similar items; score(u, j) = Σ_{i ∈ I(u)} sim(i, j).
 */
export class ItemKnnMethod extends ParamMethod {
  private matrix: ItemMatrix | null = null;
  private ds: EvalDataset | null = null;

  constructor(options: MethodOptions = {}) {
    super('itemknn', { k: 1000, shrink: 0 }, { 'citeulike-a': {}, lastfm: {} }, options);
  }

  protected check(p: Params): void {
    requireRange(this.name, 'k', p['k']!, 1, 1e7, true);
    requireRange(this.name, 'shrink', p['shrink']!, 0, 1e9);
  }

  protected fit(ds: EvalDataset): void {
    this.ds = ds;
    const deg = itemDegrees(ds);
    const iu = itemUsers(ds);
    const shrink = this.p['shrink']!;
    const sq = Float64Array.from(deg, (d) => Math.sqrt(d));
    this.matrix = buildTopK(ds.numItems, this.p['k']!, true, (j, acc, touched) => {
      let nt = 0;
      for (let e = iu.offsets[j]!; e < iu.offsets[j + 1]!; e++) {
        const row = userItemsOf(ds, iu.users[e]!);
        for (let r = 0; r < row.length; r++) {
          const i = row[r]!;
          if (acc[i] === 0) touched[nt++] = i;
          acc[i]! += 1;
        }
      }
      for (let t = 0; t < nt; t++) {
        const i = touched[t]!;
        acc[i] = acc[i]! / (sq[i]! * sq[j]! + shrink);
      }
      return nt;
    });
  }

  protected scoreItems(user: number, items: Uint32Array, out: Float64Array): void {
    if (!this.matrix || !this.ds) throw new Error('itemknn: prepare() first');
    this.matrix.score(userItemsOf(this.ds, user), items, out);
  }
}
