import { itemDegrees, type EvalDataset } from '../datasets.js';
import { ParamMethod, type MethodOptions, type Params } from './types.js';

/** Most popular first: an item's score is the number of users with it in training. */
export class PopularityMethod extends ParamMethod {
  private degree: Uint32Array = new Uint32Array(0);

  constructor(options: MethodOptions = {}) {
    super('pop', {}, {}, options);
  }

  protected check(_p: Params): void {}

  protected fit(ds: EvalDataset): void {
    this.degree = itemDegrees(ds);
  }

  protected scoreItems(_user: number, items: Uint32Array, out: Float64Array): void {
    const d = this.degree;
    for (let k = 0; k < items.length; k++) {
      const it = items[k]!;
      out[k] = it < d.length ? d[it]! : 0;
    }
  }
}
