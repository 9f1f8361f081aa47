/**
 * Offline metrics for rankers: weighted AUC, log loss, NDCG@k over request groups. Pure functions
 * over typed arrays. `groups` are offsets: group g is rows [groups[g], groups[g+1]).
 */

/** Weighted ROC AUC with tied scores counted half. Labels > 0 are positives. NaN if one class is absent. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new Error(`auc: ${n} scores but ${labels.length} labels`);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a]! - scores[b]!);
  let negBelow = 0;
  let area = 0;
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < n; ) {
    // one block of tied scores
    let j = i;
    let p = 0;
    let q = 0;
    while (j < n && scores[order[j]!] === scores[order[i]!]) {
      const w = weights ? weights[order[j]!]! : 1;
      if (labels[order[j]!]! > 0) p += w;
      else q += w;
      j++;
    }
    area += p * (negBelow + q / 2);
    negBelow += q;
    pos += p;
    neg += q;
    i = j;
  }
  return pos > 0 && neg > 0 ? area / (pos * neg) : NaN;
}

/** Mean weighted binary log loss of probabilities. */
export function logLoss(probs: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let s = 0;
  let w = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, probs[i]!));
    const wi = weights ? weights[i]! : 1;
    s -= wi * (labels[i]! > 0 ? Math.log(p) : Math.log(1 - p));
    w += wi;
  }
  return w > 0 ? s / w : NaN;
}

/** DCG gain of a graded label. */
export function gain(label: number): number {
  return Math.pow(2, label) - 1;
}

/**
 * Mean NDCG@k over groups that have at least one positive label. Ties in score are broken
 * pessimistically (a lower label ranks first), so a constant scorer earns no credit from order.
 */
export function ndcgAtK(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  groups: ArrayLike<number>,
  k = 10,
): number {
  let total = 0;
  let counted = 0;
  const idx: number[] = [];
  const lab: number[] = [];
  for (let g = 0; g + 1 < groups.length; g++) {
    const a = groups[g]!;
    const b = groups[g + 1]!;
    idx.length = 0;
    lab.length = 0;
    for (let i = a; i < b; i++) {
      idx.push(i);
      lab.push(labels[i]!);
    }
    lab.sort((x, y) => y - x);
    let ideal = 0;
    for (let r = 0; r < Math.min(k, lab.length); r++) ideal += gain(lab[r]!) / Math.log2(r + 2);
    if (ideal <= 0) continue;
    idx.sort((x, y) => scores[y]! - scores[x]! || labels[x]! - labels[y]!);
    let dcg = 0;
    for (let r = 0; r < Math.min(k, idx.length); r++) dcg += gain(labels[idx[r]!]!) / Math.log2(r + 2);
    total += dcg / ideal;
    counted++;
  }
  return counted > 0 ? total / counted : NaN;
}
