/**
 * Label strategies, selectable per client:
 *  - engagement: impressed candidates only; positive when acted on (action = positive)
 *  - funnel:     every candidate; positive when impressed (funnel efficiency: did it survive the
 *                rest of the funnel and get shown)
 *  - blended:    every candidate; impressed ones positive with weight `impressionWeight`, acted
 *                on ones positive with their (larger) action weight
 *  - local:      engagement, with positives weighted up by `localBoost` when pin locale = user locale
 * Action weights are per surface (home feed weighs saves, notifications weigh clicks). A
 * negative action weight (e.g. hide) makes an impressed row a weighted negative.
 */
export type LabelStrategy = 'engagement' | 'funnel' | 'blended' | 'local';
export const LABEL_STRATEGIES: readonly LabelStrategy[] = ['engagement', 'funnel', 'blended', 'local'];

export interface LabelConfig {
  strategy: LabelStrategy;
  /** weight of each action as a positive (negative = a weighted negative) */
  actionWeights: Record<string, number>;
  /** blended: weight of an impression without action */
  impressionWeight: number;
  /** local: multiplier for positives where the pin's locale matches the viewer's */
  localBoost: number;
}

export const SURFACE_LABELS: Record<string, LabelConfig> = {
  homefeed: { strategy: 'engagement', actionWeights: { save: 3, click: 1, closeup: 1, hide: -2 }, impressionWeight: 0.3, localBoost: 2 },
  // blended/funnel labels learn whatever decided impressions; with visit-order serving that is
  // visit order itself (see docs/ranking.md), so related starts on engagement labels too
  related: { strategy: 'engagement', actionWeights: { save: 2, click: 1.5, closeup: 1, hide: -1 }, impressionWeight: 0.3, localBoost: 2 },
  notifications: { strategy: 'engagement', actionWeights: { click: 3, save: 1, hide: -1 }, impressionWeight: 0.3, localBoost: 2 },
};

export const DEFAULT_LABELS: LabelConfig = {
  strategy: 'engagement',
  actionWeights: { save: 2, click: 1, closeup: 1, hide: -1 },
  impressionWeight: 0.3,
  localBoost: 2,
};

export function labelConfigFor(client: string, override?: Partial<LabelConfig>): LabelConfig {
  const base = SURFACE_LABELS[client] ?? DEFAULT_LABELS;
  const cfg = { ...base, ...override, actionWeights: { ...(override?.actionWeights ?? base.actionWeights) } };
  checkLabelConfig(cfg);
  return cfg;
}

export function checkLabelConfig(c: LabelConfig): void {
  if (!LABEL_STRATEGIES.includes(c.strategy)) {
    throw new Error(`labels: unknown strategy '${c.strategy}' (one of ${LABEL_STRATEGIES.join(', ')})`);
  }
  for (const [a, w] of Object.entries(c.actionWeights)) {
    if (!Number.isFinite(w)) throw new Error(`labels: weight of action '${a}' is not a number`);
  }
  if (!(c.impressionWeight > 0)) throw new Error('labels: impressionWeight must be > 0');
  if (!(c.localBoost > 0)) throw new Error('labels: localBoost must be > 0');
}

/** Parses "save=3,click=1" into action weights. */
export function parseActionWeights(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z_][\w-]*)=(-?[\d.]+(?:e-?\d+)?)$/.exec(part);
    if (!m) throw new Error(`labels: '${part}' is not action=weight`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

export interface Label {
  /** 1 = positive, 0 = negative (logistic target) */
  label: number;
  /** sample weight */
  weight: number;
  /** graded relevance for ranking objectives (0 = not relevant) */
  grade: number;
}

/**
 * Label of one candidate from the set of events on it. Returns null when the strategy excludes
 * the row (engagement and local use impressed candidates only).
 */
export function labelOf(impressed: boolean, actions: readonly string[], localMatch: boolean, cfg: LabelConfig): Label | null {
  let pos = 0;
  let neg = 0;
  for (const a of actions) {
    const w = cfg.actionWeights[a];
    if (w === undefined) continue;
    if (w > pos) pos = w;
    if (w < 0 && -w > neg) neg = -w;
  }
  // an action implies the pin was seen even if the impression event was lost
  const seen = impressed || pos > 0 || neg > 0;
  switch (cfg.strategy) {
    case 'funnel':
      return { label: seen ? 1 : 0, weight: 1, grade: seen ? 1 : 0 };
    case 'blended':
      if (pos > 0) return { label: 1, weight: pos, grade: 1 + pos };
      if (neg > 0) return { label: 0, weight: neg, grade: 0 };
      if (seen) return { label: 1, weight: cfg.impressionWeight, grade: 1 };
      return { label: 0, weight: 1, grade: 0 };
    case 'engagement':
    case 'local': {
      if (!seen) return null;
      const boost = cfg.strategy === 'local' && localMatch ? cfg.localBoost : 1;
      if (pos > 0) return { label: 1, weight: pos * boost, grade: pos * boost };
      if (neg > 0) return { label: 0, weight: neg, grade: 0 };
      return { label: 0, weight: 1, grade: 0 };
    }
  }
}
