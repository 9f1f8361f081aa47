/** Published HR@10 / NDCG@10 on these exact splits (see /work/shared/data/README.md). */
export interface PublishedFigure {
  method: string;
  hr: number;
  ndcg: number;
  source: string;
}

const DEEPCF = 'DeepCF, AAAI 2019, Table 2';
const TOIS = 'Ferrari Dacrema et al., TOIS 2021, Table 4';

export const PUBLISHED: Record<string, PublishedFigure[]> = {
  lastfm: [
    { method: 'ItemPop', hr: 0.6628, ndcg: 0.3862, source: DEEPCF },
    { method: 'eALS', hr: 0.8265, ndcg: 0.5162, source: DEEPCF },
    { method: 'DMF', hr: 0.884, ndcg: 0.5804, source: DEEPCF },
    { method: 'NeuMF', hr: 0.8868, ndcg: 0.6007, source: DEEPCF },
    { method: 'CFNet', hr: 0.8995, ndcg: 0.6186, source: DEEPCF },
  ],
  'citeulike-a': [
    { method: 'TopPopular', hr: 0.2774, ndcg: 0.1537, source: TOIS },
    { method: 'UserKNN', hr: 0.8962, ndcg: 0.7265, source: TOIS },
    { method: 'ItemKNN', hr: 0.8925, ndcg: 0.7267, source: TOIS },
    { method: 'RP3beta', hr: 0.9002, ndcg: 0.7447, source: TOIS },
    { method: 'SLIM ElasticNet', hr: 0.8908, ndcg: 0.7376, source: TOIS },
    { method: 'MF BPR', hr: 0.8245, ndcg: 0.6356, source: TOIS },
    { method: 'iALS', hr: 0.9006, ndcg: 0.7313, source: TOIS },
    { method: 'CMN', hr: 0.8746, ndcg: 0.679, source: TOIS },
  ],
};

/**
 * The published figure to print beside one of our methods: the same method when published,
 * else (for methods without one, e.g. pixie) the best published figure, our target.
 */
const SAME: Record<string, string[]> = { pop: ['ItemPop', 'TopPopular'], itemknn: ['ItemKNN'], rp3beta: ['RP3beta'] };

export function publishedFor(dataset: string, method: string): PublishedFigure | null {
  const figs = PUBLISHED[dataset];
  if (!figs) return null;
  const names = SAME[method];
  if (names) return figs.find((f) => names.includes(f.method)) ?? null;
  let best: PublishedFigure | null = null;
  for (const f of figs) if (!best || f.ndcg > best.ndcg) best = f;
  return best;
}

/**
 * Whether the published figures for a data set were computed with the user's training items
 * removed from the ranking. Ferrari Dacrema et al.'s framework (citeulike-a) removes seen items
 * before ranking; DeepCF's evaluation code (lastfm) scores every listed item, training items
 * included. Our methods follow the same protocol per data set so the comparison is like for
 * like (override with METHOD.exclude=0|1). Unknown sets: 1.
 */
export function excludeSeenDefault(dataset: string): number {
  return dataset === 'lastfm' ? 0 : 1;
}
