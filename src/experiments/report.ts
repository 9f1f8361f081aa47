import { assignVariant } from './bucket.js';
import type { ExperimentConfig } from './config.js';
import { twoProportionZ, wilson, type ZTest } from './stats.js';

/** The fields of a logged event the report reads (EngagementEvent has them all). */
export interface ReportEvent {
  user: string;
  pin: string;
  action: string;
  timestamp: number;
  experimentId?: string;
  variant?: string;
}

export interface ReportOptions {
  experiment: string;
  /** the definition: fixes the variant order and control, and buckets events logged without a variant */
  config?: ExperimentConfig;
  /** control variant (default: config's control, else "control" when present, else the first seen) */
  control?: string;
  /** inclusive / exclusive epoch ms */
  from?: number;
  to?: number;
}

/** x of n with its 95% Wilson interval. */
export interface Rate {
  x: number;
  n: number;
  value: number;
  low: number;
  high: number;
}

export const FUNNEL = ['impression', 'closeup', 'click', 'save'] as const;

export interface FunnelStep {
  stage: (typeof FUNNEL)[number];
  count: number;
  /** count / impressions */
  ofImpressions: Rate;
  /** count / previous stage's count (null for the first stage and when the previous count is 0) */
  ofPrevious: Rate | null;
}

export interface VariantReport {
  variant: string;
  users: number;
  /** events per action */
  actions: Record<string, number>;
  impressions: number;
  clicks: number;
  saves: number;
  /** clicks / impressions */
  ctr: Rate;
  /** saves / impressions */
  saveRate: Rate;
  funnel: FunnelStep[];
  /** two-proportion z-tests against the control (null for the control itself) */
  vsControl: { ctr: ZTest | null; saveRate: ZTest | null } | null;
}

export interface ExperimentReport {
  experiment: string;
  control: string | null;
  /** events of this experiment that were counted */
  events: number;
  skipped: { otherExperiment: number; outOfRange: number; noVariant: number; unknownVariant: number };
  variants: VariantReport[];
}

/**
 * Rate with a Wilson interval. Counts are event counts, so a numerator can exceed its
 * denominator (two clicks on one impression); the interval then uses x capped at n.
 */
export function rate(x: number, n: number): Rate {
  const ci = wilson(Math.min(x, n), n);
  return { x, n, value: n === 0 ? 0 : x / n, low: ci.low, high: ci.high };
}

interface Acc {
  users: Set<string>;
  actions: Map<string, number>;
}

/**
 * Per-variant impressions, clicks, saves, CTR and save rate with 95% intervals, the
 * impression -> closeup -> click -> save funnel and z-tests against the control, from a stream
 * of events. Events of other experiments are skipped; so are events without a variant unless
 * `config` is given (they are then bucketed by user, as serving would have).
 */
export async function experimentReport(events: AsyncIterable<ReportEvent> | Iterable<ReportEvent>, opts: ReportOptions): Promise<ExperimentReport> {
  if (!opts.experiment) throw new Error('experiment report: no experiment name given');
  const cfg = opts.config;
  if (cfg && cfg.name !== opts.experiment) throw new Error(`experiment report: config is for "${cfg.name}", not "${opts.experiment}"`);
  const known = cfg ? new Set(cfg.variants.map((v) => v.name)) : null;
  const from = opts.from ?? -Infinity;
  const to = opts.to ?? Infinity;
  const accs = new Map<string, Acc>();
  if (cfg) for (const v of cfg.variants) accs.set(v.name, { users: new Set(), actions: new Map() });
  const skipped = { otherExperiment: 0, outOfRange: 0, noVariant: 0, unknownVariant: 0 };
  let counted = 0;
  for await (const e of events) {
    if (e.experimentId !== opts.experiment) {
      skipped.otherExperiment++;
      continue;
    }
    if (!(e.timestamp >= from && e.timestamp < to)) {
      skipped.outOfRange++;
      continue;
    }
    let v = e.variant;
    if (v === undefined || v === '') {
      if (!cfg) {
        skipped.noVariant++;
        continue;
      }
      v = assignVariant(cfg, e.user).name;
    }
    if (known && !known.has(v)) {
      skipped.unknownVariant++;
      continue;
    }
    let a = accs.get(v);
    if (!a) accs.set(v, (a = { users: new Set(), actions: new Map() }));
    a.users.add(e.user);
    a.actions.set(e.action, (a.actions.get(e.action) ?? 0) + 1);
    counted++;
  }
  const names = [...accs.keys()];
  if (!cfg) names.sort();
  const control = opts.control ?? cfg?.control ?? (names.includes('control') ? 'control' : (names[0] ?? null));
  if (opts.control !== undefined && !accs.has(opts.control))
    throw new Error(`experiment report: control "${opts.control}" has no events (variants seen: ${names.join(', ') || 'none'})`);
  const base = control === null ? undefined : accs.get(control);
  // control first, then the rest (config order, else by name)
  if (control !== null && names.includes(control)) names.splice(0, names.length, control, ...names.filter((x) => x !== control));
  const variants = names.map((name) => variantReport(name, accs.get(name)!, name === control ? undefined : base));
  return { experiment: opts.experiment, control, events: counted, skipped, variants };
}

function variantReport(name: string, a: Acc, control: Acc | undefined): VariantReport {
  const n = (acc: Acc, act: string): number => acc.actions.get(act) ?? 0;
  const imp = n(a, 'impression');
  const funnel: FunnelStep[] = [];
  let prev = -1;
  for (const stage of FUNNEL) {
    const c = n(a, stage);
    funnel.push({ stage, count: c, ofImpressions: rate(c, imp), ofPrevious: prev <= 0 ? null : rate(c, prev) });
    prev = c;
  }
  let vsControl: VariantReport['vsControl'] = null;
  if (control) {
    const ci = n(control, 'impression');
    vsControl = {
      ctr: twoProportionZ(Math.min(n(control, 'click'), ci), ci, Math.min(n(a, 'click'), imp), imp),
      saveRate: twoProportionZ(Math.min(n(control, 'save'), ci), ci, Math.min(n(a, 'save'), imp), imp),
    };
  }
  return {
    variant: name,
    users: a.users.size,
    actions: Object.fromEntries([...a.actions.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1))),
    impressions: imp,
    clicks: n(a, 'click'),
    saves: n(a, 'save'),
    ctr: rate(n(a, 'click'), imp),
    saveRate: rate(n(a, 'save'), imp),
    funnel,
    vsControl,
  };
}

const pct = (x: number, d = 2): string => `${(x * 100).toFixed(d)}%`;
const withCi = (r: Rate): string => `${pct(r.value)} [${pct(r.low)}, ${pct(r.high)}]`;
const test = (t: ZTest | null | undefined): string =>
  !t ? '—' : `${t.diff >= 0 ? '+' : ''}${(t.diff * 100).toFixed(2)} pp${t.lift === null ? '' : ` (${t.lift >= 0 ? '+' : ''}${(t.lift * 100).toFixed(1)}%)`}, p=${t.pValue < 0.0001 ? '<0.0001' : t.pValue.toFixed(4)}`;

/** Markdown tables: the summary per variant, then the funnel. */
export function formatExperimentReport(r: ExperimentReport): string {
  const lines = [
    `experiment ${r.experiment}: ${r.events} events, control ${r.control ?? '(none)'}` +
      (r.skipped.noVariant + r.skipped.unknownVariant + r.skipped.outOfRange > 0
        ? ` (skipped: ${r.skipped.noVariant} without variant, ${r.skipped.unknownVariant} unknown variant, ${r.skipped.outOfRange} out of range)`
        : ''),
    '',
    '| variant | users | impressions | clicks | saves | CTR [95% CI] | save rate [95% CI] | CTR vs control | save rate vs control |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const v of r.variants)
    lines.push(
      `| ${v.variant}${v.variant === r.control ? ' (control)' : ''} | ${v.users} | ${v.impressions} | ${v.clicks} | ${v.saves} | ${withCi(v.ctr)} | ${withCi(v.saveRate)} | ${test(v.vsControl?.ctr)} | ${test(v.vsControl?.saveRate)} |`,
    );
  lines.push('', '| variant | impressions | closeups (of impr.) | clicks (of closeups) | saves (of clicks) |', '|---|---|---|---|---|');
  for (const v of r.variants) {
    const f = v.funnel;
    const cell = (s: FunnelStep): string => `${s.count} (${s.ofPrevious ? pct(s.ofPrevious.value, 1) : '—'})`;
    lines.push(`| ${v.variant} | ${f[0]!.count} | ${cell(f[1]!)} | ${cell(f[2]!)} | ${cell(f[3]!)} |`);
  }
  return lines.join('\n') + '\n';
}
